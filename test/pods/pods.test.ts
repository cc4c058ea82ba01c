/**
 * The pods tier: the Pods of our plain workloads are created and admitted. On a control plane of its
 * own whose kube-controller-manager also runs the workload controllers (deployment, replicaset,
 * statefulset, job, cronjob, daemonset) and the resourcequota controller, each output set (dist/ and
 * every example, synthesized as the cluster tier does) is applied in order (cluster-scoped objects and
 * namespaces first, then the numbered files), and for every Deployment, StatefulSet, Job and DaemonSet
 * the tier waits until its controller has created at least one Pod: the Pod exists in the API server,
 * so the admission plugins (Pod Security at the namespace's level, ServiceAccount, LimitRanger,
 * ResourceQuota) accepted it. A CronJob is checked through a Job created from it. No scheduler and no
 * kubelet: the Pods stay Pending. DaemonSets get Pods only for Nodes: the tier creates one fake Node per
 * DaemonSet, with the labels its Pods select and the taints they tolerate by value (for the GPU pools'
 * device plugin: the pool's node labels and taint).
 *
 * Workloads with replicas 0 or suspended are listed as such, with the reason. The one documented
 * exception to Pod Security "restricted" is the NVIDIA device plugin: it mounts the kubelet's
 * device-plugin directory from the host, so it runs in kube-system, which the platform does not label
 * (Pod Security's default level there: privileged); the tier asserts exactly that.
 *
 * When a controller creates no Pod, the failure names the object, the controller and the controller's
 * own message (its FailedCreate events and failure conditions). Known issues (known-issues.ts) are
 * printed, never skipped silently. Run with `npm run test:pods`.
 */
import * as fs from 'fs';
import {
  applyObjects,
  coveredExamples,
  DistObject,
  layoutSet,
  OutputSet,
  prepareKinds,
  ScopeOf,
  synthesizeAll,
  tempRoot,
} from '../cluster/dist';
import { kubectl, kubectlOk, requireCluster, waitFor } from '../cluster/kube';
import { KNOWN_ISSUES, KnownIssue } from './known-issues';
import {
  CONTROLLER_OF,
  createFakeNodes,
  describeWorkload,
  enforceLevel,
  failedConditionsOf,
  fakeNodeFor,
  getWorkload,
  jobsFromCronJobs,
  NamespaceState,
  noPodsReason,
  podsOf,
  readNamespace,
  warningsOf,
  Workload,
  workloadKey,
  scaleToZeroNote,
  workloadsOf,
} from './workloads';

const SET_NAMES = ['dist', ...coveredExamples().map((e) => `examples/${e}`)];
const DEVICE_PLUGIN = /^DaemonSet kube-system\/nvidia-device-plugin-/;
/** How long a controller may take at most to create a Pod (they retry with backoff after a refusal). */
const POD_TIMEOUT_MS = 90000;
/** After this long, a workload whose controller has reported a refusal (FailedCreate) is not waited for any longer. */
const REFUSAL_GRACE_MS = 20000;

let root: string;
let sets: Map<string, OutputSet>;
let isNamespaced: ScopeOf;
const report: string[] = [];
const matchedIssues = new Set<KnownIssue>();

/** What became of one workload. */
interface Outcome {
  readonly w: Workload;
  readonly pods: number;
  readonly problems: string[];
}

beforeAll(async () => {
  requireCluster();
  const controllers = (process.env.MODELPLANE_KUBE_CONTROLLER_LIST ?? '').split(',');
  const missing = [
    'deployment-controller',
    'replicaset-controller',
    'statefulset-controller',
    'job-controller',
    'daemonset-controller',
    'resourcequota-controller',
    'persistentvolumeclaim-protection-controller',
  ].filter((c) => !controllers.includes(c));
  if (missing.length > 0) {
    throw new Error(
      `the control plane runs no ${missing.join(', ')}: run this tier with \`npm run test:pods\` (MODELPLANE_KUBE_WORKLOAD_CONTROLLERS=1, its own control plane)`,
    );
  }
  root = tempRoot();
  sets = new Map(synthesizeAll(root).map((s) => [s.name, s]));
  isNamespaced = await prepareKinds(sets.values());
}, 600000);

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
  const issues = [...matchedIssues].map((k) => `KNOWN ISSUE ${k.workload}: "${k.message}" (${k.reason})`);
  if (report.length > 0) process.stdout.write(`pods tier:\n  ${[...report, ...issues].join('\n  ')}\n`);
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls the workloads' namespaces until each has a Pod, or has been refused for a while, or the time is up. */
async function waitForPods(workloads: readonly Workload[], graceMs = REFUSAL_GRACE_MS): Promise<Map<string, NamespaceState>> {
  const started = Date.now();
  const namespaces = [...new Set(workloads.map((w) => w.namespace))].sort();
  for (;;) {
    const states = new Map(namespaces.map((ns) => [ns, readNamespace(ns)]));
    const waiting = workloads.filter((w) => podsOf(w, states.get(w.namespace)!).length === 0);
    const elapsed = Date.now() - started;
    const refused = waiting.every((w) => warningsOf(w, states.get(w.namespace)!).some((l) => l.includes('FailedCreate')));
    if (waiting.length === 0 || (refused && elapsed > graceMs) || elapsed > POD_TIMEOUT_MS) return states;
    await sleep(1000);
  }
}

