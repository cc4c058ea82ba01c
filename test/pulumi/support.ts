/**
 * Helpers for the Pulumi tier (`npm run test:pulumi`): the real CLI, upstream's Node.js language host and the
 * real Kubernetes provider, all built by scripts/pulumi/install.sh (put on PATH and into PULUMI_HOME by
 * scripts/pulumi/env.sh), run the program in stacks/ from a copy of this checkout in a temp directory (what a
 * platform engineer has), with a local file state backend and a passphrase secrets provider, against the
 * loopback kube-apiserver scripts/kube/with-cluster.sh started. Nothing here reaches the network.
 */
import { spawnSync, SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import YAML from 'yaml';

export const repoRoot = path.resolve(__dirname, '../..');

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
/** The @pulumi/pulumi version the engine must match (package.json pin). */
export const pulumiVersion: string = pkg.devDependencies['@pulumi/pulumi'];
/** The @pulumi/kubernetes version the provider plugin must match (package.json pin). */
export const kubernetesVersion: string = pkg.devDependencies['@pulumi/kubernetes'];

/** The passphrase of the tier's stacks (a test value: the state is thrown away). */
export const PASSPHRASE = 'modelplane-pulumi-tier-passphrase';

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** The kubectl scripts/kube/with-cluster.sh built. */
export function kubectlBin(): string {
  return process.env.MODELPLANE_KUBECTL ?? 'kubectl';
}

/** Fails with a clear message when the tier runs without the engine, the provider or the API server. */
export function requireEngine(): void {
  const r = spawnSync('pulumi', ['version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error('`pulumi` is not on PATH: run this tier with `npm run test:pulumi` (it sources scripts/pulumi/env.sh)');
  }
  if (r.stdout.trim() !== `v${pulumiVersion}`) {
    throw new Error(`pulumi on PATH is ${r.stdout.trim()}, package.json pins @pulumi/pulumi ${pulumiVersion}`);
  }
  const plugins = spawnSync('pulumi', ['plugin', 'ls', '--json'], { encoding: 'utf8' });
  const list: Array<{ name: string; kind: string; version: string }> = JSON.parse(plugins.stdout || '[]');
  if (!list.some((p) => p.name === 'kubernetes' && p.kind === 'resource' && p.version === kubernetesVersion)) {
    throw new Error(
      `the kubernetes provider ${kubernetesVersion} is not installed in PULUMI_HOME (${process.env.PULUMI_HOME}): run bash scripts/pulumi/install.sh kubernetes-provider`,
    );
  }
  if (!process.env.KUBECONFIG)
    throw new Error('KUBECONFIG is not set: run this tier with `npm run test:pulumi` (scripts/kube/with-cluster.sh)');
}

/** What a checkout holds that the Pulumi program and the README's commands need. */
const CHECKOUT = [
  'Pulumi.yaml',
  'Pulumi.example.yaml',
  'package.json',
  'package-lock.json',
  '.node-version',
  'tsconfig.json',
  'tsconfig.pulumi.json',
  'src',
  'stacks',
  'schema',
  'imports',
  'examples',
  'scripts',
  'tools',
];

/**
 * A copy of this checkout in a fresh temp directory (examples/* without their dist/ and node_modules), with
 * its own file state backend; the Pulumi project is its root. Its node_modules is a link to the repository's,
 * unless `ownPackages` (the README's own `npm ci` then installs them).
 */
export class Checkout {
  readonly dir: string;
  readonly state: string;
  readonly env: NodeJS.ProcessEnv;

  constructor(name: string, opts: { ownPackages?: boolean } = {}) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `modelplane-pulumi-${name}-`));
    for (const entry of CHECKOUT) {
      fs.cpSync(path.join(repoRoot, entry), path.join(this.dir, entry), {
        recursive: true,
        filter: (src) => !/[/\\](dist|node_modules|build|__pycache__)$/.test(src),
      });
    }
    if (!opts.ownPackages) fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(this.dir, 'node_modules'), 'dir');
    this.state = path.join(this.dir, '.pulumi-state');
    fs.mkdirSync(this.state);
    this.env = {
      ...process.env,
      PULUMI_BACKEND_URL: `file://${this.state}`,
      PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      PULUMI_SKIP_UPDATE_CHECK: 'true',
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
      // No colours or progress bars in captured output.
      NO_COLOR: '1',
    };
  }

  /** Writes a file (relative path) into the checkout. */
  write(rel: string, text: string): void {
    fs.mkdirSync(path.dirname(path.join(this.dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(this.dir, rel), text);
  }

  /** Runs `pulumi ARGS` in the checkout. */
  run(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): RunResult {
    return this.spawn('pulumi', [...args, '--non-interactive'], opts.env);
  }

  /** Like run(), but throws with the CLI's output when it exits non-zero. */
  ok(args: string[]): RunResult {
    const r = this.run(args);
    if (r.status !== 0) throw new Error(`pulumi ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  /** Runs a command in the checkout with its environment. */
  spawn(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string): RunResult {
    const started = Date.now();
    const options: SpawnSyncOptions = {
      cwd: this.dir,
      env: { ...this.env, ...env },
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
      timeout: 600000,
      input,
    };
    const r = spawnSync(cmd, args, options);
    if (r.error) throw r.error;
    return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr), seconds: (Date.now() - started) / 1000 };
  }

  /** The stack's state file as the file backend keeps it on disk. */
  stateFiles(): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else out.push(p);
      }
    };
    walk(this.state);
    return out;
  }

  /** Removes the temp directory (state included). */
  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One step of `pulumi preview --json`: its operation and the resource's type and name. */
export interface PreviewStep {
  readonly op: string;
  readonly type: string;
  readonly name: string;
  /** The properties whose change makes an update (`diffReasons`). */
  readonly diffs: readonly string[];
}

/** The steps of `pulumi preview --json`. */
export function previewSteps(previewJson: string): PreviewStep[] {
  const preview = JSON.parse(previewJson);
  return (preview.steps ?? []).map((s: { op: string; urn: string; diffReasons?: string[] }) => {
    const parts = s.urn.split('::');
    return { op: s.op, type: parts[2]!.split('$').pop()!, name: parts[3]!, diffs: s.diffReasons ?? [] };
  });
}

/** A Kubernetes object as written by synth or read from the API server. */
export type KubeObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
};

/** Every object of the YAML manifests in `dir` (not its dags/). */
export function manifestObjects(dir: string): KubeObject[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJSON() as KubeObject))
    .filter((o) => o && typeof o === 'object' && o.kind);
}

/** `apiVersion kind namespace/name` of an object. */
export function keyOf(o: KubeObject): string {
  return `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** Runs kubectl with the tier's KUBECONFIG; throws on failure. */
export function kubectl(args: string[], input?: string): string {
  const r = spawnSync(kubectlBin(), args, { encoding: 'utf8', input, maxBuffer: 512 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

/** The items of a kubectl `-o json` answer (a List or one object). */
export function items(json: string): KubeObject[] {
  const parsed = JSON.parse(json);
  return parsed.kind === 'List' || Array.isArray(parsed.items) ? parsed.items : [parsed];
}

/**
 * Synthesizes with the CLI what a stack with `modelplane:databaseUri` deploys from these files: the platform
 * file with MLflow's database URI read from the Secret `mlflow-db` the program makes. Returns the objects.
 */
export function synthLikeStack(c: Checkout, platformFile: string, teamFiles: readonly string[], outDir: string): KubeObject[] {
  const platform = YAML.parse(fs.readFileSync(path.join(c.dir, platformFile), 'utf8'));
  platform.mlflow = { ...platform.mlflow, backendStore: { external: { uriSecret: { name: 'mlflow-db', key: 'uri' } } } };
  const file = path.join(path.dirname(outDir), 'expected-platform.yaml');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, YAML.stringify(platform));
  fs.rmSync(outDir, { recursive: true, force: true });
  const args = ['synth', '--platform', file, ...teamFiles.flatMap((f) => ['-f', f]), '-o', outDir];
  const r = c.spawn('node', [path.join(repoRoot, 'bin/modelplane.js'), ...args]);
  if (r.status !== 0) throw new Error(`modelplane synth failed:\n${r.stderr}`);
  return manifestObjects(outDir);
}

/**
 * Without the fields the API server keeps per write: who wrote what, the version counter, and the generation
 * (the DaemonSet strategy counts a re-apply of an equal spec as a new generation).
 */
export function strip(o: KubeObject): KubeObject {
  const { managedFields: _m, resourceVersion: _r, generation: _g, ...metadata } = o.metadata;
  return { ...o, metadata } as KubeObject;
}

/**
 * The live objects of `dir`'s manifests by key, and those manifests server-side dry-run applied over them under
 * another field manager, taking every field (`--force-conflicts`): when the two are equal but for
 * managedFields, the cluster holds every field of the manifests with the value the API server makes of it.
 * (Taking the fields is needed: the provider applies built-in kinds in their typed form, e.g. a quantity `1000m`
 * as "1", `4` as "4", so a plain apply would conflict on values that are stored the same.)
 */
export function liveAndDryRun(dir: string): { live: Map<string, KubeObject>; dry: Map<string, KubeObject> } {
  const byKey = (list: KubeObject[]) => new Map(list.map((o) => [keyOf(o), o]));
  const live = byKey(items(kubectl(['get', '-f', dir, '-o', 'json'])));
  const args = [
    'apply',
    '--server-side',
    '--force-conflicts',
    '--dry-run=server',
    '--field-manager=modelplane-tier-compare',
    '-o',
    'json',
    '-f',
    dir,
  ];
  return { live, dry: byKey(items(kubectl(args))) };
}

/** The type of a Kubernetes object in Pulumi's state (not a ConfigGroup, provider or component). */
export const K8S_OBJECT = /^kubernetes:(?!yaml\/v2:ConfigGroup$)[^:]+:[^:]+$/;

/** The Kubernetes objects in a stack's state, as `kind namespace/name`. */
export function stateObjects(c: Checkout, stack?: string): string[] {
  const state = JSON.parse(c.ok(['stack', 'export', ...(stack ? ['--stack', stack] : [])]).stdout);
  return (state.deployment.resources ?? [])
    .filter((r: { type: string }) => K8S_OBJECT.test(r.type))
    .map((r: { type: string; id: string }) => `${r.type.split(':').pop()} ${r.id.includes('/') ? r.id : `/${r.id}`}`)
    .sort();
}

/** `kind namespace/name` of an object, as {@link stateObjects} names it. */
export function stateName(o: KubeObject): string {
  return `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/**
 * Waits until none of `dir`'s objects is left (a deleted Namespace is Terminating until the namespace
 * controller has emptied it); returns what is still there after `seconds`.
 */
export function leftAfterDelete(dir: string, seconds = 120): string {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const left = kubectl(['get', '-f', dir, '--ignore-not-found', '-o', 'name']).trim();
    if (left === '' || Date.now() > deadline) return left;
    spawnSync('sleep', ['1']);
  }
}
