/**
 * The servers of the formats that are not MLflow, as the `kserve` and `deployment` backends both run them:
 * TensorFlow Serving (`tensorflow`) and NVIDIA Triton (`onnx`, `triton`). Their probes, their Prometheus
 * endpoints, TensorFlow Serving's monitoring configuration (a ConfigMap), and the init container that fetches a
 * model for them on the `deployment` backend, through MLflow as MLServer fetches an MLflow model.
 */
import { ApiObject } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import type { Construct } from 'constructs';
import { restrictedContainer, TMP_DIR } from '../../../core/security';
import {
  FETCHED_MODELS_DIR,
  FORMAT_PROTOCOL,
  InferenceProtocol,
  ModelFormat,
  TF_SERVING_METRICS_PATH,
  TF_SERVING_MONITORING_CONFIG,
  TF_SERVING_MONITORING_DIR,
  TF_SERVING_MONITORING_FILE,
  TRITON_METRICS_PATH,
} from '../formats';
import {
  MLSERVER_IMAGE,
  MLSERVER_UID,
  modelLabels,
  PlainEnv,
  ProbeSpec,
  ResolvedOnlineModel,
  ResolvedVariant,
  s3Env,
  servedModelName,
} from '../spec';

/** An endpoint's `protocol`, given only when it is not the default v2 (so an MLflow model's endpoint is as it was). */
export function endpointProtocol(m: Pick<ResolvedOnlineModel, 'format'>): { protocol?: InferenceProtocol } {
  const protocol = FORMAT_PROTOCOL[m.format];
  return protocol === 'v2' ? {} : { protocol };
}

/** The servers of the formats other than `mlflow`. */
export type ModelServer = 'tf-serving' | 'triton';

/** The server of a format that is not `mlflow`: TensorFlow Serving for `tensorflow`, Triton for `onnx` and `triton`. */
export function formatServer(format: Exclude<ModelFormat, 'mlflow'>): ModelServer {
  return format === 'tensorflow' ? 'tf-serving' : 'triton';
}

/**
 * TensorFlow Serving's probes: startup and readiness ask for the model's status (`/v1/models/<name>`, 404 until
 * a version of it is found). The server has no health endpoint of its own, so liveness asks for its Prometheus
 * endpoint (which our monitoring configuration turns on): it answers while the REST server runs, whatever the
 * model's state, and is not the readiness check (a failed readiness must not restart the pod). Startup allows
 * 10 minutes.
 */
export function tfServingProbes(modelName: string): { startup: ProbeSpec; readiness: ProbeSpec; liveness: ProbeSpec } {
  const status = `/v1/models/${modelName}`;
  return {
    startup: { path: status, periodSeconds: 5, failureThreshold: 120, timeoutSeconds: 3 },
    readiness: { path: status, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 },
    liveness: { path: TF_SERVING_METRICS_PATH, periodSeconds: 20, failureThreshold: 3, timeoutSeconds: 5 },
  };
}

/**
 * Triton's probes: startup and readiness on `/v2/health/ready` (ready once every model it was told to load is
 * ready), liveness on `/v2/health/live`. Startup allows 10 minutes for loading.
 */
export function tritonProbes(): { startup: ProbeSpec; readiness: ProbeSpec; liveness: ProbeSpec } {
  return {
    startup: { path: '/v2/health/ready', periodSeconds: 5, failureThreshold: 120, timeoutSeconds: 3 },
    readiness: { path: '/v2/health/ready', periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 },
    liveness: { path: '/v2/health/live', periodSeconds: 20, failureThreshold: 3, timeoutSeconds: 5 },
  };
}

/** The probes of a server. */
export function serverProbes(server: ModelServer, m: Pick<ResolvedOnlineModel, 'name'>) {
  return server === 'tf-serving' ? tfServingProbes(servedModelName(m)) : tritonProbes();
}

/** A server's Prometheus path (TensorFlow Serving's on its REST port, Triton's on its metrics port). */
export function serverMetricsPath(server: ModelServer): string {
  return server === 'tf-serving' ? TF_SERVING_METRICS_PATH : TRITON_METRICS_PATH;
}

/** The ConfigMap holding TensorFlow Serving's monitoring configuration: `<model>-tf-serving`. */
export function tfServingConfigMapName(m: Pick<ResolvedOnlineModel, 'name'>): string {
  return `${m.name}-tf-serving`;
}

/** The volume of TensorFlow Serving's monitoring configuration. */
export const TF_SERVING_CONFIG_VOLUME = 'tf-serving-config';

