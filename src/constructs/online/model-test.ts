import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { Resolution, Validator } from '../../core/errors';
import { restrictedContainer, restrictedPodSecurityContext, scratchMounts, scratchVolumes, TMP_DIR } from '../../core/security';
import { checkImage, checkName, checkWholeNumber } from '../../core/validate';
import { MODEL_TEST_SCRIPT } from './model-test-script';
import { checkPlainText } from './checks';
import { isServedModel, IServedModel } from './served-model';
import type { OnlineEndpoint } from './spec';
import { resolveInTeam, TeamContext } from './team';
import {
  contentHash,
  MODEL_TEST_DIR,
  MODEL_TEST_IMAGE,
  renderScriptConfigMap,
  renderTestJob,
  scriptCommand,
  scriptEnv,
  scriptMount,
  scriptVolume,
  testMeta,
} from './test-job';

export { MODEL_TEST_DIR, MODEL_TEST_IMAGE } from './test-job';
export type { IServedModel } from './served-model';

/** The longest a ModelTest waits for its model: a week, in seconds (the Job's deadline adds half an hour). */
export const MAX_WAIT_SECONDS = 604_800;

/** The file name of an inline reference dataset in the ConfigMap. */
export const REFERENCE_FILE = 'reference.csv';

/** Properties of a {@link ModelTest}. */
export interface ModelTestProps {
  /** The served model under test (an {@link OnlineModel}). */
  readonly target: IServedModel;
  /** The variant to test. @default the primary */
  readonly variant?: string;
  /**
   * The reference dataset as CSV text: feature columns plus the expected score column. Shipped in
   * the test's ConfigMap, so keep it small (ConfigMaps hold at most 1 MiB). Give this or `referenceUri`.
   * @default - none: `referenceUri` locates the dataset
   */
  readonly reference?: string;
  /**
   * Where a larger reference dataset lives: `mlflow-artifacts:/…` (read through MLflow's proxy) or `http(s)://…`.
   * @default - none: `reference` holds the dataset
   */
  readonly referenceUri?: string;
  /** The column with the expected score. @default "expected" */
  readonly expectedColumn?: string;
  /** Absolute tolerance of a score. @default 1e-6 */
  readonly absTolerance?: number;
  /** Relative tolerance of a score. @default 1e-6 */
  readonly relTolerance?: number;
  /** Seconds to wait for the model to be ready, at most {@link MAX_WAIT_SECONDS} (a week). @default 600 */
  readonly waitSeconds?: number;
  /** Job name prefix; a hash of the test's content is appended, so a changed test is a new Job. @default "<model>-test" */
  readonly name?: string;
  /** Image with python3. @default {@link MODEL_TEST_IMAGE} */
  readonly image?: string;
}

/** A model test, checked and defaulted: what its ConfigMap and Job are made of. */
export interface ResolvedModelTest {
  /** The Job (and ConfigMap) name: the prefix and a hash of the test's content. */
  readonly name: string;
  /** The namespace (the test's team). */
  readonly namespace: string;
  /** The name of the model under test. */
  readonly model: string;
  /** Where the test reaches the model. */
  readonly endpoint: OnlineEndpoint;
  /** The reference CSV shipped in the ConfigMap, if given inline. */
  readonly inlineReference?: string;
  /** What the script reads the reference from: the mounted file, or the `referenceUri`. */
  readonly reference: string;
  /** The expected-score column. */
  readonly expectedColumn: string;
  /** Absolute tolerance. */
  readonly absTolerance: number;
  /** Relative tolerance. */
  readonly relTolerance: number;
  /** Seconds to wait for the model. */
  readonly waitSeconds: number;
  /** The script's image. */
  readonly image: string;
  /** MLflow's tracking URI (artifact locations resolve through it). */
  readonly mlflowTrackingUri: string;
}

const REFERENCE_LOCATION = /^(mlflow-artifacts:\/|https?:\/\/)\S+$/;

/**
 * Checks and defaults the props of ModelTest `id` in `context`: the resolved test, or every problem
 * found. The target is asked for its endpoint, nothing is created.
 */
