/**
 * Autoscalers for online models. Exactly one scaler ever targets a workload: an HPA
 * (autoscaling/v2) on CPU/memory utilization, or a KEDA ScaledObject on a RabbitMQ queue's length
 * with a TriggerAuthentication that reads the connection URL from a Secret. KEDA's admission
 * webhook rejects a second scaler and ScaledObject names over 54 characters; resolveOnlineModel checks
 * both before anything is created.
 */
import { ApiObject } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { ScaledObject, TriggerAuthentication } from '../../../imports/keda.sh';
import type { ResolvedHpa, ResolvedKeda } from './spec';

/** KEDA rejects ScaledObject names longer than this (its HPA is named `keda-hpa-<name>`). */
export const KEDA_MAX_NAME = 54;

/** A workload a scaler targets. */
export interface ScaleTarget {
  /** apiVersion of the target. */
  readonly apiVersion: string;
  /** Kind of the target. */
  readonly kind: string;
  /** Name of the target. */
  readonly name: string;
}

/** An autoscaling/v2 resource metric: a target average utilization of CPU or memory. */
export interface UtilizationMetric {
  /** Always `Resource`. */
  readonly type: 'Resource';
  /** The resource and its target. */
  readonly resource: {
    readonly name: 'cpu' | 'memory';
    readonly target: { readonly type: 'Utilization'; readonly averageUtilization: number };
  };
}

/**
 * The autoscaling/v2 metrics of an HPA's utilization targets, CPU first: the same list for our own
 * HPA, KServe's `autoScaling.metrics` and Seldon's `hpaSpec.metricsv2`.
 */
export function hpaMetrics(a: ResolvedHpa): UtilizationMetric[] {
  const targets = [
    ['cpu', a.cpuUtilization],
    ['memory', a.memoryUtilization],
  ] as const;
  return targets.flatMap(([name, averageUtilization]) =>
    averageUtilization === undefined
      ? []
      : [{ type: 'Resource', resource: { name, target: { type: 'Utilization', averageUtilization } } } as const],
  );
}

/** Scale-down behaviour: one pod per minute after five quiet minutes, so a dip never drops capacity at once. */
export const HPA_BEHAVIOR: k8s.HorizontalPodAutoscalerBehaviorV2 = {
  scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
  scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 100, periodSeconds: 30 }] },
};

/** An autoscaling/v2 HPA for `target`. */
export function renderHpa(
  scope: Construct,
  id: string,
  ns: string,
  labels: Record<string, string>,
  target: ScaleTarget,
  a: ResolvedHpa,
): ApiObject {
  return new k8s.KubeHorizontalPodAutoscalerV2(scope, id, {
    metadata: { name: target.name, namespace: ns, labels },
    spec: {
      scaleTargetRef: { apiVersion: target.apiVersion, kind: target.kind, name: target.name },
      minReplicas: a.minReplicas,
      maxReplicas: a.maxReplicas,
      metrics: hpaMetrics(a),
      behavior: HPA_BEHAVIOR,
    },
  });
}

/** The TriggerAuthentication name for a scaled workload. */
export function triggerAuthName(name: string): string {
  return `${name}-rabbitmq`;
}

/** The KEDA rabbitmq trigger (also used inside Seldon's kedaSpec). */
export function rabbitTrigger(name: string, a: ResolvedKeda) {
  const metadata: Record<string, string> = {
    protocol: a.protocol,
    queueName: a.queueName,
    mode: 'QueueLength',
    value: String(a.messagesPerReplica),
    activationValue: String(a.activationMessages),
  };
  if (a.vhostName !== undefined) metadata.vhostName = a.vhostName;
  return { type: 'rabbitmq', name: 'queue-length', metadata, authenticationRef: { name: triggerAuthName(name) } };
}

/** A TriggerAuthentication reading the RabbitMQ URL (`host`) from a Secret. */
export function renderTriggerAuth(
  scope: Construct,
  id: string,
  ns: string,
  labels: Record<string, string>,
  name: string,
  a: ResolvedKeda,
): ApiObject {
  return new TriggerAuthentication(scope, id, {
    metadata: { name: triggerAuthName(name), namespace: ns, labels },
    spec: { secretTargetRef: [{ parameter: 'host', name: a.hostSecret.name, key: a.hostSecret.key }] },
  });
}

/** A ScaledObject (plus its TriggerAuthentication) for `target`. */
export function renderKeda(
  scope: Construct,
  id: string,
  ns: string,
  labels: Record<string, string>,
  target: ScaleTarget,
  a: ResolvedKeda,
): ApiObject {
  const auth = renderTriggerAuth(scope, `${id}Auth`, ns, labels, target.name, a);
  const so = new ScaledObject(scope, id, {
    metadata: { name: target.name, namespace: ns, labels },
    spec: {
      scaleTargetRef: { apiVersion: target.apiVersion, kind: target.kind, name: target.name },
      minReplicaCount: a.minReplicas,
      maxReplicaCount: a.maxReplicas,
      pollingInterval: a.pollingInterval,
      cooldownPeriod: a.cooldownPeriod,
      triggers: [rabbitTrigger(target.name, a)],
    },
  });
  so.addDependency(auth);
  return so;
}
