/**
 * The Spark Operator's real controller (v2.5.2, built from the Go module proxy) with real spark-submit (pyspark
 * 4.0.4 from PyPI: the Spark its own image, apache/spark:4.0.4, submits with) on every SparkApplication template
 * modelplane writes: each model's runs and each cascade stage's template in the models' ConfigMaps (what Airflow
 * creates), the SparkApplications inside Argo resource templates, and ScheduledSparkApplications' templates — of the
 * default output and of every example, synthesized as the cluster tier does.
 *
 * Per output set: its namespaces, ServiceAccounts, quota, LimitRange, RBAC and ConfigMaps are applied; every
 * template becomes a SparkApplication (a run id in place of the placeholders, as Airflow's submit task does);
 * the controller (watching the team namespaces, its own webhook off: our templates depend on nothing it would
 * mutate) runs spark-submit, which creates the driver Pod through the API server. Proven per application: the
 * controller reports SUBMITTED, the driver Pod exists (so Pod Security "restricted" of the team namespace, the
 * ServiceAccount, LimitRanger and ResourceQuota admitted it), it carries our pod template (security context, the
 * environment init container for an s3a:// archive), and the executors' pod as the driver would create it passes
 * the same admission (server-side dry run: no driver runs here, there is no kubelet). The Pods stay Pending.
 *
 * The controller authenticates with a ServiceAccount token (spark-submit's Kubernetes client cannot read the EC key
 * of the admin kubeconfig); its ServiceAccount is bound to cluster-admin here because the operator's RBAC comes from
 * its Helm chart, not from our output. A failure names the application, the controller and spark-submit's message.
 *
 * Needs scripts/operators/run-tier.sh (MODELPLANE_SPARK_OPERATOR_BIN, SPARK_HOME, a local control plane).
 */
import * as fs from 'fs';
import * as path from 'path';
import { DistObject, embeddedObjects, KubeObject, OutputSet, synthesizeAll, tempRoot } from '../cluster/dist';
import { kubectl, kubectlOk, requireCluster, waitFor as waitUntil } from '../cluster/kube';
import { freePort, startServer, stopServer, waitFor } from '../serving/k8s-env';
import { getJson as json, need, tail } from './support';
const work = need('MODELPLANE_OPERATORS_WORK');
const operatorBin = need('MODELPLANE_SPARK_OPERATOR_BIN');
const sparkHome = need('SPARK_HOME');
const OPERATOR_NS = 'spark-operator';
const OPERATOR_SA = 'spark-operator-controller';
const INIT_CONTAINER = 'modelplane-environment';
/** Kinds applied before the applications: what admission of their Pods depends on, and what they reference. */
const PREREQUISITE_KINDS = new Set(['Namespace', 'ServiceAccount', 'ResourceQuota', 'LimitRange', 'ConfigMap', 'Role', 'RoleBinding']);
const SUBMIT_TIMEOUT_S = 600;

type App = KubeObject & { spec: any; status?: any };
interface Candidate {
  readonly from: string;
  readonly app: App;
}

let root: string;
let sets: OutputSet[];
let operator: ReturnType<typeof startServer> | undefined;
const report: string[] = [];

/** Every SparkApplication a set's objects make the orchestrators create, with where it comes from. */
function applicationsOf(set: OutputSet): Candidate[] {
  const out: Candidate[] = [];
  for (const e of embeddedObjects(set.objects)) {
    if (e.obj.kind === 'SparkApplication') out.push({ from: e.file, app: e.obj as App });
  }
  for (const d of set.objects) {
    if (d.obj.kind !== 'ScheduledSparkApplication') continue;
    const s = d.obj as App;
    out.push({
      from: `${d.file} (ScheduledSparkApplication ${s.metadata.name} template)`,
      app: {
        apiVersion: s.apiVersion,
        kind: 'SparkApplication',
        metadata: { name: s.metadata.name, namespace: s.metadata.namespace, labels: s.metadata.labels },
        spec: s.spec.template,
      } as App,
    });
  }
  return out;
}

/**
 * What decides how spark-submit and admission treat an application: its spec with the per-run values
 * (arguments, the entry point's path, env and label values, the archive's path) reduced to their shape.
 * Applications with the same shape differ only in strings that spark-submit passes through as they are.
 */
