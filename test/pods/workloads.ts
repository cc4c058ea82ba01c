/**
 * Helpers for the pods tier: the plain workloads of an output set (Deployments, StatefulSets, Jobs,
 * CronJobs, DaemonSets), the fake Nodes the daemonset controller needs, the Pods their controllers
 * created, and, when a controller created none, what that controller said (its objects' conditions and
 * the namespace's Warning events, e.g. FailedCreate with the admission plugin's refusal).
 */
import { describeObject, DistObject, KubeObject } from '../cluster/dist';
import { kubectl, kubectlOk } from '../cluster/kube';

/** The kinds whose Pods the tier waits for. */
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'Job', 'CronJob', 'DaemonSet'] as const;

/** The controller that creates a kind's Pods (a Deployment's through its ReplicaSets). */
export const CONTROLLER_OF: Record<string, string> = {
  Deployment: 'deployment-controller, replicaset-controller',
  StatefulSet: 'statefulset-controller',
  Job: 'job-controller',
  CronJob: 'cronjob-controller (here: a Job created from it, job-controller)',
  DaemonSet: 'daemonset-controller',
};

/** One workload of the output. */
export interface Workload {
  readonly d: DistObject;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** For a CronJob: the Job the tier creates from it (`kubectl create job --from=cronjob/...`). */
  jobFromCronJob?: string;
}

/** The plain workloads of a list of objects, in file order. */
export function workloadsOf(objects: readonly DistObject[]): Workload[] {
  return objects
    .filter((d) => (WORKLOAD_KINDS as readonly string[]).includes(d.obj.kind) && d.obj.apiVersion.match(/^(apps|batch)\/v1$/))
    .map((d) => ({ d, kind: d.obj.kind, namespace: d.obj.metadata.namespace ?? 'default', name: d.obj.metadata.name }));
}

/** Why a workload is expected to have no Pod (replicas 0, suspended), or undefined. */
export function noPodsReason(w: Workload): string | undefined {
  const spec = (w.d.obj.spec ?? {}) as { replicas?: number; suspend?: boolean; parallelism?: number };
  if ((w.kind === 'Deployment' || w.kind === 'StatefulSet') && spec.replicas === 0) return 'replicas: 0';
  if ((w.kind === 'Job' || w.kind === 'CronJob') && spec.suspend === true) return 'suspend: true';
  if (w.kind === 'Job' && spec.parallelism === 0) return 'parallelism: 0';
  return undefined;
}

/** `Kind namespace/name` of a workload. */
export function workloadKey(w: Workload): string {
  return `${w.kind} ${w.namespace}/${w.name}`;
}

/** `set/file: Kind namespace/name` of a workload. */
export function describeWorkload(w: Workload): string {
  return describeObject(w.d) + (w.jobFromCronJob ? ` (Job ${w.jobFromCronJob} created from it)` : '');
}

/** Creates a Job from each CronJob (the cronjob controller would on schedule); the Job's Pods are what it checks. */
export function jobsFromCronJobs(workloads: readonly Workload[]): void {
  for (const w of workloads.filter((x) => x.kind === 'CronJob' && noPodsReason(x) === undefined)) {
    w.jobFromCronJob = `${w.name.slice(0, 40)}-pods-tier`;
    kubectlOk(['create', 'job', w.jobFromCronJob, `--from=cronjob/${w.name}`, '-n', w.namespace]);
  }
}

/** The name of the fake Node the tier creates for a DaemonSet. */
export function fakeNodeName(w: Workload): string {
  return `pods-tier-${w.name}`.slice(0, 63);
}

interface PodSpecLike {
  nodeSelector?: Record<string, string>;
  tolerations?: { key?: string; operator?: string; value?: string; effect?: string }[];
}

/**
 * A Node like one of the DaemonSet's pool: the labels its Pods select (for the device plugin: the GPU
 * pool's node labels) and the taints its Pods tolerate by value (the pool's own taint, e.g.
 * nvidia.com/gpu=present:NoSchedule). No kubelet backs it: the daemonset controller only needs a Node
 * to create a Pod for it; with no scheduler the Pod stays Pending.
 */
