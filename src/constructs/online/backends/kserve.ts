/**
 * The `kserve` backend: one InferenceService in Standard (raw Deployment) mode serving the MLflow
 * model with the `mlflow` model format on the v2 protocol (KServe's MLServer runtime).
 *
 * - `models:/` URIs: no storage initializer; MLServer's MLflow runtime resolves the URI through
 *   MLFLOW_TRACKING_URI and downloads through MLflow's artifact proxy (no S3 credentials in the pod).
 * - `s3://` URIs: `storageUri`, with the S3 credentials KServe's storage initializer reads from an
 *   annotated Secret listed on a ServiceAccount we create (`serviceAccountName`).
 * - Canaries: `spec.canary[]` with `trafficPercent` (Standard mode, KServe ≥ 0.20); canary
 *   predictors run fixed replicas, as KServe requires. KServe has no native shadow.
 * - Autoscaling: KServe's own HPA (`autoscalerClass: hpa`, `autoScaling.metrics`) or, for queue
 *   length, `autoscalerClass: external` plus our KEDA ScaledObject on the `<name>-predictor`
 *   Deployment KServe creates — never both.
 * - PodDisruptionBudget and PodMonitor select the predictor pods by the labels we put on them; the
 *   PodMonitor scrapes MLServer's metrics port 8082 (the runtime's `prometheus.kserve.io/port: 8080`
 *   annotation points at the wrong port).
 */
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { PodMonitor, PodMonitorSpecPodMetricsEndpointsScheme } from '../../../../imports/monitoring.coreos.com';
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
  InferenceServiceSpecPredictorModelLivenessProbeHttpGetPort,
  InferenceServiceSpecPredictorModelReadinessProbeHttpGetPort,
  InferenceServiceSpecPredictorModelResourcesLimits,
  InferenceServiceSpecPredictorModelResourcesRequests,
  InferenceServiceSpecPredictorModelStartupProbeHttpGetPort,
  InferenceServiceSpecPredictorVolumesEmptyDirSizeLimit,
} from '../../../../imports/serving.kserve.io';
import { gpuPlacement } from '../../../core/gpu';
import {
  IMAGE_PULL_POLICY,
  resourceRequirements,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from '../../../core/security';
import { renderKeda } from '../autoscaling';
import { MLSERVER_MODELS_DIR } from './deployment';
import {
  minReplicas,
  MLSERVER_IMAGE,
  MLSERVER_METRICS_PATH,
  mlserverProbes,
  MLSERVER_UID,
  servedModelName,
  mlserverEnv,
  modelLabels,
  ResolvedOnlineModel,
  ResolvedVariant,
  spreadConstraints,
  variantLabels,
  variantSelector,
} from '../spec';

/** The ports KServe's MLServer runtime uses: HTTP 8080, gRPC 9000; metrics stay on MLServer's 8082. */
export const KSERVE_MLSERVER_PORTS = { http: 8080, grpc: 9000, metrics: 8082 } as const;

/** The objects the backend creates. */
export interface KServeObjects {
  /** The InferenceService. */
  readonly inferenceService: ApiObject;
  /** PDBs, one per variant. */
  readonly pdbs: ApiObject[];
  /** The PodMonitor. */
  readonly monitor: ApiObject;
  /** The ScaledObject, for queue scaling. */
  readonly scaler?: ApiObject;
  /** The ServiceAccount listing the S3 Secret, for `s3://` models. */
  readonly serviceAccount?: ApiObject;
}

/** The name of the ServiceAccount carrying the S3 Secret. */
export function kserveServiceAccountName(m: ResolvedOnlineModel): string {
  return `${m.name}-kserve-s3`;
}

/** The Deployment KServe creates for the primary predictor in Standard mode. */
export function kservePredictorDeployment(m: ResolvedOnlineModel): string {
  return `${m.name}-predictor`;
}

/** The annotations KServe's storage initializer reads from the S3 Secret (document or apply them). */
export function kserveS3SecretAnnotations(m: ResolvedOnlineModel): Record<string, string> {
  const os = m.platform.objectStore;
  const ann: Record<string, string> = { 'serving.kserve.io/s3-region': os.region ?? 'us-east-1' };
  if (os.endpoint) {
    const url = new URL(os.endpoint);
    ann['serving.kserve.io/s3-endpoint'] = url.host;
    ann['serving.kserve.io/s3-usehttps'] = url.protocol === 'https:' ? '1' : '0';
  }
  return ann;
}

function resourceMetric(
  name: InferenceServiceSpecPredictorAutoScalingMetricsResourceName,
  averageUtilization: number,
): InferenceServiceSpecPredictorAutoScalingMetrics {
  return {
    type: InferenceServiceSpecPredictorAutoScalingMetricsType.RESOURCE,
    resource: { name, target: { type: InferenceServiceSpecPredictorAutoScalingMetricsResourceTargetType.UTILIZATION, averageUtilization } },
  };
}

function predictor(m: ResolvedOnlineModel, v: ResolvedVariant, canary: boolean): InferenceServiceSpecPredictor {
  const res = resourceRequirements(m.resources, m.gpu ? gpuPlacement(m.gpu.pool, m.gpu.count).limits : {});
  const quantities = <T>(from: (s: string) => T, q: Record<string, k8s.Quantity> | undefined) =>
    Object.fromEntries(Object.entries(q ?? {}).map(([k, val]) => [k, from(String(val.value))]));
  const env = mlserverEnv(m, v, KSERVE_MLSERVER_PORTS)
    // KServe's runtime sets its own ports; the model URI goes in storageUri for s3:// models.
    .filter(
      (e) =>
        !['MLSERVER_HTTP_PORT', 'MLSERVER_GRPC_PORT'].includes(e.name) && !(e.name === 'MLSERVER_MODEL_URI' && v.model.startsWith('s3://')),
    )
    .filter(
      (e) =>
        !(v.model.startsWith('s3://') && e.name.startsWith('AWS_')) && !(v.model.startsWith('s3://') && e.name.endsWith('ENDPOINT_URL')),
    );
  const placement = m.gpu ? gpuPlacement(m.gpu.pool, m.gpu.count) : undefined;
  const MLSERVER_PROBES = mlserverProbes(servedModelName(m));
  const sec = restrictedContainerSecurityContext(MLSERVER_UID);
  const fixed = canary || !m.autoscaling;
  const scaling: Partial<InferenceServiceSpecPredictor> = fixed
    ? { minReplicas: canary ? Math.max(1, minReplicas(m)) : m.replicas }
    : m.autoscaling!.kind === 'hpa'
      ? {
          minReplicas: m.autoscaling!.minReplicas,
          maxReplicas: m.autoscaling!.maxReplicas,
          autoScaling: {
            metrics: [
              ...(m.autoscaling!.cpuUtilization !== undefined
                ? [resourceMetric(InferenceServiceSpecPredictorAutoScalingMetricsResourceName.CPU, m.autoscaling!.cpuUtilization)]
                : []),
              ...(m.autoscaling!.memoryUtilization !== undefined
                ? [resourceMetric(InferenceServiceSpecPredictorAutoScalingMetricsResourceName.MEMORY, m.autoscaling!.memoryUtilization)]
                : []),
            ],
          },
        }
      : { minReplicas: m.autoscaling!.minReplicas };
  return {
    ...(m.variants.length > 1 ? { name: v.name } : {}),
    ...scaling,
    labels: { ...variantSelector(v), 'modelplane.dev/model': m.name, 'modelplane.dev/team': m.team },
    deploymentStrategy: {
      type: 'RollingUpdate',
      rollingUpdate: {
        maxUnavailable: InferenceServiceSpecPredictorDeploymentStrategyRollingUpdateMaxUnavailable.fromNumber(0),
        maxSurge: InferenceServiceSpecPredictorDeploymentStrategyRollingUpdateMaxSurge.fromNumber(1),
      },
    },
    automountServiceAccountToken: false,
    ...(m.kserve.storageSecret && v.model.startsWith('s3://') ? { serviceAccountName: kserveServiceAccountName(m) } : {}),
    securityContext: { ...restrictedPodSecurityContext(MLSERVER_UID) },
    topologySpreadConstraints: spreadConstraints(variantSelector(v)),
    ...(placement ? { tolerations: placement.tolerations, affinity: { nodeAffinity: placement.affinity.nodeAffinity } } : {}),
    volumes: [{ name: 'tmp', emptyDir: { sizeLimit: InferenceServiceSpecPredictorVolumesEmptyDirSizeLimit.fromString('2Gi') } }],
    model: {
      // KServe's own container name; the canary's PredictorSpec schema requires it (the API server rejects a canary without it).
      name: 'kserve-container',
      modelFormat: { name: 'mlflow', version: m.kserve.modelFormatVersion },
      protocolVersion: 'v2',
      ...(m.kserve.runtime ? { runtime: m.kserve.runtime } : {}),
      ...(v.model.startsWith('s3://') ? { storageUri: v.model } : {}),
      // Pinned, and started as on the deployment backend (settings from env, none from a folder);
      // an s3:// model still lands in /mnt/models through KServe's storage initializer.
      image: m.image ?? MLSERVER_IMAGE,
      imagePullPolicy: IMAGE_PULL_POLICY,
      command: ['mlserver', 'start', MLSERVER_MODELS_DIR],
      env: env.map((e) => ({ ...e })),
      resources: {
        requests: quantities(InferenceServiceSpecPredictorModelResourcesRequests.fromString, res.requests),
        limits: quantities(InferenceServiceSpecPredictorModelResourcesLimits.fromString, res.limits),
      },
      securityContext: { ...sec, capabilities: { drop: ['ALL'] } },
      startupProbe: {
        httpGet: {
          path: MLSERVER_PROBES.startup.path,
          port: InferenceServiceSpecPredictorModelStartupProbeHttpGetPort.fromNumber(KSERVE_MLSERVER_PORTS.http),
        },
        periodSeconds: MLSERVER_PROBES.startup.periodSeconds,
        failureThreshold: MLSERVER_PROBES.startup.failureThreshold,
        timeoutSeconds: MLSERVER_PROBES.startup.timeoutSeconds,
      },
      readinessProbe: {
        httpGet: {
          path: MLSERVER_PROBES.readiness.path,
          port: InferenceServiceSpecPredictorModelReadinessProbeHttpGetPort.fromNumber(KSERVE_MLSERVER_PORTS.http),
        },
        periodSeconds: MLSERVER_PROBES.readiness.periodSeconds,
        failureThreshold: MLSERVER_PROBES.readiness.failureThreshold,
        timeoutSeconds: MLSERVER_PROBES.readiness.timeoutSeconds,
      },
      livenessProbe: {
        httpGet: {
          path: MLSERVER_PROBES.liveness.path,
          port: InferenceServiceSpecPredictorModelLivenessProbeHttpGetPort.fromNumber(KSERVE_MLSERVER_PORTS.http),
        },
        periodSeconds: MLSERVER_PROBES.liveness.periodSeconds,
        failureThreshold: MLSERVER_PROBES.liveness.failureThreshold,
        timeoutSeconds: MLSERVER_PROBES.liveness.timeoutSeconds,
      },
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    },
  };
}

/** Renders the `kserve` backend. */
export function renderKServeBackend(scope: Construct, m: ResolvedOnlineModel): KServeObjects {
  const ns = m.namespace;
  const primary = m.variants[0];
  const canaries = m.variants.slice(1);
  let autoscalerClass = 'none';
  if (m.autoscaling?.kind === 'hpa') autoscalerClass = 'hpa';
  if (m.autoscaling?.kind === 'keda') autoscalerClass = 'external';
  let serviceAccount: ApiObject | undefined;
  if (m.kserve.storageSecret && m.variants.some((v) => v.model.startsWith('s3://'))) {
    serviceAccount = new k8s.KubeServiceAccount(scope, 'S3ServiceAccount', {
      metadata: { name: kserveServiceAccountName(m), namespace: ns, labels: modelLabels(m, 'storage') },
      automountServiceAccountToken: false,
      secrets: [{ name: m.kserve.storageSecret }],
    });
  }
  const inferenceService = new InferenceService(scope, 'InferenceService', {
    metadata: {
      name: m.name,
      namespace: ns,
      labels: modelLabels(m, 'inference-service'),
      annotations: {
        'serving.kserve.io/deploymentMode': 'Standard',
        'serving.kserve.io/autoscalerClass': autoscalerClass,
      },
    },
    spec: {
      predictor: predictor(m, primary, false),
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
  if (serviceAccount) inferenceService.addDependency(serviceAccount);
  const min = minReplicas(m);
  const pdbs = m.variants.map(
    (v) =>
      new k8s.KubePodDisruptionBudget(scope, `Pdb-${v.name}`, {
        metadata: { name: v.objectName, namespace: ns, labels: variantLabels(m, v) },
        spec: {
          ...(min >= 2 ? { minAvailable: k8s.IntOrString.fromNumber(min - 1) } : { maxUnavailable: k8s.IntOrString.fromNumber(1) }),
          selector: { matchLabels: variantSelector(v) },
          unhealthyPodEvictionPolicy: 'AlwaysAllow',
        },
      }),
  );
  const monitor = new PodMonitor(scope, 'Monitor', {
    metadata: { name: m.name, namespace: ns, labels: { ...modelLabels(m, 'monitoring'), ...m.monitorLabels } },
    spec: {
      selector: { matchLabels: { 'modelplane.dev/model': m.name, 'app.kubernetes.io/name': 'online-model' } },
      namespaceSelector: { matchNames: [ns] },
      podMetricsEndpoints: [
        {
          portNumber: KSERVE_MLSERVER_PORTS.metrics,
          path: MLSERVER_METRICS_PATH,
          interval: m.scrapeInterval,
          scheme: PodMonitorSpecPodMetricsEndpointsScheme.HTTP,
        },
      ],
    },
  });
  let scaler: ApiObject | undefined;
  if (m.autoscaling?.kind === 'keda') {
    scaler = renderKeda(
      scope,
      'ScaledObject',
      ns,
      modelLabels(m, 'autoscaler'),
      { apiVersion: 'apps/v1', kind: 'Deployment', name: kservePredictorDeployment(m) },
      m.autoscaling,
    );
    scaler.addDependency(inferenceService);
  }
  return { inferenceService, pdbs, monitor, scaler };
}
