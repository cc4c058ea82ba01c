/**
 * Compiles batch models and cascades to Argo Workflows (v4 API: `schedules:` list on CronWorkflow).
 * Objects are plain `ApiObject`s: the generated Argo bindings are 7.5 MB of TypeScript, and loading
 * them would cost more than the whole synth of a large cascade.
 *
 * A cascade becomes a WorkflowTemplate `<cascade>` (blocks in sequence, stages in sequence inside a
 * block, models in parallel inside a stage) plus, with a schedule, a CronWorkflow that runs it. A
 * `when` sits on each model's sub-DAG (submit, then wait): Argo does not cascade skips, so a `when` on
 * the submit step alone would let the wait run. Submit is a `create` resource template (the
 * SparkApplication named `<model>-<step>-<digest of the workflow name>`), wait a `get` with
 * `status.applicationState.state == COMPLETED` / `== FAILED` conditions.
 *
 * Run-time values ({{ ds }}, …) in a model's arguments and env values are written in Argo's syntax
 * (manifest-values.ts); every string of every object is then checked for any other `{{` (the safety net:
 * a team's text is never evaluated by Argo).
 */
import { ApiObject, ApiObjectProps } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import type { TeamModels } from '../../team-models';
import { standardLabels } from '../../../core/labels';
import { SPARK_API, SPARK_API_VERSION } from '../spark';
import { CASCADE_STAGES, CascadeBlockShape, CascadeStage } from '../stages';
import { argoManifest, assertArgoTags } from './manifest-values';

/** The ServiceAccount Argo workflow pods of a team run as. */
export const ARGO_RUNNER_SA = 'modelplane-argo';

/** Argo's API version. */
export const ARGO_API = 'argoproj.io/v1alpha1';

/** The Argo expression giving a run-unique, deterministic suffix (10 hex chars of sha256(workflow name)). */
export const ARGO_RUN_DIGEST = '{{=sprig.trunc(10, sprig.sha256sum(workflow.name))}}';

/** The tags modelplane itself writes into Argo objects (the run digest, the wait's input, the `when` of a cascade). */
const OWN_TAGS = [
  ARGO_RUN_DIGEST.slice(2, -2),
  'inputs.parameters.name',
  'tasks.submit.outputs.parameters.name',
  'workflow.parameters.blocks',
  'workflow.parameters.models',
];

/** The largest Argo object we emit (the API server's limit is about 1.5 MiB; headroom for status). */
export const MAX_ARGO_OBJECT_BYTES = 1_000_000;

/** Creates (once per team chart) the ServiceAccount and RBAC Argo workflow pods need. Returns the SA name. */
export function ensureArgoRunner(chart: TeamModels): string {
  if (chart.node.tryFindChild('argo-runner')) return ARGO_RUNNER_SA;
  const scope = new Construct(chart, 'argo-runner');
  const labels = standardLabels({ name: 'argo-runner', instance: chart.team, component: 'rbac', team: chart.team });
  new k8s.KubeServiceAccount(scope, 'ServiceAccount', {
    // The Argo executor reports results through the API server.
    metadata: { name: ARGO_RUNNER_SA, namespace: chart.team, labels },
    automountServiceAccountToken: true,
  });
  new k8s.KubeRole(scope, 'Role', {
    metadata: { name: ARGO_RUNNER_SA, namespace: chart.team, labels },
    rules: [
      { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] },
      {
        apiGroups: [SPARK_API.group],
        resources: [SPARK_API.plural],
        verbs: ['create', 'get', 'list', 'watch', 'patch', 'delete'],
      },
    ],
  });
  new k8s.KubeRoleBinding(scope, 'RoleBinding', {
    metadata: { name: ARGO_RUNNER_SA, namespace: chart.team, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: ARGO_RUNNER_SA },
    subjects: [{ kind: 'ServiceAccount', name: ARGO_RUNNER_SA, namespace: chart.team }],
  });
  return ARGO_RUNNER_SA;
}

/** An Argo template (the subset we emit). */
export type ArgoTemplate = Record<string, unknown> & { name: string };

/**
 * The create (submit) template of one step of one model: the SparkApplication with a run-unique name and
 * its run-time values in Argo's syntax. `params` are the workflow parameters `{{ params.NAME }}` may
 * use (none on a CronWorkflow). Throws if any other `{{` would reach Argo (see {@link assertArgoTags}).
 */
