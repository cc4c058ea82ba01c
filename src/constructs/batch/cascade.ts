import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { BatchJob, cascadeDag, cascadeDagId, CASCADE_STAGES, CascadeStage, dagFileName, templateKey } from './airflow/dag';
import { argoCascade, ensureArgoRunner } from './argo/compile';
import { Validator } from '../../core/errors';
import { LABELS, standardLabels } from '../../core/labels';
import { cascadeMermaid } from './mermaid';
import { checkCron, checkName } from '../../core/validate';
import { duplicates } from '../../core/records';
import { MAX_BATCH_MODEL_NAME, SparkBatchModel } from './spark-batch-model';
import { TeamDags } from './team-dags';
import { TeamModels } from '../team-models';

/** Longest cascade name (DAG id part, Argo CronWorkflow names are limited to 52). */
export const MAX_CASCADE_NAME = 40;
/** Longest block name. */
export const MAX_BLOCK_NAME = 40;

/** Where a cascade runs. */
export type CascadeTarget = 'airflow' | 'argo';

/** A block: models that run in parallel. */
export interface CascadeBlock {
  /** Block name (DNS label, at most 40 characters). */
  readonly name: string;
  /** The block's models: SparkBatchModel constructs or their names (created before the cascade). */
  readonly models: readonly (string | IConstruct)[];
}

/** Properties of a {@link Cascade}. */
export interface CascadeProps {
  /** Cascade name; the DAG id is `<team>.<name>`. @default - the construct id */
  readonly name?: string;
  /** Blocks, run in sequence. */
  readonly blocks: readonly CascadeBlock[];
  /** Five-field cron schedule; scheduled runs run every block and model. @default - none (triggered only) */
  readonly schedule?: string;
  /** Airflow Asset URIs whose update starts a run (Airflow only). @default [] */
  readonly assets?: readonly string[];
  /** The model run the `run` stage uses. @default "score" */
  readonly job?: BatchJob;
  /** Where download stages stage inputs (`<stagingUri>/<run digest>/<model>`). @default "s3a://modelplane-staging/<team>/<cascade>" */
  readonly stagingUri?: string;
  /** Orchestrators to compile to. @default ["airflow"] */
  readonly targets?: readonly CascadeTarget[];
  /** Seconds between two status reads of a running SparkApplication. @default 30 */
  readonly pollIntervalSeconds?: number;
  /** Seconds one stage of one model may run before its wait fails. @default 21600 (6 h) */
  readonly timeoutSeconds?: number;
  /** Retries of a submit task (creation is idempotent). @default 2 */
  readonly submitRetries?: number;
  /** Description shown in Airflow. @default - generated */
  readonly description?: string;
}

/**
 * A model cascade (seed 000): many batch models in ONE DAG. Blocks run in sequence; the models of a
 * block run in parallel; each block runs three stages in order (download, run, export), and every
 * model has a select, submit and wait task in every stage. A run can pick blocks and models with the
 * `blocks` and `models` params (default: all); an unselected model never starts a Spark session and
 * never stops later blocks; a failed model fails the run and later blocks do not start.
 *
 * Compiles to an Airflow DAG (`<team>.<cascade>`, delivered through the team's DAG ConfigMap and
 * written to `dist/dags/`) and, on request, to an Argo WorkflowTemplate and CronWorkflow. {@link graph}
 * renders it as Mermaid text.
 */
export class Cascade extends Construct {
  /** Cascade name. */
  public readonly cascadeName: string;
  /** The team. */
  public readonly team: string;
  /** The Airflow DAG id. */
  public readonly dagId: string;
  /** Blocks with resolved model names. */
  public readonly blocks: readonly { readonly name: string; readonly models: readonly string[] }[];
  /** The generated DAG file's source (when Airflow is a target). */
  public readonly dagSource?: string;
  /** Argo objects (when Argo is a target). */
  public readonly argoObjects: readonly ApiObject[];

