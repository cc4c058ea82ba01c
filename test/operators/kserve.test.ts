/**
 * KServe v0.20.0's real controller manager (built from the Go module proxy) on every InferenceService we synthesize:
 * the README main job's dist/ and every example (synthesized as the cluster tier does, test/cluster/dist.ts), plus a
 * team file of this test's own (LAB_FILE) for what no example serves on KServe: GPU models, a canary on a GPU model,
 * an A/B pair, an `s3://` model with its storage Secret, a queue worker scaled by KEDA, and models in the formats
 * other than MLflow (TensorFlow Serving, and Triton for ONNX on a GPU and for a Triton repository); synthesized by the CLI. The
 * manager runs as a process against the local kube-apiserver, configured as the platform's Helm values configure it
 * (Standard mode: raw Deployments, no Knative, no Istio), its webhooks registered by URL with a throwaway CA,
 * failurePolicy Fail; the ClusterServingRuntimes that KServe's kserve-runtime-configs chart installs (kserve-mlserver,
 * kserve-tensorflow-serving, kserve-tritonserver) are the test's stand-ins (kserve-env.ts), the ClusterStorageContainer is the synthesized platform's own.
 *
 * Proven, for each InferenceService: it is admitted by KServe's defaulting and validating webhooks (a denial fails
 * with the webhook's message; a control shows the validator does deny the known bug, `model.name` on the standard
 * predictor); KServe reconciles it into the Deployment, Service and HPA KServe documents for every predictor (the
 * stable one and each canary), compared with the synthesized InferenceService's own values (replicas and HPA bounds,
 * resources, probes, security contexts, tolerations and node affinity, env, volumes, labels, rollout strategy, HPA
 * metrics; no HPA for KEDA-scaled predictors, whose ScaledObject must target the Deployment KServe made); what it made
 * is what our constructs intend (the stable predictor's HPA floor is `replicas.min` and each canary runs its traffic
 * share of it; our HTTPRoute splits the traffic over the predictor Services KServe made, each reaching its own
 * predictor's pods, since KServe's Standard mode routes none to a canary; our URLs and PDBs name its Services and pods); and each Deployment's pod template, as a Pod through
 * KServe's pod mutator (which adds the storage initializer), is admitted by Pod Security "restricted" in its namespace (server-side dry-run create; no kubelet
 * runs here). Where KServe does not do what our constructs intend, the entry in kserve-known-issues.ts names the
 * object, KServe's behaviour and the fix; an entry that stops matching fails the test.
 *
 * Not applied: ResourceQuotas (this control plane runs no resourcequota controller, so the quota admission would
 * refuse every Pod of a namespace with one; the pods tier covers quotas), the platform's own namespaces (the sets'
 * platforms differ; a predictor Pod references nothing outside its namespace) and other operators' custom resources.
 * The manager's webhook server listens on all interfaces (KServe's manager has no flag for its host; TLS, a free
 * port); its metrics are off and its probes on 127.0.0.1.
 *
 * Needs scripts/operators/run-tier.sh (MODELPLANE_KSERVE_BIN, MODELPLANE_KSERVE_MODULE, a local control plane).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { DistObject, KubeObject, OutputSet, readObjects, synthesizeAll } from '../cluster/dist';
import { crdsDir, kubectl, kubectlOk, repoRoot, requireCluster } from '../cluster/kube';
import { freePort, startServer, stopServer, waitFor } from '../serving/k8s-env';
import { kserveS3SecretAnnotations } from '../../src/constructs/online';
import { KSERVE_KNOWN_ISSUES, KServeKnownIssue } from './kserve-known-issues';
import {
  inferenceServiceConfig,
  KSERVE_NAMESPACE,
  kserveMlserverRuntime,
  kserveServerRuntimes,
  makeWebhookCerts,
  selectedRuntime,
  webhookConfigurations,
} from './kserve-env';
import { need } from './support';
import { parseQuantity } from '../../src/core/validate';

const work = path.join(need('MODELPLANE_OPERATORS_WORK'), 'kserve');
const kserveBin = need('MODELPLANE_KSERVE_BIN');
const kserveModule = need('MODELPLANE_KSERVE_MODULE');
// Beside KEDA's log, where run-tier.sh's trap prints it when the tier fails.
const LOG = path.join(need('MODELPLANE_OPERATORS_WORK'), 'kserve.log');

/** This test's own team: what no example serves on KServe. */
const LAB_TEAM = 'kserve-lab';
const LAB_POOL = { name: 'ml', taint: { key: 'purpose', value: 'ml', effect: 'NoSchedule' }, nodeLabels: { purpose: 'ml' }, maxGpus: 16 };
/** The S3 Secret the lab's `s3://` model names (the platform engineer provides it; the test creates it). */
const S3_SECRET = 's3-models';
const LAB_FILE = `team: ${LAB_TEAM}
gpuPools:
  - ${JSON.stringify(LAB_POOL)}
defaults: { server: kserve }
models:
  - name: gpu-api
    type: online
    model: models:/translate-en-da@champion
    canary: { model: models:/translate-en-da@canary, traffic: 10 }
    replicas: { min: 2, max: 8 }
    autoscale: { cpu: 60 }
    resources: { cpu: "2", memory: 8Gi }
    gpu: { pool: ml, count: 1 }
    tests:
      - { referenceUri: "mlflow-artifacts:/reference/translate-en-da.csv", expectedColumn: expected, absTolerance: 1e-6 }
  - name: ab-api
    type: online
    variants: [{ name: a, model: "models:/ab/1", traffic: 50 }, { name: b, model: "models:/ab/2", traffic: 50 }]
    replicas: { min: 2, max: 4 }
    autoscale: { memory: 75 }
  - name: s3-api
    type: online
    model: s3://mlflow/artifacts/7/0a1b2c3d/artifacts/model
    kserve: { storageSecret: ${S3_SECRET} }
    replicas: 1
  - name: tf-api
    type: online
    format: tensorflow
    model: s3://mlflow/artifacts/9/1c2d3e4f/artifacts/saved-model
    kserve: { storageSecret: ${S3_SECRET} }
    replicas: 1
  - name: onnx-gpu-api
    type: online
    format: onnx
    model: s3://mlflow/artifacts/9/5a6b7c8d/artifacts/repository
    kserve: { storageSecret: ${S3_SECRET} }
    replicas: { min: 1, max: 2 }
    autoscale: { cpu: 70 }
    gpu: { pool: ml, count: 1 }
  - name: triton-api
    type: online
    format: triton
    model: s3://mlflow/artifacts/9/9e8f7a6b/artifacts/repository
    kserve: { storageSecret: ${S3_SECRET} }
    replicas: 1
  - name: gpu-worker
    type: online
    role: queue-worker
    model: models:/translate-en-da@champion
    replicas: { min: 0, max: 4 }
    autoscale:
      rabbitmq: { queue: translation-jobs, messagesPerReplica: 20, hostSecret: rabbitmq-amqp }
    resources: { cpu: "2", memory: 8Gi }
    gpu: { pool: ml, count: 1 }
`;

