/**
 * The `deployment` backend (the translation team's keep-it-simple path): per variant a Deployment running
 * MLServer with its MLflow runtime, a Service, one autoscaler, a PodDisruptionBudget and a
 * ServiceMonitor on MLServer's metrics port; with several variants, a Gateway API HTTPRoute splits
 * and mirrors traffic between the variants' Services. Nothing but Kubernetes and MLServer.
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
  if (m.variants.length > 1)
    renderHttpRoute(scope, 'Route', m, modelLabels(m, 'route'), { service: (v) => v.objectName, port: MLSERVER_PORTS.http });
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
  const port = (name: keyof typeof MLSERVER_PORTS, appProtocol?: string) => ({
    name,
    port: MLSERVER_PORTS[name],
    targetPort: k8s.IntOrString.fromString(name),
    protocol: 'TCP',
    ...(appProtocol ? { appProtocol } : {}),
  });
  return new k8s.KubeService(c, 'Service', {
    metadata: { name: v.objectName, namespace: m.namespace, labels: variantLabels(m, v) },
    spec: {
      type: 'ClusterIP',
      selector: variantSelector(v),
      ports: [port('http', 'http'), port('grpc', 'kubernetes.io/h2c'), port('metrics')],
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
      endpoints: [
        { port: 'metrics', path: MLSERVER_METRICS_PATH, interval: m.scrapeInterval, scheme: ServiceMonitorSpecEndpointsScheme.HTTP },
      ],
    },
  });
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
  // Every variant is a Deployment of its own, with its own scaler.
  podsAtMost: (m) => maxReplicas(m),
  scaledObjectNames: variantObjectNames,
  resolveOptions: resolveDeploymentOptions,
  render: renderDeploymentBackend,
  endpoint: (m, v) => ({ url: `http://${serviceHost(m, v.objectName)}:${MLSERVER_PORTS.http}`, modelName: servedModelName(m) }),
  // Every variant is a Deployment of its own: its pod template restarts just its pods.
  rollout: (_m, v) => ({ kind: 'Deployment', name: v.objectName }),
};