export function fakeNodeFor(w: Workload): KubeObject {
  const spec = ((w.d.obj.spec as { template?: { spec?: PodSpecLike } }).template?.spec ?? {}) as PodSpecLike;
  const name = fakeNodeName(w);
  const taints = (spec.tolerations ?? [])
    .filter((t) => t.operator === 'Equal' && t.key && t.effect)
    .map((t) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect }));
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', ...(spec.nodeSelector ?? {}) },
    },
    spec: { taints },
  };
}

/**
 * Creates the fake Nodes and marks each Ready: the TaintNodesByCondition admission plugin gives a new
 * Node the taint node.kubernetes.io/not-ready:NoSchedule, which the node lifecycle controller (not run
 * here) would lift once the kubelet reports Ready; a DaemonSet's Pods do not tolerate it.
 */
export function createFakeNodes(nodes: readonly KubeObject[]): void {
  for (const n of nodes) {
    kubectlOk(['apply', '--server-side', '--field-manager=modelplane-pods-tier', '-f', '-'], JSON.stringify(n));
    const now = new Date().toISOString();
    const status = {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'fake node of the pods tier',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
    };
    kubectlOk(['patch', 'node', n.metadata.name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
    kubectl(['taint', 'node', n.metadata.name, 'node.kubernetes.io/not-ready:NoSchedule-']);
  }
}

/** What a poll of one namespace returned. */
export interface NamespaceState {
  readonly pods: KubeObject[];
  /** ReplicaSets and Jobs (the objects between a Deployment or CronJob and its Pods). */
  readonly owners: KubeObject[];
  readonly events: KubeObject[];
}

function items(args: string[]): KubeObject[] {
  return (JSON.parse(kubectlOk([...args, '-o', 'json']).stdout) as { items: KubeObject[] }).items;
}

/** Pods, ReplicaSets, Jobs and events of a namespace. */
export function readNamespace(ns: string): NamespaceState {
  return {
    pods: items(['get', 'pods', '-n', ns]),
    owners: items(['get', 'replicasets.apps,jobs.batch', '-n', ns]),
    events: items(['get', 'events', '-n', ns]),
  };
}

function ownedBy(o: KubeObject, kind: string, name: string): boolean {
  const refs = (o.metadata.ownerReferences ?? []) as { kind: string; name: string; controller?: boolean }[];
  return refs.some((r) => r.kind === kind && r.name === name && r.controller === true);
}

/** The objects between a workload and its Pods (its ReplicaSets, or the Job made from a CronJob), and itself. */
function chain(w: Workload, state: NamespaceState): { kind: string; name: string }[] {
  const own = { kind: w.kind, name: w.name };
  if (w.kind === 'Deployment') {
    return [
      own,
      ...state.owners
        .filter((o) => o.kind === 'ReplicaSet' && ownedBy(o, 'Deployment', w.name))
        .map((o) => ({ kind: 'ReplicaSet', name: o.metadata.name })),
    ];
  }
  if (w.kind === 'CronJob') return [own, ...(w.jobFromCronJob ? [{ kind: 'Job', name: w.jobFromCronJob }] : [])];
  return [own];
}

/** The Pods the workload's controller created. */
export function podsOf(w: Workload, state: NamespaceState): KubeObject[] {
  const parents = chain(w, state).filter((c) => c.kind !== 'Deployment' && c.kind !== 'CronJob');
  return state.pods.filter((p) => parents.some((c) => ownedBy(p, c.kind, c.name)));
}

interface EventLike {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  involvedObject?: { kind?: string; name?: string };
  source?: { component?: string };
  reportingComponent?: string;
}

/** The Warning events of the workload and the objects between it and its Pods: `controller: reason: message`. */
export function warningsOf(w: Workload, state: NamespaceState): string[] {
  const objects = chain(w, state);
  const lines = (state.events as unknown as EventLike[])
    .filter((e) => e.type === 'Warning' && objects.some((c) => c.kind === e.involvedObject?.kind && c.name === e.involvedObject?.name))
    .map(
      (e) =>
        `${e.source?.component || e.reportingComponent || '?'}: ${e.involvedObject?.kind} ${e.involvedObject?.name}: ${e.reason}: ${e.message}`,
    );
  return [...new Set(lines)].sort();
}

/** Conditions of the workload's objects that say something failed (ReplicaFailure, Failed, Progressing False). */
export function failedConditionsOf(w: Workload, state: NamespaceState, self: KubeObject | undefined): string[] {
  const objects = [
    ...(self ? [self] : []),
    ...state.owners.filter((o) => chain(w, state).some((c) => c.kind === o.kind && c.name === o.metadata.name)),
  ];
  const out: string[] = [];
  for (const o of objects) {
    const conditions =
      (o.status as { conditions?: { type: string; status: string; reason?: string; message?: string }[] } | undefined)?.conditions ?? [];
    for (const c of conditions) {
      const bad =
        (['ReplicaFailure', 'Failed', 'FailureTarget'].includes(c.type) && c.status === 'True') ||
        (c.type === 'Progressing' && c.status === 'False');
      if (bad) out.push(`${o.kind} ${o.metadata.name} condition ${c.type}=${c.status} (${c.reason ?? ''}): ${c.message ?? ''}`);
    }
  }
  return out;
}

/** The workload as stored (for its status conditions), or undefined. */
export function getWorkload(w: Workload): KubeObject | undefined {
  const r = kubectl([
    'get',
    `${w.kind.toLowerCase()}.${w.kind === 'Job' || w.kind === 'CronJob' ? 'batch' : 'apps'}`,
    w.name,
    '-n',
    w.namespace,
    '-o',
    'json',
  ]);
  return r.status === 0 ? (JSON.parse(r.stdout) as KubeObject) : undefined;
}

/** The namespace's Pod Security enforce level as stored (`privileged` when unlabelled, the admission default). */
export function enforceLevel(ns: string): string {
  const r = kubectlOk(['get', 'namespace', ns, '-o', 'json']);
  const labels = ((JSON.parse(r.stdout) as KubeObject).metadata.labels ?? {}) as Record<string, string>;
  return labels['pod-security.kubernetes.io/enforce'] ?? 'privileged (no enforce label)';
}

/**
 * A note for a workload an autoscaler takes down to zero Pods when idle (a KEDA ScaledObject with
 * minReplicaCount 0, its default, or an HPA with minReplicas 0). Neither autoscaler runs here, so the
 * workload keeps the replicas of its own spec (1 when unset) and its Pods are checked all the same.
 */
export function scaleToZeroNote(w: Workload, objects: readonly DistObject[]): string | undefined {
  for (const d of objects) {
    if (d.obj.metadata.namespace !== w.namespace) continue;
    const spec = (d.obj.spec ?? {}) as {
      scaleTargetRef?: { kind?: string; name?: string };
      minReplicaCount?: number;
      minReplicas?: number;
    };
    if (spec.scaleTargetRef?.name !== w.name || (spec.scaleTargetRef.kind ?? 'Deployment') !== w.kind) continue;
    if (d.obj.kind === 'ScaledObject' && (spec.minReplicaCount ?? 0) === 0) {
      return `KEDA ScaledObject ${d.obj.metadata.name} scales it to zero when idle; KEDA does not run here, so the controller made the spec's ${String((w.d.obj.spec as { replicas?: number }).replicas ?? 1)} replica(s)`;
    }
    if (d.obj.kind === 'HorizontalPodAutoscaler' && spec.minReplicas === 0) {
      return `HorizontalPodAutoscaler ${d.obj.metadata.name} may scale it to zero; no autoscaler runs here`;
    }
  }
  return undefined;
}
