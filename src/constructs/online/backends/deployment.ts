/**
 * The `deployment` backend (the translation team's keep-it-simple path): per variant a Deployment running
 * the format's server — MLServer with its MLflow runtime (`mlflow`), TensorFlow Serving (`tensorflow`) or
 * Triton (`onnx`, `triton`) — a Service, one autoscaler, a PodDisruptionBudget and a ServiceMonitor on the
 * server's metrics endpoint; with several variants, a Gateway API HTTPRoute splits and mirrors traffic
 * between the variants' Services. Nothing but Kubernetes and the server.
 *
 * MLServer fetches an MLflow model itself (its MLflow runtime, MLFLOW_TRACKING_URI). TensorFlow Serving and
 * Triton cannot resolve `models:/` URIs, so an init container fetches their model the same way, through MLflow,
 * into an emptyDir the server reads (servers.ts); both run with a read-only root filesystem and a /tmp emptyDir.
 */
import { ApiObject } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { ServiceMonitor, ServiceMonitorSpecEndpointsScheme } from '../../../../imports/monitoring.coreos.com';
import type { PlatformContext } from '../../../core/context';
import type { Validator } from '../../../core/errors';
import { placeOnPool } from '../../../core/gpu';
import { restrictedContainer, restrictedPodSecurityContext, scratchMounts, scratchVolumes, TMP_DIR } from '../../../core/security';
import { checkName, dnsSubdomainProblem } from '../../../core/validate';
import { renderHpa, renderKeda, ScaleTarget } from '../autoscaling';
import type { ServingBackend } from '../backend';
import type { OnlineModelProps } from '../props';
import { renderHttpRoute } from '../rollouts';
import { httpProbe, renderVariantPdb, variantObjectNames } from '../shared';
import { TF_SERVING_IMAGE, TF_SERVING_PORTS, TF_SERVING_UID, TRITON_IMAGE, TRITON_PORTS, TRITON_UID } from '../formats';
import {
  FETCHED_MODELS,
  fetchedModelPath,
  fetchModelContainer,
  endpointProtocol,
  formatServer,
  ModelServer,
  renderTfServingConfig,
  serverMetricsPath,
  serverProbes,
  TF_SERVING_CONFIG_MOUNT,
  TF_SERVING_MONITORING_ARG,
  tfServingConfigVolume,
} from './servers';
import {
  maxReplicas,
  MLSERVER_IMAGE,
  MlserverModel,
  MLSERVER_METRICS_PATH,
  MLSERVER_PORTS,
  mlserverProbes,
  MLSERVER_UID,
  mlserverEnv,
  modelLabels,
  ResolvedOnlineModel,
  ResolvedVariant,
  servedModelName,
  serviceHost,
  spreadConstraints,
  variantLabels,
  variantSelector,
} from '../spec';

/** Where MLServer is started; the folder holds no settings (all come from the env). */
export const MLSERVER_MODELS_DIR = '/tmp/models';

/** The objects of one variant. */
export interface DeploymentVariantObjects {
  /** The Deployment. */
  readonly deployment: ApiObject;
  /** The Service. */
  readonly service: ApiObject;
  /** The HPA or ScaledObject, if autoscaled. */
  readonly scaler?: ApiObject;
  /** The PodDisruptionBudget. */
  readonly pdb: ApiObject;
  /** The ServiceMonitor. */
  readonly monitor?: ApiObject;
}

/** MLServer's container for a variant (also the retro test's serving sidecar). */
export function mlserverContainer(
  m: MlserverModel & Pick<ResolvedOnlineModel, 'image' | 'resources'>,
  v: Pick<ResolvedVariant, 'model'>,
): k8s.Container {
  const probes = mlserverProbes(servedModelName(m));
  const port = k8s.IntOrString.fromString('http');
  return restrictedContainer({
    name: 'mlserver',
    image: m.image ?? MLSERVER_IMAGE,
    uid: MLSERVER_UID,
    command: ['mlserver', 'start', MLSERVER_MODELS_DIR],
    env: mlserverEnv(m, v).map((e) => ({ ...e })),
    ports: [
      { name: 'http', containerPort: MLSERVER_PORTS.http, protocol: 'TCP' },
      { name: 'grpc', containerPort: MLSERVER_PORTS.grpc, protocol: 'TCP' },
      { name: 'metrics', containerPort: MLSERVER_PORTS.metrics, protocol: 'TCP' },
    ],
    startupProbe: httpProbe(probes.startup, port),
    readinessProbe: httpProbe(probes.readiness, port),
    livenessProbe: httpProbe(probes.liveness, port),
    resources: m.resources,
    volumeMounts: scratchMounts([{ ...TMP_DIR, sizeLimit: '2Gi' }]),
  });
}

