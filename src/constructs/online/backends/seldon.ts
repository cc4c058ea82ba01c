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
import { Construct } from 'constructs';
import {
  SeldonDeployment,
  SeldonDeploymentSpecPredictors,
  SeldonDeploymentSpecPredictorsComponentSpecs,
  SeldonDeploymentSpecPredictorsComponentSpecsPdbSpecMaxUnavailable,
  SeldonDeploymentSpecPredictorsComponentSpecsPdbSpecMinAvailable,
  SeldonDeploymentSpecPredictorsComponentSpecsSpecContainers,
  SeldonDeploymentSpecPredictorsComponentSpecsSpecContainersResourcesLimits,
  SeldonDeploymentSpecPredictorsComponentSpecsSpecContainersResourcesRequests,
  SeldonDeploymentSpecPredictorsComponentSpecsSpecContainersStartupProbeHttpGetPort,
  SeldonDeploymentSpecPredictorsComponentSpecsSpecVolumesEmptyDirSizeLimit,
} from '../../../../imports/machinelearning.seldon.io';
import type { Validator } from '../../../core/errors';
import { prop, propOf, words } from '../../../core/words';
import { hpaMetrics, rabbitTrigger, renderTriggerAuth } from '../autoscaling';
import type { ServingBackend } from '../backend';
import { checkSecretName } from '../checks';
import type { OnlineModelProps } from '../props';
import {
  httpProbe,
  predictorContainerFields,
  predictorPodFields,
  predictorPodLabels,
  renderPodMonitor,
  typedDisruptionPolicy,
  variantObjectNames,
} from '../shared';
import {
  maxReplicas,
  minReplicas,
  mlserverProbes,
  modelLabels,
  ResolvedOnlineModel,
  ResolvedVariant,
  SELDON_METRICS_PATH,
  SELDON_MLSERVER_IMAGE,
  SELDON_PORTS,
  serviceHost,
} from '../spec';

/** The graph node (and model container) name. */
export const SELDON_GRAPH_NODE = 'model';

/** The port of the Service Seldon creates for each predictor (`<model>-<predictor>`). */
export const SELDON_SERVICE_PORT = 8000;

/** The objects the backend creates. */
export interface SeldonObjects {
  /** The SeldonDeployment. */
  readonly seldonDeployment: ApiObject;
  /** The PodMonitor. */
  readonly monitor?: ApiObject;
  /** TriggerAuthentications for queue scaling, one per variant. */
  readonly triggerAuths: ApiObject[];
}

/** The keys the rclone Secret must hold for an S3-compatible store (values are the operator's to set). */
export function rcloneSecretKeys(m: Pick<ResolvedOnlineModel, 'platform'>): string[] {
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

/** A predictor's autoscaler in Seldon's terms: `hpaSpec` (autoscaling/v2 metrics) or `kedaSpec` (our trigger). */
function seldonScaler(m: ResolvedOnlineModel, v: ResolvedVariant): Partial<SeldonDeploymentSpecPredictorsComponentSpecs> {
  const a = m.autoscaling;
  if (a?.kind === 'hpa') return { hpaSpec: { minReplicas: a.minReplicas, maxReplicas: a.maxReplicas, metricsv2: hpaMetrics(a) } };
  if (a?.kind === 'keda') {
    const kedaSpec = {
      minReplicaCount: a.minReplicas,
      maxReplicaCount: a.maxReplicas,
      pollingInterval: a.pollingInterval,
      cooldownPeriod: a.cooldownPeriod,
      triggers: [rabbitTrigger(v.objectName, a)],
    };
    return { kedaSpec };
  }
  return {};
}

/** The model container, named after the graph node so Seldon merges it into the MLFLOW_SERVER container it generates. */
function seldonContainer(m: ResolvedOnlineModel): SeldonDeploymentSpecPredictorsComponentSpecsSpecContainers {
  // Seldon registers the model under the graph node's name.
  const probes = mlserverProbes(SELDON_GRAPH_NODE);
  return {
    name: SELDON_GRAPH_NODE,
    image: m.image ?? SELDON_MLSERVER_IMAGE,
    env: [
      { name: 'HOME', value: '/tmp' },
      { name: 'MLFLOW_TRACKING_URI', value: m.platform.mlflowTrackingUri },
    ],
    ...predictorContainerFields(
      m,
      SeldonDeploymentSpecPredictorsComponentSpecsSpecContainersResourcesRequests.fromString,
      SeldonDeploymentSpecPredictorsComponentSpecsSpecContainersResourcesLimits.fromString,
    ),
    // Seldon sets readiness/liveness on /v2/health/*; a startup probe keeps slow model loads from being killed.
    startupProbe: httpProbe(
      probes.startup,
      SeldonDeploymentSpecPredictorsComponentSpecsSpecContainersStartupProbeHttpGetPort.fromNumber(SELDON_PORTS.http),
    ),
  };
}

function predictorFor(m: ResolvedOnlineModel, v: ResolvedVariant): SeldonDeploymentSpecPredictors {
  const pdbSpec = typedDisruptionPolicy(
    minReplicas(m),
    (n) => SeldonDeploymentSpecPredictorsComponentSpecsPdbSpecMinAvailable.fromNumber(n),
    (n) => SeldonDeploymentSpecPredictorsComponentSpecsPdbSpecMaxUnavailable.fromNumber(n),
  );
  return {
    name: v.name,
    ...(v.shadow ? { shadow: true } : { traffic: v.traffic }),
    ...(m.autoscaling ? {} : { replicas: m.replicas }),
    labels: predictorPodLabels(m, v),
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
        metadata: { labels: predictorPodLabels(m, v) },
        ...seldonScaler(m, v),
        pdbSpec,
        spec: {
          ...predictorPodFields(m, v, SeldonDeploymentSpecPredictorsComponentSpecsSpecVolumesEmptyDirSizeLimit.fromString),
          containers: [seldonContainer(m)],
        },
      },
    ],
  };
}

