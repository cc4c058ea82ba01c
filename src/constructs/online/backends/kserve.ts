/**
 * The `kserve` backend: one InferenceService in Standard (raw Deployment) mode serving the model in its format:
 * an MLflow model with the `mlflow` model format on the v2 protocol (KServe's `kserve-mlserver` runtime); a
 * TensorFlow SavedModel with `tensorflow` on protocol v1 (`kserve-tensorflow-serving`, the only runtime of the
 * kserve-runtime-configs chart serving `tensorflow` on v1: `kserve-tritonserver` lists it on v2 only); ONNX and
 * Triton repositories with `onnx` and `triton` on v2 (`kserve-tritonserver`). KServe selects the runtime from
 * the format and protocol unless `kserve.runtime` pins one; the server image is pinned on the model container
 * (formats.ts), the runtime's arguments kept (KServe appends ours to them).
 *
 * - Formats other than `mlflow`: always `storageUri` (`s3://` only: KServe's storage initializer knows no
 *   `models:/`, which only MLServer's MLflow runtime resolves itself), downloaded to `/mnt/models`.
 *
 * - `models:/` URIs: no storage initializer; MLServer's MLflow runtime resolves the URI through
 *   MLFLOW_TRACKING_URI and downloads through MLflow's artifact proxy (no S3 credentials in the pod).
 * - `s3://` URIs: `storageUri`, with the S3 credentials KServe's storage initializer reads from an
 *   annotated Secret listed on a ServiceAccount we create (`serviceAccountName`).
 * - Canaries and A/B variants: `spec.canary[]` with `trafficPercent` (Standard mode, KServe ≥ 0.20),
 *   which KServe v0.20.0 uses to size the canaries only: it routes the model's address to the stable
 *   predictor's Service, and each canary is reachable at its own Service alone. The split is ours: a
 *   Gateway API HTTPRoute `<model>` with weighted backendRefs over KServe's predictor Services
 *   (`<model>-predictor` and `<model>-<variant>-predictor`, port 80), as the `deployment` backend
 *   routes its variants, attached to the platform's Gateway (so the platform must install Envoy
 *   Gateway; KServe's own Gateway API option, `enableGatewayApi`, stays off). Canaries run fixed
 *   replicas, as KServe requires, sized by their traffic share; the stable predictor keeps the
 *   model's minimum (see kserveReplicaPlan). KServe has no native shadow.
 * - Autoscaling: KServe's own HPA (`autoscalerClass: hpa`, `autoScaling.metrics`) or, for queue
 *   length, `autoscalerClass: external` plus our KEDA ScaledObject on the `<name>-predictor`
 *   Deployment KServe creates — never both.
 * - PodDisruptionBudget and PodMonitor select the predictor pods by the labels we put on them; the
 *   PodMonitor scrapes MLServer's metrics port 8082 (the runtime's `prometheus.kserve.io/port: 8080`
 *   annotation points at the wrong port).
 */
import { ApiObject } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import {
  InferenceService,
  InferenceServiceSpecCanaryPredictor,
  InferenceServiceSpecPredictor,
  InferenceServiceSpecPredictorAutoScalingMetrics,
  InferenceServiceSpecPredictorAutoScalingMetricsResourceName,
  InferenceServiceSpecPredictorAutoScalingMetricsResourceTargetType,
  InferenceServiceSpecPredictorAutoScalingMetricsType,
  InferenceServiceSpecPredictorDeploymentStrategyRollingUpdateMaxSurge,
  InferenceServiceSpecPredictorDeploymentStrategyRollingUpdateMaxUnavailable,
  InferenceServiceSpecPredictorModel,
  InferenceServiceSpecPredictorModelLivenessProbeHttpGetPort,
  InferenceServiceSpecPredictorModelReadinessProbeHttpGetPort,
  InferenceServiceSpecPredictorModelResourcesLimits,
  InferenceServiceSpecPredictorModelResourcesRequests,
  InferenceServiceSpecPredictorModelStartupProbeHttpGetPort,
  InferenceServiceSpecPredictorVolumesEmptyDirSizeLimit,
} from '../../../../imports/serving.kserve.io';
import type { Validator } from '../../../core/errors';
import { prop, propOf, words } from '../../../core/words';
import { IMAGE_PULL_POLICY } from '../../../core/security';
import { checkName } from '../../../core/validate';
import { hpaMetrics, renderKeda } from '../autoscaling';
import type { ServingBackend } from '../backend';
import { checkSecretName } from '../checks';
import type { OnlineModelProps } from '../props';
import { renderHttpRoute } from '../rollouts';
import { httpProbe, predictorContainerFields, predictorPodFields, predictorPodLabels, renderPodMonitor, renderVariantPdb } from '../shared';
import {
  maxReplicas,
  minReplicas,
  MLSERVER_IMAGE,
  MLSERVER_METRICS_PATH,
  mlserverEnv,
  mlserverProbes,
  modelLabels,
  PlainEnv,
  ResolvedHpa,
  ResolvedKeda,
  ResolvedOnlineModel,
  ResolvedVariant,
  servedModelName,
  serviceHost,
} from '../spec';
import { MLSERVER_MODELS_DIR } from './deployment';
import { DEFAULT_MODEL_FORMAT, MODEL_FORMATS, ModelFormat, TF_SERVING_IMAGE, TRITON_IMAGE, TRITON_PORTS } from '../formats';
import {
  endpointProtocol,
  formatServer,
  renderTfServingConfig,
  serverMetricsPath,
  serverProbes,
  TF_SERVING_CONFIG_MOUNT,
  TF_SERVING_MONITORING_ARG,
  tfServingConfigVolume,
} from './servers';

