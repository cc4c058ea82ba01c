/**
 * What every fuzz case must satisfy, whatever its input. Refused (exit 1): every stderr line is a located
 * problem `FILE:LINE:COL: ... Fix: ...` (or `FILE: ...` for the file as a whole) naming one of the files
 * given, then the count line; no stdout; nothing written (no output directory, no `.modelplane-`
 * temporary directory). Usage (exit 2): one `modelplane: ... Fix: ...` message, nothing written. Accepted
 * (exit 0): no stderr, a summary, only the output directory, and output that passes what the examples'
 * output passes without a cluster: every YAML file parses with unique keys, every object has apiVersion,
 * kind and metadata.name, names and namespaces are DNS names where Kubernetes requires them, labels and
 * annotations are string maps of valid keys and values, resource quantities parse, numbers are finite,
 * counts and ports are in range, containers and env vars are well named, ConfigMap data are strings (the
 * embedded SparkApplication templates parse and pass the same object checks), no object appears twice,
 * the operators' CRD schemas for custom resources (test/fuzz/crd-schemas.ts), references resolve inside the
 * output, every object is labelled managed-by modelplane, Pod Security "restricted" (test/support/policy.ts) and the secret scan (test/support/secret-scan.ts).
 * DAG files are returned for a batched `py_compile`. Never, whatever the exit: code 4 (or any code but 0,
 * 1, 2), a stack trace, `internal error`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import YAML from 'yaml';
import { restrictedViolations } from '../support/policy';
import { crdProblems } from './crd-schemas';
import { scanForSecrets } from '../support/secret-scan';

/** One broken promise: its class (for counting) and what exactly. */
export interface Finding {
  /** e.g. `crash`, `stack-trace`, `unlocated-message`, `bad-name`. */
  readonly cls: string;
  /** What was seen. */
  readonly detail: string;
}

/** What a run of the CLI produced. */
export interface RunResult {
  /** Exit code (or -1 when the process was killed). */
  readonly code: number;
  /** Captured stdout. */
  readonly out: string;
  /** Captured stderr. */
  readonly err: string;
}

/** The case as the checks see it. */
export interface CheckInput extends RunResult {
  /** Every file named on the command line (the case's and the fixed ones), as given. */
  readonly files: readonly string[];
  /** The directory holding the output directory and nothing else. */
  readonly workDir: string;
  /** The output directory (`-o`). */
  readonly outDir: string;
  /** The case text (decoded), to tell the product's words from the input's. */
  readonly caseText: string;
  /** The platform file given with --platform, if any. */
  readonly platformFile?: string;
  /** Names in the work directory that were there before the run (an earlier output, a command variant's setup). */
  readonly keep?: readonly string[];
}

/** The checks' verdict. */
export interface CheckOutput {
  /** Broken promises (empty: the case passed). */
  readonly findings: Finding[];
  /** DAG files to compile (accepted cases). */
  readonly dags: string[];
  /** Objects checked (accepted cases). */
  readonly objects: number;
}