/** Renders the `seldon` backend. */
export function renderSeldonBackend(scope: Construct, m: ResolvedOnlineModel): SeldonObjects {
  const ns = m.namespace;
  const keda = m.autoscaling?.kind === 'keda' ? m.autoscaling : undefined;
  const triggerAuths = keda
    ? m.variants.map((v) => renderTriggerAuth(scope, `Auth-${v.name}`, ns, modelLabels(m, 'autoscaler'), v.objectName, keda))
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
  const monitor = m.monitors ? renderPodMonitor(scope, m, { port: 'metrics', path: SELDON_METRICS_PATH }) : undefined;
  return { seldonDeployment, monitor, triggerAuths };
}

/** Seldon's rclone storage initializer knows `s3://` but not MLflow's `models:/` scheme. */
function checkS3Uri(v: Validator, field: string, uri: string): void {
  v.check(
    uri.startsWith('s3://'),
    field,
    uri,
    "is a models:/ URI, which Seldon's rclone storage initializer cannot download",
    words`give the model version's artifact location, e.g. "s3://mlflow/mlflow/1/<run id>/artifacts/model", or use ${prop('backend', 'kserve')} or ${prop('backend', 'deployment')}`,
  );
}

/** Checks and defaults the `seldon` options: the rclone Secret. */
function resolveSeldonOptions(v: Validator, props: OnlineModelProps): Pick<ResolvedOnlineModel, 'seldon'> {
  const rcloneSecret = props.seldon?.rcloneSecret ?? 'modelplane-s3-rclone';
  checkSecretName(v, 'seldon.rcloneSecret', rcloneSecret);
  return { seldon: { rcloneSecret } };
}

/**
 * Why the backend serves no other format, from Seldon Core 1.17.1's prepackaged servers (its operator's
 * `predictor_servers` configuration): TENSORFLOW_SERVER answers the seldon and tensorflow protocols, not the v2
 * protocol this backend serves every SeldonDeployment on (and ModelTest speaks); there is no ONNX server; and
 * TRITON_SERVER is not rendered here (its model names, probes and metrics differ from MLFLOW_SERVER's and are not
 * verified against the pinned operator), so Triton repositories go to the kserve or deployment backend.
 */
const SELDON_FORMAT_REFUSALS = {
  tensorflow:
    "Seldon Core 1.17.1's TENSORFLOW_SERVER speaks the seldon and tensorflow protocols only, not the v2 protocol this backend serves every model on",
  onnx: 'Seldon Core 1.17.1 has no prepackaged ONNX server',
  triton: "modelplane's Seldon backend runs the MLFLOW_SERVER prepackaged server only (Seldon's TRITON_SERVER is not supported)",
} as const;

/** The `seldon` backend: a SeldonDeployment with a predictor per variant (Seldon Core v1, Apache-2.0 1.17.1). */
export const SELDON_BACKEND: ServingBackend = {
  name: 'seldon',
  operator: 'seldonCore',
  optionKeys: ['rcloneSecret'],
  formats: { mlflow: { server: "MLServer, Seldon's MLFLOW_SERVER" } },
  formatRefusals: SELDON_FORMAT_REFUSALS,
  checkModelUri: checkS3Uri,
  // Every predictor (variant) scales on its own.
  podsAtMost: (m) => maxReplicas(m),
  scaledObjectNames: variantObjectNames,
  resolveOptions: resolveSeldonOptions,
  render: renderSeldonBackend,
  endpoint: (m, v) => ({ url: `http://${serviceHost(m, `${m.name}-${v.name}`)}:${SELDON_SERVICE_PORT}`, modelName: SELDON_GRAPH_NODE }),
  rollout: () => ({
    problem:
      'it is served by Seldon Core, whose pods a promotion cannot roll (promotion rollout supports the deployment and kserve backends)',
    fix: words`serve it with ${propOf('OnlineModel', 'backend', 'deployment')}, or serve a fixed version (models:/NAME/VERSION) there`,
  }),
};