/** A server's ports by name: `http` and `grpc`, and `metrics` where the server has a port of its own for it. */
export interface ServerPorts {
  /** The REST port. */
  readonly http: number;
  /** The gRPC port. */
  readonly grpc: number;
  /** The Prometheus port, when the server has one of its own. @default - metrics on the REST port */
  readonly metrics?: number;
}

/** The ports of the model's server on this backend (MLServer's are ours to choose; the others are the servers' defaults). */
export function deploymentPorts(m: Pick<ResolvedOnlineModel, 'format'>): ServerPorts {
  if (m.format === 'mlflow') return MLSERVER_PORTS;
  return formatServer(m.format) === 'tf-serving' ? TF_SERVING_PORTS : TRITON_PORTS;
}

/** The uid the model's server runs as. */
function serverUid(m: Pick<ResolvedOnlineModel, 'format'>): number {
  if (m.format === 'mlflow') return MLSERVER_UID;
  return formatServer(m.format) === 'tf-serving' ? TF_SERVING_UID : TRITON_UID;
}

function containerPorts(ports: ServerPorts): k8s.ContainerPort[] {
  return (['http', 'grpc', 'metrics'] as const)
    .filter((n) => ports[n] !== undefined)
    .map((name) => ({ name, containerPort: ports[name]!, protocol: 'TCP' }));
}

/**
 * TensorFlow Serving or Triton for a variant, reading the model the init container fetched (read-only), probed on
 * its HTTP port; TensorFlow Serving with its monitoring configuration mounted, Triton loading only the model named
 * after the service (`--model-control-mode=explicit`: startup fails when the repository has no such model).
 */
function serverContainer(server: ModelServer, m: ResolvedOnlineModel): k8s.Container {
  const tf = server === 'tf-serving';
  const ports = tf ? TF_SERVING_PORTS : TRITON_PORTS;
  const probes = serverProbes(server, m);
  const port = k8s.IntOrString.fromString('http');
  const args = tf
    ? [
        `--model_name=${servedModelName(m)}`,
        `--model_base_path=${fetchedModelPath(server, m)}`,
        `--port=${TF_SERVING_PORTS.grpc}`,
        `--rest_api_port=${TF_SERVING_PORTS.http}`,
        TF_SERVING_MONITORING_ARG,
      ]
    : [
        `--model-repository=${fetchedModelPath(server, m)}`,
        `--http-port=${TRITON_PORTS.http}`,
        `--grpc-port=${TRITON_PORTS.grpc}`,
        `--metrics-port=${TRITON_PORTS.metrics}`,
        '--model-control-mode=explicit',
        `--load-model=${servedModelName(m)}`,
      ];
  return restrictedContainer({
    name: server,
    image: m.image ?? (tf ? TF_SERVING_IMAGE : TRITON_IMAGE),
    uid: tf ? TF_SERVING_UID : TRITON_UID,
    command: [tf ? '/usr/bin/tensorflow_model_server' : 'tritonserver'],
    args,
    env: [{ name: 'HOME', value: TMP_DIR.mountPath }],
    ports: containerPorts(ports),
    startupProbe: httpProbe(probes.startup, port),
    readinessProbe: httpProbe(probes.readiness, port),
    livenessProbe: httpProbe(probes.liveness, port),
    resources: m.resources,
    volumeMounts: [
      ...scratchMounts([{ ...TMP_DIR, sizeLimit: '2Gi' }]),
      { name: FETCHED_MODELS.name, mountPath: FETCHED_MODELS.mountPath, readOnly: true },
      ...(tf ? [TF_SERVING_CONFIG_MOUNT] : []),
    ],
  });
}