const STACK = /^\s+at .+(\(|:\d+:\d+)/m;
const SUMMARY = /^\d+ problems? found; nothing was written\.$/;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

/** Checks one run of `modelplane synth`. */
export function checkRun(c: CheckInput): CheckOutput {
  const findings: Finding[] = [];
  const f = (cls: string, detail: string) => findings.push({ cls, detail });
  if (c.code === 4) f('crash', `exit 4: ${firstLines(c.err)}`);
  else if (![0, 1, 2].includes(c.code)) f('bad-exit', `exit ${c.code}: ${firstLines(c.err)}`);
  if (STACK.test(c.err) || STACK.test(c.out)) f('stack-trace', firstLines((c.err.match(STACK) ?? c.out.match(STACK))![0]));
  if (/internal error/i.test(c.err)) f('internal-error', firstLines(c.err));
  const mentions = (re: RegExp) => re.test(c.caseText);
  for (const [name, text] of [
    ['stderr', c.err],
    ['stdout', c.out],
  ] as const) {
    if (text.includes('[object Object]') && !mentions(/\[object Object\]/))
      f('message-garbage', `${name} says [object Object]: ${lineWith(text, '[object Object]')}`);
    if (/\bundefined\b/.test(text) && !mentions(/undefined/))
      f('message-garbage', `${name} says undefined: ${lineWith(text, 'undefined')}`);
    if (CONTROL.test(text))
      f('raw-control-in-message', `${name} holds a raw control character: ${JSON.stringify(lineMatching(text, CONTROL))}`);
  }
  let dags: string[] = [];
  let objects = 0;
  if (c.code === 1) checkRefused(c, f);
  else if (c.code === 2) checkUsage(c, f);
  if (c.code !== 0) {
    const left = existsSync(c.workDir) ? readdirSync(c.workDir).filter((e) => !(c.keep ?? []).includes(e)) : [];
    if (left.length > 0) f('partial-output', `refused (exit ${c.code}) but left ${left.join(', ')}`);
  } else {
    if (c.err.trim() !== '') f('stderr-on-success', firstLines(c.err));
    if (!c.out.startsWith('Synthesized ')) f('bad-summary', firstLines(c.out));
    const left = existsSync(c.workDir)
      ? readdirSync(c.workDir).filter((e) => join(c.workDir, e) !== c.outDir && !(c.keep ?? []).includes(e))
      : [];
    if (left.length > 0) f('leftover-temp', `accepted but also left ${left.join(', ')}`);
    if (!existsSync(c.outDir)) f('missing-output', 'exit 0 but no output directory');
    else {
      const r = checkOutputDir(c.outDir, c.platformFile ? installedOperators(c.platformFile) : undefined);
      findings.push(...r.findings);
      dags = r.dags;
      objects = r.objects;
    }
  }
  return { findings, dags, objects };
}

function checkRefused(c: CheckInput, f: (cls: string, detail: string) => void): void {
  if (c.out.trim() !== '') f('stdout-on-failure', firstLines(c.out));
  const lines = c.err.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0 || !SUMMARY.test(lines[lines.length - 1]!))
    f('unlocated-message', `no "N problems found" line: ${firstLines(c.err)}`);
  const problems = lines.filter((l) => !SUMMARY.test(l));
  if (problems.length === 0) f('unlocated-message', 'exit 1 without a problem line');
  for (const l of problems) {
    const file = c.files.find((x) => l.startsWith(`${x}:`));
    if (!file) {
      f('unlocated-message', `line not located in a given file: ${clip(l)}`);
      continue;
    }
    const rest = l.slice(file.length);
    if (!/^(:\d+:\d+)?: /.test(rest)) f('unlocated-message', `no LINE:COL after the file: ${clip(l)}`);
    if (!/ Fix: \S/.test(l)) f('message-without-fix', clip(l));
  }
  const n = Number(/^(\d+) problem/.exec(lines[lines.length - 1] ?? '')?.[1] ?? NaN);
  if (Number.isFinite(n) && n !== problems.length)
    f('unlocated-message', `the count says ${n}, stderr has ${problems.length} problem lines (a message spans lines)`);
}

function checkUsage(c: CheckInput, f: (cls: string, detail: string) => void): void {
  const text = c.err.trim();
  if (!/^(modelplane: |error: )/.test(text)) f('unlocated-usage-message', firstLines(c.err));
  else if (text.startsWith('modelplane: ') && !/Fix: \S/.test(text)) f('message-without-fix', firstLines(c.err));
}

