/**
 * The full synthesized output for the cluster tier: the README main job's dist/ (the one builder in
 * stacks/build.ts on the embedded defaults) and every example in examples/, each synthesized into a
 * temporary directory the way examples/synth-all.sh does it, plus the helpers that apply such an
 * output set to the local API server and report every rejection and warning per object.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { run } from '../../src/frontends/cli/main';
import { OPERATOR_DEFAULTS } from '../../src/constructs/platform/operators';
import { buildPlatform, defaultConfig } from '../../stacks/build';
import { GATEWAY_API_GROUP, registerGatewayApiCrds } from './gateway-api';
import { kubectl, kubectlOk, repoRoot } from './kube';

/** A Kubernetes object of a synthesized output, with the file it came from. */
export interface DistObject {
  /** Output set, e.g. `dist` or `examples/bank-cascades`. */
  readonly set: string;
  /** Manifest file, relative to the output directory of its set. */
  readonly file: string;
  readonly obj: KubeObject;
}

/** The fields of a Kubernetes object the tier reads. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; managedFields?: ManagedField[]; [k: string]: unknown };
  [k: string]: unknown;
}

interface ManagedField {
  manager?: string;
  operation?: string;
  time?: string;
  fieldsV1?: unknown;
}

/** One synthesized output set and what it needs in the cluster first. */
export interface OutputSet {
  /** Name of the set (`dist`, or `examples/<name>`). */
  readonly name: string;
  /** The directory it was synthesized into. */
  readonly dir: string;
  /** Every object of its manifests, in file order. */
  readonly objects: readonly DistObject[];
  /**
   * Objects the set assumes exist (a team file's output lands in a team namespace the platform
   * creates): the platform with that team, synthesized by the same CLI. Applied and checked too.
   */
  readonly prerequisites: readonly DistObject[];
}

/** Field manager of every apply in this tier. */
export const FIELD_MANAGER = 'modelplane-dist-test';

const silentIo = { out: (): void => undefined, err: (t: string): void => void process.stderr.write(t) };

function cli(args: string[]): void {
  const code = run(args, silentIo, repoRoot);
  if (code !== 0) throw new Error(`modelplane ${args.join(' ')} exited ${code}`);
}

