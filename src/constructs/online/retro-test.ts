import { createHash } from 'crypto';
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Validator } from '../../core/errors';
import { standardLabels } from '../../core/labels';
import { mlserverContainer } from './backends/deployment';
import { MODEL_TEST_SCRIPT, MODEL_TEST_SCRIPT_NAME } from './model-test-script';
import { MLSERVER_PORTS, MLSERVER_UID } from './spec';
import {
  resourceRequirements,
  ResourceSpec,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  scratchVolumes,
  TMP_DIR,
  IMAGE_PULL_POLICY,
} from '../../core/security';
import { checkImage, checkName, checkQuantity, dnsSubdomainProblem } from '../../core/validate';
import { isRecord } from '../../core/records';
import { MODEL_TEST_DIR, MODEL_TEST_IMAGE } from './model-test';
import { findTeamModels } from './online-model';

/** A past period, inclusive, compared as ISO dates/timestamps against the period column. */
export interface RetroPeriod {
  /** First day, e.g. "2025-01-01". */
  readonly from: string;
  /** Last day, e.g. "2025-03-31". */
  readonly to: string;
  /** The column holding each row's date. @default "date" */
  readonly column?: string;
}

/** Properties of a {@link RetroTest}. */
export interface RetroTestProps {
  /** The model version to replay: `models:/name/3`, `models:/name@alias` or `s3://…`. */
  readonly model: string;
  /** The dataset covering the period: `mlflow-artifacts:/…` or `http(s)://…` (CSV with feature columns and the period column). */
  readonly input: string;
  /** The period to score. */
  readonly period: RetroPeriod;
  /** Where the scored rows go. @default "mlflow-artifacts:/retro-tests/<team>/<name>/<from>_<to>/scores.csv" */
  readonly output?: string;
  /** Columns to pass through but not send to the model (e.g. ids). @default [] */
  readonly excludeColumns?: readonly string[];
  /** Model server resources. @default { cpu: "1", memory: "2Gi" } */
  readonly resources?: ResourceSpec;
  /** Name prefix; a hash of the content is appended. @default the construct id */
  readonly name?: string;
  /** Secret with AWS keys for `s3://` models. @default the platform's objectStore.credentialsSecret */
  readonly s3CredentialsSecret?: string;
  /** Image with python3 for the scoring step. @default {@link MODEL_TEST_IMAGE} */
  readonly image?: string;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+Z?)?$/;

/** An ISO date (or date-time) that names a real day: "2025-13-45" has the shape but no calendar day. */
function isIsoDate(value: unknown): boolean {
  if (typeof value !== 'string' || !ISO_DATE.test(value)) return false;
  const day = value.slice(0, 10);
  const parsed = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === day;
}

/**
 * A retro test (seed 004): scores a past period with a given model version and saves the results,
 * for a partner asking how a model would have done on history. One Job, three steps in one pod:
 * MLServer serves the model version as a native sidecar (restartPolicy Always init container; its
 * startup probe gates the next step), the scoring step reads the period's rows, scores them over
 * REST (v2) on localhost and writes the rows with their scores to the output location; when the
 * scoring step exits, Kubernetes stops the sidecar and the Job completes. No workflow engine is
 * needed (Kubernetes ≥ 1.29 for native sidecars).
 */
export class RetroTest extends Construct {
  /** The Job. */
  public readonly job: ApiObject;
  /** Where the results are written. */
  public readonly output: string;