/** Checks a synthesized output directory. */
export function checkOutputDir(dir: string, operators?: Record<string, boolean>): CheckOutput {
  const findings: Finding[] = [];
  const f = (cls: string, detail: string) => findings.push({ cls, detail });
  const dags: string[] = [];
  const objs: Record<string, unknown>[] = [];
  const seen = new Map<string, string>();
  for (const path of walk(dir)) {
    const rel = relative(dir, path);
    if (rel === 'dags/.airflowignore') continue;
    if (rel === '.modelplane-output') {
      checkManifest(dir, f);
      continue;
    }
    if (/^dags\/[^/]+\.py$/.test(rel)) {
      dags.push(path);
      continue;
    }
    if (!/^[^/]+\.k8s\.yaml$/.test(rel)) {
      f('unexpected-output-file', rel);
      continue;
    }
    const text = readFileSync(path, 'utf8');
    for (const doc of YAML.parseAllDocuments(text, { uniqueKeys: true, strict: true })) {
      const problems = [...doc.errors, ...doc.warnings];
      if (problems.length > 0) {
        f('output-yaml-invalid', `${rel}: ${problems[0]!.message.split('\n')[0]}`);
        continue;
      }
      const obj = doc.toJS({ maxAliasCount: -1 }) as unknown;
      if (obj === null || obj === undefined) continue;
      if (!isObj(obj)) {
        f('object-without-identity', `${rel}: a document that is not an object`);
        continue;
      }
      objs.push(obj);
      const id = checkObject(obj, rel, f);
      if (id) {
        if (seen.has(id)) f('duplicate-object', `${id} in ${seen.get(id)} and ${rel}`);
        seen.set(id, rel);
      }
    }
  }
  const embedded = objs.flatMap(embeddedObjects);
  checkReferences([...objs, ...embedded], f);
  for (const o of [...objs, ...embedded])
    for (const p of crdProblems(o)) f('crd-schema-violation', `${String(o.kind)}/${String((o.metadata as Obj)?.name)}: ${clip(p)}`);
  for (const o of objs) {
    const labels = isObj(o.metadata) && isObj(o.metadata.labels) ? o.metadata.labels : {};
    if (labels['app.kubernetes.io/managed-by'] !== 'modelplane')
      f('missing-managed-by', `${String(o.kind)}/${String((o.metadata as Obj)?.name)}`);
  }
  if (operators) checkOperators([...objs, ...embedded], operators, f);
  for (const v of restrictedViolations(objs)) f('policy-violation', clip(JSON.stringify(v)));
  for (const s of scanForSecrets(objs.map(scannable))) f('secret-in-output', `${s.where}: ${s.detail}`);
  return { findings: capped(findings), dags, objects: objs.length };
}

/**
 * A copy of `v` with every string over 2 KB cut into overlapping 2 KB pieces: the secret scan's URI pattern
 * takes quadratic time on one long string (a 1 MB value took minutes), and no credential is 256 characters.
 */
function scannable(v: unknown): any {
  if (typeof v === 'string') {
    if (v.length <= 2048) return v;
    const pieces: string[] = [];
    for (let i = 0; i < v.length; i += 2048 - 256) pieces.push(v.slice(i, i + 2048));
    return pieces;
  }
  if (Array.isArray(v)) return v.map(scannable);
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scannable(x)]));
  return v;
}

/** At most 5 findings of each class (and a count of the rest). */
function capped(findings: Finding[]): Finding[] {
  const out: Finding[] = [];
  const n = new Map<string, number>();
  for (const x of findings) {
    const k = (n.get(x.cls) ?? 0) + 1;
    n.set(x.cls, k);
    if (k <= 5) out.push(x);
  }
  for (const [cls, k] of n) if (k > 5) out.push({ cls, detail: `... and ${k - 5} more of this class in this case` });
  return out;
}

/**
 * `.modelplane-output` (when synth writes one): JSON naming modelplane, listing every other file of the
 * directory exactly once, sorted, each with its sha256.
 */
function checkManifest(dir: string, f: (cls: string, detail: string) => void): void {
  let m: { generator?: unknown; version?: unknown; files?: Array<{ path?: unknown; sha256?: unknown }> };
  try {
    m = JSON.parse(readFileSync(join(dir, '.modelplane-output'), 'utf8'));
  } catch (e) {
    f('bad-output-manifest', `not JSON: ${(e as Error).message}`);
    return;
  }
  if (m?.generator !== 'modelplane' || typeof m.version !== 'string' || !Array.isArray(m.files)) {
    f('bad-output-manifest', 'no generator "modelplane", version or files');
    return;
  }
  const listed = m.files.map((e) => String(e?.path));
  const present = walk(dir)
    .map((p) => relative(dir, p))
    .filter((p) => p !== '.modelplane-output');
  if (JSON.stringify(listed) !== JSON.stringify([...present].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))))
    f('bad-output-manifest', `lists ${listed.length} files, the directory holds ${present.length}`);
  for (const e of m.files) {
    const p = join(dir, String(e?.path));
    if (present.includes(String(e?.path)) && createHash('sha256').update(readFileSync(p)).digest('hex') !== e?.sha256)
      f('bad-output-manifest', `${String(e?.path)}: the sha256 differs`);
  }
}

