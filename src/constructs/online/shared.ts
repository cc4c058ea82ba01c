/**
 * The pieces the three backends would otherwise each write again: the PodDisruptionBudget policy,
 * typed quantities and probes for the generated CRD bindings, the labels and pod fields of KServe's
 * and Seldon's predictor pods, and the PodMonitor that scrapes them.
 */
import { ApiObject } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import {
  PodMonitor,
  PodMonitorSpecPodMetricsEndpoints,
  PodMonitorSpecPodMetricsEndpointsScheme,
} from '../../../imports/monitoring.coreos.com';
import { gpuPlacement } from '../../core/gpu';
import { LABELS } from '../../core/labels';
import { resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../../core/security';
import {
  minReplicas,
  MLSERVER_UID,
  modelLabels,
  ONLINE_MODEL_APP,
  ProbeSpec,
  ResolvedOnlineModel,
  ResolvedVariant,
  spreadConstraints,
  variantLabels,
  variantSelector,
} from './spec';

/** How many pods of a workload a voluntary disruption (a node drain) may take. */
export type DisruptionPolicy =
  | { readonly minAvailable: number; readonly maxUnavailable?: undefined }
  | { readonly maxUnavailable: number; readonly minAvailable?: undefined };

/**
 * The PodDisruptionBudget policy of a workload keeping `min` replicas: with two or more, `min - 1`
 * stay available (one pod goes at a time); a single replica may always be evicted, so a drain never
 * gets stuck on it.
 */
export function disruptionPolicy(min: number): DisruptionPolicy {
  return min >= 2 ? { minAvailable: min - 1 } : { maxUnavailable: 1 };
}

/** {@link disruptionPolicy} in a binding's own int-or-string types. */
export function typedDisruptionPolicy<A, U>(
  min: number,
  minAvailable: (n: number) => A,
  maxUnavailable: (n: number) => U,
): { minAvailable: A } | { maxUnavailable: U } {
  const p = disruptionPolicy(min);
  return p.minAvailable !== undefined
    ? { minAvailable: minAvailable(p.minAvailable) }
    : { maxUnavailable: maxUnavailable(p.maxUnavailable) };
}

/** The PodDisruptionBudget of one variant's pods (deployment and KServe backends). */
export function renderVariantPdb(scope: Construct, id: string, m: ResolvedOnlineModel, v: ResolvedVariant): ApiObject {
  const int = (n: number) => k8s.IntOrString.fromNumber(n);
  return new k8s.KubePodDisruptionBudget(scope, id, {
    metadata: { name: v.objectName, namespace: m.namespace, labels: variantLabels(m, v) },
    spec: {
      ...typedDisruptionPolicy(minReplicas(m), int, int),
      selector: { matchLabels: variantSelector(v) },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  });
}

/** Kubernetes quantities in a CRD binding's own quantity type (`from` is e.g. `…ResourcesLimits.fromString`). */
export function quantities<T>(from: (s: string) => T, q: Record<string, k8s.Quantity> | undefined): Record<string, T> {
  return Object.fromEntries(Object.entries(q ?? {}).map(([k, val]) => [k, from(String(val.value))]));
}

/** An HTTP probe on `port` (in the binding's own port type). */
export function httpProbe<P>(p: ProbeSpec, port: P) {
  return {
    httpGet: { path: p.path, port },
    periodSeconds: p.periodSeconds,
    failureThreshold: p.failureThreshold,
    timeoutSeconds: p.timeoutSeconds,
  };
}

/** Labels KServe and Seldon put on a variant's predictor pods: the selector plus model and team. */
export function predictorPodLabels(m: ResolvedOnlineModel, v: ResolvedVariant): Record<string, string> {
  return { ...variantSelector(v), [LABELS.model]: m.name, [LABELS.team]: m.team };
}

/**
 * The model container fields KServe's and Seldon's predictors share: requests and limits (with the
 * GPUs) in the binding's quantity types (`requests`/`limits` make them, e.g. `…ResourcesLimits.fromString`),
 * the restricted security context, and the /tmp scratch mount.
 */
export function predictorContainerFields<R, L>(m: ResolvedOnlineModel, requests: (q: string) => R, limits: (q: string) => L) {
  const res = resourceRequirements(m.resources, m.gpu ? gpuPlacement(m.gpu.pool, m.gpu.count).limits : {});
  return {
    resources: { requests: quantities(requests, res.requests), limits: quantities(limits, res.limits) },
    securityContext: { ...restrictedContainerSecurityContext(MLSERVER_UID), capabilities: { drop: ['ALL'] } },
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  };
}

/**
 * The pod fields KServe's and Seldon's predictor specs share: no service account token, restricted,
 * spread over nodes, on the GPU pool when asked, a 2Gi /tmp (`sizeLimit` makes the binding's quantity).
 */
export function predictorPodFields<S>(m: ResolvedOnlineModel, v: ResolvedVariant, sizeLimit: (q: string) => S) {
  const placement = m.gpu ? gpuPlacement(m.gpu.pool, m.gpu.count) : undefined;
  return {
    automountServiceAccountToken: false,
    securityContext: { ...restrictedPodSecurityContext(MLSERVER_UID) },
    topologySpreadConstraints: spreadConstraints(variantSelector(v)),
    ...(placement ? { tolerations: placement.tolerations, affinity: { nodeAffinity: placement.affinity.nodeAffinity } } : {}),
    volumes: [{ name: 'tmp', emptyDir: { sizeLimit: sizeLimit('2Gi') } }],
  };
}

/** A PodMonitor scraping every predictor pod of the model at `endpoint` (KServe and Seldon backends). */
export function renderPodMonitor(
  scope: Construct,
  m: ResolvedOnlineModel,
  endpoint: Omit<PodMonitorSpecPodMetricsEndpoints, 'interval' | 'scheme'>,
): ApiObject {
  return new PodMonitor(scope, 'Monitor', {
    metadata: { name: m.name, namespace: m.namespace, labels: { ...modelLabels(m, 'monitoring'), ...m.monitorLabels } },
    spec: {
      selector: { matchLabels: { [LABELS.model]: m.name, [LABELS.name]: ONLINE_MODEL_APP } },
      namespaceSelector: { matchNames: [m.namespace] },
      podMetricsEndpoints: [{ ...endpoint, interval: m.scrapeInterval, scheme: PodMonitorSpecPodMetricsEndpointsScheme.HTTP }],
    },
  });
}

/** The names of the variants' own workloads (what a ScaledObject targets on the Seldon and deployment backends). */
export function variantObjectNames(_name: string, variants: readonly ResolvedVariant[]): string[] {
  return variants.map((x) => x.objectName);
}