/** The ports KServe's MLServer runtime uses: HTTP 8080, gRPC 9000; metrics stay on MLServer's 8082. */
export const KSERVE_MLSERVER_PORTS = { http: 8080, grpc: 9000, metrics: 8082 } as const;

/** The objects the backend creates. */
export interface KServeObjects {
  /** The InferenceService. */
  readonly inferenceService: ApiObject;
  /** The HTTPRoute splitting traffic between the predictors' Services, with canaries. */
  readonly route?: ApiObject;
  /** PDBs, one per variant. */
  readonly pdbs: ApiObject[];
  /** The PodMonitor. */
  readonly monitor?: ApiObject;
  /** The ScaledObject, for queue scaling. */
  readonly scaler?: ApiObject;
  /** The ServiceAccount listing the S3 Secret, for `s3://` models. */
  readonly serviceAccount?: ApiObject;
}

/** The name of the ServiceAccount carrying the S3 Secret. */
export function kserveServiceAccountName(m: Pick<ResolvedOnlineModel, 'name'>): string {
  return `${m.name}-kserve-s3`;
}

/**
 * The Deployment (and Service, and HPA) KServe creates for the primary (stable) predictor in Standard mode:
 * `<model>-predictor` (KServe's `constants.PredictorServiceName` of an unnamed predictor; we name only canaries).
 */
export function kservePredictorDeployment(m: Pick<ResolvedOnlineModel, 'name'>): string {
  return `${m.name}-predictor`;
}

/**
 * The Service (and Deployment) KServe creates for a variant's predictor: the primary's
 * {@link kservePredictorDeployment}, a canary's `<model>-<variant>-predictor` (`constants.PredictorServiceName`
 * with the canary's predictor name). Each serves HTTP on port {@link KSERVE_PREDICTOR_SERVICE_PORT}.
 */
export function kservePredictorService(m: Pick<ResolvedOnlineModel, 'name'>, v: Pick<ResolvedVariant, 'name' | 'primary'>): string {
  return v.primary ? kservePredictorDeployment(m) : `${m.name}-${v.name}-predictor`;
}

/**
 * The port of KServe's predictor Services: 80 (`constants.CommonDefaultHttpPort`), to the container's first port or
 * 8080 (reconcilers/service/service_reconciler.go, `createDefaultSvc`).
 */
export const KSERVE_PREDICTOR_SERVICE_PORT = 80;

/** The annotations KServe's storage initializer reads from the S3 Secret (document or apply them). */
export function kserveS3SecretAnnotations(m: Pick<ResolvedOnlineModel, 'platform'>): Record<string, string> {
  const os = m.platform.objectStore;
  const ann: Record<string, string> = { 'serving.kserve.io/s3-region': os.region ?? 'us-east-1' };
  if (os.endpoint) {
    const url = new URL(os.endpoint);
    ann['serving.kserve.io/s3-endpoint'] = url.host;
    ann['serving.kserve.io/s3-usehttps'] = url.protocol === 'https:' ? '1' : '0';
  }
  return ann;
}