type Obj = Record<string, unknown>;
type Report = (cls: string, detail: string) => void;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$/;
const RBAC = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
/** Kinds whose name must be a DNS-1123 label (63 characters) or shorter, by kind. */
const NAME_RULES: Record<string, { re: RegExp; max: number; what: string }> = {
  Namespace: { re: LABEL, max: 63, what: 'a DNS-1123 label' },
  Service: { re: DNS1035, max: 63, what: 'a DNS-1035 label' },
  Job: { re: LABEL, max: 63, what: 'a DNS-1123 label (the job-name label carries it)' },
  CronJob: { re: SUBDOMAIN, max: 52, what: 'at most 52 characters (its Jobs add 11)' },
  StatefulSet: { re: LABEL, max: 63, what: 'a DNS-1123 label (its pods are named after it)' },
};
/** int32 fields of the API and of the operators' resources. */
const INT32 = new Set([
  'replicas',
  'minReplicas',
  'maxReplicas',
  'minReplicaCount',
  'maxReplicaCount',
  'containerPort',
  'port',
  'backoffLimit',
  'parallelism',
  'completions',
  'initialDelaySeconds',
  'periodSeconds',
  'timeoutSeconds',
  'failureThreshold',
  'successThreshold',
  'cores',
  'instances',
  'traffic',
  'cooldownPeriod',
  'pollingInterval',
  'ttlSecondsAfterFinished',
  'revisionHistoryLimit',
]);

/** Checks one object; returns its identity `apiVersion kind namespace/name` when it has one. */
function checkObject(obj: Obj, where: string, f: Report): string | undefined {
  const md = obj.metadata;
  if (typeof obj.apiVersion !== 'string' || obj.apiVersion === '' || typeof obj.kind !== 'string' || obj.kind === '' || !isObj(md)) {
    f('object-without-identity', `${where}: ${clip(JSON.stringify({ apiVersion: obj.apiVersion, kind: obj.kind, metadata: md }))}`);
    return undefined;
  }
  const kind = obj.kind;
  const name = md.name;
  const id = `${kind}/${typeof md.namespace === 'string' ? `${md.namespace}/` : ''}${String(name)}`;
  if (typeof name !== 'string' || name === '') f('object-without-identity', `${where}: ${kind} without metadata.name`);
  else checkName(kind, name, id, f);
  if (md.namespace !== undefined && (typeof md.namespace !== 'string' || !LABEL.test(md.namespace) || md.namespace.length > 63))
    f('bad-name', `${id}: metadata.namespace ${JSON.stringify(md.namespace)} is not a DNS-1123 label`);
  walkValues(obj, id, f);
  if (kind === 'ConfigMap') checkConfigMap(obj, id, f);
  return `${obj.apiVersion} ${id}`;
}

function checkName(kind: string, name: string, id: string, f: Report): void {
  if (RBAC.has(kind)) {
    if (name === '.' || name === '..' || /[/%]/.test(name)) f('bad-name', `${id}: not a valid path segment name`);
    return;
  }
  const rule = NAME_RULES[kind] ?? { re: SUBDOMAIN, max: 253, what: 'a DNS-1123 subdomain' };
  if (!rule.re.test(name) || name.length > rule.max)
    f(
      'bad-name',
      `${id}: metadata.name ${JSON.stringify(clip(name))} (${name.length} chars) is not ${rule.what} of at most ${rule.max} characters`,
    );
}