/** TensorFlow Serving's argument that turns its Prometheus endpoint on. */
export const TF_SERVING_MONITORING_ARG = `--monitoring_config_file=${TF_SERVING_MONITORING_DIR}/${TF_SERVING_MONITORING_FILE}`;

/** The ConfigMap of TensorFlow Serving's monitoring configuration, one per model (every variant mounts it). */
export function renderTfServingConfig(scope: Construct, m: ResolvedOnlineModel): ApiObject {
  return new k8s.KubeConfigMap(scope, 'TfServingConfig', {
    metadata: { name: tfServingConfigMapName(m), namespace: m.namespace, labels: modelLabels(m, 'server-config') },
    data: { [TF_SERVING_MONITORING_FILE]: TF_SERVING_MONITORING_CONFIG },
  });
}

/** The ConfigMap volume of TensorFlow Serving's monitoring configuration, read-only. */
export function tfServingConfigVolume(m: Pick<ResolvedOnlineModel, 'name'>) {
  return { name: TF_SERVING_CONFIG_VOLUME, configMap: { name: tfServingConfigMapName(m), defaultMode: 0o444 } };
}

/** Its mount. */
export const TF_SERVING_CONFIG_MOUNT = { name: TF_SERVING_CONFIG_VOLUME, mountPath: TF_SERVING_MONITORING_DIR, readOnly: true };

/** The emptyDir the `deployment` backend fetches a model into, and its size limit (it counts against `resources.ephemeralStorage`). */
export const FETCHED_MODELS = { name: 'models', mountPath: FETCHED_MODELS_DIR, sizeLimit: '2Gi' } as const;

/**
 * Where a server finds the fetched model: TensorFlow Serving's model base path `/models/<name>` (its numbered
 * versions inside), Triton's model repository `/models/repository`.
 */
export function fetchedModelPath(server: ModelServer, m: Pick<ResolvedOnlineModel, 'name'>): string {
  return server === 'tf-serving' ? `${FETCHED_MODELS_DIR}/${servedModelName(m)}` : `${FETCHED_MODELS_DIR}/repository`;
}

/**
 * The fetch: MLflow's `download_artifacts` resolves the URI as MLServer's MLflow runtime does (`models:/` through the
 * tracking server's artifact proxy, `s3://` with the object store's credentials) into a staging folder (which must
 * exist), then the downloaded folder is moved to where the server reads it (MLflow puts a folder URI's contents
 * either in the staging folder itself or in a folder of the URI's last segment inside it, depending on the scheme).
 * A rerun of the init container starts from empty folders.
 */
export const FETCH_MODEL_SCRIPT = [
  'import os, shutil, sys',
  'import mlflow.artifacts',
  'uri, target = sys.argv[1], sys.argv[2]',
  'staging = target + ".download"',
  'for p in (target, staging):',
  '    shutil.rmtree(p, ignore_errors=True)',
  'os.makedirs(staging)',
  'path = mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=staging)',
  'os.rename(path, target)',
  'print("fetched %s into %s" % (uri, target))',
].join('\n');

/**
 * The init container that fetches a variant's model for TensorFlow Serving or Triton on the `deployment` backend:
 * the pinned MLServer image (it carries MLflow), with the environment MLServer itself gets for the same URI
 * (MLFLOW_TRACKING_URI; for `s3://`, the object store's endpoint and credentials by Secret reference).
 */
export function fetchModelContainer(
  server: ModelServer,
  m: Pick<ResolvedOnlineModel, 'name' | 'platform' | 's3CredentialsSecret' | 'resources'>,
  v: Pick<ResolvedVariant, 'model'>,
): k8s.Container {
  const env: PlainEnv[] = [
    { name: 'HOME', value: TMP_DIR.mountPath },
    { name: 'MLFLOW_TRACKING_URI', value: m.platform.mlflowTrackingUri },
    ...(v.model.startsWith('s3://') ? s3Env(m) : []),
  ];
  return restrictedContainer({
    name: 'fetch-model',
    image: MLSERVER_IMAGE,
    uid: MLSERVER_UID,
    command: ['python', '-c', FETCH_MODEL_SCRIPT, v.model, fetchedModelPath(server, m)],
    env: env.map((e) => ({ ...e })),
    resources: m.resources,
    volumeMounts: [
      { name: TMP_DIR.name, mountPath: TMP_DIR.mountPath },
      { name: FETCHED_MODELS.name, mountPath: FETCHED_MODELS.mountPath },
    ],
  });
}