const isS3 = (v: Pick<ResolvedVariant, 'model'>) => v.model.startsWith('s3://');

/** KServe's `autoScaling.metrics`: the HPA's utilization metrics in the binding's enum types. */
function kserveMetrics(a: ResolvedHpa): InferenceServiceSpecPredictorAutoScalingMetrics[] {
  return hpaMetrics(a).map((x) => ({
    type: InferenceServiceSpecPredictorAutoScalingMetricsType.RESOURCE,
    resource: {
      name:
        x.resource.name === 'cpu'
          ? InferenceServiceSpecPredictorAutoScalingMetricsResourceName.CPU
          : InferenceServiceSpecPredictorAutoScalingMetricsResourceName.MEMORY,
      target: {
        type: InferenceServiceSpecPredictorAutoScalingMetricsResourceTargetType.UTILIZATION,
        averageUtilization: x.resource.target.averageUtilization,
      },
    },
  }));
}

/**
 * The replicas of the canaries and the stable predictor's written floor, so that KServe v0.20.0 runs what we intend:
 * the stable predictor's HPA floor is the model's minimum and each canary runs its traffic share of it.
 *
 * KServe's rule (pkg/controller/v1beta1/inferenceservice/components/predictor.go, `canaryReplicaCount` and
 * `reconcileRawDeployment`): a canary runs its own `minReplicas`, or without one
 * `ceil(stable minReplicas x trafficPercent / 100)`; the stable predictor's `minReplicas` is taken as the total and
 * the canaries' replicas are subtracted from it (at least 1 left). So, with `min` the model's minimum
 * (`replicas.min`, or its fixed `replicas`) and `p_i` canary i's trafficPercent, we write:
 *
 * - canary i: `minReplicas = c_i = max(1, ceil(min x p_i / 100))` — explicitly, since without it KServe would size
 *   the canary from the stable's written minReplicas (the total below), not from `min`; at least 1, so that a 0 %
 *   canary still runs a pod behind its own Service;
 * - stable: `minReplicas = min + sum(c_i)`, which KServe turns back into `max(min, 1)`.
 *
 * Without canaries the stable predictor's minReplicas is `min` itself.
 */
export function kserveReplicaPlan(min: number, canaryTraffic: readonly number[]): { stableMinReplicas: number; canaryReplicas: number[] } {
  const canaryReplicas = canaryTraffic.map((p) => Math.max(1, Math.ceil((min * p) / 100)));
  return { stableMinReplicas: min + canaryReplicas.reduce((a, b) => a + b, 0), canaryReplicas };
}

/** The plan of a resolved model: its minimum, and its canaries' (every variant after the first) traffic. */
function replicaPlan(m: ResolvedOnlineModel): ReturnType<typeof kserveReplicaPlan> {
  return kserveReplicaPlan(
    minReplicas(m),
    m.variants.slice(1).map((v) => v.traffic),
  );
}

/** The replicas KServe runs for a canary variant (see {@link kserveReplicaPlan}). */
function canaryReplicas(m: ResolvedOnlineModel, v: ResolvedVariant): number {
  return replicaPlan(m).canaryReplicas[m.variants.indexOf(v) - 1];
}

/**
 * The replica fields of a predictor ({@link kserveReplicaPlan}): canaries run fixed replicas (as KServe requires);
 * the primary KServe's own HPA, or a floor for our ScaledObject (queue scaling, never with canaries), or its fixed
 * replicas.
 */
function kserveScaling(m: ResolvedOnlineModel, v: ResolvedVariant): Partial<InferenceServiceSpecPredictor> {
  const a = m.autoscaling;
  if (!v.primary) return { minReplicas: canaryReplicas(m, v) };
  const floor = replicaPlan(m).stableMinReplicas;
  if (!a) return { minReplicas: floor };
  if (a.kind === 'keda') return { minReplicas: a.minReplicas };
  return { minReplicas: floor, maxReplicas: a.maxReplicas, autoScaling: { metrics: kserveMetrics(a) } };
}

/**
 * MLServer's env on KServe: the runtime sets its own HTTP and gRPC ports, and an `s3://` model comes
 * through storageUri and KServe's storage initializer (no URI, no object-store env in the container).
 */