/** Every nested value: numbers, label and annotation maps, containers, quantities. */
function walkValues(root: Obj, id: string, f: Report): void {
  const visit = (node: unknown, path: string, key: string, parent?: Obj): void => {
    if (typeof node === 'number') {
      if (!Number.isFinite(node)) f('non-finite-number', `${id} ${path} = ${node}`);
      else if (Number.isInteger(node) && !Number.isSafeInteger(node)) f('unsafe-integer', `${id} ${path} = ${node}`);
      else if (INT32.has(key) && (!Number.isInteger(node) || node > 2147483647 || node < 0))
        f('out-of-range', `${id} ${path} = ${node} (an int32 count or port)`);
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((n, i) => visit(n, `${path}[${i}]`, key, parent));
      return;
    }
    if (!isObj(node)) return;
    if ((key === 'labels' && parent && path.endsWith('metadata.labels')) || key === 'matchLabels' || key === 'nodeSelector')
      checkStringMap(node, `${id} ${path}`, true, f);
    if (key === 'annotations' && path.endsWith('metadata.annotations')) checkStringMap(node, `${id} ${path}`, false, f);
    if ((key === 'requests' || key === 'limits') && path.endsWith(`resources.${key}`)) checkQuantities(node, `${id} ${path}`, f);
    if (typeof node.image === 'string' && typeof node.name === 'string' && /(containers|initContainers)\[\d+\]$/.test(path))
      checkContainer(node, `${id} ${path}`, f);
    for (const [k, v] of Object.entries(node)) visit(v, path ? `${path}.${k}` : k, k, node);
  };
  visit(root, '', '');
  if (root.kind === 'ResourceQuota' && isObj(root.spec) && isObj(root.spec.hard)) checkQuantities(root.spec.hard, `${id} spec.hard`, f);
}

function checkStringMap(m: Obj, where: string, label: boolean, f: Report): void {
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== 'string') {
      f('non-string-map-value', `${where}.${k} = ${clip(JSON.stringify(v) ?? String(v))} (${typeof v}; Kubernetes wants a string)`);
      continue;
    }
    const slash = k.lastIndexOf('/');
    const [prefix, name] = slash >= 0 ? [k.slice(0, slash), k.slice(slash + 1)] : ['', k];
    if ((prefix && (!SUBDOMAIN.test(prefix) || prefix.length > 253)) || !QUALIFIED_NAME.test(name) || name.length > 63)
      f('bad-label', `${where}: key ${JSON.stringify(clip(k))} is not a qualified name`);
    if (label && (!LABEL_VALUE.test(v) || v.length > 63))
      f('bad-label', `${where}.${k}: value ${JSON.stringify(clip(v))} (${v.length} chars) is not a label value`);
  }
}

function checkQuantities(m: Obj, where: string, f: Report): void {
  for (const [k, v] of Object.entries(m)) {
    const ok = typeof v === 'number' ? Number.isFinite(v) : typeof v === 'string' && QUANTITY.test(v);
    if (!ok) f('bad-quantity', `${where}.${k} = ${clip(JSON.stringify(v) ?? String(v))}`);
  }
}

function checkContainer(c: Obj, where: string, f: Report): void {
  const name = c.name as string;
  if (!LABEL.test(name) || name.length > 63)
    f('bad-name', `${where}: container name ${JSON.stringify(clip(name))} is not a DNS-1123 label`);
  for (const e of Array.isArray(c.env) ? c.env : []) {
    if (!isObj(e)) continue;
    if (typeof e.name !== 'string' || !ENV_NAME.test(e.name)) f('bad-env', `${where}: env name ${clip(JSON.stringify(e.name))}`);
    if (e.value !== undefined && typeof e.value !== 'string')
      f('bad-env', `${where}: env ${String(e.name)} value ${clip(JSON.stringify(e.value))} is not a string`);
  }
  for (const p of Array.isArray(c.ports) ? c.ports : []) {
    if (!isObj(p)) continue;
    const port = p.containerPort;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
      f('out-of-range', `${where}: containerPort ${JSON.stringify(port)}`);
    if (
      p.name !== undefined &&
      (typeof p.name !== 'string' || p.name.length > 15 || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(p.name) || !/[a-z]/.test(p.name))
    )
      f('bad-name', `${where}: port name ${JSON.stringify(p.name)} is not an IANA service name`);
  }
}

function checkConfigMap(cm: Obj, id: string, f: Report): void {
  if (cm.data === undefined) return;
  if (!isObj(cm.data)) {
    f('bad-configmap', `${id}: data is not a map`);
    return;
  }
  for (const [k, v] of Object.entries(cm.data)) {
    if (!CONFIG_KEY.test(k) || k.length > 253) f('bad-configmap', `${id}: data key ${JSON.stringify(clip(k))}`);
    if (typeof v !== 'string') {
      f('bad-configmap', `${id}: data.${k} is a ${typeof v}, not a string`);
      continue;
    }
    if (!k.endsWith('.json')) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch (e) {
      f('bad-configmap', `${id}: data.${k} is not JSON (${(e as Error).message})`);
      continue;
    }
    if (isObj(parsed) && parsed.kind !== undefined) checkObject(parsed, `${id} data.${k}`, f);
  }
}

