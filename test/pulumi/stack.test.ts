/**
 * `pulumi up` of the program in stacks/ for real: the Pulumi CLI and upstream's Node.js language host
 * (v3.259.0) and the Kubernetes provider (4.25.0), all built from the Go module proxy by
 * scripts/pulumi/install.sh, deploy a platform file and a team file with a model of every kind
 * (test/pulumi/fixtures: batch on Airflow and on Argo, a cascade, online on KServe, Seldon and the Deployment
 * backend, one on a GPU pool) to the local kube-apiserver, from a copy of this checkout, with a file backend
 * and a passphrase secrets provider. The operators' Helm releases are skipped (`modelplane:installOperators:
 * false`: chart repositories are unreachable here, and their CRDs are registered by with-cluster.sh) and
 * readiness is not awaited (`modelplane:skipAwait: true`: no kubelet, nothing becomes ready).
 *
 * What is compared: every object `modelplane synth` writes for the same files exists in the API server after
 * `up` and equals it — a server-side dry-run apply of the synthesized object over it, under another field manager
 * taking every field, leaves the live object as it is (no field is missing or holds another value, as the API
 * server stores values); its labels and annotations are synth's alone; Pulumi's state holds exactly those
 * objects plus the Secret made from stack config.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  Checkout,
  items,
  K8S_OBJECT,
  keyOf,
  KubeObject,
  kubectl,
  leftAfterDelete,
  liveAndDryRun,
  previewSteps,
  requireEngine,
  stateName,
  stateObjects,
  strip,
  synthLikeStack,
} from './support';

const DB_URI = 'postgresql://mlflow:tier-db-password-5f0c@db.internal:5432/mlflow';
const FIXTURES = path.join(__dirname, 'fixtures');

let c: Checkout;
let expectedDir: string;
let expected: KubeObject[];

function synthExpected(teamFile: string): void {
  expected = synthLikeStack(c, 'fixtures/platform.yaml', [teamFile], expectedDir);
}

beforeAll(() => {
  requireEngine();
  c = new Checkout('stack');
  for (const f of ['platform.yaml', 'lab.yaml']) c.write(`fixtures/${f}`, fs.readFileSync(path.join(FIXTURES, f), 'utf8'));
  expectedDir = path.join(c.dir, 'expected', 'dist');
  synthExpected('fixtures/lab.yaml');
  c.ok(['stack', 'init', 'tier']);
  c.ok(['config', 'set', 'modelplane:platformFile', 'fixtures/platform.yaml']);
  c.ok(['config', 'set', '--path', 'modelplane:teamFiles[0]', 'fixtures/lab.yaml']);
  c.ok(['config', 'set', 'modelplane:installOperators', 'false']);
  c.ok(['config', 'set', 'modelplane:skipAwait', 'true']);
  c.ok(['config', 'set', '--secret', 'modelplane:databaseUri', DB_URI]);
});

afterAll(() => {
  // A failed test leaves the stack up: destroy it, so the shared API server stays clean for the next tier.
  if (c && stateObjects(c).length > 0) c.run(['destroy', '--yes', '--skip-preview']);
  c?.remove();
});

test('the fixtures hold a model of every kind (what the rest of this file deploys)', () => {
  const kinds = new Set(expected.map((o) => o.kind));
  for (const k of ['SeldonDeployment', 'InferenceService', 'CronWorkflow', 'Deployment', 'HorizontalPodAutoscaler', 'DaemonSet']) {
    expect(kinds).toContain(k);
  }
  const gpu = expected.find((o) => o.kind === 'Deployment' && o.metadata.name.startsWith('embed'));
  expect(JSON.stringify(gpu)).toContain('nvidia.com/gpu');
  expect(fs.readdirSync(path.join(expectedDir, 'dags'))).toContain('lab.daily.py');
});

test('preview plans every synthesized object as a create and changes nothing in the API server', () => {
  const r = c.ok(['preview', '--json']);
  const creates = previewSteps(r.stdout).filter((s) => s.op === 'create' && K8S_OBJECT.test(s.type));
  // One per object, and the Secret `mlflow-db` from `modelplane:databaseUri`.
  expect(creates.length).toBe(expected.length + 1);
  expect(kubectl(['get', 'namespace', 'lab', '--ignore-not-found', '-o', 'name'])).toBe('');
  console.log(`pulumi preview: ${r.seconds.toFixed(1)} s, ${creates.length} objects`);
});

test('up creates every object, each equal to what modelplane synth writes for the same files', () => {
  const r = c.ok(['up', '--yes']);
  console.log(`pulumi up: ${r.seconds.toFixed(1)} s`);
  const { live, dry } = liveAndDryRun(expectedDir);
  expect([...live.keys()].sort()).toEqual(expected.map(keyOf).sort());
  for (const o of expected) {
    const key = keyOf(o);
    // No change: every field synth writes has that value in the cluster.
    expect({ key, object: strip(dry.get(key)!) }).toEqual({ key, object: strip(live.get(key)!) });
    // Nothing added to the labels or annotations, but what the API server adds (a Namespace's name label, a
    // DaemonSet's template generation) and the provider's `pulumi.com/skipAwait`, which it sets because this
    // stack says `modelplane:skipAwait: true`.
    const meta = live.get(key)!.metadata as { labels?: object; annotations?: object };
    const added = (live: object | undefined, synth: unknown) =>
      Object.keys(live ?? {}).filter((k) => !Object.keys((synth as object) ?? {}).includes(k));
    const serverLabels = o.kind === 'Namespace' ? ['kubernetes.io/metadata.name'] : [];
    const serverAnnotations = o.kind === 'DaemonSet' ? ['deprecated.daemonset.template.generation'] : [];
    expect({ key, labels: added(meta.labels, o.metadata.labels) }).toEqual({ key, labels: serverLabels });
    expect({ key, annotations: added(meta.annotations, o.metadata.annotations).sort() }).toEqual({
      key,
      annotations: [...serverAnnotations, 'pulumi.com/skipAwait'].sort(),
    });
  }
  const secret = 'Secret modelplane-system/mlflow-db';
  expect(stateObjects(c)).toEqual([...expected.map(stateName), secret].sort());
});

test("the stack's secret is a Secret in the cluster and never plain text in the state", () => {
  const secret = JSON.parse(kubectl(['get', 'secret', 'mlflow-db', '-n', 'modelplane-system', '-o', 'json']));
  expect(Buffer.from(secret.data.uri, 'base64').toString()).toBe(DB_URI);
  const files = c.stateFiles();
  expect(files.length).toBeGreaterThan(0);
  for (const f of files) expect({ f, plain: fs.readFileSync(f, 'utf8').includes('tier-db-password') }).toEqual({ f, plain: false });
  expect(c.ok(['stack', 'export']).stdout).not.toContain('tier-db-password');
  expect(fs.readFileSync(path.join(c.dir, 'Pulumi.tier.yaml'), 'utf8')).not.toContain('tier-db-password');
});

test('a second up reports no changes', () => {
  const r = c.run(['up', '--yes', '--expect-no-changes']);
  expect(r.stderr + r.stdout).not.toMatch(/error:/);
  expect(r.status).toBe(0);
});

test("a change of one model's replicas.max previews as exactly one update, and up applies it", () => {
  const team = fs.readFileSync(path.join(FIXTURES, 'lab.yaml'), 'utf8');
  const changed = team.replace('replicas: { min: 1, max: 3 }', 'replicas: { min: 1, max: 5 }');
  expect(changed).not.toBe(team);
  c.write('fixtures/lab.yaml', changed);
  const r = c.ok(['preview', '--json', '--diff']);
  const changes = previewSteps(r.stdout).filter((s) => s.op !== 'same');
  expect(changes.map((s) => `${s.op} ${s.type} ${s.name}`)).toEqual([
    expect.stringMatching(/^update kubernetes:autoscaling\/v2:HorizontalPodAutoscaler .*ranker/),
  ]);
  c.ok(['up', '--yes']);
  const hpa = items(kubectl(['get', 'hpa', '-n', 'lab', '-o', 'json'])).find((h) => h.metadata.name.startsWith('ranker'));
  expect((hpa as unknown as { spec: { maxReplicas: number } }).spec.maxReplicas).toBe(5);
  // The cluster still equals synth of the changed file.
  synthExpected('fixtures/lab.yaml');
  const { live, dry } = liveAndDryRun(expectedDir);
  for (const o of expected) expect(strip(dry.get(keyOf(o))!)).toEqual(strip(live.get(keyOf(o))!));
});

test('bad stack settings are refused before anything is registered: each names its setting and the fix, no stack trace', () => {
  c.ok(['stack', 'init', 'bad']);
  c.ok(['config', 'set', '--stack', 'bad', 'modelplane:platformFile', 'fixtures/missing.yaml']);
  let r = c.run(['preview', '--stack', 'bad']);
  expect(r.status).not.toBe(0);
  const out = r.stdout + r.stderr;
  expect(out).toContain('fixtures/missing.yaml: the platform file cannot be read (ENOENT). Fix: check `modelplane:platformFile`');
  expect(out).not.toMatch(/\n\s+at /);
  c.ok(['config', 'rm', '--stack', 'bad', 'modelplane:platformFile']);
  r = c.run(['preview', '--stack', 'bad']);
  expect(r.stdout + r.stderr).toContain(
    'no platform is configured. Fix: name your platform file with `pulumi config set modelplane:platformFile platform.yaml`',
  );
  c.write('fixtures/broken.yaml', 'team: lab\nmodels:\n  - name: x\n    type: online\n    replicas: many\n');
  c.ok(['config', 'set', '--stack', 'bad', 'modelplane:platformFile', 'fixtures/platform.yaml']);
  c.ok(['config', 'set', '--stack', 'bad', '--path', 'modelplane:teamFiles[0]', 'fixtures/broken.yaml']);
  r = c.run(['preview', '--stack', 'bad']);
  expect(r.stdout + r.stderr).toMatch(/fixtures\/broken\.yaml:5:\d+: `models\[0\]\.replicas`/);
  expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
  c.ok(['stack', 'rm', '--yes', 'bad']);
  c.ok(['stack', 'select', 'tier']);
});

test('destroy leaves nothing behind', () => {
  c.ok(['destroy', '--yes']);
  expect(stateObjects(c)).toEqual([]);
  expect(leftAfterDelete(expectedDir)).toBe('');
  expect(kubectl(['get', 'secret', 'mlflow-db', '-n', 'modelplane-system', '--ignore-not-found', '-o', 'name'])).toBe('');
});
