/**
 * Pure Spark-on-Kubernetes machinery: checks for Spark-specific values and the SparkApplication
 * (sparkoperator.k8s.io/v1beta2) spec a batch model runs with. Pod customisation (security contexts,
 * scratch volumes, GPU placement, Secret-backed env) goes through the driver/executor `template`, which
 * spark-submit applies itself, so nothing depends on the operator's mutating webhook being on (with the
 * webhook off, webhook-only fields such as `tolerations` or `env` are silently dropped).
 */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import {
  SparkApplicationSpec,
  SparkApplicationSpecRestartPolicyType,
  SparkApplicationSpecMode,
  SparkApplicationSpecType,
} from '../../../imports/sparkoperator.k8s.io';
import type { PlatformContext } from '../../core/context';
import type { Validator } from '../../core/errors';
import { sortedRecord } from '../../core/records';
import { checkText } from '../../core/validate';
import { checkNoTemplate, FieldCheck, patternCheck } from './checks';
import { GpuPoolSpec, NVIDIA_GPU, placeOnPool } from '../../core/gpu';
import {
  IMAGE_PULL_POLICY,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  scratchMounts,
  scratchVolumes,
  ScratchDir,
} from '../../core/security';
import {
  environmentDelivery,
  environmentInitContainer,
  environmentMount,
  environmentPython,
  environmentVolumes,
} from './spark-environment';

/** The UID the apache/spark images run as. */
export const SPARK_UID = 185;

/** The SparkApplication API. */
export const SPARK_API = {
  group: 'sparkoperator.k8s.io',
  version: 'v1beta2',
  plural: 'sparkapplications',
  kind: 'SparkApplication',
} as const;

/** The SparkApplication `apiVersion` (`sparkoperator.k8s.io/v1beta2`). */
export const SPARK_API_VERSION = `${SPARK_API.group}/${SPARK_API.version}`;

/** Container names in the driver/executor pod templates (Spark picks them by these conf keys). */
export const SPARK_TEMPLATE_CONTAINERS = { driver: 'spark-kubernetes-driver', executor: 'spark-kubernetes-executor' } as const;

/** Spark's working directory in the apache/spark images; `--archives` are unpacked here. */
export const SPARK_WORK_DIR = '/opt/spark/work-dir';

/**
 * Writable directories for a read-only root filesystem: /tmp, the work dir (archives), Spark's local dir.
 * The local dir's volume is named `spark-local-dir-1`: Spark takes a pod template's volumes named
 * `spark-local-dir-*` as its local dirs instead of adding an emptyDir of its own at `spark.local.dir`
 * (which, at the same path as ours, the API server refused: "volumeMounts[4].mountPath: must be unique").
 */
export const SPARK_SCRATCH: readonly ScratchDir[] = [
  { name: 'tmp', mountPath: '/tmp', sizeLimit: '2Gi' },
  { name: 'work-dir', mountPath: SPARK_WORK_DIR, sizeLimit: '20Gi' },
  { name: 'spark-local-dir-1', mountPath: '/var/data/spark-local', sizeLimit: '20Gi' },
];