/** Objects embedded as JSON in ConfigMaps (the SparkApplication templates a DAG submits). */
function embeddedObjects(o: Obj): Obj[] {
  if (o.kind !== 'ConfigMap' || !isObj(o.data)) return [];
  const out: Obj[] = [];
  for (const [k, v] of Object.entries(o.data)) {
    if (!k.endsWith('.json') || typeof v !== 'string') continue;
    try {
      const parsed = JSON.parse(v) as unknown;
      if (isObj(parsed) && typeof parsed.kind === 'string' && isObj(parsed.metadata)) out.push(parsed);
    } catch {
      // reported by checkConfigMap
    }
  }
  return out;
}

/** Operators the platform installs by default (src/constructs/platform/operators: `enabledByDefault`). */
const OPERATOR_DEFAULTS: Record<string, boolean> = { sparkOperator: true, airflow: true, kserve: true, seldonCore: false, keda: true };
/** The operator each custom resource needs. */
const NEEDS_OPERATOR: Record<string, string> = {
  InferenceService: 'kserve',
  SeldonDeployment: 'seldonCore',
  ScaledObject: 'keda',
  ScaledJob: 'keda',
  TriggerAuthentication: 'keda',
  SparkApplication: 'sparkOperator',
  ScheduledSparkApplication: 'sparkOperator',
};

/** Which operators a platform file installs (its `operators.<name>.enabled`, else the default); undefined when unreadable. */
export function installedOperators(platformFile: string): Record<string, boolean> | undefined {
  try {
    const data = YAML.parse(readFileSync(platformFile, 'utf8'), { maxAliasCount: 100 }) as unknown;
    const ops = isObj(data) && isObj(data.operators) ? data.operators : {};
    return Object.fromEntries(
      Object.entries(OPERATOR_DEFAULTS).map(([name, d]) => {
        const o = ops[name];
        return [name, isObj(o) && typeof o.enabled === 'boolean' ? o.enabled : d];
      }),
    );
  } catch {
    return undefined;
  }
}

/**
 * With a platform file: every custom resource's operator is one the platform installs, and DAG ConfigMaps
 * need Airflow (an InferenceService on a platform without KServe is applied, but never served).
 */
function checkOperators(objs: readonly Obj[], operators: Record<string, boolean>, f: Report): void {
  const seen = new Set<string>();
  for (const o of objs) {
    const md = o.metadata as Obj;
    const needs =
      NEEDS_OPERATOR[String(o.kind)] ?? (o.kind === 'ConfigMap' && /^modelplane-dags-/.test(String(md.name)) ? 'airflow' : undefined);
    if (!needs || operators[needs] !== false || seen.has(`${needs} ${String(o.kind)}`)) continue;
    seen.add(`${needs} ${String(o.kind)}`);
    f(
      'operator-not-installed',
      `${String(o.kind)}/${String(md.namespace)}/${String(md.name)} needs ${needs}, which the platform file does not install (operators.${needs}.enabled is false${OPERATOR_DEFAULTS[needs] ? '' : ' or unset: off by default'})`,
    );
  }
}

/** Cluster roles every cluster has. */
const BUILT_IN_CLUSTER_ROLES = new Set(['admin', 'edit', 'view', 'cluster-admin']);

/**
 * What the objects refer to is in the output too: service accounts of pods and Spark drivers, ConfigMap
 * volumes (not optional), scale targets of HorizontalPodAutoscalers and ScaledObjects, the Roles and
 * ClusterRoles of bindings (but the built-in ones), the pods a Service or PodDisruptionBudget selects.
 */
