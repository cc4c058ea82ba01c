import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { PlatformContext } from '../../core/context';
import { Resolution, Validator } from '../../core/errors';
import { isRecord } from '../../core/records';
import { ResourceSpec, restrictedContainer, restrictedPodSecurityContext, scratchVolumes, TMP_DIR } from '../../core/security';
import { checkImage, checkName, checkResourceSpec } from '../../core/validate';
import { mlserverContainer } from './backends/deployment';
import { checkPlainText, checkSecretName } from './checks';
import { MODEL_TEST_SCRIPT } from './model-test-script';
import { MLSERVER_PORTS, MLSERVER_UID } from './spec';
import { resolveInTeam, TeamContext } from './team';
import {
  contentHash,
  MODEL_TEST_IMAGE,
  renderScriptConfigMap,
  renderTestJob,
  scriptCommand,
  scriptEnv,
  scriptMount,
  scriptVolume,
  testMeta,
} from './test-job';

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

/** A retro test, checked and defaulted: what its ConfigMap and Job are made of. */
export interface ResolvedRetroTest {
  /** The Job (and ConfigMap) name: `<prefix>-retro-<hash of the content>`. */
  readonly name: string;
  /** The name prefix; also the name MLServer serves the model under. */
  readonly prefix: string;
  /** The namespace (the test's team). */
  readonly namespace: string;
  /** The model version to replay. */
  readonly model: string;
  /** The dataset covering the period. */
  readonly input: string;
  /** Where the scored rows go. */
  readonly output: string;
  /** The period, with its column. */
  readonly period: Required<RetroPeriod>;
  /** Columns passed through but not sent to the model. */
  readonly excludeColumns: readonly string[];
  /** Model server resources. */
  readonly resources: ResourceSpec;
  /** The scoring step's image. */
  readonly image: string;
  /** Secret with AWS keys for `s3://` models. */
  readonly s3CredentialsSecret: string;
  /** Platform facts (MLflow, the object store). */
  readonly platform: PlatformContext;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+Z?)?$/;
const LOCATION = /^(mlflow-artifacts:\/|https?:\/\/)\S+$/;

/** An ISO date (or date-time) that names a real day: "2025-13-45" has the shape but no calendar day. */
function isIsoDate(value: unknown): boolean {
  if (typeof value !== 'string' || !ISO_DATE.test(value)) return false;
  const day = value.slice(0, 10);
  const parsed = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === day;
}

/** Checks and defaults the props of RetroTest `id` in `context`: the resolved test, or every problem found. */
export function resolveRetroTest(id: string, props: RetroTestProps, context: TeamContext): Resolution<ResolvedRetroTest> {
  const v = new Validator('RetroTest', id);
  const prefix = props.name ?? id;
  checkName(v, 'name', prefix, 40);
  checkSources(v, props);
  const period = props.period;
  const output = props.output ?? `mlflow-artifacts:/retro-tests/${context.team}/${prefix}/${period?.from}_${period?.to}/scores.csv`;
  const where = 'use "mlflow-artifacts:/retro-tests/..." (stored through MLflow\'s artifact proxy)';
  if (checkPlainText(v, 'output', output))
    v.check(LOCATION.test(output), 'output', output, 'is not a location the scoring step can write', where);
  const resources = props.resources ?? { cpu: '1', memory: '2Gi' };
  if (v.check(isRecord(resources), 'resources', resources, 'must be { cpu, memory }', 'write e.g. { cpu: "1", memory: "2Gi" }'))
    checkResourceSpec(v, 'resources', resources, { cpu: '1', memory: '2Gi' });
  const image = props.image ?? MODEL_TEST_IMAGE;
  checkImage(v, 'image', image);
  const excludeColumns = props.excludeColumns ?? [];
  excludeColumns.forEach((c, i) => {
    const named = typeof c === 'string' && c.length > 0;
    if (checkPlainText(v, `excludeColumns[${i}]`, c))
      v.check(named, `excludeColumns[${i}]`, c, 'must be a column name', 'write e.g. "client_id"');
  });
  if (props.s3CredentialsSecret !== undefined) checkSecretName(v, 's3CredentialsSecret', props.s3CredentialsSecret);
  return v.result(() => ({
    name: `${prefix}-retro-${contentHash([props, output, image, MODEL_TEST_SCRIPT])}`,
    prefix,
    namespace: context.team,
    model: props.model,
    input: props.input,
    output,
    period: { from: period.from, to: period.to, column: period.column ?? 'date' },
    excludeColumns,
    resources,
    image,
    s3CredentialsSecret: props.s3CredentialsSecret ?? context.platform.objectStore.credentialsSecret,
    platform: context.platform,
  }));
}

