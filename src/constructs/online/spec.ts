/**
 * The resolved form of an online model: what every backend renderer (KServe, Seldon, plain
 * Deployment) receives after {@link resolveOnlineModel} has validated its props. Renderers never
 * validate; they only translate this plain data into their backend's objects.
 */
import type { PlatformContext } from '../../core/context';
import type { GpuPoolSpec } from '../../core/gpu';
import { selectorLabels, standardLabels } from '../../core/labels';
import type { SecretKeyRef } from '../../core/secrets';
import type { ResourceSpec } from '../../core/security';
import type { InferenceProtocol, ModelFormat } from './formats';

/** The serving backends. */
export const ONLINE_BACKENDS = ['kserve', 'seldon', 'deployment'] as const;
/** A serving backend. */
export type OnlineBackend = (typeof ONLINE_BACKENDS)[number];

/** MLServer (Apache-2.0) with its MLflow runtime: the server of the `deployment` backend. */
export const MLSERVER_VERSION = '1.7.1';
/** The MLServer image with the MLflow runtime preinstalled; runs as uid 1000. */
export const MLSERVER_IMAGE = `docker.io/seldonio/mlserver:${MLSERVER_VERSION}-mlflow`;
/** The uid the MLServer image runs as. */
export const MLSERVER_UID = 1000;
/** MLServer's MLflow runtime class. */
export const MLSERVER_MLFLOW_RUNTIME = 'mlserver_mlflow.MLflowRuntime';

/** The ports an MLServer container listens on (our choice, set through its env). */
export const MLSERVER_PORTS = { http: 8080, grpc: 8081, metrics: 8082 } as const;
/** MLServer's Prometheus path (its default). */
export const MLSERVER_METRICS_PATH = '/metrics';

/**
 * Seldon Core v1 is pinned to 1.17.1: the last Apache-2.0 release. 1.18.0 and later are under the
 * Business Source License 1.1 (free for non-production use only).
 */
export const SELDON_CORE_VERSION = '1.17.1';
/** The MLServer image Seldon 1.17.1 uses for `MLFLOW_SERVER` on protocol v2. */
export const SELDON_MLSERVER_IMAGE = 'docker.io/seldonio/mlserver:1.3.5-mlflow';
/** Seldon v1 serves model metrics on the `metrics` port at this path. */
export const SELDON_METRICS_PATH = '/prometheus';
/** The HTTP and gRPC ports we pin on the Seldon graph node. */
export const SELDON_PORTS = { http: 9000, grpc: 9500 } as const;

/** HPA on resource utilization. */
export interface ResolvedHpa {
  /** Discriminator. */
  readonly kind: 'hpa';
  /** Minimum replicas. */
  readonly minReplicas: number;
  /** Maximum replicas. */
  readonly maxReplicas: number;
  /** Target average CPU utilization (% of requests). */
  readonly cpuUtilization?: number;
  /** Target average memory utilization (% of requests). */
  readonly memoryUtilization?: number;
}

/** KEDA on a RabbitMQ queue's length. */
export interface ResolvedKeda {
  /** Discriminator. */
  readonly kind: 'keda';
  /** Minimum replicas (0 only for queue workers). */
  readonly minReplicas: number;
  /** Maximum replicas. */
  readonly maxReplicas: number;
  /** The queue. */
  readonly queueName: string;
  /** Secret key holding the AMQP (or management HTTP) URL with credentials. */
  readonly hostSecret: SecretKeyRef;
  /** Messages per replica. */
  readonly messagesPerReplica: number;
  /** Messages that wake a scaled-to-zero worker. */
  readonly activationMessages: number;
  /** amqp or http (http counts unacknowledged messages too). */
  readonly protocol: 'amqp' | 'http';
  /** RabbitMQ vhost. */
  readonly vhostName?: string;
  /** Polling interval in seconds. */
  readonly pollingInterval: number;
  /** Cooldown before scaling to zero, in seconds. */
  readonly cooldownPeriod: number;
}

/** One model version behind the service. */
export interface ResolvedVariant {
  /** Variant name (DNS label). */
  readonly name: string;
  /** Model URI: `models:/...` or `s3://...`. */
  readonly model: string;
  /** Percentage of live traffic (0 for a shadow). */
  readonly traffic: number;
  /** Receives a copy of the traffic; its responses are discarded. */
  readonly shadow: boolean;
  /** Whether this is the primary (first) variant. */
  readonly primary: boolean;
  /** Kubernetes object name of this variant's workload: the model name for the primary, `<model>-<variant>` otherwise. */
  readonly objectName: string;
}