  constructor(scope: Construct, id: string, props: CascadeProps) {
    const chart = TeamModels.find(scope, 'Cascade');
    const name = props.name ?? id;
    const v = new Validator('Cascade', id);
    checkName(v, 'name', name, MAX_CASCADE_NAME);
    const job = props.job ?? 'score';
    v.check(job === 'score' || job === 'train', 'job', job, 'is not a model run', 'use "score" (batch inference) or "train"');
    const targets = props.targets ?? ['airflow'];
    v.check(
      Array.isArray(targets) && targets.length > 0,
      'targets',
      targets,
      'must name at least one orchestrator',
      'use ["airflow"], ["argo"] or both',
    );
    for (const [i, t] of [...targets].entries())
      v.check(t === 'airflow' || t === 'argo', `targets[${i}]`, t, 'is not a cascade orchestrator', 'use "airflow" or "argo"');
    for (const d of duplicates([...targets])) v.fail('targets', d, 'is listed twice', 'list each orchestrator once');
    if (props.schedule !== undefined) checkCron(v, 'schedule', props.schedule);
    const assets = props.assets ?? [];
    assets.forEach((a, i) =>
      v.check(
        typeof a === 'string' && /^[a-z][a-z0-9+.-]*:\/\/\S+$/.test(a),
        `assets[${i}]`,
        a,
        'is not a dataset URI',
        'write it like "s3://features/churn/daily"',
      ),
    );
    v.check(
      assets.length === 0 || targets.includes('airflow'),
      'assets',
      assets,
      'are Airflow Assets but Airflow is not a target',
      'add "airflow" to targets or use a cron schedule',
    );
    const stagingUri = props.stagingUri ?? `s3a://modelplane-staging/${chart.team}/${name}`;
    v.check(
      /^s3a:\/\/[^\s/]+(\/\S*)?$/.test(stagingUri) && !stagingUri.endsWith('/'),
      'stagingUri',
      stagingUri,
      'is not an s3a:// URI without a trailing "/"',
      'write it like "s3a://staging/team/cascade"',
    );
    const poll = props.pollIntervalSeconds ?? 30;
    v.check(
      Number.isInteger(poll) && poll >= 1 && poll <= 3600,
      'pollIntervalSeconds',
      poll,
      'must be a whole number from 1 to 3600',
      'keep the default 30',
    );
    const timeout = props.timeoutSeconds ?? 21600;
    v.check(
      Number.isInteger(timeout) && timeout >= 60,
      'timeoutSeconds',
      timeout,
      'must be a whole number of seconds, 60 or more',
      'keep the default 21600 (6 h)',
    );
    const submitRetries = props.submitRetries ?? 2;
    v.check(
      Number.isInteger(submitRetries) && submitRetries >= 0 && submitRetries <= 10,
      'submitRetries',
      submitRetries,
      'must be a whole number from 0 to 10',
      'keep the default 2',
    );

    // Models of the team, by name: batch models first, then anything else that carries the name as its
    // `modelName` or `name` (online models: OnlineModel and the like), to say why it cannot be used.
    const known = new Map<string, IConstruct>();
    const all = chart.node.findAll();
    for (const c of all) if (c instanceof SparkBatchModel) known.set(c.modelName, c);
    for (const c of all) {
      if (c instanceof SparkBatchModel) continue;
      for (const key of ['modelName', 'name'] as const) {
        const n = (c as unknown as Record<string, unknown>)[key];
        if (typeof n === 'string' && !known.has(n) && /Model$/.test(c.constructor.name)) known.set(n, c);
      }
    }
    const blocksIn = props.blocks;
    const blocks: { name: string; models: string[] }[] = [];
    const batch = new Map<string, SparkBatchModel>();
    const firstBlock = new Map<string, string>();
    if (
      v.check(
        Array.isArray(blocksIn) && blocksIn.length > 0,
        'blocks',
        blocksIn,
        'a cascade needs at least one block',
        'pass blocks: [{ name: "features", models: [...] }]',
      )
    ) {
      for (const d of duplicates(blocksIn.map((b) => b.name)))
        v.fail('blocks', d, 'names the same block twice', 'give every block its own name, or merge the two blocks');
      blocksIn.forEach((b, i) => {
        checkName(v, `blocks[${i}].name`, b.name, MAX_BLOCK_NAME);
        const models: string[] = [];
        if (
          !v.check(
            Array.isArray(b.models) && b.models.length > 0,
            `blocks[${i}].models`,
            b.models,
            'is empty; a block needs at least one model',
            'add models to the block or remove it',
          )
        ) {
          blocks.push({ name: b.name, models });
          return;
        }
        b.models.forEach((ref, j) => {
          const field = `blocks[${i}].models[${j}]`;
          let model: IConstruct | undefined;
          let modelName: string;
          if (typeof ref === 'string') {
            modelName = ref;
            model = known.get(ref);
            if (
              !v.check(
                model !== undefined,
                field,
                ref,
                `is not a model of team "${chart.team}" (known: ${[...known.keys()].sort().join(', ') || 'none'})`,
                'create the SparkBatchModel before the cascade, in the same TeamModels chart, and use its name',
              )
            )
              return;
          } else {
            model = ref;
            modelName = String((ref as unknown as { modelName?: unknown }).modelName ?? ref.node.id);
          }
          if (!(model instanceof SparkBatchModel)) {
            v.fail(
              field,
              modelName,
              `is an online model (${model?.constructor.name ?? 'unknown'}); a cascade runs batch models only`,
              'serve it on its own, or define it as a SparkBatchModel',
            );
            return;
          }
          if (
            !v.check(
              model.team === chart.team,
              field,
              modelName,
              `belongs to team "${model.team}", not "${chart.team}"`,
              "use models of the cascade's own team",
            )
          )
            return;
          if (
            !v.check(
              modelName.length <= MAX_BATCH_MODEL_NAME,
              field,
              modelName,
              `is ${modelName.length} characters long, the limit is ${MAX_BATCH_MODEL_NAME}`,
              'shorten the model name',
            )
          )
            return;
          const prev = firstBlock.get(modelName);
          if (prev !== undefined) {
            v.fail(
              field,
              modelName,
              prev === b.name ? `is listed twice in block "${b.name}"` : `is already in block "${prev}"; a model runs in one block only`,
              'keep the model in one block',
            );
            return;
          }
          firstBlock.set(modelName, b.name);
          v.check(
            model.jobs.includes(job),
            field,
            modelName,
            `has no ${job} run, which the cascade's run stage uses`,
            `add ${job}: { mainApplicationFile: ... } to the model, or set the cascade's job`,
          );
          v.check(
            model.cascadeReady,
            field,
            modelName,
            'has no cascade output (where its predictions go)',
            'add cascade: { outputTable: "db.table" } or { outputPath: "s3a://…" } to the model',
          );
          batch.set(modelName, model);
          models.push(modelName);
        });
        blocks.push({ name: b.name, models });
      });
    }
    v.done();

    super(scope, id);
    this.cascadeName = name;
    this.team = chart.team;
    this.dagId = cascadeDagId(chart.team, name);
    this.blocks = blocks;
    const labels = {
      ...standardLabels({ name: 'cascade', instance: name, component: 'orchestration', team: chart.team }),
      [LABELS.cascade]: name,
    };

    // Argo first: its size check is the last thing that can fail, and it fails before anything else is added.
    const argo: ApiObject[] = [];
    if (targets.includes('argo')) {
      const manifests = (model: string, stage: CascadeStage) => batch.get(model)!.templates[templateKey(stage === 'run' ? job : stage)];
      argo.push(
        ...argoCascade(this, {
          cascade: name,
          namespace: chart.team,
          schedule: props.schedule,
          serviceAccountName: ensureArgoRunner(chart),
          labels,
          blocks,
          manifests,
        }),
      );
    }
    this.argoObjects = argo;

    if (targets.includes('airflow')) {
      const description = props.description ?? `Cascade ${name} of team ${chart.team}: ${blocks.length} blocks, ${batch.size} models.`;
      this.dagSource = cascadeDag({
        team: chart.team,
        cascade: name,
        kubernetesConnId: chart.platform.airflow.kubernetesConnId,
        pollSeconds: poll,
        timeoutSeconds: timeout,
        submitRetries,
        schedule: props.schedule,
        assets: [...assets],
        tags: [`cascade:${name}`],
        description,
        blocks,
        job,
        stagingUri,
      });
      TeamDags.of(chart).addFile(dagFileName(this.dagId), this.dagSource, `Cascade "${id}"`);
    }
  }

  /** The cascade as Mermaid flowchart text (blocks, stages, models). */
  public graph(): string {
    return cascadeMermaid({ name: this.dagId, blocks: this.blocks });
  }

  /** Task ids of the Airflow DAG, in DAG order (`<block>.<stage>.<model>.<select|submit|wait>`). */
  public taskIds(): string[] {
    const out: string[] = [];
    for (const b of this.blocks) {
      for (const s of CASCADE_STAGES)
        for (const m of b.models) for (const t of ['select', 'submit', 'wait']) out.push(`${b.name}.${s}.${m}.${t}`);
    }
    return out;
  }
}