/** The model URI, the input location and the period (ISO days, in order). */
function checkSources(v: Validator, props: RetroTestProps): void {
  if (!checkPlainText(v, 'model', props.model) || !checkPlainText(v, 'input', props.input)) return;
  v.check(
    typeof props.model === 'string' && /^(models:\/\S+|s3:\/\/\S+)$/.test(props.model),
    'model',
    props.model,
    'is not a model URI',
    'use "models:/fraud/3", "models:/fraud@champion" or an s3:// model directory',
  );
  v.check(
    typeof props.input === 'string' && LOCATION.test(props.input),
    'input',
    props.input,
    'is not a location the scoring step can read',
    'use "mlflow-artifacts:/datasets/fraud/2025.csv" or an http(s) URL',
  );
  const period = props.period;
  const example = 'write e.g. { from: "2025-01-01", to: "2025-03-31" }';
  if (!v.check(isRecord(period), 'period', period, 'must be { from, to, column? }', example)) return;
  v.check(isIsoDate(period.from), 'period.from', period.from, 'is not an ISO date', 'write e.g. "2025-01-01"');
  v.check(isIsoDate(period.to), 'period.to', period.to, 'is not an ISO date', 'write e.g. "2025-03-31"');
  if (period.column !== undefined && checkPlainText(v, 'period.column', period.column)) {
    const named = typeof period.column === 'string' && period.column.length > 0;
    v.check(named, 'period.column', period.column, 'must be a column name', 'write e.g. "date"');
  }
  if (isIsoDate(period.from) && isIsoDate(period.to))
    v.check(period.from <= period.to, 'period', `${period.from}..${period.to}`, 'ends before it starts', 'swap from and to');
}

/**
 * A retro test (beeline business's retro tests): scores a past period with a given model version and
 * saves the results, for a partner asking how a model would have done on history. One Job, three
 * steps in one pod: MLServer serves the model version as a native sidecar (restartPolicy Always init
 * container; its startup probe gates the next step), the scoring step reads the period's rows,
 * scores them over REST (v2) on localhost and writes the rows with their scores to the output
 * location; when the scoring step exits, Kubernetes stops the sidecar and the Job completes. No
 * workflow engine is needed (Kubernetes ≥ 1.29 for native sidecars). Invalid input creates nothing.
 */
export class RetroTest extends Construct {
  /** The Job. */
  public readonly job: ApiObject;
  /** Where the results are written. */
  public readonly output: string;

  constructor(scope: Construct, id: string, props: RetroTestProps) {
    const { chart, spec } = resolveInTeam(scope, 'RetroTest', id, props, resolveRetroTest);
    // A Job name another workload of the team uses is bad input too: claimed before anything is created.
    chart.claimName(spec.name, { kind: 'RetroTest', id });
    super(scope, id);
    this.output = spec.output;
    const meta = testMeta('retro-test', spec.name, spec.namespace, spec.prefix);
    const cm = renderScriptConfigMap(this, meta);
    this.job = renderTestJob(this, {
      ...meta,
      backoffLimit: 1,
      activeDeadlineSeconds: 6 * 3600,
      pod: {
        securityContext: restrictedPodSecurityContext(MLSERVER_UID),
        // Step 1: serve the past model version (a native sidecar: started first, stopped when scoring ends).
        initContainers: [{ ...serveContainer(spec), name: 'serve', restartPolicy: 'Always' }],
        // Steps 2 and 3: score the period over REST on localhost and save the results.
        containers: [scoreContainer(spec)],
        volumes: [
          ...scratchVolumes([{ ...TMP_DIR, sizeLimit: '2Gi' }]),
          ...scratchVolumes([{ name: 'score-tmp', mountPath: '/tmp' }]),
          scriptVolume(spec.name),
        ],
      },
    });
    this.job.addDependency(cm);
  }
}

function serveContainer(spec: ResolvedRetroTest) {
  const m = { name: spec.prefix, platform: spec.platform, s3CredentialsSecret: spec.s3CredentialsSecret, resources: spec.resources };
  return mlserverContainer(m, { model: spec.model });
}

function scoreContainer(spec: ResolvedRetroTest) {
  const p = spec.period;
  return restrictedContainer({
    name: 'score',
    image: spec.image,
    uid: MLSERVER_UID,
    command: scriptCommand('score'),
    args: [
      ...['--url', `http://127.0.0.1:${MLSERVER_PORTS.http}`, '--model', spec.prefix, '--input', spec.input, '--output', spec.output],
      ...['--period-column', p.column, '--period-from', p.from, '--period-to', p.to],
      ...spec.excludeColumns.flatMap((c) => ['--exclude-column', c]),
    ],
    env: scriptEnv(spec.platform),
    resources: { cpu: '200m', memory: '512Mi' },
    volumeMounts: [{ name: 'score-tmp', mountPath: '/tmp' }, scriptMount()],
  });
}