/** Reads every object of the *.yaml manifests in `dir` (not its dags/), tagged with the set and file. */
export function readObjects(set: string, dir: string): DistObject[] {
  const out: DistObject[] = [];
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${set}/${file}: ${doc.errors[0].message}`);
      const obj = doc.toJS() as KubeObject | null;
      if (obj) out.push({ set, file, obj });
    }
  }
  return out;
}

/** A team's quota in a platform file (`teams[].quota`). */
interface TeamQuota {
  cpu: string;
  memory: string;
  pods: number;
  gpus: number;
}

/**
 * How each example is synthesized (the same commands as examples/synth-all.sh). `team` names a team
 * file's team when the example has no platform file of its own: its output needs the team namespace,
 * with a quota its models fit in (the totals the CLI's quota check names for the team file, from
 * `modelplane synth --platform P -f <team file>`; the default quota holds no GPU, so the ResourceQuota
 * would refuse every GPU Pod).
 */
const EXAMPLES: Record<string, { args?: string[]; team?: { name: string; file: string; gpuPools?: unknown[]; quota?: TeamQuota } }> = {
  'bank-cascades': {
    args: ['-f', 'examples/bank-cascades/modelplane.yaml'],
    team: {
      name: 'retail-risk',
      file: 'examples/bank-cascades/modelplane.yaml',
      quota: { cpu: '671', memory: '1.83Ti', pods: 341, gpus: 0 },
    },
  },
  'translation-gpu': {
    args: ['-f', 'examples/translation-gpu/modelplane.yaml'],
    team: {
      name: 'translation',
      file: 'examples/translation-gpu/modelplane.yaml',
      quota: { cpu: '66', memory: '280Gi', pods: 200, gpus: 30 },
    },
  },
  'small-team': { args: ['--platform', 'examples/small-team/platform.yaml'] },
  'team-workspaces': {
    args: [
      '--platform',
      'examples/team-workspaces/platform.yaml',
      '-f',
      'examples/team-workspaces/b2b-scoring.yaml',
      '-f',
      'examples/team-workspaces/geo-analytics.yaml',
    ],
  },
  // A data-science repository with its own package.json: synthesized with its own `npm run synth`.
  'model-repo': { team: { name: 'fraud', file: 'examples/model-repo/src/models.ts', gpuPools: [{ name: 'gpu' }] } },
};

/** The example directories of examples/ (each must be covered by {@link EXAMPLES}). */
export function exampleNames(): string[] {
  return fs
    .readdirSync(path.join(repoRoot, 'examples'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** The examples this module knows how to synthesize. */
export function coveredExamples(): string[] {
  return Object.keys(EXAMPLES).sort();
}

function synthModelRepo(outdir: string): void {
  const cwd = path.join(repoRoot, 'examples', 'model-repo');
  if (!fs.existsSync(path.join(cwd, 'node_modules', 'modelplane'))) {
    const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8' });
    if (ci.status !== 0) throw new Error(`npm ci in examples/model-repo failed:\n${ci.stderr}`);
  }
  const r = spawnSync(process.execPath, ['-r', 'modelplane/bin/register', 'src/main.ts'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, OUTDIR: outdir },
  });
  if (r.status !== 0) throw new Error(`examples/model-repo synth failed (exit ${r.status}):\n${r.stderr}`);
}

/** GPU pools a team-only output's platform needs: given, or declared in the team file. */
function teamGpuPools(team: { file: string; gpuPools?: unknown[] }): unknown[] {
  if (team.gpuPools) return team.gpuPools;
  const doc = parseAllDocuments(fs.readFileSync(path.join(repoRoot, team.file), 'utf8'))[0]?.toJS() as { gpuPools?: unknown[] } | null;
  return doc?.gpuPools ?? [];
}

/**
 * Synthesizes the main job's dist/ and every example into `root`; returns the output sets, main first.
 * Throws when an example directory is not covered, so a new example cannot be skipped silently.
 */
export function synthesizeAll(root: string): OutputSet[] {
  const missing = exampleNames().filter((n) => !(n in EXAMPLES));
  if (missing.length > 0) throw new Error(`examples not covered by test/cluster/dist.ts: ${missing.join(', ')}; add them to EXAMPLES`);
  const sets: OutputSet[] = [];

  const distDir = path.join(root, 'dist');
  const app = new App({ outdir: distDir });
  buildPlatform(app, defaultConfig());
  app.synth();
  sets.push({ name: 'dist', dir: distDir, objects: readObjects('dist', distDir), prerequisites: [] });

  for (const name of coveredExamples()) {
    const ex = EXAMPLES[name];
    const dir = path.join(root, 'examples', name);
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    if (ex.args) cli(['synth', ...ex.args, '-o', dir, '-q']);
    else synthModelRepo(dir);
    let prerequisites: DistObject[] = [];
    if (ex.team) {
      const platformFile = path.join(root, `${name}.platform.json`);
      const team = { name: ex.team.name, ...(ex.team.quota ? { quota: ex.team.quota } : {}) };
      fs.writeFileSync(platformFile, JSON.stringify({ teams: [team], gpuPools: teamGpuPools(ex.team) }));
      const preDir = path.join(root, 'prerequisites', name);
      fs.mkdirSync(path.dirname(preDir), { recursive: true });
      cli(['synth', '--platform', platformFile, '-o', preDir, '-q']);
      prerequisites = readObjects(`examples/${name} (platform with team ${ex.team.name})`, preDir);
    }
    sets.push({ name: `examples/${name}`, dir, objects: readObjects(`examples/${name}`, dir), prerequisites });
  }
  return sets;
}

/** `kind namespace/name` of an object. */
export function objectKey(o: KubeObject): string {
  return `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** `file: kind namespace/name` for messages. */
export function describeObject(d: DistObject): string {
  return `${d.set}/${d.file}: ${d.obj.kind} ${d.obj.metadata.namespace ? `${d.obj.metadata.namespace}/` : ''}${d.obj.metadata.name}`;
}

function stream(objects: readonly DistObject[]): string {
  return objects.map((d) => JSON.stringify(d.obj)).join('\n---\n') + '\n';
}

/** Warning lines kubectl printed (the API server's warnings, e.g. Pod Security "would violate"). */
export function warningLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => /^Warning:/.test(l.trim()))
    .map((l) => l.trim());
}

/** Errors kubectl printed, without its warnings. */
function errorText(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^Warning:/.test(l.trim()))
    .join('\n')
    .trim();
}

/** One problem the API server reported for one object. */
export interface ApplyProblem {
  /** `set/file: kind namespace/name`. */
  readonly object: string;
  readonly kind: 'rejected' | 'warning';
  /** The server's message. */
  readonly message: string;
}