const SPARK_MEMORY = /^\d+[kmgt]$/;
const SPARK_VERSION = /^[34]\.\d+\.\d+$/;
const PYTHON_VERSION = /^3\.\d{1,2}$/;
const APP_FILE = /^(local|s3a|https?):\/\/\S+$/;
const ARCHIVE = /^(s3a|local|https?):\/\/[^\s#]+\.(tar\.gz|tgz|zip)$/;
const SECRET_HADOOP_KEY = /(access\.key|secret|password|session\.token|credential)(?!s\.provider)/i;

/** Checks a Spark (JVM-style) memory amount such as `2g` or `512m`. */
export const checkSparkMemory: FieldCheck = patternCheck(
  SPARK_MEMORY,
  'is not a Spark memory amount (a whole number with k, m, g or t)',
  'write it like "4g" or "512m"',
);

/** Checks a Spark version (3.x.y or 4.x.y). */
export const checkSparkVersion: FieldCheck = patternCheck(
  SPARK_VERSION,
  'is not a Spark version',
  'write the exact version of Spark in your image, e.g. "3.5.5" or "4.0.1"',
);

/** Checks a pinned Python minor version such as `3.11`. */
export const checkPythonVersion: FieldCheck = patternCheck(
  PYTHON_VERSION,
  'must pin a Python minor version',
  'write the version the environment archive was packed with, e.g. "3.11"',
);

/** Checks a main application file URI. */
export const checkAppFile: FieldCheck = patternCheck(
  APP_FILE,
  'must be a local://, s3a:// or https:// URI',
  'use "local:///app/train.py" for a file in the image (recommended: the operator fetches s3a:// files itself)',
);

/** Checks a packed-environment archive URI (conda-pack / venv-pack output; no `#alias`: modelplane adds `#environment`). */
export const checkArchive: FieldCheck = patternCheck(
  ARCHIVE,
  'must be the URI of a .tar.gz, .tgz or .zip archive, without a "#alias"',
  'pack with `conda pack -o env.tar.gz`, upload, and pass e.g. "s3a://ml-envs/churn/env-1.4.2.tar.gz"',
);

/**
 * Checks hadoopConf: a map of plain-text strings without credentials (they belong in a Secret, read
 * through env); on Argo (`onArgo`) no value may hold template syntax, which Argo would evaluate.
 */
export function checkHadoopConf(v: Validator, field: string, value: unknown, onArgo = false): boolean {
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
    const entry = `${field}["${k}"]`;
    ok = checkText(v, entry, k) && checkNoTemplate(v, entry, k) && ok;
    ok = v.check(typeof val === 'string', entry, val, 'must be a string', 'quote the value') && ok;
    // A credential-like key is refused below; its value is never shown.
    const plain = typeof val === 'string' && !SECRET_HADOOP_KEY.test(k);
    if (plain) ok = checkText(v, entry, val) && (!onArgo || checkNoTemplate(v, entry, val)) && ok;
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

/** Resources of the driver or the executors, defaults applied. */
export type ResolvedPodResources = Required<Pick<SparkPodResources, 'cores' | 'memory'>> & Pick<SparkPodResources, 'memoryOverhead'>;

/** Dynamic allocation of executors (replaces a fixed number of executors). */
export interface SparkDynamicAllocation {
  /** Fewest executors. */
  readonly minExecutors: number;
  /** Most executors. */
  readonly maxExecutors: number;
  /** Executors at start. @default minExecutors */
  readonly initialExecutors?: number;
}

/** Which pods of an application get GPUs. */
export type SparkGpuRole = 'driver' | 'executor' | 'both';

type PodRole = 'driver' | 'executor';

/** The GPUs of an application: the platform's pool, GPUs per pod, and which pods. */
export interface SparkGpuPlacement {
  /** The pool the GPU pods are placed on. */
  readonly pool: GpuPoolSpec;
  /** GPUs per pod. */
  readonly count: number;
  /** Which pods get GPUs. */
  readonly on: SparkGpuRole;
}

/** A dataset's claim mounted into the driver and the executors (see ../dataset.ts). */
export interface SparkVolumeMount {
  /** The PersistentVolumeClaim. */
  readonly claimName: string;
  /** Where the driver and the executors see it. */
  readonly mountPath: string;
  /** Mounted read-only. */
  readonly readOnly: boolean;
}

/** The pod volume name of a mounted dataset claim. */
export function datasetVolumeName(claimName: string): string {
  return `dataset-${claimName}`;
}

/** What every run of a batch model shares: image, environment, resources, configuration, retries, GPUs, platform, datasets. */
export interface SparkModelSettings {
  /** The team (namespace). */
  readonly team: string;
  /** The Spark image with the model code. */
  readonly image: string;
  /** Exact Spark version of the image. */
  readonly sparkVersion: string;
  /** Python minor version of the packed environment. */
  readonly pythonVersion: string;
  /** URI of the packed Python environment. */
  readonly environmentArchive: string;
  /** Driver resources. */
  readonly driver: ResolvedPodResources;
  /** Executor resources and the fixed number of executors. */
  readonly executor: ResolvedPodResources & { readonly instances: number };
  /** Dynamic allocation (replaces `executor.instances`). @default - off */
  readonly dynamicAllocation?: SparkDynamicAllocation;
  /** Extra Spark configuration. */
  readonly sparkConf: Readonly<Record<string, string>>;
  /** Extra non-secret Hadoop configuration. */
  readonly hadoopConf: Readonly<Record<string, string>>;
  /** Retries of a failed application; 0 means never. */
  readonly retries: number;
  /** Seconds between retries. */
  readonly retryIntervalSeconds: number;
  /** Seconds a finished application is kept. */
  readonly timeToLiveSeconds: number;
  /** GPUs. @default - none */
  readonly gpu?: SparkGpuPlacement;
  /** Platform facts (MLflow, object store). */
  readonly platform: PlatformContext;
  /** Dataset claims mounted into the driver and the executors. @default - none */
  readonly volumes?: readonly SparkVolumeMount[];
}

/** Everything {@link sparkApplicationSpec} needs: the model's shared settings and one run's; all values already validated. */
export interface SparkSpecInput extends SparkModelSettings {
  /** The model name. */
  readonly model: string;
  /** The PySpark entry point. */
  readonly mainApplicationFile: string;
  /** The entry point's arguments. */
  readonly arguments: readonly string[];
  /** Plain environment of the driver and executors. */
  readonly env: Readonly<Record<string, string>>;
  /** Labels of the application's pods. */
  readonly labels: Readonly<Record<string, string>>;
  /** The ServiceAccount the driver runs as. */
  readonly driverServiceAccount: string;
  /**
   * Driver and executor pod templates from {@link sparkPodTemplates}, when the caller shares one pair
   * between the runs of a model. @default - built for this spec
   */
  readonly podTemplates?: SparkPodTemplates;
}

/** The driver and executor pod templates of a model. */
export interface SparkPodTemplates {
  /** The driver's pod template. */
  readonly driver: Record<string, unknown>;
  /** The executors' pod template. */
  readonly executor: Record<string, unknown>;
}

/** What the pod templates are built from. */
type PodTemplateInput = Pick<SparkSpecInput, 'labels' | 'gpu' | 'platform' | 'environmentArchive' | 'image' | 'volumes'>;

/** Builds the driver and executor pod templates (the same for every run of a model). */
export function sparkPodTemplates(input: PodTemplateInput): SparkPodTemplates {
  return { driver: stripKindApi(podTemplate('driver', input)), executor: stripKindApi(podTemplate('executor', input)) };
}

/** The S3A credentials provider that reads AWS_* env vars, for the Hadoop generation of a Spark version. */
export function envCredentialsProvider(sparkVersion: string): string {
  // Spark 4 ships Hadoop 3.4 (AWS SDK v2); Spark 3.x ships Hadoop 3.3 (AWS SDK v1).
  return sparkVersion.startsWith('4.')
    ? 'software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider'
    : 'com.amazonaws.auth.EnvironmentVariableCredentialsProvider';
}

/**
 * The pod template of the driver or the executors: restricted security, scratch dirs, S3 keys from the
 * Secret, GPU placement, and for an s3a:// environment archive the init container that fetches it
 * (see spark-environment.ts).
 */
function podTemplate(role: PodRole, input: PodTemplateInput): Record<string, unknown> {
  const store = input.platform.objectStore;
  const secret = store.credentialsSecret;
  const fetched = environmentDelivery(input.environmentArchive) === 'init-container';
  const container: k8s.Container = {
    name: SPARK_TEMPLATE_CONTAINERS[role],
    securityContext: restrictedContainerSecurityContext(SPARK_UID),
    volumeMounts: [
      ...scratchMounts(SPARK_SCRATCH),
      ...(fetched ? [environmentMount()] : []),
      ...(input.volumes ?? []).map((m) => ({ name: datasetVolumeName(m.claimName), mountPath: m.mountPath, readOnly: m.readOnly })),
    ],
    env: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: secret, key } } })),
  };
  const init = fetched
    ? environmentInitContainer({
        archive: input.environmentArchive,
        image: input.image,
        credentialsSecret: secret,
        endpoint: store.endpoint,
        region: store.region,
        uid: SPARK_UID,
      })
    : undefined;
  let spec: k8s.PodSpec = {
    // Only the driver talks to the API server (it creates its executors).
    automountServiceAccountToken: role === 'driver',
    securityContext: restrictedPodSecurityContext(SPARK_UID),
    volumes: [
      ...scratchVolumes(SPARK_SCRATCH),
      ...(fetched ? environmentVolumes() : []),
      ...(input.volumes ?? []).map((m) => ({
        name: datasetVolumeName(m.claimName),
        persistentVolumeClaim: { claimName: m.claimName, readOnly: m.readOnly },
      })),
    ],
    ...(init ? { initContainers: [init] } : {}),
    containers: [container],
  };
  if (hasGpu(input.gpu, role)) spec = placeOnPool(spec, input.gpu.pool, input.gpu.count);
  return k8s.KubePod.manifest({ metadata: { labels: { ...input.labels } }, spec }) as Record<string, unknown>;
}