function shapeOf(app: App): string {
  const reduce = (v: any, key = ''): any => {
    if (Array.isArray(v)) return key === 'arguments' ? v.length : v.map((x) => reduce(x));
    if (v && typeof v === 'object') {
      if (key === 'labels' || key === 'envVars') return Object.keys(v).sort();
      if (typeof v.name === 'string' && typeof v.value === 'string') return { name: v.name, value: v.value.split(':')[0] };
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, reduce(v[k], k)]),
      );
    }
    if (typeof v === 'string' && key === 'mainApplicationFile') return v.split(':')[0];
    return v;
  };
  return JSON.stringify(reduce(app.spec));
}

/** One application per shape (the first in output order), with how many templates it stands for. */
function byShape(candidates: readonly Candidate[]): Array<Candidate & { readonly count: number }> {
  const shapes = new Map<string, { c: Candidate; count: number }>();
  for (const c of candidates) {
    const k = shapeOf(c.app);
    const seen = shapes.get(k);
    if (seen) seen.count++;
    else shapes.set(k, { c, count: 1 });
  }
  return [...shapes.values()].map(({ c, count }) => ({ ...c, count }));
}

/** A Kubernetes name of at most 40 characters (the driver's Service adds a suffix): `<base>-<n>`. */
function appName(base: string, n: number): string {
  const suffix = `-${n}`;
  return `${base.slice(0, 40 - suffix.length).replace(/-+$/, '')}${suffix}`;
}

/** The prerequisites of a set in its own namespaces (operator namespaces such as Airflow's are not created here). */
function prerequisitesOf(set: OutputSet): DistObject[] {
  const all = [...set.prerequisites, ...set.objects];
  const namespaces = new Set(all.filter((d) => d.obj.kind === 'Namespace').map((d) => d.obj.metadata.name));
  return all.filter(
    (d) => PREREQUISITE_KINDS.has(d.obj.kind) && (d.obj.kind === 'Namespace' || namespaces.has(d.obj.metadata.namespace ?? '')),
  );
}

function apply(objects: readonly KubeObject[]): void {
  if (objects.length === 0) return;
  const r = kubectl(
    ['apply', '--server-side', '--field-manager=modelplane-test', '-f', '-'],
    objects.map((o) => JSON.stringify(o)).join('\n---\n'),
  );
  if (r.status !== 0) throw new Error(`kubectl apply failed: ${r.stderr}`);
}

/** A ServiceAccount-token kubeconfig for the controller (and the spark-submit it runs). */
function operatorKubeconfig(): { file: string; host: string; port: string } {
  kubectlOk(['create', 'namespace', OPERATOR_NS]);
  kubectlOk(['-n', OPERATOR_NS, 'create', 'serviceaccount', OPERATOR_SA]);
  kubectlOk([
    'create',
    'clusterrolebinding',
    'modelplane-test-spark-operator',
    '--clusterrole=cluster-admin',
    `--serviceaccount=${OPERATOR_NS}:${OPERATOR_SA}`,
  ]);
  const token = kubectlOk(['-n', OPERATOR_NS, 'create', 'token', OPERATOR_SA, '--duration=2h']).stdout.trim();
  const server = kubectlOk(['config', 'view', '--raw', '-o', 'jsonpath={.clusters[0].cluster.server}']).stdout.trim();
  const ca = kubectlOk(['config', 'view', '--raw', '-o', 'jsonpath={.clusters[0].cluster.certificate-authority-data}']).stdout.trim();
  const url = new URL(server);
  const file = path.join(work, 'spark-operator.kubeconfig');
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server, 'certificate-authority-data': ca } }],
    users: [{ name: OPERATOR_SA, user: { token } }],
    contexts: [{ name: 'local', context: { cluster: 'local', user: OPERATOR_SA } }],
    'current-context': 'local',
  };
  fs.writeFileSync(file, JSON.stringify(kubeconfig), { mode: 0o600 });
  return { file, host: url.hostname, port: url.port };
}