/** The pod spec of a variant: restricted, spread over nodes, on the GPU pool when asked; the model fetched first when its server cannot. */
export function mlserverPodSpec(m: ResolvedOnlineModel, v: ResolvedVariant): k8s.PodSpec {
  const base = {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext(serverUid(m)),
    terminationGracePeriodSeconds: 30,
    topologySpreadConstraints: spreadConstraints(variantSelector(v)),
  };
  const spec: k8s.PodSpec =
    m.format === 'mlflow'
      ? { ...base, containers: [mlserverContainer(m, v)], volumes: scratchVolumes([{ ...TMP_DIR, sizeLimit: '2Gi' }]) }
      : fetchingPodSpec(base, formatServer(m.format), m, v);
  return m.gpu ? placeOnPool(spec, m.gpu.pool, m.gpu.count) : spec;
}

function fetchingPodSpec(
  base: Omit<k8s.PodSpec, 'containers'>,
  server: ModelServer,
  m: ResolvedOnlineModel,
  v: ResolvedVariant,
): k8s.PodSpec {
  return {
    ...base,
    initContainers: [fetchModelContainer(server, m, v)],
    containers: [serverContainer(server, m)],
    volumes: [
      ...scratchVolumes([{ ...TMP_DIR, sizeLimit: '2Gi' }, FETCHED_MODELS]),
      ...(server === 'tf-serving' ? [tfServingConfigVolume(m)] : []),
    ],
  };
}

/** Renders the `deployment` backend. */
export function renderDeploymentBackend(scope: Construct, m: ResolvedOnlineModel): DeploymentVariantObjects[] {
  const config = m.format === 'tensorflow' ? renderTfServingConfig(scope, m) : undefined;
  const out = m.variants.map((v) => renderVariant(scope, m, v));
  if (config) out.forEach((o) => o.deployment.addDependency(config));
  if (m.variants.length > 1)
    renderHttpRoute(scope, 'Route', m, modelLabels(m, 'route'), { service: (v) => v.objectName, port: deploymentPorts(m).http });
  return out;
}

function renderVariant(scope: Construct, m: ResolvedOnlineModel, v: ResolvedVariant): DeploymentVariantObjects {
  const c = new Construct(scope, v.name);
  const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: v.objectName };
  return {
    deployment: renderDeployment(c, m, v),
    service: renderService(c, m, v),
    scaler: renderScaler(c, m, variantLabels(m, v), target),
    pdb: renderVariantPdb(c, 'Pdb', m, v),
    monitor: m.monitors ? renderServiceMonitor(c, m, v) : undefined,
  };
}

function renderDeployment(c: Construct, m: ResolvedOnlineModel, v: ResolvedVariant): ApiObject {
  const labels = variantLabels(m, v);
  return new k8s.KubeDeployment(c, 'Deployment', {
    metadata: { name: v.objectName, namespace: m.namespace, labels },
    spec: {
      // An autoscaler owns the replica count; leaving it unset keeps re-applies from resetting it.
      replicas: m.autoscaling ? undefined : m.replicas,
      revisionHistoryLimit: 5,
      progressDeadlineSeconds: 900,
      selector: { matchLabels: variantSelector(v) },
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) },
      },
      template: { metadata: { labels }, spec: mlserverPodSpec(m, v) },
    },
  });
}

function renderService(c: Construct, m: ResolvedOnlineModel, v: ResolvedVariant): ApiObject {
  const ports = deploymentPorts(m);
  const port = (name: keyof ServerPorts, appProtocol?: string) => ({
    name,
    port: ports[name]!,
    targetPort: k8s.IntOrString.fromString(name),
    protocol: 'TCP',
    ...(appProtocol ? { appProtocol } : {}),
  });
  return new k8s.KubeService(c, 'Service', {
    metadata: { name: v.objectName, namespace: m.namespace, labels: variantLabels(m, v) },
    spec: {
      type: 'ClusterIP',
      selector: variantSelector(v),
      ports: [port('http', 'http'), port('grpc', 'kubernetes.io/h2c'), ...(ports.metrics !== undefined ? [port('metrics')] : [])],
    },
  });
}