export function submitTemplate(
  name: string,
  manifest: Record<string, unknown>,
  model: string,
  step: string,
  params: readonly string[] = [],
): ArgoTemplate {
  const translated = argoManifest(manifest);
  const metadata = { ...(translated.metadata as Record<string, unknown>), name: `${model}-${step}-${ARGO_RUN_DIGEST}` };
  delete (metadata as Record<string, unknown>).namespace;
  const body = { ...translated, metadata };
  assertArgoTags(body, `Argo template "${name}" (model "${model}", step ${step})`, OWN_TAGS, params);
  return {
    name,
    resource: { action: 'create', manifest: JSON.stringify(body) },
    outputs: { parameters: [{ name: 'name', valueFrom: { jsonPath: '{.metadata.name}' } }] },
  };
}

/** The generic wait template: gets the SparkApplication until it completed (success) or failed (failure). */
export function waitTemplate(): ArgoTemplate {
  return {
    name: 'spark-wait',
    inputs: { parameters: [{ name: 'name' }] },
    resource: {
      action: 'get',
      manifest: JSON.stringify({
        apiVersion: SPARK_API_VERSION,
        kind: SPARK_API.kind,
        metadata: { name: '{{inputs.parameters.name}}' },
      }),
      successCondition: 'status.applicationState.state == COMPLETED',
      failureCondition: 'status.applicationState.state == FAILED',
    },
  };
}

/** A DAG template running submit, then wait on the name it created. */
export function submitWaitDag(name: string, submit: string): ArgoTemplate {
  return {
    name,
    dag: {
      tasks: [
        { name: 'submit', template: submit },
        {
          name: 'wait',
          template: 'spark-wait',
          depends: 'submit',
          arguments: { parameters: [{ name: 'name', value: '{{tasks.submit.outputs.parameters.name}}' }] },
        },
      ],
    },
  };
}

/** The size limit and the safety net over every string of a compiled object. */
function checkObject(kind: string, name: string, obj: unknown, params: readonly string[] = []): void {
  checkSize(kind, name, obj);
  assertArgoTags(obj, `Argo ${kind} "${name}"`, OWN_TAGS, params);
}

function checkSize(kind: string, name: string, obj: unknown): void {
  const bytes = Buffer.byteLength(JSON.stringify(obj));
  if (bytes > MAX_ARGO_OBJECT_BYTES) {
    throw new Error(
      `Argo ${kind} "${name}": ${bytes} bytes, more than the ${MAX_ARGO_OBJECT_BYTES} bytes the API server stores in one object. Fix: split the cascade, or run it on Airflow (the default target), whose DAG reads each model's template from its ConfigMap.`,
    );
  }
}

/**
 * The pod security context of every pod of our workflows (spec.securityContext). Argo's own default for its
 * executor containers is locked down only while the controller's `executor.securityContext` is unset; this
 * keeps the pods within Pod Security "restricted" whatever the controller is configured with. No UID: the
 * argoexec image runs as its own non-root user.
 */
export const WORKFLOW_POD_SECURITY = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } as const;

/** Name, namespace and labels of an Argo object. */
export interface ArgoMetadata {
  /** Object name. */
  readonly name: string;
  /** Namespace (the team). */
  readonly namespace: string;
  /** Labels. */
  readonly labels: Record<string, string>;
}

/** A CronWorkflow (one run at a time, UTC, three runs of history) running `workflowSpec` on `schedule`. */
function cronWorkflow(meta: ArgoMetadata, schedule: string, workflowSpec: Record<string, unknown>): ApiObjectProps {
  return {
    apiVersion: ARGO_API,
    kind: 'CronWorkflow',
    metadata: { name: meta.name, namespace: meta.namespace, labels: meta.labels },
    spec: {
      schedules: [schedule],
      timezone: 'UTC',
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      workflowSpec,
    },
  };
}

/** Options of {@link argoCronWorkflow}. */
export interface ModelCronOptions extends ArgoMetadata {
  /** Five-field cron schedule. */
  readonly schedule: string;
  /** The ServiceAccount the workflow pods run as. */
  readonly serviceAccountName: string;
  /** The SparkApplication manifest (template) of the run. */
  readonly manifest: Record<string, unknown>;
  /** The model name. */
  readonly model: string;
  /** The run (`train` or `score`), part of the application name. */
  readonly step: string;
}

/** The CronWorkflow of one scheduled run of one model. */
export function argoCronWorkflow(scope: Construct, id: string, o: ModelCronOptions): ApiObject {
  const body = cronWorkflow(o, o.schedule, {
    entrypoint: 'main',
    serviceAccountName: o.serviceAccountName,
    securityContext: WORKFLOW_POD_SECURITY,
    templates: [submitWaitDag('main', 'spark-submit'), submitTemplate('spark-submit', o.manifest, o.model, o.step), waitTemplate()],
  });
  checkObject('CronWorkflow', o.name, body);
  return new ApiObject(scope, id, body);
}