beforeAll(async () => {
  requireCluster();
  root = tempRoot();
  sets = synthesizeAll(root);
  const teamNamespaces = new Set<string>();
  for (const s of sets) for (const c of applicationsOf(s)) teamNamespaces.add(c.app.metadata.namespace!);
  const kc = operatorKubeconfig();
  const probe = await freePort();
  operator = startServer(
    [
      operatorBin,
      'controller',
      'start',
      `--namespaces=${[...teamNamespaces].sort().join(',')}`,
      '--enable-ui-service=false',
      '--leader-election=false',
      `--health-probe-bind-address=127.0.0.1:${probe}`,
      '--metrics-bind-address=0',
      '--controller-threads=2',
    ],
    {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: work,
      JAVA_HOME: process.env.JAVA_HOME ?? '',
      SPARK_HOME: sparkHome,
      SPARK_LOCAL_IP: '127.0.0.1',
      KUBECONFIG: kc.file,
      KUBERNETES_SERVICE_HOST: kc.host,
      KUBERNETES_SERVICE_PORT: kc.port,
    },
    path.join(work, 'spark-operator.log'),
    path.join(work, 'pids'),
  );
  await waitFor(`http://127.0.0.1:${probe}/readyz`, 120, operator);
}, 900000);

afterAll(async () => {
  await stopServer(operator);
  if (root) fs.rmSync(root, { recursive: true, force: true });
  if (report.length > 0) process.stdout.write(`spark operator tier:\n  ${report.join('\n  ')}\n`);
});

interface AppState {
  readonly state?: string;
  readonly message?: string;
  readonly driver?: string;
}

/** The applications' states in some namespaces (one list call per namespace), by `namespace/name`. */
function statesIn(namespaces: readonly string[]): Map<string, AppState> {
  const out = new Map<string, AppState>();
  for (const ns of namespaces) {
    for (const a of json(['-n', ns, 'get', 'sparkapplications']).items as App[]) {
      const s = a.status ?? {};
      out.set(`${ns}/${a.metadata.name}`, {
        state: s.applicationState?.state,
        message: s.applicationState?.errorMessage,
        driver: s.driverInfo?.podName,
      });
    }
  }
  return out;
}

/** The executors' Pod as the driver would create it from our template: the template plus image and resources. */
function executorPod(app: App, name: string): object {
  const t = app.spec.executor.template;
  const [main, ...others] = t.spec.containers;
  const memory = app.spec.executor.memory.replace(/([kmgt])$/i, (u: string) => `${u.toUpperCase()}i`);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${name}-exec-1`, namespace: app.metadata.namespace, labels: t.metadata?.labels ?? {} },
    spec: {
      ...t.spec,
      serviceAccountName: app.spec.executor.serviceAccount ?? app.spec.driver.serviceAccount,
      restartPolicy: 'Never',
      containers: [
        {
          ...main,
          image: app.spec.image,
          resources: { requests: { cpu: String(app.spec.executor.cores), memory }, limits: { cpu: app.spec.executor.coreLimit, memory } },
        },
        ...others,
      ],
    },
  };
}

describe('the Spark Operator submits every SparkApplication template with real spark-submit', () => {
  test('each output set: SUBMITTED, the driver Pod admitted with our pod template, the executors’ Pod admitted', async () => {
    const failures: string[] = [];
    let total = 0;
    for (const set of sets) {
      const all = applicationsOf(set);
      const candidates = byShape(all);
      if (candidates.length === 0) {
        report.push(`${set.name}: no SparkApplication templates`);
        continue;
      }
      const prereqs = prerequisitesOf(set);
      apply(prereqs.filter((d) => d.obj.kind === 'Namespace').map((d) => d.obj));
      apply(prereqs.filter((d) => d.obj.kind !== 'Namespace').map((d) => d.obj));
      const started = Date.now();
      const apps = candidates.map((c, i) => {
        const app = JSON.parse(JSON.stringify(c.app)) as App;
        app.metadata = { ...app.metadata, name: appName(c.app.metadata.name, i) };
        return { ...c, app };
      });
      apply(apps.map((a) => a.app));
      total += apps.length;
      const key = (a: { app: App }) => `${a.app.metadata.namespace}/${a.app.metadata.name}`;
      const pending = new Map(apps.map((a) => [key(a), a]));
      const namespaces = [...new Set(apps.map((a) => a.app.metadata.namespace!))].sort();
      const deadline = Date.now() + SUBMIT_TIMEOUT_S * 1000;
      let states = new Map<string, AppState>();
      while (pending.size > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 3000));
        states = statesIn(namespaces);
        for (const [k, a] of [...pending]) {
          const s = states.get(k) ?? {};
          if (s.state === 'SUBMISSION_FAILED' || s.state === 'FAILED') {
            failures.push(`${set.name}: SparkApplication ${k} (from ${a.from}): the Spark Operator says ${s.state}: ${s.message}`);
            pending.delete(k);
          } else if (s.state === 'SUBMITTED' && s.driver) {
            failures.push(...checkDriver(set.name, a, s.driver));
            pending.delete(k);
          }
        }
      }
      for (const [k, a] of pending) {
        failures.push(
          `${set.name}: SparkApplication ${k} (from ${a.from}): not submitted within ${SUBMIT_TIMEOUT_S} s; state ${JSON.stringify(states.get(k))}`,
        );
      }
      const secs = ((Date.now() - started) / 1000).toFixed(0);
      const fetched = apps.filter((a) => !a.app.spec.deps?.archives).length;
      report.push(
        `${set.name}: ${all.length} SparkApplication template(s) in ${apps.length} shape(s); one of each submitted in ${secs} s ` +
          `(${fetched} fetch their s3a:// environment in the pods)`,
      );
      await deleteSet(set.name, prereqs);
    }
    if (failures.length > 0) {
      throw new Error(
        `${failures.length} of ${total} applications failed:\n  ${failures.join('\n  ')}\n` +
          `spark-operator log (tail):\n${tail(path.join(work, 'spark-operator.log'))}`,
      );
    }
    expect(total).toBeGreaterThan(0);
  });
});