/** The one autoscaler of a variant's Deployment, if the model is autoscaled: an HPA or a KEDA ScaledObject. */
function renderScaler(c: Construct, m: ResolvedOnlineModel, labels: Record<string, string>, target: ScaleTarget): ApiObject | undefined {
  if (m.autoscaling?.kind === 'hpa') return renderHpa(c, 'Hpa', m.namespace, labels, target, m.autoscaling);
  if (m.autoscaling?.kind === 'keda') return renderKeda(c, 'ScaledObject', m.namespace, labels, target, m.autoscaling);
  return undefined;
}

function renderServiceMonitor(c: Construct, m: ResolvedOnlineModel, v: ResolvedVariant): ApiObject {
  return new ServiceMonitor(c, 'Monitor', {
    metadata: { name: v.objectName, namespace: m.namespace, labels: { ...variantLabels(m, v), ...m.monitorLabels } },
    spec: {
      selector: { matchLabels: { ...variantSelector(v) } },
      namespaceSelector: { matchNames: [m.namespace] },
      endpoints: [{ ...metricsEndpoint(m), interval: m.scrapeInterval, scheme: ServiceMonitorSpecEndpointsScheme.HTTP }],
    },
  });
}

/** Where the model's server exports Prometheus metrics: its `metrics` port, or TensorFlow Serving's REST port. */
function metricsEndpoint(m: ResolvedOnlineModel): { port: string; path: string } {
  if (m.format === 'mlflow') return { port: 'metrics', path: MLSERVER_METRICS_PATH };
  const server = formatServer(m.format);
  return { port: deploymentPorts(m).metrics !== undefined ? 'metrics' : 'http', path: serverMetricsPath(server) };
}

/** Checks and defaults the `deployment` options: the Gateway (in the platform namespace by default) and host names. */
function resolveDeploymentOptions(
  v: Validator,
  props: OnlineModelProps,
  platform: PlatformContext,
): Pick<ResolvedOnlineModel, 'deployment'> {
  const gwIn = props.deployment?.gateway ?? { name: 'modelplane' };
  const gateway = { name: gwIn.name, namespace: gwIn.namespace ?? platform.platformNamespace, sectionName: gwIn.sectionName };
  checkName(v, 'deployment.gateway.name', gateway.name);
  checkName(v, 'deployment.gateway.namespace', gateway.namespace);
  if (gateway.sectionName !== undefined) checkName(v, 'deployment.gateway.sectionName', gateway.sectionName);
  const hostnames = [...(props.deployment?.hostnames ?? [])];
  hostnames.forEach((h, i) => {
    const p = dnsSubdomainProblem(h);
    v.check(p === undefined, `deployment.hostnames[${i}]`, h, p ?? '', 'give a host name such as "fraud.models.example.com"');
  });
  return { deployment: { gateway, hostnames } };
}

/** The `deployment` backend: MLServer Deployments, their Services, and an HTTPRoute between variants. */
export const DEPLOYMENT_BACKEND: ServingBackend = {
  name: 'deployment',
  optionKeys: ['gateway', 'hostnames'],
  formats: {
    mlflow: { server: 'MLServer' },
    tensorflow: { server: 'TensorFlow Serving' },
    onnx: { server: 'Triton' },
    triton: { server: 'Triton' },
  },
  // Every variant is a Deployment of its own, with its own scaler.
  podsAtMost: (m) => maxReplicas(m),
  scaledObjectNames: variantObjectNames,
  resolveOptions: resolveDeploymentOptions,
  render: renderDeploymentBackend,
  endpoint: (m, v) => ({
    url: `http://${serviceHost(m, v.objectName)}:${deploymentPorts(m).http}`,
    modelName: servedModelName(m),
    ...endpointProtocol(m),
  }),
  // Every variant is a Deployment of its own: its pod template restarts just its pods.
  rollout: (_m, v) => ({ kind: 'Deployment', name: v.objectName }),
};