  constructor(scope: Construct, id: string, props: RetroTestProps) {
    super(scope, id);
    const chart = findTeamModels(this, 'RetroTest');
    const v = new Validator('RetroTest', id);
    const prefix = props.name ?? id;
    checkName(v, 'name', prefix, 40);
    v.check(
      typeof props.model === 'string' && /^(models:\/\S+|s3:\/\/\S+)$/.test(props.model),
      'model',
      props.model,
      'is not a model URI',
      'use "models:/fraud/3", "models:/fraud@champion" or an s3:// model directory',
    );
    v.check(
      typeof props.input === 'string' && /^(mlflow-artifacts:\/|https?:\/\/)\S+$/.test(props.input),
      'input',
      props.input,
      'is not a location the scoring step can read',
      'use "mlflow-artifacts:/datasets/fraud/2025.csv" or an http(s) URL',
    );
    const period = props.period;
    if (
      v.check(isRecord(period), 'period', period, 'must be { from, to, column? }', 'write e.g. { from: "2025-01-01", to: "2025-03-31" }')
    ) {
      v.check(isIsoDate(period.from), 'period.from', period.from, 'is not an ISO date', 'write e.g. "2025-01-01"');
      v.check(isIsoDate(period.to), 'period.to', period.to, 'is not an ISO date', 'write e.g. "2025-03-31"');
      if (isIsoDate(period.from) && isIsoDate(period.to)) {
        v.check(period.from <= period.to, 'period', `${period.from}..${period.to}`, 'ends before it starts', 'swap from and to');
      }
    }
    const column = period?.column ?? 'date';
    const output = props.output ?? `mlflow-artifacts:/retro-tests/${chart.team}/${prefix}/${period?.from}_${period?.to}/scores.csv`;
    v.check(
      /^(mlflow-artifacts:\/|https?:\/\/)\S+$/.test(output),
      'output',
      output,
      'is not a location the scoring step can write',
      'use "mlflow-artifacts:/retro-tests/..." (stored through MLflow\'s artifact proxy)',
    );
    const resources = props.resources ?? { cpu: '1', memory: '2Gi' };
    checkQuantity(v, 'resources.cpu', resources.cpu, '1');
    checkQuantity(v, 'resources.memory', resources.memory, '2Gi');
    const image = props.image ?? MODEL_TEST_IMAGE;
    checkImage(v, 'image', image);
    (props.excludeColumns ?? []).forEach((c, i) =>
      v.check(typeof c === 'string' && c.length > 0, `excludeColumns[${i}]`, c, 'must be a column name', 'write e.g. "client_id"'),
    );
    if (props.s3CredentialsSecret !== undefined) {
      const p = dnsSubdomainProblem(props.s3CredentialsSecret);
      v.check(
        p === undefined,
        's3CredentialsSecret',
        props.s3CredentialsSecret,
        p ?? '',
        'name an existing Secret in the team namespace (credentials are only ever referenced, never written)',
      );
    }
    v.done();

    const ns = chart.team;
    const hash = createHash('sha256')
      .update(JSON.stringify([props, output, image, MODEL_TEST_SCRIPT]))
      .digest('hex')
      .slice(0, 8);
    const name = `${prefix}-retro-${hash}`;
    chart.claimName(name, { kind: 'RetroTest', id });
    this.output = output;
    const labels = standardLabels({ name: 'retro-test', instance: name, component: 'retro-test', team: ns, model: prefix });
    const cm = new k8s.KubeConfigMap(this, 'Script', {
      metadata: { name, namespace: ns, labels },
      data: { [MODEL_TEST_SCRIPT_NAME]: MODEL_TEST_SCRIPT },
    });
    const server = mlserverContainer(
      {
        name: prefix,
        platform: chart.platform,
        s3CredentialsSecret: props.s3CredentialsSecret ?? chart.platform.objectStore.credentialsSecret,
        resources,
      },
      { model: props.model },
    );
    this.job = new k8s.KubeJob(this, 'Job', {
      metadata: { name, namespace: ns, labels },
      spec: {
        backoffLimit: 1,
        activeDeadlineSeconds: 6 * 3600,
        ttlSecondsAfterFinished: 7 * 24 * 3600,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(MLSERVER_UID),
            // Step 1: serve the past model version (a native sidecar: started first, stopped when scoring ends).
            initContainers: [{ ...server, name: 'serve', restartPolicy: 'Always' }],
            containers: [
              {
                // Steps 2 and 3: score the period over REST on localhost and save the results.
                name: 'score',
                image,
                imagePullPolicy: IMAGE_PULL_POLICY,
                command: ['python3', `${MODEL_TEST_DIR}/${MODEL_TEST_SCRIPT_NAME}`, 'score'],
                args: [
                  '--url',
                  `http://127.0.0.1:${MLSERVER_PORTS.http}`,
                  '--model',
                  prefix,
                  '--input',
                  props.input,
                  '--output',
                  output,
                  '--period-column',
                  column,
                  '--period-from',
                  period.from,
                  '--period-to',
                  period.to,
                  ...(props.excludeColumns ?? []).flatMap((c) => ['--exclude-column', c]),
                ],
                env: [
                  { name: 'MLFLOW_TRACKING_URI', value: chart.platform.mlflowTrackingUri },
                  { name: 'PYTHONDONTWRITEBYTECODE', value: '1' },
                  { name: 'PYTHONUNBUFFERED', value: '1' },
                ],
                securityContext: restrictedContainerSecurityContext(MLSERVER_UID),
                resources: resourceRequirements({ cpu: '200m', memory: '512Mi' }),
                volumeMounts: [
                  { name: 'score-tmp', mountPath: '/tmp' },
                  { name: 'script', mountPath: MODEL_TEST_DIR, readOnly: true },
                ],
              },
            ],
            volumes: [
              ...scratchVolumes([{ ...TMP_DIR, sizeLimit: '2Gi' }]),
              ...scratchVolumes([{ name: 'score-tmp', mountPath: '/tmp' }]),
              { name: 'script', configMap: { name, defaultMode: 0o444 } },
            ],
          },
        },
      },
    });
    this.job.addDependency(cm);
  }
}
