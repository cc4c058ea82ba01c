/**
 * Pure Spark-on-Kubernetes machinery: checks for Spark-specific values and the SparkApplication
 * (sparkoperator.k8s.io/v1beta2) spec a batch model runs with. Pod customisation (security contexts,
 * scratch volumes, GPU placement, Secret-backed env) goes through the driver/executor `template`, which
 * spark-submit applies itself, so nothing depends on the operator's mutating webhook being on (with the
 * webhook off, webhook-only fields such as `tolerations` or `env` are silently dropped).
 */
import { k8s } from 'cdk8s-plus-28';
import {
  SparkApplicationSpec,
  SparkApplicationSpecRestartPolicyType,
  SparkApplicationSpecType,
} from '../../../imports/sparkoperator.k8s.io';
import type { PlatformContext } from '../../core/context';
import type { Validator } from '../../core/errors';
import { GpuPoolSpec, NVIDIA_GPU, placeOnPool } from '../../core/gpu';
import {
  IMAGE_PULL_POLICY,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  scratchMounts,
  scratchVolumes,
  ScratchDir,
} from '../../core/security';

/** The UID the apache/spark images run as. */
export const SPARK_UID = 185;

/** The SparkApplication API. */
export const SPARK_API = {
  group: 'sparkoperator.k8s.io',
  version: 'v1beta2',
  plural: 'sparkapplications',
  kind: 'SparkApplication',
} as const;

/** Container names in the driver/executor pod templates (Spark picks them by these conf keys). */
export const SPARK_TEMPLATE_CONTAINERS = { driver: 'spark-kubernetes-driver', executor: 'spark-kubernetes-executor' } as const;

/** Spark's working directory in the apache/spark images; `--archives` are unpacked here. */
export const SPARK_WORK_DIR = '/opt/spark/work-dir';

/** Writable directories for a read-only root filesystem: /tmp, the work dir (archives), Spark's local dirs. */
export const SPARK_SCRATCH: readonly ScratchDir[] = [
  { name: 'tmp', mountPath: '/tmp', sizeLimit: '2Gi' },
  { name: 'work-dir', mountPath: SPARK_WORK_DIR, sizeLimit: '20Gi' },
  { name: 'spark-local', mountPath: '/var/data/spark-local', sizeLimit: '20Gi' },
];

const SPARK_MEMORY = /^\d+[kmgt]$/;
const SPARK_VERSION = /^[34]\.\d+\.\d+$/;
const PYTHON_VERSION = /^3\.\d{1,2}$/;
const APP_FILE = /^(local|s3a|https?):\/\/\S+$/;
const ARCHIVE = /^(s3a|local|https?):\/\/\S+\.(tar\.gz|tgz|zip)$/;
const SECRET_HADOOP_KEY = /(access\.key|secret|password|session\.token|credential)(?!s\.provider)/i;

/** Checks a Spark (JVM-style) memory amount such as `2g` or `512m`. */
export function checkSparkMemory(v: Validator, field: string, value: unknown): boolean {
  return v.check(
    typeof value === 'string' && SPARK_MEMORY.test(value),
    field,
    value,
    'is not a Spark memory amount (a whole number with k, m, g or t)',
    'write it like "4g" or "512m"',
  );
}

/** Checks a Spark version (3.x.y or 4.x.y). */
export function checkSparkVersion(v: Validator, field: string, value: unknown): boolean {
  return v.check(
    typeof value === 'string' && SPARK_VERSION.test(value),
    field,
    value,
    'is not a Spark version',
    'write the exact version of Spark in your image, e.g. "3.5.5" or "4.0.1"',
  );
}

/** Checks a pinned Python minor version such as `3.11`. */
export function checkPythonVersion(v: Validator, field: string, value: unknown): boolean {
  return v.check(
    typeof value === 'string' && PYTHON_VERSION.test(value),
    field,
    value,
    'must pin a Python minor version',
    'write the version the environment archive was packed with, e.g. "3.11"',
  );
}

/** Checks a main application file URI. */
export function checkAppFile(v: Validator, field: string, value: unknown): boolean {
  return v.check(
    typeof value === 'string' && APP_FILE.test(value),
    field,
    value,
    'must be a local://, s3a:// or https:// URI',
    'use "local:///app/train.py" for a file in the image (recommended: the operator fetches s3a:// files itself)',
  );
}

/** Checks a packed-environment archive URI (conda-pack / venv-pack output). */
export function checkArchive(v: Validator, field: string, value: unknown): boolean {
  return v.check(
    typeof value === 'string' && ARCHIVE.test(value) && !value.includes('#'),
    field,
    value,
    'must be the URI of a .tar.gz, .tgz or .zip archive, without a "#alias"',
    'pack with `conda pack -o env.tar.gz`, upload, and pass e.g. "s3a://ml-envs/churn/env-1.4.2.tar.gz"',
  );
}