function checkReferences(all: readonly Obj[], f: Report): void {
  // Only where the output holds the namespace itself: a team file synthesized alone refers to what its
  // platform's team workspace creates (e.g. the Spark service account), which is not in that output.
  const namespaces = new Set(all.filter((o) => o.kind === 'Namespace').map((o) => (o.metadata as Obj).name));
  const objs = all.filter((o) => namespaces.has((o.metadata as Obj).namespace) || o.kind === 'ClusterRoleBinding');
  const key = (kind: string, ns: unknown, name: unknown) => `${kind}/${typeof ns === 'string' ? ns : ''}/${String(name)}`;
  const have = new Set(all.map((o) => key(String(o.kind), (o.metadata as Obj).namespace, (o.metadata as Obj).name)));
  const templates: Array<{ ns: unknown; labels: Obj }> = [];
  for (const o of objs) {
    const md = o.metadata as Obj;
    const id = `${String(o.kind)}/${typeof md.namespace === 'string' ? `${md.namespace}/` : ''}${String(md.name)}`;
    const ns = md.namespace;
    const visit = (n: unknown, path: string): void => {
      if (Array.isArray(n)) return n.forEach((x, i) => visit(x, `${path}[${i}]`));
      if (!isObj(n)) return;
      if (isObj(n.template) && isObj(n.template.metadata) && isObj(n.template.metadata.labels))
        templates.push({ ns, labels: n.template.metadata.labels });
      for (const k of ['serviceAccountName', 'serviceAccount'] as const) {
        const v = n[k];
        if (typeof v === 'string' && v !== 'default' && !have.has(key('ServiceAccount', ns, v)))
          f('dangling-reference', `${id} ${path}.${k}: no ServiceAccount "${v}" in the output`);
      }
      if (
        isObj(n.configMap) &&
        typeof n.configMap.name === 'string' &&
        n.configMap.optional !== true &&
        !have.has(key('ConfigMap', ns, n.configMap.name))
      )
        f('dangling-reference', `${id} ${path}.configMap: no ConfigMap "${n.configMap.name}" in the output`);
      for (const [k, v] of Object.entries(n)) visit(v, path ? `${path}.${k}` : k);
    };
    visit(o.spec, 'spec');
    const spec = isObj(o.spec) ? o.spec : {};
    const target = spec.scaleTargetRef;
    if (isObj(target) && !have.has(key(String(target.kind ?? 'Deployment'), ns, target.name)))
      f(
        'dangling-reference',
        `${id} spec.scaleTargetRef: no ${String(target.kind ?? 'Deployment')} "${String(target.name)}" in the output`,
      );
    const role = o.roleRef;
    if (isObj(role)) {
      const found =
        role.kind === 'ClusterRole'
          ? have.has(key('ClusterRole', undefined, role.name)) || BUILT_IN_CLUSTER_ROLES.has(String(role.name))
          : have.has(key('Role', ns, role.name));
      if (!found) f('dangling-reference', `${id} roleRef: no ${String(role.kind)} "${String(role.name)}" in the output`);
    }
  }
  // KServe and Seldon create their pods themselves: a Service or PodDisruptionBudget there selects pods not in the output.
  const operatorPods = new Set(
    objs.filter((o) => o.kind === 'InferenceService' || o.kind === 'SeldonDeployment').map((o) => (o.metadata as Obj).namespace),
  );
  for (const o of objs) {
    const md = o.metadata as Obj;
    const spec = isObj(o.spec) ? o.spec : {};
    const selector =
      o.kind === 'Service'
        ? spec.selector
        : o.kind === 'PodDisruptionBudget' && isObj(spec.selector)
          ? spec.selector.matchLabels
          : undefined;
    if (!isObj(selector) || Object.keys(selector).length === 0 || operatorPods.has(md.namespace)) continue;
    const selects = templates.some((t) => t.ns === md.namespace && Object.entries(selector).every(([k, v]) => t.labels[k] === v));
    if (!selects)
      f(
        'dangling-reference',
        `${String(o.kind)}/${String(md.namespace)}/${String(md.name)} selects no pod template of the output (${clip(JSON.stringify(selector))})`,
      );
  }
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** At most 200 characters. */
export function clip(s: string, n = 200): string {
  return s.length > n ? `${s.slice(0, n)}...(${s.length} chars)` : s;
}

/** The first lines of a text, clipped. */
export function firstLines(s: string, n = 3): string {
  return clip(
    s
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(0, n)
      .join(' | '),
    400,
  );
}

function lineWith(text: string, needle: string): string {
  return clip(text.split('\n').find((l) => l.includes(needle)) ?? '');
}

function lineMatching(text: string, re: RegExp): string {
  return clip(text.split('\n').find((l) => re.test(l)) ?? '');
}