/**
 * Server-side applies `objects` (dry-run or real) in one kubectl call; when that call fails or prints
 * any warning, splits the list in halves and applies each (same mode) until every rejection and warning
 * is pinned to its object (a few calls per problem, not one per object). Returns every problem (empty
 * when all were accepted without warnings).
 */
export function applyObjects(objects: readonly DistObject[], opts: { dryRun: boolean }): ApplyProblem[] {
  if (objects.length === 0) return [];
  const args = ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', '-'];
  if (opts.dryRun) args.push('--dry-run=server');
  const r = kubectl(args, stream(objects));
  const warnings = warningLines(r.stderr);
  const errors = errorText(r.stderr);
  if (r.status === 0 && warnings.length === 0 && errors === '') return [];
  if (objects.length === 1) {
    const object = describeObject(objects[0]);
    const problems: ApplyProblem[] = warnings.map((message) => ({ object, kind: 'warning' as const, message }));
    if (r.status !== 0 || errors !== '')
      problems.push({ object, kind: r.status !== 0 ? 'rejected' : 'warning', message: errors || `kubectl exited ${r.status}` });
    return problems;
  }
  const mid = Math.ceil(objects.length / 2);
  const problems = [...applyObjects(objects.slice(0, mid), opts), ...applyObjects(objects.slice(mid), opts)];
  if (problems.length === 0) {
    // The whole batch failed or warned but neither half does: report the batch's own output.
    problems.push({ object: `${objects.length} objects`, kind: r.status === 0 ? 'warning' : 'rejected', message: r.stderr.trim() });
  }
  return problems;
}

/** The stored objects (as the server returns them), by {@link objectKey}; missing ones are absent. */
export function getStored(objects: readonly DistObject[]): Map<string, KubeObject> {
  const out = new Map<string, KubeObject>();
  if (objects.length === 0) return out;
  const r = kubectl(['get', '--ignore-not-found', '-o', 'json', '-f', '-'], stream(objects));
  if (r.status !== 0) throw new Error(`kubectl get failed:\n${r.stderr}`);
  if (r.stdout.trim() === '') return out;
  const parsed = JSON.parse(r.stdout) as KubeObject & { items?: KubeObject[] };
  for (const o of parsed.items ?? [parsed]) out.set(objectKey(o), o);
  return out;
}

/** Our field manager's Apply entry of a stored object (what only our own applies change). */
export function ourManagedFields(o: KubeObject): string {
  const mine = (o.metadata.managedFields ?? []).filter((m) => m.manager === FIELD_MANAGER && m.operation === 'Apply');
  return JSON.stringify(mine.map((m) => ({ time: m.time, fieldsV1: m.fieldsV1 })));
}

/** Waits until no stored object's resourceVersion changes for `quietMs` (controllers have settled), at most `timeoutMs`. */
export async function settle(objects: readonly DistObject[], quietMs = 3000, timeoutMs = 60000): Promise<Map<string, KubeObject>> {
  const deadline = Date.now() + timeoutMs;
  let last = getStored(objects);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    const now = getStored(objects);
    const same = now.size === last.size && [...now].every(([k, o]) => last.get(k)?.metadata.resourceVersion === o.metadata.resourceVersion);
    if (same || Date.now() > deadline) return now;
    last = now;
  }
}

/** A fresh temporary directory for a synthesized output. */
export function tempRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'modelplane-dist-'));
}

/** Replaces orchestrator placeholders (Argo `{{…}}`, Jinja `{{ … }}`) in a name with a fixed run id. */
function fillPlaceholders(text: string): string {
  return text.replace(/\{\{[^}]*\}\}/g, 'run1');
}

/**
 * Walks a value, calling `visit` with the `resource.manifest` string of every Argo resource template
 * that creates an object (`get`, `delete` and the like only name one).
 */
function argoManifests(value: unknown, visit: (manifest: string) => void): void {
  if (Array.isArray(value)) {
    value.forEach((v) => argoManifests(v, visit));
  } else if (value !== null && typeof value === 'object') {
    const rec = value as Record<string, unknown>;
    const resource = rec.resource as Record<string, unknown> | undefined;
    if (resource && typeof resource.manifest === 'string' && ['create', 'apply'].includes(String(resource.action)))
      visit(resource.manifest);
    for (const v of Object.values(rec)) argoManifests(v, visit);
  }
}

/**
 * Objects our output makes the orchestrators create at run time: the SparkApplication templates in
 * the models' ConfigMaps (Airflow submits them) and the manifests of Argo resource templates. Each
 * gets its parent's namespace and a run id in place of placeholders, ready for a server-side dry-run.
 */