/** Checks that hadoopConf holds no credentials (they belong in a Secret, read through env). */
export function checkHadoopConf(v: Validator, field: string, value: unknown): boolean {
  if (value === undefined) return true;
  if (
    !v.check(
      typeof value === 'object' && value !== null && !Array.isArray(value),
      field,
      value,
      'must be a map of strings',
      'pass e.g. { "fs.s3a.connection.maximum": "200" }',
    )
  )
    return false;
  let ok = true;
  for (const [k, val] of Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) {
    ok = v.check(typeof val === 'string', `${field}["${k}"]`, val, 'must be a string', 'quote the value') && ok;
    ok =
      v.check(
        !SECRET_HADOOP_KEY.test(k),
        `${field}["${k}"]`,
        '<redacted>',
        'looks like a credential; credentials are never written into a SparkApplication',
        "store S3 keys in the platform's object-store Secret (read through AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY env), or use IRSA",
      ) && ok;
  }
  return ok;
}

/** Resources of the driver or the executors. */
export interface SparkPodResources {
  /** Cores. @default 1 */
  readonly cores?: number;
  /** JVM memory (Spark syntax). @default "2g" */
  readonly memory?: string;
  /** Extra non-JVM memory (Spark syntax). @default - Spark's default factor */
  readonly memoryOverhead?: string;
}

/** Everything {@link sparkApplicationSpec} needs; all values already validated. */
export interface SparkSpecInput {
  readonly team: string;
  readonly model: string;
  readonly image: string;
  readonly sparkVersion: string;
  readonly pythonVersion: string;
  readonly environmentArchive: string;
  readonly mainApplicationFile: string;
  readonly arguments: readonly string[];
  readonly driver: Required<Pick<SparkPodResources, 'cores' | 'memory'>> & Pick<SparkPodResources, 'memoryOverhead'>;
  readonly executor: Required<Pick<SparkPodResources, 'cores' | 'memory'>> &
    Pick<SparkPodResources, 'memoryOverhead'> & { readonly instances: number };
  readonly dynamicAllocation?: { readonly minExecutors: number; readonly maxExecutors: number; readonly initialExecutors?: number };
  readonly sparkConf: Readonly<Record<string, string>>;
  readonly hadoopConf: Readonly<Record<string, string>>;
  readonly retries: number;
  readonly retryIntervalSeconds: number;
  readonly timeToLiveSeconds: number;
  readonly gpu?: { readonly pool: GpuPoolSpec; readonly count: number; readonly on: 'driver' | 'executor' | 'both' };
  readonly env: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly driverServiceAccount: string;
  readonly platform: PlatformContext;
  /**
   * Driver and executor pod templates from {@link sparkPodTemplates}, when the caller shares one pair
   * between the runs of a model. @default - built for this spec
   */
  readonly podTemplates?: SparkPodTemplates;
}

/** The driver and executor pod templates of a model. */
export interface SparkPodTemplates {
  readonly driver: Record<string, unknown>;
  readonly executor: Record<string, unknown>;
}

/** Builds the driver and executor pod templates (the same for every run of a model). */
export function sparkPodTemplates(input: Pick<SparkSpecInput, 'labels' | 'gpu' | 'platform'>): SparkPodTemplates {
  return { driver: stripKindApi(podTemplate('driver', input)), executor: stripKindApi(podTemplate('executor', input)) };
}

/** The S3A credentials provider that reads AWS_* env vars, for the Hadoop generation of a Spark version. */
export function envCredentialsProvider(sparkVersion: string): string {
  // Spark 4 ships Hadoop 3.4 (AWS SDK v2); Spark 3.x ships Hadoop 3.3 (AWS SDK v1).
  return sparkVersion.startsWith('4.')
    ? 'software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider'
    : 'com.amazonaws.auth.EnvironmentVariableCredentialsProvider';
}

function sorted<T>(rec: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(rec).sort()) out[k] = rec[k];
  return out;
}

/** The pod template of the driver or the executors: restricted security, scratch dirs, S3 keys from the Secret, GPU placement. */
function podTemplate(role: 'driver' | 'executor', input: Pick<SparkSpecInput, 'labels' | 'gpu' | 'platform'>): Record<string, unknown> {
  const secret = input.platform.objectStore.credentialsSecret;
  const container: k8s.Container = {
    name: SPARK_TEMPLATE_CONTAINERS[role],
    securityContext: restrictedContainerSecurityContext(SPARK_UID),
    volumeMounts: scratchMounts(SPARK_SCRATCH),
    env: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: secret, key } } })),
  };
  let spec: k8s.PodSpec = {
    // Only the driver talks to the API server (it creates its executors).
    automountServiceAccountToken: role === 'driver',
    securityContext: restrictedPodSecurityContext(SPARK_UID),
    volumes: scratchVolumes(SPARK_SCRATCH),
    containers: [container],
  };
  const gpu = input.gpu;
  if (gpu && (gpu.on === 'both' || gpu.on === role)) spec = placeOnPool(spec, gpu.pool, gpu.count);
  return k8s.KubePod.manifest({ metadata: { labels: { ...input.labels } }, spec }) as Record<string, unknown>;
}