type Any = any;

/**
 * The model's minimum (`replicas.min`, or fixed `replicas`) of each InferenceService with canaries, from its source:
 * the lab's team file, and examples/model-repo/src/models.ts (fraud-api: `autoscaling.minReplicas: 2`).
 */
function intendedMinimum(object: string): number | undefined {
  const examples: Record<string, number> = { 'fraud/fraud-api': 2 };
  if (object in examples) return examples[object];
  const [ns, name] = object.split('/');
  if (ns !== LAB_TEAM) return undefined;
  const m = ((parseAllDocuments(LAB_FILE)[0].toJS() as Any).models as Any[]).find((x) => x.name === name);
  const r = m?.replicas;
  return typeof r === 'number' ? r : r?.min;
}

function cli(args: string[]): void {
  const r = spawnSync('node', [path.join(repoRoot, 'bin/modelplane.js'), ...args], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`modelplane ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
}

/** The lab team, synthesized by the CLI, with the platform (its namespace, GPU pool) it lands in. */
function synthLab(root: string): OutputSet {
  const file = path.join(root, 'kserve-lab.yaml');
  fs.writeFileSync(file, LAB_FILE);
  const dir = path.join(root, 'kserve-lab');
  cli(['synth', '-f', file, '-o', dir, '-q']);
  const platformFile = path.join(root, 'kserve-lab.platform.json');
  const quota = { cpu: '100', memory: '400Gi', pods: 100, gpus: 20 };
  fs.writeFileSync(platformFile, JSON.stringify({ teams: [{ name: LAB_TEAM, quota }], gpuPools: [LAB_POOL] }));
  const preDir = path.join(root, 'kserve-lab-platform');
  cli(['synth', '--platform', platformFile, '-o', preDir, '-q']);
  return {
    name: `this test's team ${LAB_TEAM}`,
    dir,
    objects: readObjects(`team ${LAB_TEAM}`, dir),
    prerequisites: readObjects(`platform of ${LAB_TEAM}`, preDir),
  };
}

/** The manager's last log lines (JSON lines, stack traces cut). */
function tail(file: string, lines = 12): string {
  if (!fs.existsSync(file)) return '(none)';
  const cut = (l: string) => l.replace(/,"(stacktrace|errorVerbose)":"(?:[^"\\]|\\.)*"/g, '').slice(0, 800);
  return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).map(cut).join('\n');
}

function tryGet(args: string[]): Any | undefined {
  const r = kubectl([...args, '-o', 'json']);
  return r.status === 0 ? JSON.parse(r.stdout) : undefined;
}

/** Objects of the kinds this control plane serves for the InferenceServices' sake (built-in APIs), without ResourceQuotas. */
function builtIn(d: DistObject): boolean {
  const group = d.obj.apiVersion.includes('/') ? d.obj.apiVersion.split('/')[0] : '';
  if (d.obj.kind === 'ResourceQuota') return false;
  return group === '' || (!group.includes('.') && group !== '') || (group.endsWith('.k8s.io') && !group.startsWith('gateway.'));
}

/** Server-side apply; returns kubectl's error text (warnings included) or undefined. */
function apply(objects: readonly object[], dryRun = false): string | undefined {
  if (objects.length === 0) return undefined;
  const args = ['apply', '--server-side', '--force-conflicts', '--field-manager=modelplane-test', '-f', '-'];
  if (dryRun) args.push('--dry-run=server');
  const r = kubectl(args, objects.map((o) => JSON.stringify(o)).join('\n---\n') + '\n');
  const warnings = r.stderr.split('\n').filter((l) => /^Warning:/.test(l.trim()));
  if (r.status !== 0 || warnings.length > 0) return r.stderr.trim() || `kubectl exited ${r.status}`;
  return undefined;
}

/** `kind namespace/name (set)`. */
const describe_ = (d: DistObject) => `${d.obj.kind} ${d.obj.metadata.namespace}/${d.obj.metadata.name} (${d.set}/${d.file})`;

/** A problem found on an InferenceService (`namespace/name`): its text names the object and what KServe said or did. */
interface Problem {
  object: string;
  text: string;
}

/** One predictor KServe makes objects for: the stable one or a canary. */
interface Predictor {
  readonly isvc: DistObject;
  readonly spec: Any;
  readonly canary?: { trafficPercent: number };
  /** `{isvc}[-{predictor.name}]-predictor`: the Deployment, Service and HPA name (KServe's PredictorServiceName). */
  readonly name: string;
}