function stripKindApi(manifest: Record<string, unknown>): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, ...rest } = manifest;
  void _a;
  void _k;
  return rest;
}

function hasGpu(gpu: SparkGpuPlacement | undefined, role: PodRole): gpu is SparkGpuPlacement {
  return gpu !== undefined && (gpu.on === 'both' || gpu.on === role);
}

/** The s3a settings of the platform's object store, then the model's own Hadoop configuration. Key-sorted. */
function hadoopConfOf(input: SparkSpecInput): Record<string, string> {
  const store = input.platform.objectStore;
  return sortedRecord({
    'fs.s3a.aws.credentials.provider': envCredentialsProvider(input.sparkVersion),
    ...(store.endpoint ? { 'fs.s3a.endpoint': store.endpoint, 'fs.s3a.path.style.access': 'true' } : {}),
    ...(store.region ? { 'fs.s3a.endpoint.region': store.region } : {}),
    ...input.hadoopConf,
  });
}

/** The packed environment's interpreter and the pod-template wiring, then the model's own Spark configuration. Key-sorted. */
function sparkConfOf(input: SparkSpecInput): Record<string, string> {
  return sortedRecord({
    // The packed environment's interpreter, for the driver and the executors. The driver-python
    // setting is deliberately never set: in cluster mode it would break the driver.
    'spark.pyspark.python': environmentPython(environmentDelivery(input.environmentArchive)),
    'spark.kubernetes.driver.podTemplateContainerName': SPARK_TEMPLATE_CONTAINERS.driver,
    'spark.kubernetes.executor.podTemplateContainerName': SPARK_TEMPLATE_CONTAINERS.executor,
    ...input.sparkConf,
  });
}

