/**
 * Synthesis for the CLI: build a construct tree, write it like `cdk8s synth` into a fresh temporary
 * directory (with the output manifest `.modelplane-output`), and only when everything succeeded
 * replace the output directory with it — so an invalid configuration never leaves partial output —
 * and only when that directory holds nothing but an earlier synth's unchanged files, so synth never
 * deletes a file it did not write. Also reads output directories back for summaries and diffs.
 */
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, parse, relative, resolve, sep } from 'node:path';
import { App } from 'cdk8s';
import YAML from 'yaml';
import { AIRFLOW_IGNORE, AIRFLOW_IGNORE_FILE, DAGS_OUTDIR } from '../../constructs/batch/team-dags';
import { listOutputFiles, OUTPUT_MANIFEST, readOutputManifest, sha256File, writeOutputManifest } from '../../core/output-manifest';
import type { ConfigIssue } from './errors';
import { UsageError } from './usage-error';

/** One Kubernetes object read from an output directory. */
export interface OutputObject {
  /** `apiVersion kind namespace/name` (namespace empty for cluster-scoped objects). */
  readonly key: string;
  /** Its `apiVersion`. */
  readonly apiVersion: string;
  /** Its `kind`. */
  readonly kind: string;
  /** Its `metadata.namespace` (empty for cluster-scoped objects). */
  readonly namespace: string;
  /** Its `metadata.name`. */
  readonly name: string;
  /** The file it was read from, relative to the directory. */
  readonly file: string;
  /** The object. */
  readonly body: Record<string, unknown>;
}

/** An output directory's content: objects and other files (DAGs). */
export interface OutputContent {
  /** Objects by key. */
  readonly objects: ReadonlyMap<string, OutputObject>;
  /** Non-manifest files (e.g. `dags/risk.nightly.py`) by relative path, with their text. */
  readonly files: ReadonlyMap<string, string>;
}

/** What a build step returns to {@link synthToDirectory}. */
export interface BuildOutcome {
  /** Problems; when any, nothing is written. */
  readonly issues: readonly ConfigIssue[];
  /** The input named in problems found while writing (synth-time validations). @default "synth" */
  readonly source?: string;
  /** Writes extra files (e.g. DAGs) into the synthesized directory after `app.synth()`. */
  readonly writeExtra?: (outdir: string) => void;
}

/** Result of {@link synthToDirectory}. */
export interface SynthOutcome {
  /** Problems; when any, nothing was written. */
  readonly issues: readonly ConfigIssue[];
  /** What the output directory now holds (undefined on failure). */
  readonly content?: OutputContent;
}

/**
 * Synthesizes into a new temporary directory beside `outDir` (same filesystem, so the final move is
 * a rename), and writes the output manifest there. Returns that directory; the caller moves or removes
 * it. On every failure (problems, a throwing build, writer or synth) the temporary directory is gone.
 */
export function synthToTemp(outDir: string, build: (app: App) => BuildOutcome): { dir?: string; issues: readonly ConfigIssue[] } {
  const parent = dirname(resolve(outDir));
  if (!existsSync(parent))
    throw new UsageError(`the parent directory of ${outDir} does not exist. Fix: create it first, or choose another --output`);
  const tmp = ioStep(parent, () => mkdtempSync(join(parent, `.${basename(resolve(outDir))}.modelplane-`)));
  let done = false;
  try {
    const app = new App({ outdir: tmp });
    const outcome = build(app);
    if (outcome.issues.length > 0) return { issues: outcome.issues };
    const problem = ioStep(parent, () => synthApp(app));
    if (problem) return { issues: synthIssues(problem, outcome.source) };
    ioStep(parent, () => {
      outcome.writeExtra?.(tmp);
      writeOutputManifest(tmp, listOutputFiles(tmp));
    });
    done = true;
    return { dir: tmp, issues: [] };
  } finally {
    if (!done) rmSync(tmp, { recursive: true, force: true });
  }
}

/** Runs `app.synth()`; returns the message of a construct's failure (an operating-system error is thrown). */
function synthApp(app: App): string | undefined {
  try {
    app.synth();
    return undefined;
  } catch (e) {
    // cdk8s runs the constructs' synth-time validations here (e.g. a team's DAGs too large for one ConfigMap).
    if (typeof (e as NodeJS.ErrnoException)?.syscall === 'string') throw e;
    return String((e as Error)?.message ?? e).replace(/^Validation failed with the following errors:\s*/, '');
  }
}