function kserveEnv(m: ResolvedOnlineModel, v: ResolvedVariant): PlainEnv[] {
  const s3 = isS3(v);
  const dropped = (name: string) =>
    ['MLSERVER_HTTP_PORT', 'MLSERVER_GRPC_PORT'].includes(name) ||
    (s3 && (name === 'MLSERVER_MODEL_URI' || name.startsWith('AWS_') || name.endsWith('ENDPOINT_URL')));
  return mlserverEnv(m, v, KSERVE_MLSERVER_PORTS).filter((e) => !dropped(e.name));
}

/** The model container of a predictor: MLServer with the mlflow format on v2, probed on its HTTP port. */
function kserveModel(m: ResolvedOnlineModel, v: ResolvedVariant, canary: boolean): InferenceServiceSpecPredictorModel {
  if (m.format !== 'mlflow') return kserveServerModel(m, v, canary);
  const probes = mlserverProbes(servedModelName(m));
  const http = KSERVE_MLSERVER_PORTS.http;
  return {
    // KServe's own container name: the canary's PredictorSpec schema requires it (the API server rejects a
    // canary without it), while KServe's validating webhook refuses it on the standard predictor ("the
    // 'name' field is not allowed in standard predictor"), so only canaries carry it.
    ...(canary ? { name: 'kserve-container' } : {}),
    modelFormat: { name: 'mlflow', version: m.kserve.modelFormatVersion },
    protocolVersion: 'v2',
    ...(m.kserve.runtime ? { runtime: m.kserve.runtime } : {}),
    ...(isS3(v) ? { storageUri: v.model } : {}),
    // Pinned, and started as on the deployment backend (settings from env, none from a folder);
    // an s3:// model still lands in /mnt/models through KServe's storage initializer.
    image: m.image ?? MLSERVER_IMAGE,
    imagePullPolicy: IMAGE_PULL_POLICY,
    command: ['mlserver', 'start', MLSERVER_MODELS_DIR],
    env: kserveEnv(m, v).map((e) => ({ ...e })),
    ...predictorContainerFields(
      m,
      InferenceServiceSpecPredictorModelResourcesRequests.fromString,
      InferenceServiceSpecPredictorModelResourcesLimits.fromString,
    ),
    startupProbe: httpProbe(probes.startup, InferenceServiceSpecPredictorModelStartupProbeHttpGetPort.fromNumber(http)),
    readinessProbe: httpProbe(probes.readiness, InferenceServiceSpecPredictorModelReadinessProbeHttpGetPort.fromNumber(http)),
    livenessProbe: httpProbe(probes.liveness, InferenceServiceSpecPredictorModelLivenessProbeHttpGetPort.fromNumber(http)),
  };
}

/**
 * The model container of a predictor in a format other than `mlflow`: the runtime's server at our pinned image, the
 * model from `storageUri`, probed on the runtime's HTTP port 8080; TensorFlow Serving on protocol v1 with its
 * monitoring configuration (so that it exports Prometheus metrics), Triton on v2.
 */
function kserveServerModel(m: ResolvedOnlineModel, v: ResolvedVariant, canary: boolean): InferenceServiceSpecPredictorModel {
  const server = formatServer(m.format as Exclude<ResolvedOnlineModel['format'], 'mlflow'>);
  const tf = server === 'tf-serving';
  const probes = serverProbes(server, m);
  const http = KSERVE_MLSERVER_PORTS.http;
  const fields = predictorContainerFields(
    m,
    InferenceServiceSpecPredictorModelResourcesRequests.fromString,
    InferenceServiceSpecPredictorModelResourcesLimits.fromString,
  );
  return {
    ...(canary ? { name: 'kserve-container' } : {}),
    modelFormat: { name: m.format, version: m.kserve.modelFormatVersion },
    protocolVersion: tf ? 'v1' : 'v2',
    ...(m.kserve.runtime ? { runtime: m.kserve.runtime } : {}),
    storageUri: v.model,
    image: m.image ?? (tf ? TF_SERVING_IMAGE : TRITON_IMAGE),
    imagePullPolicy: IMAGE_PULL_POLICY,
    ...(tf ? { args: [TF_SERVING_MONITORING_ARG] } : {}),
    env: [{ name: 'HOME', value: '/tmp' }],
    ...fields,
    volumeMounts: [...fields.volumeMounts, ...(tf ? [TF_SERVING_CONFIG_MOUNT] : [])],
    startupProbe: httpProbe(probes.startup, InferenceServiceSpecPredictorModelStartupProbeHttpGetPort.fromNumber(http)),
    readinessProbe: httpProbe(probes.readiness, InferenceServiceSpecPredictorModelReadinessProbeHttpGetPort.fromNumber(http)),
    livenessProbe: httpProbe(probes.liveness, InferenceServiceSpecPredictorModelLivenessProbeHttpGetPort.fromNumber(http)),
  };
}