export function embeddedObjects(objects: readonly DistObject[]): DistObject[] {
  const out: DistObject[] = [];
  const add = (parent: DistObject, where: string, text: string): void => {
    let obj: KubeObject;
    try {
      obj = JSON.parse(text) as KubeObject;
    } catch {
      obj = (parseAllDocuments(text)[0]?.toJS() ?? null) as KubeObject;
    }
    if (!obj || typeof obj.kind !== 'string' || typeof obj.apiVersion !== 'string' || !obj.metadata) return;
    const filled = JSON.parse(fillPlaceholders(JSON.stringify(obj))) as KubeObject;
    filled.metadata.namespace = filled.metadata.namespace ?? parent.obj.metadata.namespace;
    out.push({ set: parent.set, file: `${parent.file} (${parent.obj.kind} ${parent.obj.metadata.name} ${where})`, obj: filled });
  };
  for (const d of objects) {
    if (d.obj.kind === 'ConfigMap') {
      const data = (d.obj.data ?? {}) as Record<string, string>;
      for (const key of Object.keys(data).sort()) {
        if (key.endsWith('.json')) add(d, `data.${key}`, data[key]);
      }
    } else if (d.obj.apiVersion.startsWith('argoproj.io/')) {
      argoManifests(d.obj.spec, (m) => add(d, 'resource template', m));
    }
  }
  return out;
}

/** Says whether an object's kind is namespaced; throws when the server serves no such kind. */
export type ScopeOf = (d: DistObject) => boolean;

function kindKey(apiVersion: string, kind: string): string {
  return `${apiVersion.includes('/') ? apiVersion.split('/')[0] : ''}/${kind}`;
}

/**
 * Gets the cluster ready for `sets`: registers the Gateway API CRDs of the kinds they use (not in
 * ../shared/crds: taken from the Go module) and reads from the server's discovery (`kubectl
 * api-resources`) which kinds are namespaced. Returns the lookup.
 */
export async function prepareKinds(sets: Iterable<OutputSet>): Promise<ScopeOf> {
  const gatewayKinds = new Set<string>();
  for (const s of sets) {
    for (const d of [...s.prerequisites, ...s.objects]) {
      if (d.obj.apiVersion.startsWith(`${GATEWAY_API_GROUP}/`)) gatewayKinds.add(d.obj.kind);
    }
  }
  await registerGatewayApiCrds([...gatewayKinds].sort());
  const namespaced = new Map<string, boolean>();
  for (const line of kubectlOk(['api-resources', '--no-headers']).stdout.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4) continue;
    const [apiVersion, isNamespaced, kind] = cols.slice(-3);
    namespaced.set(kindKey(apiVersion, kind), isNamespaced === 'true');
  }
  return (d) => {
    const n = namespaced.get(kindKey(d.obj.apiVersion, d.obj.kind));
    if (n === undefined) throw new Error(`${describeObject(d)}: the API server serves no kind ${d.obj.kind} in ${d.obj.apiVersion}`);
    return n;
  };
}

/** Namespaces the operators' Helm releases create (outside dist/): objects of ours may live in them (e.g. Airflow's DAG ConfigMaps). */
export const OPERATOR_NAMESPACES = new Set<string>(Object.values(OPERATOR_DEFAULTS).map((o) => o.namespace));

/** An output set in apply order. */
export interface SetLayout {
  /** The prerequisites, then the set's objects. */
  readonly all: DistObject[];
  /** Namespaces and other cluster-scoped objects: applied first (namespaced objects need their namespace). */
  readonly first: DistObject[];
  /** The namespaced objects, in file order. */
  readonly rest: DistObject[];
  /** Operator namespaces the set's objects live in but does not create (the Helm releases do). */
  readonly operatorNamespaces: string[];
}

/** Splits a set into what is applied first and the rest, and finds the operator namespaces it needs. */
export function layoutSet(set: OutputSet, isNamespaced: ScopeOf): SetLayout {
  const all = [...set.prerequisites, ...set.objects];
  const first = all.filter((d) => !isNamespaced(d));
  const rest = all.filter((d) => isNamespaced(d));
  const created = new Set(all.filter((d) => d.obj.kind === 'Namespace').map((d) => d.obj.metadata.name));
  const operatorNamespaces = [...new Set(rest.map((d) => d.obj.metadata.namespace ?? ''))]
    .filter((ns) => ns !== '' && !created.has(ns) && OPERATOR_NAMESPACES.has(ns))
    .sort();
  return { all, first, rest, operatorNamespaces };
}