/** One issue per error of a failed synth (cdk8s lists them one per line, each as `[construct path] message`). */
function synthIssues(text: string, source?: string): ConfigIssue[] {
  const lines = text
    .split(/\n\s*(?=\[)/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return (lines.length > 0 ? lines : [text]).map((l) => synthIssue(l, source));
}

function synthIssue(text: string, source = 'synth'): ConfigIssue {
  const [problem, fix] = text.split(/\s*Fix:\s*/);
  return { file: source, line: 0, col: 0, path: '', problem: problem.trim(), fix: fix?.trim() ?? 'correct the configuration named above' };
}

/** Runs a filesystem step; an operating-system error (no space, read-only, permissions) becomes a {@link UsageError}. */
function ioStep<T>(where: string, step: () => T): T {
  try {
    return step();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (typeof err?.code !== 'string' || typeof err.syscall !== 'string') throw e;
    throw new UsageError(
      `cannot write the output (${err.message}). Fix: check that ${where} is writable and has free space, or choose another --output`,
    );
  }
}

export { UsageError };

/** What {@link checkReplaceable} protects besides the directory's content. */
export interface OutputGuard {
  /** The directory the user is in (never replaced, nor any directory holding it). @default process.cwd() */
  readonly cwd?: string;
  /** The input files (no directory holding one is replaced). @default - none */
  readonly inputs?: readonly string[];
}

/**
 * Checks that `dir` may be replaced by a new synth: absent, or a directory holding only what synth
 * wrote — every entry, recursively, in its output manifest with an unchanged sha256, or (no manifest)
 * exactly what older versions wrote. Never the empty string, `/`, the home directory, the current
 * directory or one holding it, one holding an input file, or a git repository root. Throws a
 * {@link UsageError} naming the first problem and a fix; changes nothing.
 */
export function checkReplaceable(dir: string, guard: OutputGuard = {}): void {
  if (dir === '') throw new UsageError('--output is empty. Fix: pass a new directory for the output, such as `-o dist`');
  const shown = dir.length > 1 ? dir.replace(/\/+$/, '') : dir;
  const abs = resolve(dir);
  let st;
  try {
    st = lstatSync(abs);
  } catch {
    return; // absent: created by the rename
  }
  if (st.isSymbolicLink())
    throw new UsageError(
      `${shown} is a symbolic link; synth replaces its output directory as a whole and would replace the link. Fix: pass the directory it points to, or choose a new --output directory such as dist`,
    );
  if (!st.isDirectory()) throw new UsageError(`${shown} exists and is not a directory. Fix: choose another --output, such as dist`);
  const why = protectedReason(realpathSync(abs), guard);
  const replace = 'synth replaces its output directory as a whole. Fix: choose a new --output directory such as dist';
  if (why) throw new UsageError(`${shown} ${why}; ${replace}`);
  if (existsSync(join(abs, '.git'))) throw new UsageError(`${shown} is the root of a git repository (it holds .git); ${replace}`);
  const found = firstForeign(abs);
  if (found) throw new UsageError(foreignMessage(shown, found));
}

/** Why a directory (its real path) is never an output directory, or undefined. */
function protectedReason(real: string, guard: OutputGuard): string | undefined {
  if (real === parse(real).root) return 'is the root directory';
  if (real === realOrResolved(homedir())) return 'is your home directory';
  const holds = (p: string) => p === real || p.startsWith(real.endsWith(sep) ? real : real + sep);
  for (const c of new Set([process.cwd(), guard.cwd ?? process.cwd()].map(realOrResolved))) {
    if (c === real) return 'is the current directory';
    if (holds(c)) return 'holds the current directory';
  }
  const input = (guard.inputs ?? []).find((f) => holds(realOrResolved(f)));
  return input === undefined ? undefined : `holds the input file ${input}`;
}

function realOrResolved(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/** An entry of an output directory that synth may not delete: a path relative to it (directories end in `/`). */
interface Foreign {
  readonly path: string;
  readonly why: 'foreign' | 'changed' | 'manifest';
  readonly reason?: string;
}

/** The first entry of `dir` (depth first, sorted) that synth did not write, or wrote and that changed since. */
function firstForeign(dir: string): Foreign | undefined {
  const read = readOutputManifest(dir);
  if (read.state === 'invalid') return { path: OUTPUT_MANIFEST, why: 'manifest', reason: read.reason };
  if (read.state === 'absent') return firstNotLegacy(dir);
  const files = new Map(read.manifest.files.map((f) => [f.path, f.sha256]));
  const dirs = new Set(
    read.manifest.files.flatMap((f) =>
      f.path
        .split('/')
        .slice(0, -1)
        .map((_, i, a) => a.slice(0, i + 1).join('/')),
    ),
  );
  const walk = (rel: string): Foreign | undefined => {
    for (const name of sortedNames(join(dir, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      if (r === OUTPUT_MANIFEST) continue;
      const st = lstatSync(join(dir, r));
      if (st.isDirectory()) {
        const inner = dirs.has(r) ? walk(r) : { path: `${r}/`, why: 'foreign' as const };
        if (inner) return inner;
      } else if (!st.isFile() || !files.has(r)) return { path: r, why: 'foreign' };
      else if (sha256File(join(dir, r)) !== files.get(r)) return { path: r, why: 'changed' };
    }
    return undefined;
  };
  return walk('');
}

/**
 * Output of a version without the manifest: accepted only in exactly the shape it wrote — at the top
 * only `*.k8s.yaml` files of modelplane's objects (labelled `app.kubernetes.io/managed-by: modelplane`)
 * and a `dags/` directory holding only modelplane's `.airflowignore` and `*.py` files generated by
 * modelplane (their docstring says so). Returns the first entry that does not fit.
 */
function firstNotLegacy(dir: string): Foreign | undefined {
  const isFile = (p: string) => lstatSync(p).isFile();
  for (const name of sortedNames(dir)) {
    const p = join(dir, name);
    if (name === DAGS_OUTDIR && lstatSync(p).isDirectory()) {
      for (const dag of sortedNames(p)) {
        const f = join(p, dag);
        const text = isFile(f) ? readFileSync(f, 'utf8') : undefined;
        const ok =
          text !== undefined &&
          ((dag === AIRFLOW_IGNORE_FILE && text === AIRFLOW_IGNORE) ||
            (dag.endsWith('.py') && /generated by\s+modelplane/.test(text.slice(0, 400))));
        if (!ok) return { path: `${DAGS_OUTDIR}/${dag}${text === undefined && lstatSync(f).isDirectory() ? '/' : ''}`, why: 'foreign' };
      }
    } else if (!(name.endsWith('.k8s.yaml') && isFile(p) && readFileSync(p, 'utf8').includes('app.kubernetes.io/managed-by: modelplane'))) {
      return { path: `${name}${lstatSync(p).isDirectory() ? '/' : ''}`, why: 'foreign' };
    }
  }
  return undefined;
}

function sortedNames(dir: string): string[] {
  return readdirSync(dir).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function foreignMessage(shown: string, f: Foreign): string {
  const p = `${shown === '/' ? '' : shown}/${f.path}`;
  const replace = 'synth replaces its output directory as a whole and deletes nothing it did not write';
  if (f.why === 'manifest')
    return `${p} is not a manifest synth can read (${f.reason}); ${replace}. Fix: choose a new --output directory such as dist, or remove ${shown} yourself if it holds only synthesized output`;
  if (f.why === 'changed')
    return `${p} was written by modelplane synth but changed since (its sha256 differs from ${shown}/${OUTPUT_MANIFEST}); ${replace}. Fix: keep your change elsewhere (the next synth writes the file again) and remove ${p} yourself, or choose a new --output directory such as dist`;
  return `${p} was not written by modelplane synth; ${replace}. Fix: choose a new --output directory such as dist, or remove ${p} yourself`;
}

/**
 * Synthesizes and, on success only, replaces `outDir` with the result. `outDir` is checked first
 * ({@link checkReplaceable}); nothing is renamed or deleted before. If moving the new output into
 * place fails, the previous output is put back. No temporary directory is left behind.
 */
export function synthToDirectory(outDir: string, build: (app: App) => BuildOutcome, guard: OutputGuard = {}): SynthOutcome {
  checkReplaceable(outDir, guard);
  const { dir, issues } = synthToTemp(outDir, build);
  if (!dir) return { issues };
  try {
    ioStep(dirname(resolve(outDir)), () => replaceDirectory(resolve(outDir), dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { issues: [], content: readOutput(outDir) };
}

/** Moves `fresh` to `target`, replacing what is there; on failure `target` is as it was. */
function replaceDirectory(target: string, fresh: string): void {
  chmodSync(fresh, 0o755); // mkdtemp made it private; output is ordinary files
  if (!existsSync(target)) {
    renameSync(fresh, target);
    return;
  }
  const old = `${fresh}.old`;
  renameSync(target, old);
  try {
    renameSync(fresh, target);
  } catch (e) {
    renameSync(old, target);
    throw e;
  }
  rmSync(old, { recursive: true, force: true });
}

/** Reads every object and file of an output directory. */
export function readOutput(dir: string): OutputContent {
  const objects = new Map<string, OutputObject>();
  const files = new Map<string, string>();
  if (!existsSync(dir)) return { objects, files };
  for (const path of walk(dir)) {
    const rel = relative(dir, path).split('\\').join('/');
    if (rel === OUTPUT_MANIFEST) continue;
    const text = readFileSync(path, 'utf8');
    if (!/\.ya?ml$/.test(rel) || rel.startsWith('dags/')) {
      files.set(rel, text);
      continue;
    }
    for (const doc of YAML.parseAllDocuments(text)) {
      const body = doc.toJS() as Record<string, unknown> | null;
      if (!body || typeof body !== 'object') continue;
      const meta = (body.metadata ?? {}) as Record<string, unknown>;
      const o: OutputObject = {
        apiVersion: String(body.apiVersion ?? ''),
        kind: String(body.kind ?? ''),
        namespace: String(meta.namespace ?? ''),
        name: String(meta.name ?? ''),
        file: rel,
        body,
        key: '',
      };
      const key = objectKey(o);
      objects.set(key, { ...o, key });
    }
  }
  return { objects, files };
}

/** `apiVersion kind namespace/name`. */
export function objectKey(o: { apiVersion: string; kind: string; namespace: string; name: string }): string {
  return `${o.apiVersion} ${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Objects counted by kind, sorted by kind. */
export function countByKind(content: OutputContent): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const o of content.objects.values()) counts.set(o.kind, (counts.get(o.kind) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}

/** One changed, added or removed item of a {@link diffOutputs}. */
export interface DiffEntry {
  /** `+` added, `~` changed, `-` removed. */
  readonly op: '+' | '~' | '-';
  /** Object key or file path. */
  readonly what: string;
  /** For changed objects: the field paths that differ (at most 10). */
  readonly fields?: readonly string[];
}

/** What changed from `before` to `after`, objects first, then files; each sorted. */
export function diffOutputs(before: OutputContent, after: OutputContent): DiffEntry[] {
  const out: DiffEntry[] = [];
  const keys = [...new Set([...before.objects.keys(), ...after.objects.keys()])].sort();
  for (const k of keys) {
    const a = before.objects.get(k);
    const b = after.objects.get(k);
    if (!a) out.push({ op: '+', what: k });
    else if (!b) out.push({ op: '-', what: k });
    else {
      const fields = changedPaths(a.body, b.body, '');
      if (fields.length > 0) out.push({ op: '~', what: k, fields: fields.slice(0, 10) });
    }
  }
  const files = [...new Set([...before.files.keys(), ...after.files.keys()])].sort();
  for (const f of files) {
    const a = before.files.get(f);
    const b = after.files.get(f);
    if (a === undefined) out.push({ op: '+', what: f });
    else if (b === undefined) out.push({ op: '-', what: f });
    else if (a !== b) out.push({ op: '~', what: f });
  }
  return out;
}

function changedPaths(a: unknown, b: unknown, path: string): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObj = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (isObj(a) && isObj(b)) {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(ra), ...Object.keys(rb)])].sort();
    return keys.flatMap((k) => changedPaths(ra[k], rb[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((x, i) => changedPaths(x, b[i], `${path}[${i}]`));
  }
  return [path || '(whole object)'];
}