/** The pod fields of a predictor: the shared ones, and TensorFlow Serving's monitoring configuration volume. */
function kservePodFields(m: ResolvedOnlineModel, v: ResolvedVariant) {
  const fields = predictorPodFields(m, v, InferenceServiceSpecPredictorVolumesEmptyDirSizeLimit.fromString);
  if (m.format !== 'tensorflow') return fields;
  return { ...fields, volumes: [...fields.volumes, tfServingConfigVolume(m)] };
}

/** Where the predictor pods export Prometheus metrics: MLServer's 8082, TensorFlow Serving's REST port, Triton's 8002. */
function kserveMetricsEndpoint(m: ResolvedOnlineModel): { portNumber: number; path: string } {
  if (m.format === 'mlflow') return { portNumber: KSERVE_MLSERVER_PORTS.metrics, path: MLSERVER_METRICS_PATH };
  const server = formatServer(m.format);
  return { portNumber: server === 'tf-serving' ? KSERVE_MLSERVER_PORTS.http : TRITON_PORTS.metrics, path: serverMetricsPath(server) };
}

function predictor(m: ResolvedOnlineModel, v: ResolvedVariant, canary: boolean): InferenceServiceSpecPredictor {
  return {
    // Only canaries are named (KServe requires it of them): the stable predictor stays unnamed, so KServe names its
    // Deployment, Service and HPA `<model>-predictor` (kservePredictorDeployment) with or without canaries, and adding
    // a canary does not replace the stable Deployment.
    ...(canary ? { name: v.name } : {}),
    ...kserveScaling(m, v),
    labels: predictorPodLabels(m, v),
    deploymentStrategy: {
      type: 'RollingUpdate',
      rollingUpdate: {
        maxUnavailable: InferenceServiceSpecPredictorDeploymentStrategyRollingUpdateMaxUnavailable.fromNumber(0),
        maxSurge: InferenceServiceSpecPredictorDeploymentStrategyRollingUpdateMaxSurge.fromNumber(1),
      },
    },
    ...(m.kserve.storageSecret && isS3(v) ? { serviceAccountName: kserveServiceAccountName(m) } : {}),
    ...kservePodFields(m, v),
    model: kserveModel(m, v, canary),
  };
}

/** The ServiceAccount listing the S3 Secret, when one is given and a variant serves an `s3://` model. */
function renderServiceAccount(scope: Construct, m: ResolvedOnlineModel): ApiObject | undefined {
  if (!m.kserve.storageSecret || !m.variants.some(isS3)) return undefined;
  return new k8s.KubeServiceAccount(scope, 'S3ServiceAccount', {
    metadata: { name: kserveServiceAccountName(m), namespace: m.namespace, labels: modelLabels(m, 'storage') },
    automountServiceAccountToken: false,
    secrets: [{ name: m.kserve.storageSecret }],
  });
}

const AUTOSCALER_CLASS = { none: 'none', hpa: 'hpa', keda: 'external' } as const;

function renderInferenceService(scope: Construct, m: ResolvedOnlineModel): ApiObject {
  const canaries = m.variants.slice(1);
  return new InferenceService(scope, 'InferenceService', {
    metadata: {
      name: m.name,
      namespace: m.namespace,
      labels: modelLabels(m, 'inference-service'),
      annotations: {
        'serving.kserve.io/deploymentMode': 'Standard',
        'serving.kserve.io/autoscalerClass': AUTOSCALER_CLASS[m.autoscaling?.kind ?? 'none'],
      },
    },
    spec: {
      predictor: predictor(m, m.variants[0], false),
      ...(canaries.length > 0
        ? {
            canary: canaries.map((v) => ({
              // KServe reuses its PredictorSpec for canaries; the generated bindings give it separate nominal classes.
              predictor: predictor(m, v, true) as unknown as InferenceServiceSpecCanaryPredictor,
              trafficPercent: v.traffic,
            })),
          }
        : {}),
    },
  });
}