/** MLflow, the object store and the model's identity, then the model's own env. Key-sorted. */
function envVarsOf(input: SparkSpecInput): Record<string, string> {
  const endpoint = input.platform.objectStore.endpoint;
  return sortedRecord({
    MLFLOW_TRACKING_URI: input.platform.mlflowTrackingUri,
    ...(endpoint ? { MLFLOW_S3_ENDPOINT_URL: endpoint, AWS_ENDPOINT_URL_S3: endpoint } : {}),
    MODELPLANE_TEAM: input.team,
    MODELPLANE_MODEL: input.model,
    MODELPLANE_PYTHON_VERSION: input.pythonVersion,
    ...input.env,
  });
}

/** OnFailure with the model's retries (submission failures too), or Never. */
function restartPolicyOf(input: SparkSpecInput): SparkApplicationSpec['restartPolicy'] {
  if (input.retries <= 0) return { type: SparkApplicationSpecRestartPolicyType.NEVER };
  return {
    type: SparkApplicationSpecRestartPolicyType.ON_FAILURE,
    onFailureRetries: input.retries,
    onFailureRetryInterval: input.retryIntervalSeconds,
    onSubmissionFailureRetries: input.retries,
    onSubmissionFailureRetryInterval: input.retryIntervalSeconds,
  };
}