function stripKindApi(manifest: Record<string, unknown>): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, ...rest } = manifest;
  void _a;
  void _k;
  return rest;
}

/** The SparkApplication spec of one run of a batch model. Deterministic: maps are key-sorted. */
export function sparkApplicationSpec(input: SparkSpecInput): SparkApplicationSpec {
  const endpoint = input.platform.objectStore.endpoint;
  const hadoopConf: Record<string, string> = {
    'fs.s3a.aws.credentials.provider': envCredentialsProvider(input.sparkVersion),
    ...(endpoint ? { 'fs.s3a.endpoint': endpoint, 'fs.s3a.path.style.access': 'true' } : {}),
    ...(input.platform.objectStore.region ? { 'fs.s3a.endpoint.region': input.platform.objectStore.region } : {}),
    ...input.hadoopConf,
  };
  const sparkConf: Record<string, string> = {
    // The packed environment's interpreter, for the driver and the executors. The driver-python
    // setting is deliberately never set: in cluster mode it would break the driver.
    'spark.pyspark.python': './environment/bin/python',
    'spark.kubernetes.driver.podTemplateContainerName': SPARK_TEMPLATE_CONTAINERS.driver,
    'spark.kubernetes.executor.podTemplateContainerName': SPARK_TEMPLATE_CONTAINERS.executor,
    'spark.local.dir': '/var/data/spark-local',
    ...input.sparkConf,
  };
  const envVars = sorted({
    MLFLOW_TRACKING_URI: input.platform.mlflowTrackingUri,
    ...(endpoint ? { MLFLOW_S3_ENDPOINT_URL: endpoint, AWS_ENDPOINT_URL_S3: endpoint } : {}),
    MODELPLANE_TEAM: input.team,
    MODELPLANE_MODEL: input.model,
    MODELPLANE_PYTHON_VERSION: input.pythonVersion,
    ...input.env,
  });
  const templates = input.podTemplates ?? sparkPodTemplates(input);
  const gpuFor = (role: 'driver' | 'executor') =>
    input.gpu && (input.gpu.on === 'both' || input.gpu.on === role) ? { gpu: { name: NVIDIA_GPU, quantity: input.gpu.count } } : {};
  const dyn = input.dynamicAllocation;
  const retry =
    input.retries > 0
      ? {
          type: SparkApplicationSpecRestartPolicyType.ON_FAILURE,
          onFailureRetries: input.retries,
          onFailureRetryInterval: input.retryIntervalSeconds,
          onSubmissionFailureRetries: input.retries,
          onSubmissionFailureRetryInterval: input.retryIntervalSeconds,
        }
      : { type: SparkApplicationSpecRestartPolicyType.NEVER };
  return {
    type: SparkApplicationSpecType.PYTHON,
    sparkVersion: input.sparkVersion,
    image: input.image,
    imagePullPolicy: IMAGE_PULL_POLICY,
    mainApplicationFile: input.mainApplicationFile,
    arguments: [...input.arguments],
    deps: { archives: [`${input.environmentArchive}#environment`] },
    sparkConf: sorted(sparkConf),
    hadoopConf: sorted(hadoopConf),
    restartPolicy: retry,
    timeToLiveSeconds: input.timeToLiveSeconds,
    ...(dyn
      ? {
          dynamicAllocation: {
            enabled: true,
            minExecutors: dyn.minExecutors,
            maxExecutors: dyn.maxExecutors,
            initialExecutors: dyn.initialExecutors ?? dyn.minExecutors,
            shuffleTrackingEnabled: true,
          },
        }
      : {}),
    driver: {
      cores: input.driver.cores,
      coreLimit: `${input.driver.cores * 1000}m`,
      memory: input.driver.memory,
      ...(input.driver.memoryOverhead ? { memoryOverhead: input.driver.memoryOverhead } : {}),
      serviceAccount: input.driverServiceAccount,
      labels: { ...input.labels },
      envVars,
      ...gpuFor('driver'),
      template: templates.driver,
    },
    executor: {
      cores: input.executor.cores,
      coreLimit: `${input.executor.cores * 1000}m`,
      memory: input.executor.memory,
      ...(input.executor.memoryOverhead ? { memoryOverhead: input.executor.memoryOverhead } : {}),
      ...(dyn ? {} : { instances: input.executor.instances }),
      deleteOnTermination: true,
      labels: { ...input.labels },
      envVars,
      ...gpuFor('executor'),
      template: templates.executor,
    },
  };
}