export function resolveModelTest(id: string, props: ModelTestProps, context: TeamContext): Resolution<ResolvedModelTest> {
  const v = new Validator('ModelTest', id);
  const target = props.target;
  const served = isServedModel(target);
  v.check(served, 'target', target?.node?.id ?? target, 'must be an OnlineModel', 'pass the OnlineModel construct to test');
  const expectedColumn = props.expectedColumn ?? 'expected';
  checkReference(v, props, expectedColumn);
  const absTolerance = props.absTolerance ?? 1e-6;
  const relTolerance = props.relTolerance ?? 1e-6;
  const waitSeconds = props.waitSeconds ?? 600;
  checkRun(v, { absTolerance, relTolerance, waitSeconds, expectedColumn });
  const image = props.image ?? MODEL_TEST_IMAGE;
  checkImage(v, 'image', image);
  const prefix = props.name ?? `${target?.name ?? id}-test`;
  checkName(v, 'name', prefix, 50);
  const endpoint = served ? targetEndpoint(v, target, props.variant) : undefined;
  return v.result(() => {
    const given = props.reference ?? props.referenceUri;
    const hash = contentHash([endpoint, given, expectedColumn, absTolerance, relTolerance, image, MODEL_TEST_SCRIPT, target.variants]);
    return {
      name: `${prefix}-${hash}`,
      namespace: context.team,
      model: target.name,
      endpoint: endpoint!,
      inlineReference: props.reference !== undefined ? props.reference.trim() + '\n' : undefined,
      reference: props.reference !== undefined ? `${MODEL_TEST_DIR}/${REFERENCE_FILE}` : props.referenceUri!,
      expectedColumn,
      absTolerance,
      relTolerance,
      waitSeconds,
      image,
      mlflowTrackingUri: context.platform.mlflowTrackingUri,
    };
  });
}

/** Exactly one of `reference` (a CSV with feature columns and the expected column, small enough for a ConfigMap) and `referenceUri`. */
function checkReference(v: Validator, props: ModelTestProps, expectedColumn: string): void {
  v.check(
    (props.reference === undefined) !== (props.referenceUri === undefined),
    'reference',
    props.reference === undefined ? undefined : '<csv>',
    props.reference === undefined ? 'and referenceUri are both missing' : 'is given together with referenceUri',
    'give the reference CSV inline (reference) or its location (referenceUri), exactly one',
  );
  if (typeof props.reference === 'string') {
    if (checkPlainText(v, 'reference', props.reference, true)) checkInlineReference(v, props.reference, expectedColumn);
  } else if (props.reference !== undefined)
    v.fail('reference', props.reference, 'must be CSV text', 'give a header line and rows, e.g. "amount,expected\\n10,0.5"');
  if (props.referenceUri !== undefined && checkPlainText(v, 'referenceUri', props.referenceUri)) {
    v.check(
      typeof props.referenceUri === 'string' && REFERENCE_LOCATION.test(props.referenceUri),
      'referenceUri',
      props.referenceUri,
      'is not a location the test can read',
      'use "mlflow-artifacts:/datasets/fraud/reference.csv" or an http(s) URL',
    );
  }
}

function checkInlineReference(v: Validator, csv: string, expectedColumn: string): void {
  const lines = csv.trim().split('\n');
  const header = lines[0].split(',').map((c) => c.trim());
  v.check(lines.length >= 2, 'reference', `${lines.length} line(s)`, 'has no data rows', 'give a header line and at least one row');
  v.check(
    header.includes(expectedColumn),
    'reference',
    lines[0],
    `has no "${expectedColumn}" column in its header`,
    `add the expected scores as a column "${expectedColumn}", or set expectedColumn`,
  );
  v.check(header.length >= 2, 'reference', lines[0], 'has no feature columns', "add the model's input columns beside the expected score");
  const bytes = Buffer.byteLength(csv);
  v.check(
    bytes <= 900 * 1024,
    'reference',
    `${bytes} bytes`,
    'is too large for a ConfigMap',
    'store it as an artifact and give referenceUri',
  );
}