/** Renders the `kserve` backend. */
export function renderKServeBackend(scope: Construct, m: ResolvedOnlineModel): KServeObjects {
  const serviceAccount = renderServiceAccount(scope, m);
  const config = m.format === 'tensorflow' ? renderTfServingConfig(scope, m) : undefined;
  const inferenceService = renderInferenceService(scope, m);
  if (serviceAccount) inferenceService.addDependency(serviceAccount);
  if (config) inferenceService.addDependency(config);
  const pdbs = m.variants.map((v) => renderVariantPdb(scope, `Pdb-${v.name}`, m, v));
  // KServe routes the model's address to the stable predictor only: the split is ours, over its predictor Services.
  const route =
    m.variants.length > 1
      ? renderHttpRoute(scope, 'Route', m, modelLabels(m, 'route'), {
          service: (v) => kservePredictorService(m, v),
          port: KSERVE_PREDICTOR_SERVICE_PORT,
        })
      : undefined;
  route?.addDependency(inferenceService);
  const monitor = m.monitors ? renderPodMonitor(scope, m, kserveMetricsEndpoint(m)) : undefined;
  let scaler: ApiObject | undefined;
  if (m.autoscaling?.kind === 'keda') {
    const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: kservePredictorDeployment(m) };
    scaler = renderKeda(scope, 'ScaledObject', m.namespace, modelLabels(m, 'autoscaler'), target, m.autoscaling);
    scaler.addDependency(inferenceService);
  }
  return { inferenceService, route, pdbs, monitor, scaler, serviceAccount };
}

/** KServe has no native traffic mirroring: a shadow variant is refused. */
function checkNoShadow(v: Validator, variants: readonly ResolvedVariant[]): void {
  if (!variants.some((x) => x.shadow)) return;
  v.fail(
    'variants',
    variants.filter((x) => x.shadow).map((x) => x.name),
    'has a shadow variant, but KServe has no native traffic mirroring',
    words`use ${prop('backend', 'seldon')} (shadow predictor) or ${prop('backend', 'deployment')} (Gateway API RequestMirror), or drop the shadow`,
  );
}

/**
 * With canaries the stable predictor's written minReplicas is the model's minimum plus the canaries' replicas
 * ({@link kserveReplicaPlan}), and KServe's webhook requires it to be at most maxReplicas (validateReplicas in
 * pkg/apis/serving/v1beta1/component.go checks the written values, before the canaries are subtracted).
 */
function checkCanaryFloorFits(v: Validator, variants: readonly ResolvedVariant[], scaler?: ResolvedHpa | ResolvedKeda): void {
  if (variants.length <= 1 || scaler?.kind !== 'hpa') return;
  const plan = kserveReplicaPlan(
    scaler.minReplicas,
    variants.slice(1).map((x) => x.traffic),
  );
  const canaries = plan.stableMinReplicas - scaler.minReplicas;
  v.check(
    plan.stableMinReplicas <= scaler.maxReplicas,
    'autoscaling.maxReplicas',
    scaler.maxReplicas,
    words`is below ${plan.stableMinReplicas}: KServe counts the canaries' ${canaries} fixed replicas into the stable predictor's minReplicas (${prop('autoscaling.minReplicas')} ${scaler.minReplicas} + ${canaries}) and requires that to be at most maxReplicas`,
    words`set ${prop('autoscaling.maxReplicas', plan.stableMinReplicas)} or more, or lower ${prop('autoscaling.minReplicas')}`,
  );
}

/** KServe canaries run fixed replicas: a queue scaler can only target the primary, so it is refused with canaries. */
function checkQueueScalingWithCanaries(
  v: Validator,
  props: OnlineModelProps,
  variants: readonly ResolvedVariant[],
  scaler?: ResolvedHpa | ResolvedKeda,
): void {
  if (variants.length <= 1 || scaler?.kind !== 'keda') return;
  v.fail(
    'autoscaling.rabbitmq',
    props.autoscaling?.rabbitmq?.queueName,
    'scales a KServe service with canaries on a queue; KServe canaries run fixed replicas and the ScaledObject can only target the primary',
    words`scale on CPU (${prop('autoscaling.cpuUtilization')}) with canaries, or serve one variant`,
  );
}

/**
 * The `modelFormat.version` of each format when none is given, one the runtime KServe selects lists: MLflow 2
 * (`kserve-mlserver`: "1", "2"), TensorFlow 2 (`kserve-tensorflow-serving`: "1", "2"), ONNX 1 and Triton 2
 * (`kserve-tritonserver`: onnx "1", triton "2").
 */