/** What the cascade compiler needs. */
export interface ArgoCascadeInput {
  /** Cascade name (the WorkflowTemplate and CronWorkflow name). */
  readonly cascade: string;
  /** Namespace (the team). */
  readonly namespace: string;
  /** Five-field cron schedule. @default - none (no CronWorkflow) */
  readonly schedule?: string;
  /** The ServiceAccount the workflow pods run as. */
  readonly serviceAccountName: string;
  /** Labels of both objects. */
  readonly labels: Record<string, string>;
  /** Blocks in order, each with its models in order. */
  readonly blocks: readonly CascadeBlockShape[];
  /** The SparkApplication manifest of each model for each stage. */
  readonly manifests: (model: string, stage: CascadeStage) => Record<string, unknown>;
  /**
   * Workflow parameters the models' `{{ params.NAME }}` run-time values use: declared without a value,
   * so a submission must give each one. @default [] (none)
   */
  readonly params?: readonly string[];
}

/** The `when` of a model in a block: both selected in the comma-separated `blocks` and `models` parameters. */
export function argoWhen(block: string, model: string): string {
  const has = (param: string, item: string) => `'{{workflow.parameters.${param}}}' =~ '(^|,) *${item} *(,|$)'`;
  return `${has('blocks', block)} && ${has('models', model)}`;
}

/** Tasks that run in sequence: each depends on the one before. */
function inSequence<T extends { name: string }>(tasks: readonly T[]): (T & { depends?: string })[] {
  return tasks.map((t, i) => ({ ...t, ...(i > 0 ? { depends: tasks[i - 1].name } : {}) }));
}

/** The templates of each block: the block (stages in sequence), then each stage (the block's models in parallel). */
function blockTemplates(b: CascadeBlockShape): ArgoTemplate[] {
  return [
    { name: `block-${b.name}`, dag: { tasks: inSequence(CASCADE_STAGES.map((s) => ({ name: s, template: `${b.name}-${s}` }))) } },
    ...CASCADE_STAGES.map((s) => ({
      name: `${b.name}-${s}`,
      dag: { tasks: b.models.map((m) => ({ name: m, template: `${m}-${s}`, when: argoWhen(b.name, m) })) },
    })),
  ];
}

/** The templates of each model in each stage: submit, then wait. */
function modelTemplates(input: ArgoCascadeInput, models: readonly string[]): ArgoTemplate[] {
  return models.flatMap((m) =>
    CASCADE_STAGES.flatMap((s) => [
      submitWaitDag(`${m}-${s}`, `${m}-${s}-submit`),
      submitTemplate(`${m}-${s}-submit`, input.manifests(m, s), m, s, input.params ?? []),
    ]),
  );
}

/** The cascade's WorkflowTemplate: blocks in sequence, their templates, every model's, the shared wait. */
function cascadeWorkflowTemplate(input: ArgoCascadeInput): ApiObjectProps {
  const allModels = input.blocks.flatMap((b) => b.models);
  const blockTasks = inSequence(input.blocks.map((b) => ({ name: b.name, template: `block-${b.name}` })));
  const templates = [...input.blocks.flatMap(blockTemplates), ...modelTemplates(input, allModels), waitTemplate()];
  return {
    apiVersion: ARGO_API,
    kind: 'WorkflowTemplate',
    metadata: { name: input.cascade, namespace: input.namespace, labels: input.labels },
    spec: {
      entrypoint: 'cascade',
      serviceAccountName: input.serviceAccountName,
      securityContext: WORKFLOW_POD_SECURITY,
      arguments: {
        parameters: [
          {
            name: 'blocks',
            value: input.blocks.map((b) => b.name).join(','),
            description: 'Comma-separated blocks to run (default: all).',
          },
          { name: 'models', value: allModels.join(','), description: 'Comma-separated models to run (default: all).' },
          ...(input.params ?? []).map((p) => ({ name: p, description: `Required: the value of the models' run-time value params.${p}.` })),
        ],
      },
      templates: [{ name: 'cascade', dag: { tasks: blockTasks } }, ...templates],
    },
  };
}

/** The WorkflowTemplate (and CronWorkflow with a schedule) of a cascade. */
export function argoCascade(scope: Construct, input: ArgoCascadeInput): ApiObject[] {
  const body = cascadeWorkflowTemplate(input);
  checkObject('WorkflowTemplate', input.cascade, body, input.params ?? []);
  const out = [new ApiObject(scope, 'ArgoWorkflowTemplate', body)];
  if (input.schedule) {
    const meta = { name: input.cascade, namespace: input.namespace, labels: input.labels };
    out.push(
      new ApiObject(scope, 'ArgoCronWorkflow', cronWorkflow(meta, input.schedule, { workflowTemplateRef: { name: input.cascade } })),
    );
  }
  return out;
}