/** Everything a renderer needs. */
export interface ResolvedOnlineModel {
  /** Model (service) name. */
  readonly name: string;
  /** Namespace (= team). */
  readonly namespace: string;
  /** Team. */
  readonly team: string;
  /** Backend. */
  readonly backend: OnlineBackend;
  /** What the model URI holds (and so the server). */
  readonly format: ModelFormat;
  /** `online` (keeps ≥ 1 replica) or `queue-worker` (may scale to zero). */
  readonly role: 'online' | 'queue-worker';
  /** Variants; the first is the primary. */
  readonly variants: readonly ResolvedVariant[];
  /** Container resources. */
  readonly resources: ResourceSpec;
  /** GPU placement. */
  readonly gpu?: { readonly pool: GpuPoolSpec; readonly count: number };
  /** Fixed replicas (when not autoscaled). */
  readonly replicas: number;
  /** The one autoscaler, if any. */
  readonly autoscaling?: ResolvedHpa | ResolvedKeda;
  /** Platform facts. */
  readonly platform: PlatformContext;
  /** Secret with `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` for `s3://` models on the deployment backend. */
  readonly s3CredentialsSecret: string;
  /** Prometheus scrape interval. */
  readonly scrapeInterval: string;
  /**
   * Whether the model emits its ServiceMonitor/PodMonitor: when the platform installs the Prometheus
   * Operator (or the platform is not known), never on a platform without its CRDs.
   */
  readonly monitors: boolean;
  /** Extra labels on monitors (e.g. `release: prometheus`). */
  readonly monitorLabels: Readonly<Record<string, string>>;
  /** Server image override. */
  readonly image?: string;
  /** Backend-specific options (already validated). */
  readonly kserve: { readonly modelFormatVersion: string; readonly runtime?: string; readonly storageSecret?: string };
  /** Seldon options. */
  readonly seldon: { readonly rcloneSecret: string };
  /** Deployment options. */
  readonly deployment: {
    readonly gateway: { readonly name: string; readonly namespace: string; readonly sectionName?: string };
    readonly hostnames: readonly string[];
  };
}

/** Where a variant is reached. */
export interface OnlineEndpoint {
  /** Base URL, e.g. `http://fraud.risk.svc.cluster.local:8080`. */
  readonly url: string;
  /** Model name in `/v2/models/<name>/infer` (or TensorFlow Serving's `/v1/models/<name>:predict`). */
  readonly modelName: string;
  /** The protocol it answers: the open inference protocol `v2`, or TensorFlow Serving's REST API. @default "v2" */
  readonly protocol?: InferenceProtocol;
}

/** `app.kubernetes.io/name` of every online model's objects (monitors select the pods by it). */
export const ONLINE_MODEL_APP = 'online-model';

/** The in-cluster host name of a Service of the model. */
export function serviceHost(m: Pick<ResolvedOnlineModel, 'namespace'>, service: string): string {
  return `${service}.${m.namespace}.svc.cluster.local`;
}

/** Labels of a variant's objects. */
export function variantLabels(m: ResolvedOnlineModel, v: ResolvedVariant): Record<string, string> {
  return standardLabels({
    name: ONLINE_MODEL_APP,
    instance: v.objectName,
    component: 'predictor',
    team: m.team,
    model: m.name,
    version: v.name,
  });
}

/** Selector labels of a variant's pods. */
export function variantSelector(v: ResolvedVariant): Record<string, string> {
  return selectorLabels({ name: ONLINE_MODEL_APP, instance: v.objectName, component: 'predictor' });
}

/** Labels of objects belonging to the model as a whole (routes, tests). */
export function modelLabels(m: ResolvedOnlineModel, component: string): Record<string, string> {
  return standardLabels({ name: ONLINE_MODEL_APP, instance: m.name, component, team: m.team, model: m.name });
}

/** The name MLServer registers the model under (the v2 path is `/v2/models/<name>/infer`). */
export function servedModelName(m: Pick<ResolvedOnlineModel, 'name'>): string {
  return m.name;
}

/** What MLServer's configuration needs to know about the model. */
export type MlserverModel = Pick<ResolvedOnlineModel, 'name' | 'platform' | 's3CredentialsSecret'>;

/** A plain env var. */
export interface PlainEnv {
  /** Name. */
  readonly name: string;
  /** Value. */
  readonly value?: string;
  /** Secret source. */
  readonly valueFrom?: { readonly secretKeyRef: { readonly name: string; readonly key: string } };
}