function predictorsOf(isvc: DistObject): Predictor[] {
  const spec = isvc.obj.spec as Any;
  const name = (p: Any) => `${isvc.obj.metadata.name}${p.name ? `-${p.name}` : ''}-predictor`;
  return [
    { isvc, spec: spec.predictor, name: name(spec.predictor) },
    ...((spec.canary ?? []) as Any[]).map((c) => ({
      isvc,
      spec: c.predictor,
      canary: { trafficPercent: c.trafficPercent },
      name: name(c.predictor),
    })),
  ];
}

/** Normalizes a quantity (`2000m`, `8Gi`, `1`) to a number, to compare what KServe wrote with what we did. */
function qty(v: string | number): number {
  return parseQuantity(v);
}

function resources(r: Any): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const k of ['requests', 'limits']) {
    out[k] = Object.fromEntries(Object.entries((r ?? {})[k] ?? {}).map(([n, v]) => [n, qty(v as string)]));
  }
  return out;
}

/** The probe fields we set, as the API server stores them (it adds scheme and successThreshold). */
function probe(p: Any): Any {
  if (!p) return p;
  const { httpGet, ...rest } = p;
  return { ...rest, httpGet: { path: httpGet.path, port: httpGet.port } };
}

function strip(p: Any): Any {
  if (!p) return p;
  const { successThreshold: _s, terminationGracePeriodSeconds: _t, httpGet, ...rest } = p;
  return { ...rest, httpGet: { path: httpGet.path, port: httpGet.port } };
}

/** The InferenceService's status, for messages. */
function isvcStatus(d: DistObject): string {
  const o = tryGet(['-n', d.obj.metadata.namespace!, 'get', 'inferenceservice', d.obj.metadata.name]);
  if (!o) return '(not stored)';
  return JSON.stringify(
    (o.status?.conditions ?? []).map(
      (c: Any) => `${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}`,
    ),
  );
}

async function eventually<T>(what: string, seconds: number, probe_: () => T | undefined, last: () => string): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = probe_();
    if (v !== undefined) return v;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`KServe: ${what} within ${seconds} s; ${last()}\nKServe manager's log (tail):\n${tail(LOG)}`);
}

