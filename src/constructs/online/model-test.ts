import { createHash } from 'crypto';
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Validator } from '../../core/errors';
import { standardLabels } from '../../core/labels';
import { MODEL_TEST_SCRIPT, MODEL_TEST_SCRIPT_NAME } from './model-test-script';
import {
  resourceRequirements,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  scratchMounts,
  scratchVolumes,
  TMP_DIR,
  IMAGE_PULL_POLICY,
} from '../../core/security';
import { checkImage, checkName } from '../../core/validate';
import { findTeamModels, OnlineModel } from './online-model';

/** The image model tests run in: Python's standard library is all the script needs. */
export const MODEL_TEST_IMAGE = 'docker.io/library/python:3.12.7-slim';
/** Where the script (and an inline reference dataset) is mounted. */
export const MODEL_TEST_DIR = '/opt/modelplane';
/** The file name of an inline reference dataset in the ConfigMap. */
export const REFERENCE_FILE = 'reference.csv';

/** Properties of a {@link ModelTest}. */
export interface ModelTestProps {
  /** The online model under test. */
  readonly target: OnlineModel;
  /** The variant to test. @default the primary */
  readonly variant?: string;
  /**
   * The reference dataset as CSV text: feature columns plus the expected score column. Shipped in
   * the test's ConfigMap, so keep it small (ConfigMaps hold at most 1 MiB). Give this or `referenceUri`.
   */
  readonly reference?: string;
  /** Where a larger reference dataset lives: `mlflow-artifacts:/…` (read through MLflow's proxy) or `http(s)://…`. */
  readonly referenceUri?: string;
  /** The column with the expected score. @default "expected" */
  readonly expectedColumn?: string;
  /** Absolute tolerance of a score. @default 1e-6 */
  readonly absTolerance?: number;
  /** Relative tolerance of a score. @default 1e-6 */
  readonly relTolerance?: number;
  /** Seconds to wait for the model to be ready. @default 600 */
  readonly waitSeconds?: number;
  /** Job name prefix; a hash of the test's content is appended, so a changed test is a new Job. @default "<model>-test" */
  readonly name?: string;
  /** Image with python3. @default {@link MODEL_TEST_IMAGE} */
  readonly image?: string;
}

/**
 * A model test (seed 004): a Job that scores a reference dataset against the deployed service over
 * REST (v2 protocol) and compares every score with the expected one within a tolerance, failing on
 * any mismatch (no retries: a failed test is a result, not a flake). The program is a
 * standard-library Python script in a ConfigMap (see lib/online/model-test-script.ts), so the same
 * command runs in the cluster and in modelplane's serving tests.
 */
export class ModelTest extends Construct {
  /** The Job. */
  public readonly job: ApiObject;
  /** The ConfigMap with the script (and the inline reference). */
  public readonly configMap: ApiObject;
  /** The Job's name. */
  public readonly jobName: string;