/**
 * The environment that configures MLServer with its MLflow runtime for one variant: ports, metrics,
 * the model (name, runtime, URI) and where `models:/` URIs resolve (MLFLOW_TRACKING_URI). MLServer
 * reads `MLSERVER_*` into its settings and `MLSERVER_MODEL_*` into the model's settings, so no
 * settings file is needed. `s3://` models also get the object store's endpoint and a reference to
 * its credentials; `models:/` models download through MLflow's artifact proxy and need none.
 */
export function mlserverEnv(
  m: MlserverModel,
  v: Pick<ResolvedVariant, 'model'>,
  ports: { http: number; grpc: number; metrics: number } = MLSERVER_PORTS,
): PlainEnv[] {
  const env: PlainEnv[] = [
    { name: 'HOME', value: '/tmp' },
    { name: 'MLSERVER_HOST', value: '0.0.0.0' },
    { name: 'MLSERVER_HTTP_PORT', value: String(ports.http) },
    { name: 'MLSERVER_GRPC_PORT', value: String(ports.grpc) },
    { name: 'MLSERVER_METRICS_PORT', value: String(ports.metrics) },
    { name: 'MLSERVER_METRICS_ENDPOINT', value: MLSERVER_METRICS_PATH },
    { name: 'MLSERVER_METRICS_DIR', value: '/tmp/mlserver-metrics' },
    { name: 'MLSERVER_MODEL_NAME', value: servedModelName(m) },
    { name: 'MLSERVER_MODEL_IMPLEMENTATION', value: MLSERVER_MLFLOW_RUNTIME },
    { name: 'MLSERVER_MODEL_URI', value: v.model },
    { name: 'MLFLOW_TRACKING_URI', value: m.platform.mlflowTrackingUri },
  ];
  if (v.model.startsWith('s3://')) env.push(...s3Env(m));
  return env;
}

/** Object-store env for `s3://` model URIs: endpoint and region as values, keys by reference. */
export function s3Env(m: MlserverModel): PlainEnv[] {
  const os = m.platform.objectStore;
  const ref = (key: string) => ({ secretKeyRef: { name: m.s3CredentialsSecret, key } });
  return [
    { name: 'AWS_ACCESS_KEY_ID', valueFrom: ref('AWS_ACCESS_KEY_ID') },
    { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: ref('AWS_SECRET_ACCESS_KEY') },
    { name: 'AWS_DEFAULT_REGION', value: os.region ?? 'us-east-1' },
    ...(os.endpoint
      ? [
          { name: 'MLFLOW_S3_ENDPOINT_URL', value: os.endpoint },
          { name: 'AWS_ENDPOINT_URL', value: os.endpoint },
        ]
      : []),
  ];
}

/** A probe before each backend types it. */
export interface ProbeSpec {
  /** HTTP path. */
  readonly path: string;
  /** Seconds between probes. */
  readonly periodSeconds: number;
  /** Failures before the kubelet acts. */
  readonly failureThreshold: number;
  /** Seconds before a probe times out. */
  readonly timeoutSeconds: number;
}

/**
 * MLServer's probes. Startup and readiness ask for the model itself (`/v2/models/<name>/ready`):
 * MLServer's server-wide `/v2/health/ready` answers 200 even when the model failed to load (it is
 * then simply not registered), which would send traffic to a pod that can only answer 404.
 * Liveness is the server's `/v2/health/live`. Startup allows 10 minutes for the model download.
 */
export function mlserverProbes(modelName: string): { startup: ProbeSpec; readiness: ProbeSpec; liveness: ProbeSpec } {
  const ready = `/v2/models/${modelName}/ready`;
  return {
    startup: { path: ready, periodSeconds: 5, failureThreshold: 120, timeoutSeconds: 3 },
    readiness: { path: ready, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 },
    liveness: { path: '/v2/health/live', periodSeconds: 20, failureThreshold: 3, timeoutSeconds: 5 },
  };
}

/** Topology spread over nodes and zones (soft, so small clusters still schedule). */
export function spreadConstraints(selector: Record<string, string>) {
  return ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: { ...selector } },
  }));
}

/** Most replicas a variant's workload runs: its autoscaler's maximum, or its fixed replicas. */
export function maxReplicas(m: ResolvedOnlineModel): number {
  return m.autoscaling ? m.autoscaling.maxReplicas : m.replicas;
}

/** Minimum replicas the variant keeps (the PDB and fixed-replica canaries use it). */
export function minReplicas(m: ResolvedOnlineModel): number {
  return m.autoscaling ? m.autoscaling.minReplicas : m.replicas;
}