export const KSERVE_FORMAT_VERSIONS: Readonly<Record<ModelFormat, { readonly default: string; readonly listed: readonly string[] }>> = {
  mlflow: { default: '2', listed: ['1', '2'] },
  tensorflow: { default: '2', listed: ['1', '2'] },
  onnx: { default: '1', listed: ['1'] },
  triton: { default: '2', listed: ['2'] },
};

/** Checks and defaults the `kserve` options: the model format's major version, a pinned runtime, the S3 Secret. */
function resolveKServeOptions(v: Validator, props: OnlineModelProps): Pick<ResolvedOnlineModel, 'kserve'> {
  const opts = props.kserve ?? {};
  const format = MODEL_FORMATS.find((f) => f === (props.format ?? DEFAULT_MODEL_FORMAT)) ?? DEFAULT_MODEL_FORMAT;
  const versions = KSERVE_FORMAT_VERSIONS[format];
  const modelFormatVersion = opts.modelFormatVersion ?? versions.default;
  v.check(
    typeof modelFormatVersion === 'string' && /^\d+$/.test(modelFormatVersion),
    'kserve.modelFormatVersion',
    modelFormatVersion,
    'must be a major version string',
    format === 'mlflow'
      ? 'use "2" (KServe\'s MLServer runtime supports MLflow "1" and "2")'
      : `use "${versions.default}" (KServe's runtimes list ${format} ${versions.listed.map((x) => `"${x}"`).join(' and ')})`,
  );
  if (opts.runtime !== undefined) checkName(v, 'kserve.runtime', opts.runtime);
  if (opts.storageSecret !== undefined) checkSecretName(v, 'kserve.storageSecret', opts.storageSecret);
  return { kserve: { modelFormatVersion, runtime: opts.runtime, storageSecret: opts.storageSecret } };
}

/** Why KServe cannot serve a `models:/` URI in a format other than `mlflow`. */
const KSERVE_NO_MODELS_URI =
  "KServe's storage initializer cannot download (only MLServer's MLflow runtime resolves models:/ itself, for format mlflow)";

/** The `kserve` backend: one InferenceService in Standard mode (the default backend). */
export const KSERVE_BACKEND: ServingBackend = {
  name: 'kserve',
  operator: 'kserve',
  optionKeys: ['modelFormatVersion', 'runtime', 'storageSecret'],
  formats: {
    mlflow: { server: "MLServer, KServe's kserve-mlserver runtime" },
    tensorflow: { server: "TensorFlow Serving, KServe's kserve-tensorflow-serving runtime", modelsUriRefusal: KSERVE_NO_MODELS_URI },
    onnx: { server: "Triton, KServe's kserve-tritonserver runtime", modelsUriRefusal: KSERVE_NO_MODELS_URI },
    triton: { server: "Triton, KServe's kserve-tritonserver runtime", modelsUriRefusal: KSERVE_NO_MODELS_URI },
  },
  checkVariants: checkNoShadow,
  checkScaling: (v, props, variants, scaler) => {
    checkQueueScalingWithCanaries(v, props, variants, scaler);
    checkCanaryFloorFits(v, variants, scaler);
  },
  // The ScaledObject targets the Deployment KServe creates for the primary.
  // The primary scales; canaries run fixed replicas (see kserveReplicaPlan).
  podsAtMost: (m, v) => (v.primary ? maxReplicas(m) : canaryReplicas(m, v)),
  scaledObjectNames: (name) => [kservePredictorDeployment({ name })],
  resolveOptions: resolveKServeOptions,
  render: renderKServeBackend,
  endpoint: (m, v) =>
    v.primary
      ? { url: `http://${serviceHost(m, kservePredictorDeployment(m))}`, modelName: servedModelName(m), ...endpointProtocol(m) }
      : { refused: `KServe canary "${v.name}" has no Service of its own to test. Fix: test the primary (omit the variant).` },
  // The main predictor's annotations restart its pods; a canary predictor is no object of its own.
  rollout: (m, v) =>
    v.primary
      ? { kind: 'InferenceService', name: m.name }
      : {
          problem: `it is a KServe canary predictor, which no patch of its own restarts: a promotion through a canary rolls the canary variant's own Deployment`,
          fix: words`serve the online model with ${propOf('OnlineModel', 'backend', 'deployment')}`,
        },
};
