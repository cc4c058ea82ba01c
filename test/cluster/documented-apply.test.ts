/**
 * The README's "Apply to a cluster", done exactly as written on an EMPTY API server of its own (not the
 * tier's shared one, which has every CRD registered): the output and the operators come from the same
 * synth, then
 *   1. the operators: here only the CRDs their Helm charts carry are registered, each from its unchanged
 *      upstream copy in ../shared/crds (Helm cannot run charts from the registries reachable here; the CRDs
 *      are what the output's objects need from them, so the rest of a chart is not a stand-in for anything);
 *   2. every numbered file of the output in order with `kubectl apply --server-side -f FILE`,
 * with zero errors and zero warnings (every namespace the output writes into is created by the output,
 * with restricted Pod Security, and kubectl prints the API server's warnings on stderr). Nothing is created
 * by hand: no namespace, no Secret (the pods that read the bootstrap Job's Secrets never run here: there is
 * no kubelet, so nothing would consume them).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { ADD_ONS, AddOnName } from '../../src/constructs/platform/operators';
import type { Platform } from '../../src/constructs/platform/platform';
import { run } from '../../src/frontends/cli/main';
import { buildPlatform, defaultConfig } from '../../stacks/build';
import { crdFiles, repoRoot, waitFor } from './kube';

const KUBE = path.join(repoRoot, 'scripts', 'kube');
let state = '';
let kubeconfig = '';
let root = '';

function kubectl(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.env.MODELPLANE_KUBECTL ?? 'kubectl', args, {
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: kubeconfig },
    maxBuffer: 256 * 1024 * 1024,
    timeout: 110000,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  // A control plane of its own, started empty (no CRD), stopped in afterAll (and by up.sh's watchdog if jest dies).
  const up = spawnSync('bash', [path.join(KUBE, 'up.sh')], {
    encoding: 'utf8',
    env: { ...process.env, MODELPLANE_KUBE_OWNER_PID: String(process.pid) },
    timeout: 300000,
  });
  if (up.status !== 0) throw new Error(`up.sh failed:\n${up.stderr}`);
  state = up.stdout.trim().split('\n').pop()!;
  kubeconfig = path.join(state, 'kubeconfig');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'modelplane-documented-apply-'));
}, 320000);

afterAll(() => {
  if (state) spawnSync('bash', [path.join(KUBE, 'down.sh'), state], { encoding: 'utf8' });
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** Step 1: the CRDs of every operator the platform installs, from ../shared/crds; returns those it carries that are not there. */
async function registerOperatorCrds(platform: Platform): Promise<{ registered: string[]; absent: string[] }> {
  const files = new Map(crdFiles().map((f) => [f.name, f.file]));
  const wanted = platform.addOns.flatMap((a) => [...(ADD_ONS[a.name as AddOnName].crds ?? [])]);
  const registered = wanted.filter((n) => files.has(n));
  for (const name of registered) {
    const r = kubectl(['apply', '--server-side', '-f', files.get(name)!]);
    expect({ name, status: r.status, stderr: r.stderr }).toEqual({ name, status: 0, stderr: '' });
  }
  for (const name of registered)
    await waitFor(
      `CRD ${name} established`,
      () => kubectl(['get', 'crd', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}']).stdout === 'True',
    );
  // Discovery serves the new kinds a moment after they are established.
  await waitFor('discovery of the new kinds', () => kubectl(['api-resources', '--no-headers']).stdout.includes('InferenceService'));
  return { registered, absent: wanted.filter((n) => !files.has(n)) };
}

/** Step 2: the numbered files in order, each with `kubectl apply --server-side -f`; every error and warning, per file. */
function applyInOrder(dir: string): { file: string; status: number | null; stderr: string }[] {
  const numbered = fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}-.*\.k8s\.yaml$/.test(f))
    .sort();
  expect(numbered.length).toBeGreaterThan(0);
  return numbered.map((file) => {
    const r = kubectl(['apply', '--server-side', '-f', path.join(dir, file)]);
    return { file, status: r.status, stderr: r.stderr };
  });
}

test("the README main job's dist/: operators' CRDs, then the numbered files, with no error, no warning, no step by hand", async () => {
  expect(kubectl(['get', 'crd', '--no-headers']).stdout.trim()).toBe('');
  const dist = path.join(root, 'dist');
  const app = new App({ outdir: dist });
  const { platform } = buildPlatform(app, defaultConfig());
  app.synth();
  const { registered, absent } = await registerOperatorCrds(platform);
  const applied = applyInOrder(dist);
  expect(applied.map((a) => ({ ...a, stderr: a.stderr.trim() }))).toEqual(applied.map((a) => ({ file: a.file, status: 0, stderr: '' })));
  // Every object is stored: the namespaces the output writes into, the Gateway, and the custom resources.
  for (const [kind, ns, name] of [
    ['namespace', '', 'airflow'],
    ['gateway.gateway.networking.k8s.io', 'modelplane-system', 'modelplane'],
    ['configmap', 'airflow', 'modelplane-dags-demo'],
    ['cronworkflow.argoproj.io', 'demo', 'nightly'],
  ])
    expect(kubectl(['get', kind, ...(ns ? ['-n', ns] : []), name, '-o', 'name']).status).toBe(0);
  expect(kubectl(['get', 'namespace', 'airflow', '-o', 'jsonpath={.metadata.labels.pod-security\\.kubernetes\\.io/enforce}']).stdout).toBe(
    'restricted',
  );
  process.stdout.write(
    `documented-apply: dist/ ${applied.map((a) => a.file).join(', ')} applied on an empty API server after ${registered.length} operator CRDs; CRDs the charts carry that no output object needs (not in ../shared/crds): ${absent.join(', ') || 'none'}\n`,
  );
}, 300000);

test('a platform file with its team files (examples/team-workspaces: Seldon Core, Argo) the same way, on the same server', async () => {
  const ex = path.join(repoRoot, 'examples', 'team-workspaces');
  const out = path.join(root, 'team-workspaces');
  const args = [
    'synth',
    '--platform',
    path.join(ex, 'platform.yaml'),
    '-f',
    path.join(ex, 'b2b-scoring.yaml'),
    '-f',
    path.join(ex, 'geo-analytics.yaml'),
  ];
  let err = '';
  expect(run([...args, '-o', out, '-q'], { out: () => undefined, err: (t) => (err += t) })).toBe(0);
  expect(err).toBe('');
  const app = new App({ outdir: path.join(root, 'unused') });
  const { buildPlatformFile } = await import('../../src/frontends/config/platform-file');
  const { platform } = buildPlatformFile(app, path.join(ex, 'platform.yaml'));
  await registerOperatorCrds(platform!);
  const applied = applyInOrder(out);
  expect(applied.map((a) => ({ ...a, stderr: a.stderr.trim() }))).toEqual(applied.map((a) => ({ file: a.file, status: 0, stderr: '' })));
}, 300000);
