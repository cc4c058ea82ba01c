/**
 * The `seldon` backend: a SeldonDeployment (machinelearning.seldon.io/v1) with one predictor per
 * variant, each a single `MLFLOW_SERVER` graph node on protocol v2 (MLServer). Canary and A/B are
 * predictors' `traffic`, shadow is `shadow: true` — enforced by Seldon's Istio or Ambassador
 * integration, which must be enabled in the operator for the split to take effect.
 *
 * License: modelplane pins Seldon Core v1 to 1.17.1, the last Apache-2.0 release; 1.18.0 and later
 * are under the Business Source License 1.1 (no production use without a commercial licence). The
 * MLServer image 1.17.1 uses for MLFLOW_SERVER/v2 (`seldonio/mlserver:1.3.5-mlflow`) is pinned on the
 * model container. MLServer itself stays Apache-2.0.
 *
 * Models are downloaded by Seldon's rclone storage initializer, which knows `s3://` (the remote
 * named `S3` in the rclone Secret given by `envSecretRefName`, keys `RCLONE_CONFIG_S3_*`) but not
 * MLflow's `models:/` scheme, so OnlineModel only accepts `s3://` model URIs here.
 * Autoscaling is Seldon's own `hpaSpec` (autoscaling/v2 `metricsv2`) or `kedaSpec` (with our
 * TriggerAuthentication); the PodDisruptionBudget is `pdbSpec`; scraping is a PodMonitor on the
 * `metrics` port at `/prometheus`, where Seldon points MLServer's metrics.
 */
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  SeldonDeployment,
  SeldonDeploymentSpecPredictors,
  SeldonDeploymentSpecPredictorsComponentSpecsPdbSpecMaxUnavailable,
  SeldonDeploymentSpecPredictorsComponentSpecsPdbSpecMinAvailable,
  SeldonDeploymentSpecPredictorsComponentSpecsSpecContainersResourcesLimits,
  SeldonDeploymentSpecPredictorsComponentSpecsSpecContainersResourcesRequests,
  SeldonDeploymentSpecPredictorsComponentSpecsSpecContainersStartupProbeHttpGetPort,
  SeldonDeploymentSpecPredictorsComponentSpecsSpecVolumesEmptyDirSizeLimit,
} from '../../../../imports/machinelearning.seldon.io';
import { PodMonitor, PodMonitorSpecPodMetricsEndpointsScheme } from '../../../../imports/monitoring.coreos.com';
import { gpuPlacement } from '../../../core/gpu';
import { resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../../../core/security';
import { rabbitTrigger, renderTriggerAuth } from '../autoscaling';
import {
  minReplicas,
  mlserverProbes,
  MLSERVER_UID,
  modelLabels,
  ResolvedOnlineModel,
  ResolvedVariant,
  SELDON_METRICS_PATH,
  SELDON_MLSERVER_IMAGE,
  SELDON_PORTS,
  spreadConstraints,
  variantSelector,
} from '../spec';

/** The graph node (and model container) name. */
export const SELDON_GRAPH_NODE = 'model';

/** The objects the backend creates. */
export interface SeldonObjects {
  /** The SeldonDeployment. */
  readonly seldonDeployment: ApiObject;
  /** The PodMonitor. */
  readonly monitor: ApiObject;
  /** TriggerAuthentications for queue scaling, one per variant. */
  readonly triggerAuths: ApiObject[];
}

/** The keys the rclone Secret must hold for an S3-compatible store (values are the operator's to set). */
export function rcloneSecretKeys(m: ResolvedOnlineModel): string[] {
  const keys = [
    'RCLONE_CONFIG_S3_TYPE',
    'RCLONE_CONFIG_S3_PROVIDER',
    'RCLONE_CONFIG_S3_ENV_AUTH',
    'RCLONE_CONFIG_S3_ACCESS_KEY_ID',
    'RCLONE_CONFIG_S3_SECRET_ACCESS_KEY',
  ];
  if (m.platform.objectStore.endpoint) keys.push('RCLONE_CONFIG_S3_ENDPOINT');
  return keys;
}

function predictorFor(m: ResolvedOnlineModel, v: ResolvedVariant): SeldonDeploymentSpecPredictors {
  const placement = m.gpu ? gpuPlacement(m.gpu.pool, m.gpu.count) : undefined;
  const res = resourceRequirements(m.resources, placement?.limits ?? {});
  const quantities = <T>(from: (s: string) => T, q: Record<string, k8s.Quantity> | undefined) =>
    Object.fromEntries(Object.entries(q ?? {}).map(([k, val]) => [k, from(String(val.value))]));
  const min = minReplicas(m);
  const a = m.autoscaling;
  // Seldon registers the model under the graph node's name.
  const MLSERVER_PROBES = mlserverProbes(SELDON_GRAPH_NODE);
  const hpaSpec =
    a?.kind === 'hpa'
      ? {
          minReplicas: a.minReplicas,
          maxReplicas: a.maxReplicas,
          metricsv2: [
            ...(a.cpuUtilization !== undefined
              ? [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: a.cpuUtilization } } }]
              : []),
            ...(a.memoryUtilization !== undefined
              ? [
                  {
                    type: 'Resource',
                    resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: a.memoryUtilization } },
                  },
                ]
              : []),
          ],
        }
      : undefined;
  const kedaSpec =
    a?.kind === 'keda'
      ? {
          minReplicaCount: a.minReplicas,
          maxReplicaCount: a.maxReplicas,
          pollingInterval: a.pollingInterval,
          cooldownPeriod: a.cooldownPeriod,
          triggers: [rabbitTrigger(v.objectName, a)],
        }
      : undefined;
  return {
    name: v.name,
    ...(v.shadow ? { shadow: true } : { traffic: v.traffic }),
    ...(a ? {} : { replicas: m.replicas }),
    labels: { ...variantSelector(v), 'modelplane.dev/model': m.name, 'modelplane.dev/team': m.team },
    graph: {
      name: SELDON_GRAPH_NODE,
      type: 'MODEL',
      implementation: 'MLFLOW_SERVER',
      modelUri: v.model,
      envSecretRefName: m.seldon.rcloneSecret,
      endpoint: { type: 'REST', httpPort: SELDON_PORTS.http, grpcPort: SELDON_PORTS.grpc },
      children: [],
    },
    componentSpecs: [
      {
        metadata: { labels: { ...variantSelector(v), 'modelplane.dev/model': m.name, 'modelplane.dev/team': m.team } },
        ...(hpaSpec ? { hpaSpec } : {}),
        ...(kedaSpec ? { kedaSpec } : {}),
        pdbSpec:
          min >= 2
            ? { minAvailable: SeldonDeploymentSpecPredictorsComponentSpecsPdbSpecMinAvailable.fromNumber(min - 1) }
            : { maxUnavailable: SeldonDeploymentSpecPredictorsComponentSpecsPdbSpecMaxUnavailable.fromNumber(1) },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { ...restrictedPodSecurityContext(MLSERVER_UID) },
          topologySpreadConstraints: spreadConstraints(variantSelector(v)),
          ...(placement ? { tolerations: placement.tolerations, affinity: { nodeAffinity: placement.affinity.nodeAffinity } } : {}),
          volumes: [
            {
              name: 'tmp',
              emptyDir: { sizeLimit: SeldonDeploymentSpecPredictorsComponentSpecsSpecVolumesEmptyDirSizeLimit.fromString('2Gi') },
            },
          ],
          containers: [
            {
              // Named after the graph node, so Seldon merges it into the MLFLOW_SERVER container it generates.
              name: SELDON_GRAPH_NODE,
              image: m.image ?? SELDON_MLSERVER_IMAGE,
              env: [
                { name: 'HOME', value: '/tmp' },
                { name: 'MLFLOW_TRACKING_URI', value: m.platform.mlflowTrackingUri },
              ],
              resources: {
                requests: quantities(SeldonDeploymentSpecPredictorsComponentSpecsSpecContainersResourcesRequests.fromString, res.requests),
                limits: quantities(SeldonDeploymentSpecPredictorsComponentSpecsSpecContainersResourcesLimits.fromString, res.limits),
              },
              securityContext: { ...restrictedContainerSecurityContext(MLSERVER_UID), capabilities: { drop: ['ALL'] } },
              // Seldon sets readiness/liveness on /v2/health/*; a startup probe keeps slow model loads from being killed.
              startupProbe: {
                httpGet: {
                  path: MLSERVER_PROBES.startup.path,
                  port: SeldonDeploymentSpecPredictorsComponentSpecsSpecContainersStartupProbeHttpGetPort.fromNumber(SELDON_PORTS.http),
                },
                periodSeconds: MLSERVER_PROBES.startup.periodSeconds,
                failureThreshold: MLSERVER_PROBES.startup.failureThreshold,
                timeoutSeconds: MLSERVER_PROBES.startup.timeoutSeconds,
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
        },
      },
    ],
  };
}

/** Renders the `seldon` backend. */
export function renderSeldonBackend(scope: Construct, m: ResolvedOnlineModel): SeldonObjects {
  const ns = m.namespace;
  const triggerAuths =
    m.autoscaling?.kind === 'keda'
      ? m.variants.map((v) =>
          renderTriggerAuth(
            scope,
            `Auth-${v.name}`,
            ns,
            modelLabels(m, 'autoscaler'),
            v.objectName,
            m.autoscaling as Extract<typeof m.autoscaling, { kind: 'keda' }>,
          ),
        )
      : [];
  const seldonDeployment = new SeldonDeployment(scope, 'SeldonDeployment', {
    metadata: { name: m.name, namespace: ns, labels: modelLabels(m, 'seldon-deployment') },
    spec: {
      name: m.name,
      protocol: 'v2',
      transport: 'rest',
      predictors: m.variants.map((v) => predictorFor(m, v)),
    },
  });
  triggerAuths.forEach((t) => seldonDeployment.addDependency(t));
  const monitor = new PodMonitor(scope, 'Monitor', {
    metadata: { name: m.name, namespace: ns, labels: { ...modelLabels(m, 'monitoring'), ...m.monitorLabels } },
    spec: {
      selector: { matchLabels: { 'modelplane.dev/model': m.name, 'app.kubernetes.io/name': 'online-model' } },
      namespaceSelector: { matchNames: [ns] },
      podMetricsEndpoints: [
        { port: 'metrics', path: SELDON_METRICS_PATH, interval: m.scrapeInterval, scheme: PodMonitorSpecPodMetricsEndpointsScheme.HTTP },
      ],
    },
  });
  return { seldonDeployment, monitor, triggerAuths };
}