function dynamicAllocationOf(dyn: SparkDynamicAllocation | undefined): Pick<SparkApplicationSpec, 'dynamicAllocation'> {
  if (!dyn) return {};
  return {
    dynamicAllocation: {
      enabled: true,
      minExecutors: dyn.minExecutors,
      maxExecutors: dyn.maxExecutors,
      initialExecutors: dyn.initialExecutors ?? dyn.minExecutors,
      shuffleTrackingEnabled: true,
    },
  };
}

/** Cores (with the matching CPU limit) and memory of a pod. */
function podResources(r: ResolvedPodResources) {
  return {
    cores: r.cores,
    coreLimit: `${r.cores * 1000}m`,
    memory: r.memory,
    ...(r.memoryOverhead ? { memoryOverhead: r.memoryOverhead } : {}),
  };
}

/** What the driver and the executors share after their resources: labels, env, GPUs, pod template. */
function podCommon(input: SparkSpecInput, role: PodRole, envVars: Record<string, string>, template: Record<string, unknown>) {
  const gpu = input.gpu;
  return {
    labels: { ...input.labels },
    envVars,
    ...(hasGpu(gpu, role) ? { gpu: { name: NVIDIA_GPU, quantity: gpu.count } } : {}),
    template,
  };
}

/** The SparkApplication spec of one run of a batch model. Deterministic: maps are key-sorted. */
export function sparkApplicationSpec(input: SparkSpecInput): SparkApplicationSpec {
  const envVars = envVarsOf(input);
  const templates = input.podTemplates ?? sparkPodTemplates(input);
  const dyn = input.dynamicAllocation;
  return {
    type: SparkApplicationSpecType.PYTHON,
    // The operator's mutating webhook would default it; without the webhook spark-submit refuses an
    // application without a deploy mode.
    mode: SparkApplicationSpecMode.CLUSTER,
    sparkVersion: input.sparkVersion,
    image: input.image,
    imagePullPolicy: IMAGE_PULL_POLICY,
    mainApplicationFile: input.mainApplicationFile,
    arguments: [...input.arguments],
    // An s3a:// archive is fetched by the pods' init container instead (spark-environment.ts).
    ...(environmentDelivery(input.environmentArchive) === 'spark-archives'
      ? { deps: { archives: [`${input.environmentArchive}#environment`] } }
      : {}),
    sparkConf: sparkConfOf(input),
    hadoopConf: hadoopConfOf(input),
    restartPolicy: restartPolicyOf(input),
    timeToLiveSeconds: input.timeToLiveSeconds,
    ...dynamicAllocationOf(dyn),
    driver: {
      ...podResources(input.driver),
      serviceAccount: input.driverServiceAccount,
      ...podCommon(input, 'driver', envVars, templates.driver),
    },
    executor: {
      ...podResources(input.executor),
      ...(dyn ? {} : { instances: input.executor.instances }),
      deleteOnTermination: true,
      ...podCommon(input, 'executor', envVars, templates.executor),
    },
  };
}