describe('KServe acts on every InferenceService we synthesize', () => {
  let manager: ReturnType<typeof startServer> | undefined;
  let sets: OutputSet[] = [];
  let isvcs: DistObject[] = [];
  const namespaces = new Set<string>();
  /** Admission failures by InferenceService (filled by the admission test; later tests skip what was denied). */
  const denied = new Map<DistObject, string>();
  /** Known issues matched so far (kserve-known-issues.ts); each must match once the tests ran. */
  const matched = new Set<KServeKnownIssue>();
  /** Fails on every problem that is no known issue; prints the known ones. */
  const judge = (problems: readonly Problem[]) => {
    const known = (p: Problem) => KSERVE_KNOWN_ISSUES.find((k) => k.object === p.object && p.text.includes(k.message));
    const hits = problems.map(known).filter((k): k is KServeKnownIssue => !!k);
    hits.forEach((k) => matched.add(k));
    if (hits.length > 0)
      process.stdout.write(
        `KServe known issues (test/operators/kserve-known-issues.ts):\n  ${hits.map((k) => `${k.object}: ${k.message}\n    ${k.reason}`).join('\n  ')}\n`,
      );
    expect(problems.filter((p) => !known(p)).map((p) => `${p.object}: ${p.text}`)).toEqual([]);
  };
  /** What KServe does differently from what we wrote, by design of KServe (printed at the end). */
  const notes = new Set<string>();
  /** The platform's ClusterStorageContainer `default`, applied in beforeAll. */
  let storageContainer: DistObject | undefined;

  beforeAll(async () => {
    requireCluster();
    fs.mkdirSync(work, { recursive: true });
    const synthRoot = path.join(work, 'synth');
    sets = [...synthesizeAll(synthRoot), synthLab(synthRoot)];
    isvcs = sets.flatMap((s) => s.objects.filter((d) => d.obj.kind === 'InferenceService'));

    // KServe's CRDs: ../shared/crds/kserve (InferenceService, ServingRuntime, ClusterServingRuntime), and from the same
    // release's module the kinds its manager also reads (InferenceGraph, TrainedModel, and ClusterStorageContainer for
    // `storageUri`s), read in place.
    const crds = [
      ...fs
        .readdirSync(path.join(crdsDir, 'kserve'))
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => path.join(crdsDir, 'kserve', f)),
      ...['inferencegraphs', 'trainedmodels'].map((k) => path.join(kserveModule, 'config/crd/full', `serving.kserve.io_${k}.yaml`)),
      path.join(kserveModule, 'config/crd/full/clusterstoragecontainer/serving.kserve.io_clusterstoragecontainers.yaml'),
    ];
    for (const f of crds) kubectlOk(['apply', '--server-side', '--field-manager=modelplane-test', '-f', f]);
    for (const f of crds) {
      const name = (parseAllDocuments(fs.readFileSync(f, 'utf8'))[0].toJS() as KubeObject).metadata.name;
      await eventually(
        `CRD ${name} Established`,
        60,
        () =>
          (tryGet(['get', 'crd', name])?.status?.conditions ?? []).some((c: Any) => c.type === 'Established' && c.status === 'True')
            ? true
            : undefined,
        () => JSON.stringify(tryGet(['get', 'crd', name])?.status ?? {}),
      );
    }

    // The namespaces of our output; KEDA's test uses `translation` too: wait for any earlier one to be gone.
    const certs = makeWebhookCerts(work);
    kubectlOk(['create', 'namespace', KSERVE_NAMESPACE]);
    kubectlOk(['apply', '--server-side', '--field-manager=modelplane-test', '-f', '-'], JSON.stringify(inferenceServiceConfig()));
    const webhookPort = await freePort();
    const probePort = await freePort();
    manager = startServer(
      [
        path.join(kserveBin, 'manager'),
        '--metrics-addr=0',
        `--health-probe-addr=127.0.0.1:${probePort}`,
        `--webhook-port=${webhookPort}`,
        '--leader-elect=false',
        '--zap-log-level=info',
      ],
      {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        KUBECONFIG: need('KUBECONFIG'),
        POD_NAMESPACE: KSERVE_NAMESPACE,
        TMPDIR: certs.tmpDir,
        HOME: work,
      },
      LOG,
      path.join(need('MODELPLANE_OPERATORS_WORK'), 'pids'),
    );
    try {
      await waitFor(`http://127.0.0.1:${probePort}/readyz`, 120, manager);
    } catch (e) {
      throw new Error(`KServe's manager did not become ready: ${String(e)}\nits log (tail):\n${tail(LOG)}`);
    }
    for (const o of webhookConfigurations(webhookPort, certs.caPem))
      kubectlOk(['apply', '--server-side', '--field-manager=modelplane-test', '-f', '-'], JSON.stringify(o));
    // Through KServe's ClusterServingRuntime validator (the API server may take a moment to use the new webhooks).
    await eventually(
      'the ClusterServingRuntime kserve-mlserver admitted',
      30,
      () => (apply([kserveMlserverRuntime()]) === undefined ? true : undefined),
      () => `last: ${apply([kserveMlserverRuntime()])}`,
    );
    // The runtimes of the other formats (format: tensorflow, onnx, triton), from the same chart.
    const others = apply(kserveServerRuntimes());
    if (others !== undefined) throw new Error(`the ClusterServingRuntimes of TensorFlow Serving and Triton were refused: ${others}`);

    // KServe's storage initializer: the platform's own ClusterStorageContainer `default` (the kserve-resources chart's is
    // off in the add-on's values), as the synthesized platforms write it; each set's platform writes the same one.
    {
      const cscs = sets.flatMap((s) => [...s.prerequisites, ...s.objects].filter((d) => d.obj.kind === 'ClusterStorageContainer'));
      const distinct = [...new Set(cscs.map((d) => JSON.stringify(d.obj)))];
      if (cscs.length === 0 || distinct.length !== 1)
        throw new Error(
          `the synthesized platforms write ${distinct.length} different ClusterStorageContainers (${cscs.map(describe_).join(', ') || 'none'}), not one`,
        );
      storageContainer = cscs[0];
      const err = apply([storageContainer.obj]);
      if (err) throw new Error(`${describe_(storageContainer)}: ${err}`);
    }
    // For each set with InferenceServices: their namespaces (as our output writes them) and every built-in object in
    // those namespaces (ServiceAccounts, Secrets, ConfigMaps, LimitRanges, NetworkPolicies, ...), not the
    // InferenceServices yet. The platform's own namespaces are left out: the sets' platforms differ, and nothing a
    // predictor Pod references lives outside its namespace.
    for (const s of sets) {
      const teamNs = new Set(s.objects.filter((d) => d.obj.kind === 'InferenceService').map((d) => d.obj.metadata.namespace!));
      if (teamNs.size === 0) continue;
      const all = [...s.prerequisites, ...s.objects].filter(builtIn);
      const nsObjects = all.filter((d) => d.obj.kind === 'Namespace' && teamNs.has(d.obj.metadata.name));
      const missing = [...teamNs].filter((ns) => !nsObjects.some((d) => d.obj.metadata.name === ns));
      if (missing.length > 0) throw new Error(`${s.name}: no Namespace object for ${missing.join(', ')} in the output or its platform`);
      for (const ns of teamNs) namespaces.add(ns);
      await eventually(
        `${s.name}: namespaces ${[...teamNs].join(', ')} not terminating (from an earlier test)`,
        120,
        () => ([...teamNs].every((ns) => kubectl(['get', 'namespace', ns]).status !== 0) ? true : undefined),
        () => 'a namespace is still there',
      );
      const rest = all.filter((d) => d.obj.kind !== 'Namespace' && teamNs.has(d.obj.metadata.namespace ?? ''));
      for (const [what, objs] of [
        ['namespaces', nsObjects],
        ['objects in those namespaces', rest],
      ] as const) {
        const err = apply(objs.map((d) => d.obj));
        if (err) throw new Error(`${s.name}: applying its ${what} failed (not KServe's doing):\n${err}`);
      }
    }
    // The prerequisite the platform engineer provides for `kserve.storageSecret`: the S3 Secret, annotated as
    // kserveS3SecretAnnotations documents (test values: nothing reads the store here).
    const s3Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: S3_SECRET,
        namespace: LAB_TEAM,
        annotations: kserveS3SecretAnnotations({
          platform: { objectStore: { endpoint: 'http://object-store.modelplane-system.svc.cluster.local:7070' } },
        } as never),
      },
      stringData: { AWS_ACCESS_KEY_ID: 'test-access-key', AWS_SECRET_ACCESS_KEY: 'test-secret-key' },
    };
    const err = apply([s3Secret]);
    if (err) throw new Error(`the S3 Secret ${S3_SECRET}: ${err}`);
  }, 600000);

  afterAll(async () => {
    if (notes.size > 0) process.stdout.write(`KServe notes:\n  ${[...notes].join('\n  ')}\n`);
    // The InferenceServices first, while the manager runs (it removes its finalizer), then the manager, its
    // webhooks and the namespaces, gone before the next test file runs.
    for (const ns of namespaces) kubectl(['-n', ns, 'delete', 'inferenceservice', '--all', '--timeout=60s']);
    await stopServer(manager);
    kubectl(['delete', 'mutatingwebhookconfiguration,validatingwebhookconfiguration', 'modelplane-test-kserve', '--ignore-not-found']);
    kubectl([
      'delete',
      'clusterservingruntime',
      'kserve-mlserver',
      'kserve-tensorflow-serving',
      'kserve-tritonserver',
      '--ignore-not-found',
    ]);
    kubectl(['delete', 'clusterstoragecontainer', 'default', '--ignore-not-found']);
    const nss = [...namespaces, KSERVE_NAMESPACE];
    kubectl(['delete', 'namespace', ...nss, '--ignore-not-found', '--wait=false']);
    const deadline = Date.now() + 120000;
    while (Date.now() < deadline && nss.some((ns) => kubectl(['get', 'namespace', ns]).status === 0))
      await new Promise((r) => setTimeout(r, 1000));
    const left = nss.filter((ns) => kubectl(['get', 'namespace', ns]).status === 0);
    if (left.length > 0) process.stderr.write(`KServe test: namespaces still terminating after 120 s: ${left.join(', ')}\n`);
    fs.rmSync(work, { recursive: true, force: true });
  }, 180000);

  test('the output has InferenceServices of every shape: autoscaled, a canary, A/B, GPU, queue-scaled (KEDA)', () => {
    const annotated = (cls: string) =>
      isvcs.filter((d) => (d.obj.metadata as Any).annotations?.['serving.kserve.io/autoscalerClass'] === cls);
    expect(isvcs.length).toBeGreaterThanOrEqual(5);
    expect(isvcs.filter((d) => ((d.obj.spec as Any).canary ?? []).length > 0).length).toBeGreaterThanOrEqual(2);
    expect(isvcs.some((d) => predictorsOf(d).some((p) => p.spec.tolerations?.length > 0 && p.spec.affinity?.nodeAffinity))).toBe(true);
    expect(annotated('hpa').length).toBeGreaterThan(0);
    expect(annotated('external').length).toBeGreaterThan(0);
    process.stdout.write(`KServe: ${isvcs.length} InferenceServices: ${isvcs.map(describe_).join('; ')}\n`);
  });

  test("the validating webhook is live: it denies a standard predictor's `model.name` (the known bug), as a control", () => {
    const base = isvcs[0];
    const bad = JSON.parse(JSON.stringify(base.obj)) as KubeObject;
    (bad.spec as Any).predictor.model.name = 'kserve-container';
    const err = apply([bad], true);
    expect(err).toContain("the 'name' field is not allowed in standard predictor");
  });

  test("every InferenceService is admitted by KServe's defaulting and validating webhooks", () => {
    for (const d of isvcs) {
      const err = apply([d.obj]);
      if (err) denied.set(d, err);
    }
    const report = [...denied].map(([d, err]) => `${describe_(d)}: KServe's webhook: ${err}`);
    expect(report).toEqual([]);
  });

  test('KServe reconciles each into the Deployment, Service and HPA we expect, for the stable predictor and each canary', async () => {
    const problems: string[] = [];
    for (const d of isvcs.filter((x) => !denied.has(x))) {
      const ns = d.obj.metadata.namespace!;
      const ann = (d.obj.metadata as Any).annotations ?? {};
      const cls = ann['serving.kserve.io/autoscalerClass'] ?? 'hpa';
      const stableMin = (d.obj.spec as Any).predictor.minReplicas ?? 1;
      // KServe v0.20.0's Standard-mode canaries (components/predictor.go): a canary runs its own minReplicas, or
      // ceil(stable minReplicas x trafficPercent / 100) without one; the stable predictor's minReplicas is the total,
      // less the canaries' replicas (at least 1).
      const canaryReplicas = (c: Any) => c.minReplicas ?? Math.ceil((stableMin * c.trafficPercent) / 100);
      const canarySpecs = ((d.obj.spec as Any).canary ?? []) as Any[];
      const canaryTotal = canarySpecs.reduce((n, c) => n + canaryReplicas({ ...c.predictor, trafficPercent: c.trafficPercent }), 0);
      const expectedMin = (p: Predictor) =>
        p.canary
          ? canaryReplicas({ ...p.spec, trafficPercent: p.canary.trafficPercent })
          : canarySpecs.length > 0
            ? Math.max(stableMin - canaryTotal, 1)
            : stableMin;
      for (const p of predictorsOf(d)) {
        const where = `${describe_(d)}, predictor ${p.name}`;
        let deploy: Any;
        try {
          deploy = await eventually(
            `Deployment ${ns}/${p.name} created`,
            60,
            () => tryGet(['-n', ns, 'get', 'deployment', p.name]),
            () => `InferenceService status: ${isvcStatus(d)}`,
          );
        } catch (e) {
          problems.push(`${where}: ${String(e)}`);
          continue;
        }
        const check = (field: string, actual: unknown, expected: unknown) => {
          if (JSON.stringify(actual) !== JSON.stringify(expected))
            problems.push(
              `${where}: Deployment ${field} is ${JSON.stringify(actual)}, we wrote ${JSON.stringify(expected)} (InferenceService status: ${isvcStatus(d)})`,
            );
        };
        const pod = deploy.spec.template;
        const c = (pod.spec.containers as Any[]).find((x) => x.name === 'kserve-container');
        if (!c) {
          problems.push(`${where}: no kserve-container in the Deployment: ${JSON.stringify(pod.spec.containers.map((x: Any) => x.name))}`);
          continue;
        }
        const m = p.spec.model;
        // KServe's Standard mode: the Deployment's replicas are left to the HPA (or KEDA) unless autoscalerClass is
        // `none`; the bounds are on the HPA (checked below).
        check('replicas', deploy.spec.replicas, cls === 'none' ? expectedMin(p) : 1);
        check('container image', c.image, m.image);
        // The runtime KServe selects gives what the model container leaves out (TensorFlow Serving's command); our
        // arguments come after the runtime's (KServe concatenates them).
        const runtime = selectedRuntime(m);
        if (!runtime)
          problems.push(`${where}: no stand-in ClusterServingRuntime serves ${JSON.stringify(m.modelFormat)} on ${m.protocolVersion}`);
        const rc = runtime?.spec.containers[0] ?? {};
        check('container command', c.command, m.command ?? rc.command);
        // KServe fills the runtime's `{{.Name}}` with the InferenceService's name.
        const runtimeArgs = ((rc.args ?? []) as string[]).map((a) => a.replace(/\{\{\.Name\}\}/g, d.obj.metadata.name));
        check('container args', c.args ?? [], [...runtimeArgs, ...(m.args ?? [])]);
        check('container resources', resources(c.resources), resources(m.resources));
        check('container securityContext', c.securityContext, m.securityContext);
        for (const k of ['startupProbe', 'readinessProbe', 'livenessProbe']) check(k, strip(c[k]), probe(m[k]));
        for (const e of m.env ?? []) {
          const got = (c.env ?? []).find((x: Any) => x.name === e.name);
          check(`env ${e.name}`, got, e);
        }
        for (const vm of m.volumeMounts ?? [])
          check(
            `volumeMount ${vm.name}`,
            (c.volumeMounts ?? []).find((x: Any) => x.name === vm.name),
            vm,
          );
        for (const v of p.spec.volumes ?? []) {
          const got = (pod.spec.volumes ?? []).find((x: Any) => x.name === v.name);
          check(`volume ${v.name}`, got && { ...got, emptyDir: got.emptyDir && { sizeLimit: qty(got.emptyDir.sizeLimit) } }, {
            ...v,
            emptyDir: v.emptyDir && { sizeLimit: qty(v.emptyDir.sizeLimit) },
          });
        }
        check('pod securityContext', pod.spec.securityContext, p.spec.securityContext);
        check('automountServiceAccountToken', pod.spec.automountServiceAccountToken, p.spec.automountServiceAccountToken);
        if (p.spec.serviceAccountName) check('serviceAccountName', pod.spec.serviceAccountName, p.spec.serviceAccountName);
        for (const t of p.spec.tolerations ?? []) {
          if (!(pod.spec.tolerations ?? []).some((x: Any) => JSON.stringify(x) === JSON.stringify(t)))
            problems.push(`${where}: toleration ${JSON.stringify(t)} missing: ${JSON.stringify(pod.spec.tolerations)}`);
        }
        check('affinity', pod.spec.affinity, p.spec.affinity);
        check('topologySpreadConstraints', pod.spec.topologySpreadConstraints, p.spec.topologySpreadConstraints);
        for (const [k, v] of Object.entries(p.spec.labels ?? {})) check(`pod label ${k}`, pod.metadata.labels?.[k], v);
        // KServe builds a canary's Deployment from a fresh ComponentExtensionSpec (replicas only): the canary's
        // deploymentStrategy is not used, the Deployment gets Kubernetes' default rolling update (a KServe v0.20.0
        // behaviour, reported; asserted so that a change shows up here).
        if (p.canary) {
          check("strategy (KServe ignores a canary's deploymentStrategy)", deploy.spec.strategy, {
            rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
            type: 'RollingUpdate',
          });
          notes.add(
            `${describe_(d)}: canary ${p.spec.name}: KServe ignores its deploymentStrategy ${JSON.stringify(p.spec.deploymentStrategy)}`,
          );
        } else check('strategy', deploy.spec.strategy, p.spec.deploymentStrategy);

        // The Service: named like the Deployment, selecting its pods, forwarding to MLServer's HTTP port.
        const svc = tryGet(['-n', ns, 'get', 'service', p.name]);
        if (!svc) problems.push(`${where}: no Service ${p.name} (InferenceService status: ${isvcStatus(d)})`);
        else {
          const sel = svc.spec.selector ?? {};
          if (!Object.entries(sel).every(([k, v]) => pod.metadata.labels?.[k] === v))
            problems.push(`${where}: Service selector ${JSON.stringify(sel)} does not select the Deployment's pods`);
          const http = m.readinessProbe.httpGet.port;
          if (!(svc.spec.ports as Any[]).some((x) => x.targetPort === http))
            problems.push(`${where}: Service ports ${JSON.stringify(svc.spec.ports)} do not reach ${http}`);
        }

        // The HPA: KServe's own for `hpa`, named like the Deployment: for the stable predictor with our bounds and
        // metrics (its minimum less the canaries' replicas), for a canary min = max = its replicas (fixed, KServe's
        // defaults for the metric); none for `external` (our KEDA ScaledObject, which must target this Deployment) or `none`.
        const hpa = tryGet(['-n', ns, 'get', 'hpa', p.name]);
        if (cls === 'hpa') {
          if (!hpa) problems.push(`${where}: no HPA ${p.name} (InferenceService status: ${isvcStatus(d)})`);
          else {
            check('HPA scaleTargetRef', hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: p.name });
            check('HPA minReplicas', hpa.spec.minReplicas, expectedMin(p));
            check('HPA maxReplicas', hpa.spec.maxReplicas, p.canary ? expectedMin(p) : p.spec.maxReplicas);
            if (!p.canary) check('HPA metrics', hpa.spec.metrics, p.spec.autoScaling.metrics);
          }
        } else if (hpa) problems.push(`${where}: KServe made an HPA we did not ask for: ${JSON.stringify(hpa.spec)}`);
        if (!p.canary && cls === 'external') {
          const set = sets.find((s) => s.objects.includes(d))!;
          const so = set.objects.find(
            (x) =>
              x.obj.kind === 'ScaledObject' &&
              x.obj.metadata.namespace === ns &&
              (x.obj.spec as Any).scaleTargetRef?.name?.startsWith(d.obj.metadata.name),
          );
          if (!so) problems.push(`${where}: autoscalerClass external but our output has no ScaledObject for it`);
          else {
            check('name our ScaledObject targets', (so.obj.spec as Any).scaleTargetRef.name, p.name);
            check('ScaledObject minReplicaCount', (so.obj.spec as Any).minReplicaCount, p.spec.minReplicas);
          }
        }
      }
      // The canaries KServe reports, with the traffic we wrote.
      const canaries = ((d.obj.spec as Any).canary ?? []) as Any[];
      if (canaries.length > 0) {
        const want = canaries.map((c) => ({ name: c.predictor.name, trafficPercent: c.trafficPercent }));
        try {
          await eventually(
            `${describe_(d)}: status.canaryStatuses with our canaries`,
            60,
            () => {
              const got = tryGet(['-n', ns, 'get', 'inferenceservice', d.obj.metadata.name])?.status?.canaryStatuses ?? [];
              return JSON.stringify(got.map((c: Any) => ({ name: c.name, trafficPercent: c.trafficPercent }))) === JSON.stringify(want)
                ? true
                : undefined;
            },
            () => `status: ${JSON.stringify(tryGet(['-n', ns, 'get', 'inferenceservice', d.obj.metadata.name])?.status)}`,
          );
        } catch (e) {
          problems.push(String(e));
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test('what KServe made is what our constructs intend: the stable floor is `replicas.min`, canaries get their traffic, our references name its objects', () => {
    const problems: Problem[] = [];
    for (const d of isvcs.filter((x) => !denied.has(x))) {
      const ns = d.obj.metadata.namespace!;
      const object = `${ns}/${d.obj.metadata.name}`;
      const [stable, ...canaries] = predictorsOf(d);
      const cls = (d.obj.metadata as Any).annotations?.['serving.kserve.io/autoscalerClass'] ?? 'hpa';
      // The stable predictor's HPA floor is the model's minimum (replicas.min as the model's source gives it, not a field
      // of the InferenceService: with canaries we write more, which KServe takes as the total), and each canary runs its
      // traffic share of that minimum: max(1, ceil(min x trafficPercent / 100)).
      if (cls === 'hpa' && canaries.length > 0) {
        const min = intendedMinimum(object);
        const hpa = tryGet(['-n', ns, 'get', 'hpa', stable.name]);
        if (min === undefined)
          problems.push({ object, text: `has canaries, but this test does not know its replicas.min: add it to intendedMinimum()` });
        else if (hpa && hpa.spec.minReplicas !== min)
          problems.push({
            object,
            text: `stable predictor ${stable.name}: HPA minReplicas is ${hpa.spec.minReplicas}, replicas.min is ${min} (canaries: ${canaries.map((c) => `${c.name} at ${tryGet(['-n', ns, 'get', 'hpa', c.name])?.spec?.minReplicas} replicas for ${c.canary!.trafficPercent}%`).join(', ')})`,
          });
        for (const c of canaries) {
          const want = Math.max(1, Math.ceil(((min ?? 0) * c.canary!.trafficPercent) / 100));
          const got = tryGet(['-n', ns, 'get', 'hpa', c.name])?.spec?.minReplicas;
          if (min !== undefined && got !== want)
            problems.push({
              object,
              text: `canary ${c.name} (trafficPercent ${c.canary!.trafficPercent}): HPA minReplicas is ${got}, its share of replicas.min ${min} is ${want}`,
            });
        }
      }
      // The split: KServe routes the model's address to the stable predictor only, so our output routes it, an HTTPRoute
      // named after the model whose weighted backendRefs are the predictors' Services KServe made, each at its port that
      // reaches its own predictor's pods (and no other predictor's), with the traffic we wrote.
      if (canaries.length > 0) {
        const set = sets.find((s) => s.objects.includes(d))!;
        const route = set.objects.find(
          (x) => x.obj.kind === 'HTTPRoute' && x.obj.metadata.namespace === ns && x.obj.metadata.name === d.obj.metadata.name,
        );
        const refs = (((route?.obj.spec as Any)?.rules ?? [])[0]?.backendRefs ?? []) as Any[];
        const canaryTraffic = canaries.reduce((n, c) => n + c.canary!.trafficPercent, 0);
        const want = [
          { name: stable.name, weight: 100 - canaryTraffic },
          ...canaries.map((c) => ({ name: c.name, weight: c.canary!.trafficPercent })),
        ];
        const got = refs.map((r) => ({ name: r.name, weight: r.weight }));
        if (!route)
          problems.push({
            object,
            text: `has canaries, but our output has no HTTPRoute ${ns}/${d.obj.metadata.name} splitting its traffic`,
          });
        else if (JSON.stringify(got) !== JSON.stringify(want))
          problems.push({
            object,
            text: `HTTPRoute ${ns}/${d.obj.metadata.name} sends ${JSON.stringify(got)}, not ${JSON.stringify(want)}`,
          });
        const labelsOf = (p: Predictor) => tryGet(['-n', ns, 'get', 'deployment', p.name])?.spec?.template?.metadata?.labels ?? {};
        for (const r of refs) {
          const svc = tryGet(['-n', ns, 'get', 'service', r.name]);
          const target = [stable, ...canaries].find((p) => p.name === r.name);
          if (!svc || !target) {
            problems.push({
              object,
              text: `HTTPRoute ${ns}/${d.obj.metadata.name}: backendRef ${r.name} names no Service KServe made for a predictor`,
            });
            continue;
          }
          const port = (svc.spec.ports as Any[]).find((x) => x.port === r.port);
          const http = target.spec.model.readinessProbe.httpGet.port;
          if (!port || port.targetPort !== http)
            problems.push({
              object,
              text: `HTTPRoute ${ns}/${d.obj.metadata.name}: backendRef ${r.name}:${r.port} reaches no port ${http} of its pods (Service ports ${JSON.stringify(svc.spec.ports)})`,
            });
          const sel = Object.entries(svc.spec.selector ?? {});
          const selects = (p: Predictor) => sel.every(([k, v]) => labelsOf(p)[k] === v);
          const others = [stable, ...canaries].filter((p) => p !== target && selects(p));
          if (!selects(target) || others.length > 0)
            problems.push({
              object,
              text: `HTTPRoute ${ns}/${d.obj.metadata.name}: Service ${r.name} selects ${JSON.stringify(svc.spec.selector)}: ${selects(target) ? `also ${others.map((p) => p.name).join(', ')}` : `not the pods of ${target.name}`}`,
            });
        }
      }
      // Every in-cluster URL of our output that points at a predictor of this InferenceService names a Service KServe made.
      const set = sets.find((s) => s.objects.includes(d))!;
      const re = new RegExp(`https?://(${d.obj.metadata.name}(?:-[a-z0-9]+)*-predictor)\\.${ns}\\.svc(?:\\.cluster\\.local)?`, 'g');
      for (const o of set.objects.filter((x) => x.obj.metadata.namespace === ns && x.obj.kind !== 'InferenceService')) {
        for (const m of JSON.stringify(o.obj).matchAll(re)) {
          if (!tryGet(['-n', ns, 'get', 'service', m[1]]))
            problems.push({
              object,
              text: `${o.obj.kind} ${ns}/${o.obj.metadata.name}: ${m[0]} names no Service KServe made (it made: ${kubectlOk(['-n', ns, 'get', 'service', '-o', 'name']).stdout.trim().split('\n').join(', ')})`,
            });
        }
      }
      // Our PodDisruptionBudgets select the pods of a predictor KServe made.
      for (const pdb of set.objects.filter(
        (x) =>
          x.obj.kind === 'PodDisruptionBudget' && x.obj.metadata.namespace === ns && x.obj.metadata.name.startsWith(d.obj.metadata.name),
      )) {
        const sel = (pdb.obj.spec as Any).selector?.matchLabels ?? {};
        const selects = predictorsOf(d).some((p) => {
          const labels = tryGet(['-n', ns, 'get', 'deployment', p.name])?.spec?.template?.metadata?.labels ?? {};
          return Object.entries(sel).every(([k, v]) => labels[k] === v);
        });
        if (!selects)
          problems.push({
            object,
            text: `PodDisruptionBudget ${ns}/${pdb.obj.metadata.name} selects ${JSON.stringify(sel)}: no predictor Deployment's pods`,
          });
      }
    }
    judge(problems);
  });

  test('the pods of every predictor Deployment pass Pod Security "restricted" in their namespace (through KServe\'s pod mutator)', () => {
    const problems: Problem[] = [];
    for (const d of isvcs.filter((x) => !denied.has(x))) {
      const ns = d.obj.metadata.namespace!;
      const level = tryGet(['get', 'namespace', ns])?.metadata?.labels?.['pod-security.kubernetes.io/enforce'];
      if (level !== 'restricted')
        problems.push({
          object: `${ns}/${d.obj.metadata.name}`,
          text: `namespace ${ns} of ${describe_(d)} enforces ${level ?? 'nothing'}, not restricted`,
        });
      for (const p of predictorsOf(d)) {
        const deploy = tryGet(['-n', ns, 'get', 'deployment', p.name]);
        if (!deploy) continue; // reported by the reconcile test
        const tpl = deploy.spec.template;
        const podObj = {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: `${p.name}-pss-probe`, namespace: ns, labels: tpl.metadata.labels, annotations: tpl.metadata.annotations },
          spec: tpl.spec,
        };
        const r = kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-'], JSON.stringify(podObj));
        const warnings = r.stderr.split('\n').filter((l) => /^Warning:/.test(l.trim()));
        if (r.status !== 0 || warnings.length > 0) {
          problems.push({
            object: `${ns}/${d.obj.metadata.name}`,
            text: `Deployment ${ns}/${p.name} (KServe, for ${describe_(d)}): a Pod from its template: ${r.stderr.trim()}`,
          });
          continue;
        }
        // In Standard mode KServe's pod mutator adds the storage initializer (not the Deployment): for a storageUri it
        // fetches the model into /mnt/models with the keys of the Secret our ServiceAccount lists.
        const m = p.spec.model;
        if (m.storageUri) {
          const created = JSON.parse(r.stdout);
          const init = (created.spec.initContainers ?? []).find((x: Any) => x.name === 'storage-initializer');
          const fromSecret = (init?.env ?? [])
            .filter((e: Any) => e.valueFrom?.secretKeyRef)
            .map((e: Any) => `${e.name}=${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`);
          // ... the platform's container: its image and restricted securityContext, which Pod Security admitted above.
          const ours = (storageContainer!.obj.spec as Any).container;
          const want = {
            args: [m.storageUri, '/mnt/models'],
            fromSecret: [`AWS_ACCESS_KEY_ID=${S3_SECRET}/AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY=${S3_SECRET}/AWS_SECRET_ACCESS_KEY`],
            image: ours.image,
            securityContext: ours.securityContext,
          };
          const got = { args: init?.args, fromSecret: fromSecret.sort(), image: init?.image, securityContext: init?.securityContext };
          if (JSON.stringify(got) !== JSON.stringify(want))
            problems.push({
              object: `${ns}/${d.obj.metadata.name}`,
              text: `Pod of ${p.name}: KServe's storage initializer is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`,
            });
        }
      }
    }
    judge(problems);
  });

  test('every known issue still happens (test/operators/kserve-known-issues.ts; remove an entry once it is fixed)', () => {
    expect(KSERVE_KNOWN_ISSUES.filter((k) => !matched.has(k)).map((k) => `stale known issue: ${k.object}: ${k.message}`)).toEqual([]);
  });
});