  constructor(scope: Construct, id: string, props: ModelTestProps) {
    super(scope, id);
    const chart = findTeamModels(this, 'ModelTest');
    const v = new Validator('ModelTest', id);
    const target = props.target;
    v.check(
      target instanceof OnlineModel,
      'target',
      target?.node?.id ?? target,
      'must be an OnlineModel',
      'pass the OnlineModel construct to test',
    );
    v.check(
      (props.reference === undefined) !== (props.referenceUri === undefined),
      'reference',
      props.reference === undefined ? undefined : '<csv>',
      props.reference === undefined ? 'and referenceUri are both missing' : 'is given together with referenceUri',
      'give the reference CSV inline (reference) or its location (referenceUri), exactly one',
    );
    const expectedColumn = props.expectedColumn ?? 'expected';
    if (props.reference !== undefined && typeof props.reference === 'string') {
      const lines = props.reference.trim().split('\n');
      const header = lines[0].split(',').map((c) => c.trim());
      v.check(lines.length >= 2, 'reference', `${lines.length} line(s)`, 'has no data rows', 'give a header line and at least one row');
      v.check(
        header.includes(expectedColumn),
        'reference',
        lines[0],
        `has no "${expectedColumn}" column in its header`,
        `add the expected scores as a column "${expectedColumn}", or set expectedColumn`,
      );
      v.check(
        header.length >= 2,
        'reference',
        lines[0],
        'has no feature columns',
        "add the model's input columns beside the expected score",
      );
      v.check(
        Buffer.byteLength(props.reference) <= 900 * 1024,
        'reference',
        `${Buffer.byteLength(props.reference)} bytes`,
        'is too large for a ConfigMap',
        'store it as an artifact and give referenceUri',
      );
    }
    if (props.referenceUri !== undefined) {
      v.check(
        typeof props.referenceUri === 'string' && /^(mlflow-artifacts:\/|https?:\/\/)\S+$/.test(props.referenceUri),
        'referenceUri',
        props.referenceUri,
        'is not a location the test can read',
        'use "mlflow-artifacts:/datasets/fraud/reference.csv" or an http(s) URL',
      );
    }
    const tol = (field: string, x: unknown) =>
      v.check(typeof x === 'number' && Number.isFinite(x) && x >= 0, field, x, 'must be a non-negative number', 'write e.g. 1e-6');
    const absTolerance = props.absTolerance ?? 1e-6;
    const relTolerance = props.relTolerance ?? 1e-6;
    tol('absTolerance', absTolerance);
    tol('relTolerance', relTolerance);
    const waitSeconds = props.waitSeconds ?? 600;
    v.check(
      Number.isInteger(waitSeconds) && waitSeconds >= 0,
      'waitSeconds',
      waitSeconds,
      'must be a whole number of seconds',
      'set e.g. 600',
    );
    v.check(
      typeof expectedColumn === 'string' && expectedColumn.length > 0 && !expectedColumn.includes(','),
      'expectedColumn',
      expectedColumn,
      'must be a CSV column name',
      'write e.g. "expected"',
    );
    const image = props.image ?? MODEL_TEST_IMAGE;
    checkImage(v, 'image', image);
    const prefix = props.name ?? `${target?.name ?? id}-test`;
    checkName(v, 'name', prefix, 50);
    let endpoint: { url: string; modelName: string } | undefined;
    if (target instanceof OnlineModel) {
      try {
        endpoint = target.endpoint(props.variant);
      } catch (e) {
        v.fail('variant', props.variant, (e as Error).message, 'name a variant of the target');
      }
    }
    v.done();

    const ns = chart.team;
    const hash = createHash('sha256')
      .update(
        JSON.stringify([
          endpoint,
          props.reference ?? props.referenceUri,
          expectedColumn,
          absTolerance,
          relTolerance,
          image,
          MODEL_TEST_SCRIPT,
          target.spec.variants,
        ]),
      )
      .digest('hex')
      .slice(0, 8);
    const name = `${prefix}-${hash}`;
    this.jobName = name;
    chart.claimName(name, { kind: 'ModelTest', id });
    const labels = standardLabels({ name: 'model-test', instance: name, component: 'model-test', team: ns, model: target.name });
    const data: Record<string, string> = { [MODEL_TEST_SCRIPT_NAME]: MODEL_TEST_SCRIPT };
    if (props.reference !== undefined) data[REFERENCE_FILE] = props.reference.trim() + '\n';
    this.configMap = new k8s.KubeConfigMap(this, 'Script', { metadata: { name, namespace: ns, labels }, data });
    const reference = props.reference !== undefined ? `${MODEL_TEST_DIR}/${REFERENCE_FILE}` : props.referenceUri!;
    this.job = new k8s.KubeJob(this, 'Job', {
      metadata: { name, namespace: ns, labels },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: waitSeconds + 1800,
        ttlSecondsAfterFinished: 7 * 24 * 3600,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(),
            containers: [
              {
                name: 'model-test',
                image,
                imagePullPolicy: IMAGE_PULL_POLICY,
                command: ['python3', `${MODEL_TEST_DIR}/${MODEL_TEST_SCRIPT_NAME}`, 'check'],
                args: [
                  '--url',
                  endpoint!.url,
                  '--model',
                  endpoint!.modelName,
                  '--reference',
                  reference,
                  '--expected-column',
                  expectedColumn,
                  '--abs-tolerance',
                  String(absTolerance),
                  '--rel-tolerance',
                  String(relTolerance),
                  '--wait-seconds',
                  String(waitSeconds),
                ],
                env: [
                  { name: 'MLFLOW_TRACKING_URI', value: chart.platform.mlflowTrackingUri },
                  { name: 'PYTHONDONTWRITEBYTECODE', value: '1' },
                  { name: 'PYTHONUNBUFFERED', value: '1' },
                ],
                securityContext: restrictedContainerSecurityContext(),
                resources: resourceRequirements({ cpu: '100m', memory: '256Mi' }),
                volumeMounts: [...scratchMounts([TMP_DIR]), { name: 'script', mountPath: MODEL_TEST_DIR, readOnly: true }],
              },
            ],
            volumes: [...scratchVolumes([TMP_DIR]), { name: 'script', configMap: { name, defaultMode: 0o444 } }],
          },
        },
      },
    });
    this.job.addDependency(this.configMap);
    // Applied after the model's objects, so the test scores the version this synth deploys.
    this.job.addDependency(target);
  }
}