/** Checks one submitted application's driver Pod and its executors' Pod; returns the failures. */
function checkDriver(set: string, a: Candidate, driver: string): string[] {
  const ns = a.app.metadata.namespace!;
  const name = a.app.metadata.name;
  const where = `${set}: SparkApplication ${ns}/${name} (from ${a.from})`;
  const out: string[] = [];
  const pod = json(['-n', ns, 'get', 'pod', driver]);
  const level = json(['get', 'namespace', ns]).metadata.labels?.['pod-security.kubernetes.io/enforce'];
  if (level !== 'restricted') out.push(`${where}: the driver Pod was admitted, but namespace ${ns} enforces Pod Security "${level}"`);
  const template = a.app.spec.driver.template.spec;
  if (JSON.stringify(sortKeys(pod.spec.securityContext)) !== JSON.stringify(sortKeys(template.securityContext))) {
    out.push(`${where}: the driver Pod's securityContext ${JSON.stringify(pod.spec.securityContext)} is not our template's`);
  }
  const archive = a.app.spec.deps?.archives;
  const init = (pod.spec.initContainers ?? []).map((c: { name: string }) => c.name);
  if (!archive && !init.includes(INIT_CONTAINER))
    out.push(`${where}: the driver Pod has no ${INIT_CONTAINER} init container (init: ${init})`);
  const dry = kubectl(['create', '--dry-run=server', '-o', 'name', '-f', '-'], JSON.stringify(executorPod(a.app, name)));
  if (dry.status !== 0) out.push(`${where}: the executors' Pod is refused: ${dry.stderr.trim()}`);
  return out;
}

function sortKeys(v: any): any {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys(v[k])]),
    );
  return v;
}

/** Deletes a set's namespaces (and so its applications and driver Pods) and waits until they are gone. */
async function deleteSet(name: string, prereqs: readonly DistObject[]): Promise<void> {
  const namespaces = prereqs.filter((d) => d.obj.kind === 'Namespace').map((d) => d.obj.metadata.name);
  if (namespaces.length === 0) return;
  kubectl(['delete', 'namespace', '--ignore-not-found', '--wait=false', ...namespaces]);
  await waitUntil(
    `${name}: namespaces gone`,
    () => namespaces.every((ns) => kubectl(['get', 'namespace', ns, '-o', 'name']).stderr.includes('NotFound')),
    180000,
  );
}
