/**
 * The `deployment` backend (seed 001's keep-it-simple path): per variant a Deployment running
 * MLServer with its MLflow runtime, a Service, one autoscaler, a PodDisruptionBudget and a
 * ServiceMonitor on MLServer's metrics port; with several variants, a Gateway API HTTPRoute splits
 * and mirrors traffic between the variants' Services. Nothing but Kubernetes and MLServer.
 */
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ServiceMonitor, ServiceMonitorSpecEndpointsScheme } from '../../../../imports/monitoring.coreos.com';
import { placeOnPool } from '../../../core/gpu';
import {
  resourceRequirements,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  scratchMounts,
  scratchVolumes,
  TMP_DIR,
  IMAGE_PULL_POLICY,
} from '../../../core/security';
import { renderHpa, renderKeda } from '../autoscaling';
import { renderHttpRoute } from '../rollouts';
import {
  minReplicas,
  MLSERVER_IMAGE,
  MlserverModel,
  MLSERVER_METRICS_PATH,
  MLSERVER_PORTS,
  mlserverProbes,
  MLSERVER_UID,
  mlserverEnv,
  modelLabels,
  ProbeSpec,
  ResolvedOnlineModel,
  ResolvedVariant,
  servedModelName,
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
  readonly monitor: ApiObject;
}

/** MLServer's container for a variant. */
export function mlserverContainer(
  m: MlserverModel & Pick<ResolvedOnlineModel, 'image' | 'resources'>,
  v: Pick<ResolvedVariant, 'model'>,
): k8s.Container {
  const probes = mlserverProbes(servedModelName(m));
  const probe = (p: ProbeSpec): k8s.Probe => ({
    httpGet: { path: p.path, port: k8s.IntOrString.fromString('http') },
    periodSeconds: p.periodSeconds,
    failureThreshold: p.failureThreshold,
    timeoutSeconds: p.timeoutSeconds,
  });
  return {
    name: 'mlserver',
    image: m.image ?? MLSERVER_IMAGE,
    imagePullPolicy: IMAGE_PULL_POLICY,
    command: ['mlserver', 'start', MLSERVER_MODELS_DIR],
    env: mlserverEnv(m, v).map((e) => ({ ...e })),
    ports: [
      { name: 'http', containerPort: MLSERVER_PORTS.http, protocol: 'TCP' },
      { name: 'grpc', containerPort: MLSERVER_PORTS.grpc, protocol: 'TCP' },
      { name: 'metrics', containerPort: MLSERVER_PORTS.metrics, protocol: 'TCP' },
    ],
    startupProbe: probe(probes.startup),
    readinessProbe: probe(probes.readiness),
    livenessProbe: probe(probes.liveness),
    securityContext: restrictedContainerSecurityContext(MLSERVER_UID),
    resources: resourceRequirements(m.resources),
    volumeMounts: scratchMounts([{ ...TMP_DIR, sizeLimit: '2Gi' }]),
  };
}

/** The pod spec of a variant: restricted, spread over nodes, on the GPU pool when asked. */
export function mlserverPodSpec(m: ResolvedOnlineModel, v: ResolvedVariant): k8s.PodSpec {
  const spec: k8s.PodSpec = {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext(MLSERVER_UID),
    terminationGracePeriodSeconds: 30,
    topologySpreadConstraints: spreadConstraints(variantSelector(v)),
    containers: [mlserverContainer(m, v)],
    volumes: scratchVolumes([{ ...TMP_DIR, sizeLimit: '2Gi' }]),
  };
  return m.gpu ? placeOnPool(spec, m.gpu.pool, m.gpu.count) : spec;
}

/** Renders the `deployment` backend. */
export function renderDeploymentBackend(scope: Construct, m: ResolvedOnlineModel): DeploymentVariantObjects[] {
  const out = m.variants.map((v) => renderVariant(scope, m, v));
  if (m.variants.length > 1) renderHttpRoute(scope, 'Route', m, modelLabels(m, 'route'), MLSERVER_PORTS.http);
  return out;
}

function renderVariant(scope: Construct, m: ResolvedOnlineModel, v: ResolvedVariant): DeploymentVariantObjects {
  const c = new Construct(scope, v.name);
  const ns = m.namespace;
  const labels = variantLabels(m, v);
  const selector = variantSelector(v);
  const min = minReplicas(m);
  const deployment = new k8s.KubeDeployment(c, 'Deployment', {
    metadata: { name: v.objectName, namespace: ns, labels },
    spec: {
      // An autoscaler owns the replica count; leaving it unset keeps re-applies from resetting it.
      replicas: m.autoscaling ? undefined : m.replicas,
      revisionHistoryLimit: 5,
      progressDeadlineSeconds: 900,
      selector: { matchLabels: selector },
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) },
      },
      template: { metadata: { labels }, spec: mlserverPodSpec(m, v) },
    },
  });
  const service = new k8s.KubeService(c, 'Service', {
    metadata: { name: v.objectName, namespace: ns, labels },
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [
        { name: 'http', port: MLSERVER_PORTS.http, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP', appProtocol: 'http' },
        {
          name: 'grpc',
          port: MLSERVER_PORTS.grpc,
          targetPort: k8s.IntOrString.fromString('grpc'),
          protocol: 'TCP',
          appProtocol: 'kubernetes.io/h2c',
        },
        { name: 'metrics', port: MLSERVER_PORTS.metrics, targetPort: k8s.IntOrString.fromString('metrics'), protocol: 'TCP' },
      ],
    },
  });
  const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: v.objectName };
  let scaler: ApiObject | undefined;
  if (m.autoscaling?.kind === 'hpa') scaler = renderHpa(c, 'Hpa', ns, labels, target, m.autoscaling);
  if (m.autoscaling?.kind === 'keda') scaler = renderKeda(c, 'ScaledObject', ns, labels, target, m.autoscaling);
  const pdb = new k8s.KubePodDisruptionBudget(c, 'Pdb', {
    metadata: { name: v.objectName, namespace: ns, labels },
    spec: {
      // With two or more replicas one may go at a time; a single replica may always be evicted (no stuck drains).
      ...(min >= 2 ? { minAvailable: k8s.IntOrString.fromNumber(min - 1) } : { maxUnavailable: k8s.IntOrString.fromNumber(1) }),
      selector: { matchLabels: selector },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  });
  const monitor = new ServiceMonitor(c, 'Monitor', {
    metadata: { name: v.objectName, namespace: ns, labels: { ...labels, ...m.monitorLabels } },
    spec: {
      selector: { matchLabels: { ...selector } },
      namespaceSelector: { matchNames: [ns] },
      endpoints: [
        { port: 'metrics', path: MLSERVER_METRICS_PATH, interval: m.scrapeInterval, scheme: ServiceMonitorSpecEndpointsScheme.HTTP },
      ],
    },
  });
  return { deployment, service, scaler, pdb, monitor };
}