/** Tolerances are non-negative numbers, the wait whole seconds, the expected column a CSV column name. */
function checkRun(v: Validator, run: Pick<ResolvedModelTest, 'absTolerance' | 'relTolerance' | 'waitSeconds' | 'expectedColumn'>): void {
  for (const field of ['absTolerance', 'relTolerance'] as const) {
    const x = run[field];
    v.check(typeof x === 'number' && Number.isFinite(x) && x >= 0, field, x, 'must be a non-negative number', 'write e.g. 1e-6');
  }
  checkWholeNumber(v, 'waitSeconds', run.waitSeconds, { min: 0, max: MAX_WAIT_SECONDS, unit: 'seconds (a week at most)', example: '600' });
  const col = run.expectedColumn;
  const isColumn = typeof col === 'string' && col.length > 0 && !col.includes(',');
  if (checkPlainText(v, 'expectedColumn', col))
    v.check(isColumn, 'expectedColumn', col, 'must be a CSV column name', 'write e.g. "expected"');
}

/** The target's endpoint for `variant`, or an issue saying why it has none (or why the test cannot speak its protocol). */
function targetEndpoint(v: Validator, target: IServedModel, variant: string | undefined): OnlineEndpoint | undefined {
  let endpoint: OnlineEndpoint;
  try {
    endpoint = target.endpoint(variant);
  } catch (e) {
    v.fail('variant', variant, (e as Error).message, 'name a variant of the target');
    return undefined;
  }
  const protocol = endpoint.protocol ?? 'v2';
  const ok = v.check(
    protocol === 'v2',
    'target',
    target.name,
    `answers TensorFlow Serving's REST API (its format is "tensorflow"), and a model test scores over the v2 protocol only`,
    'test a model served in the mlflow, onnx or triton format, or test the TensorFlow model with a job of your own against its /v1/models/<name>:predict',
  );
  return ok ? endpoint : undefined;
}

/**
 * A model test (beeline business's model tests): a Job that scores a reference dataset against the
 * deployed service over REST (v2 protocol) and compares every score with the expected one within a
 * tolerance, failing on any mismatch (no retries: a failed test is a result, not a flake). The
 * program is a standard-library Python script in a ConfigMap (see ./model-test-script.ts), so the
 * same command runs in the cluster and in modelplane's serving tests. Invalid input creates nothing.
 */
export class ModelTest extends Construct {
  /** The Job. */
  public readonly job: ApiObject;
  /** The ConfigMap with the script (and the inline reference). */
  public readonly configMap: ApiObject;
  /** The Job's name. */
  public readonly jobName: string;

  constructor(scope: Construct, id: string, props: ModelTestProps) {
    const { chart, spec } = resolveInTeam(scope, 'ModelTest', id, props, resolveModelTest);
    // A Job name another workload of the team uses is bad input too: claimed before anything is created.
    chart.claimName(spec.name, { kind: 'ModelTest', id });
    super(scope, id);
    this.jobName = spec.name;
    const meta = testMeta('model-test', spec.name, spec.namespace, spec.model);
    this.configMap = renderScriptConfigMap(
      this,
      meta,
      spec.inlineReference !== undefined ? { [REFERENCE_FILE]: spec.inlineReference } : {},
    );
    this.job = renderTestJob(this, {
      ...meta,
      backoffLimit: 0,
      activeDeadlineSeconds: spec.waitSeconds + 1800,
      pod: {
        securityContext: restrictedPodSecurityContext(),
        containers: [checkContainer(spec)],
        volumes: [...scratchVolumes([TMP_DIR]), scriptVolume(spec.name)],
      },
    });
    this.job.addDependency(this.configMap);
    // Applied after the model's objects, so the test scores the version this synth deploys.
    this.job.addDependency(props.target);
  }
}

function checkContainer(spec: ResolvedModelTest) {
  return restrictedContainer({
    name: 'model-test',
    image: spec.image,
    command: scriptCommand('check'),
    args: [
      ...['--url', spec.endpoint.url, '--model', spec.endpoint.modelName, '--reference', spec.reference],
      ...['--expected-column', spec.expectedColumn, '--abs-tolerance', String(spec.absTolerance)],
      ...['--rel-tolerance', String(spec.relTolerance), '--wait-seconds', String(spec.waitSeconds)],
    ],
    env: scriptEnv({ mlflowTrackingUri: spec.mlflowTrackingUri }),
    resources: { cpu: '100m', memory: '256Mi' },
    volumeMounts: [...scratchMounts([TMP_DIR]), scriptMount()],
  });
}