function outcomeOf(w: Workload, state: NamespaceState): Outcome {
  const pods = podsOf(w, state).length;
  if (pods > 0) return { w, pods, problems: [] };
  const said = [...warningsOf(w, state), ...failedConditionsOf(w, state, getWorkload(w))];
  const problems = said.length > 0 ? said : [`no Pod after ${POD_TIMEOUT_MS / 1000} s and no event or failure condition`];
  return { w, pods, problems };
}

/** The known issue an outcome matches, if any. */
function knownIssueOf(set: string, o: Outcome): KnownIssue | undefined {
  return KNOWN_ISSUES.find((k) => k.set.test(set) && k.workload === workloadKey(o.w) && o.problems.some((p) => p.includes(k.message)));
}

/**
 * Judges one workload: Pods made (and its namespace's Pod Security level: "restricted", or for the device
 * plugin, the documented exception, kube-system's default "privileged"), a known issue, or a failure that
 * names the object, the controller and what the controller said. Returns the report line and the failure.
 */
function judge(set: string, w: Workload, state: NamespaceState, objects: readonly DistObject[]): { line: string; failure?: string } {
  const o = outcomeOf(w, state);
  const key = workloadKey(w);
  if (o.pods === 0) {
    const issue = knownIssueOf(set, o);
    if (issue) {
      matchedIssues.add(issue);
      return { line: `${set}: ${key}: known issue (listed below)` };
    }
    return {
      line: `${set}: ${key}: NO POD`,
      failure: `${describeWorkload(w)}: ${CONTROLLER_OF[w.kind]} created no Pod:\n    ${o.problems.join('\n    ')}`,
    };
  }
  const level = enforceLevel(w.namespace);
  const plugin = DEVICE_PLUGIN.test(key);
  const notes = [
    ...(plugin ? ["the documented exception: the device plugin mounts the kubelet's device-plugin directory from the host"] : []),
    ...[scaleToZeroNote(w, objects)].filter((n): n is string => n !== undefined),
  ];
  const line = `${set}: ${key}: ${o.pods} Pod(s) admitted, Pod Security ${level}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
  const wrongLevel = plugin ? !level.startsWith('privileged') : level !== 'restricted';
  return { line, failure: wrongLevel ? `${describeWorkload(w)}: admitted, but its namespace enforces Pod Security "${level}"` : undefined };
}

/** Deletes the set's objects and the fake Nodes, and waits until its namespaces are gone. */
async function deleteSet(
  name: string,
  all: readonly DistObject[],
  extraNamespaces: readonly string[],
  nodes: readonly string[],
): Promise<void> {
  kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', '-'], all.map((d) => JSON.stringify(d.obj)).join('\n---\n') + '\n');
  if (extraNamespaces.length > 0) kubectl(['delete', 'namespace', '--ignore-not-found', '--wait=false', ...extraNamespaces]);
  if (nodes.length > 0) kubectl(['delete', 'node', '--ignore-not-found', '--wait=false', ...nodes]);
  const namespaces = [...all.filter((d) => d.obj.kind === 'Namespace').map((d) => d.obj.metadata.name), ...extraNamespaces];
  await waitFor(
    `${name}: namespaces gone`,
    () => namespaces.every((ns) => kubectl(['get', 'namespace', ns, '-o', 'name']).stderr.includes('NotFound')),
    180000,
  );
}

/** A CronJob whose Pod meets Pod Security "restricted": a Job made from it gets its Pod. */
function restrictedCronJob(ns: string): DistObject {
  const securityContext = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
  };
  const container = { name: 'main', image: 'registry.example/app:1.0.0', securityContext };
  return {
    set: 'probe',
    file: 'probe.yaml',
    obj: {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tidy', namespace: ns },
      spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [container] } } } } },
    },
  };
}

test('the check sees what it must: a refused Pod fails naming the object, the controller and its message; a CronJob is checked through a Job', async () => {
  const ns = `pods-probe-${process.pid}`;
  const probe: DistObject[] = [
    {
      set: 'probe',
      file: 'probe.yaml',
      obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
    },
    {
      set: 'probe',
      file: 'probe.yaml',
      obj: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'loose', namespace: ns },
        spec: {
          selector: { matchLabels: { app: 'loose' } },
          template: {
            metadata: { labels: { app: 'loose' } },
            spec: { containers: [{ name: 'main', image: 'registry.example/app:1.0.0' }] },
          },
        },
      },
    },
    restrictedCronJob(ns),
  ];
  try {
    expect(applyObjects(probe.slice(0, 1), { dryRun: false })).toEqual([]);
    applyObjects(probe.slice(1), { dryRun: false }); // warns (would violate PodSecurity): expected
    const [loose, cron] = workloadsOf(probe);
    jobsFromCronJobs([cron]);
    const states = await waitForPods([loose, cron], 3000);
    const o = outcomeOf(loose, states.get(ns)!);
    expect(o.pods).toBe(0);
    expect(o.problems.join('\n')).toMatch(
      /^replicaset-controller: ReplicaSet loose-[a-z0-9]+: FailedCreate: .*violates PodSecurity "restricted:latest"/m,
    );
    expect(outcomeOf(cron, states.get(ns)!)).toMatchObject({ pods: 1, problems: [] });
  } finally {
    await deleteSet('probe', probe, [], []);
  }
});

describe.each(SET_NAMES)('%s', (name) => {
  let layout: ReturnType<typeof layoutSet>;
  let workloads: Workload[];
  let nodes: string[] = [];
  let applied = false;

  beforeAll(() => {
    layout = layoutSet(sets.get(name)!, isNamespaced);
    workloads = workloadsOf(layout.all);
  });

  afterAll(async () => {
    if (applied) await deleteSet(name, layout.all, layout.operatorNamespaces, nodes);
  }, 200000);

  test('applied in order: every object stored', () => {
    applied = true;
    for (const ns of layout.operatorNamespaces) {
      kubectlOk(
        ['apply', '--server-side', '--field-manager=modelplane-pods-tier', '-f', '-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
      );
    }
    const daemonSets = workloads.filter((w) => w.kind === 'DaemonSet');
    const fakeNodes = daemonSets.map(fakeNodeFor);
    createFakeNodes(fakeNodes);
    nodes = fakeNodes.map((n) => n.metadata.name);
    const rejected = [...applyObjects(layout.first, { dryRun: false }), ...applyObjects(layout.rest, { dryRun: false })].filter(
      (p) => p.kind === 'rejected',
    );
    expect(rejected.map((p) => `${p.object}: ${p.message}`)).toEqual([]);
    jobsFromCronJobs(workloads);
  });

  test('every Deployment, StatefulSet, Job, CronJob and DaemonSet gets its Pods created and admitted', async () => {
    const expected = workloads.filter((w) => noPodsReason(w) === undefined);
    for (const w of workloads.filter((x) => noPodsReason(x) !== undefined)) {
      report.push(`${name}: ${workloadKey(w)}: no Pods expected (${noPodsReason(w)}), not waited for`);
    }
    const states = await waitForPods(expected);
    const failures: string[] = [];
    for (const w of expected) {
      const { line, failure } = judge(name, w, states.get(w.namespace)!, layout.all);
      report.push(line);
      if (failure) failures.push(failure);
    }
    process.stderr.write(`pods tier: ${name}: ${expected.length} workloads, ${failures.length} failing\n`);
    expect(failures).toEqual([]);
  });
});

test('every known issue still occurs (else remove it from test/pods/known-issues.ts)', () => {
  expect(KNOWN_ISSUES.filter((k) => !matchedIssues.has(k)).map((k) => `${k.workload}: ${k.message}`)).toEqual([]);
});
