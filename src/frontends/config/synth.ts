/**
 * Synthesis for the CLI: build a construct tree, write it like `cdk8s synth` into a fresh temporary
 * directory, and only when everything succeeded replace the output directory with it — so an
 * invalid configuration never leaves partial output. Also reads output directories back for
 * summaries and diffs.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { App } from 'cdk8s';
import YAML from 'yaml';
import type { ConfigIssue } from './errors';

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
 * a rename). Returns that directory; the caller moves or removes it.
 */
export function synthToTemp(outDir: string, build: (app: App) => BuildOutcome): { dir?: string; issues: readonly ConfigIssue[] } {
  const parent = dirname(resolve(outDir));
  if (!existsSync(parent))
    throw new UsageError(`the parent directory of ${outDir} does not exist. Fix: create it first, or choose another --output`);
  const tmp = mkdtempSync(join(parent, `.${basename(outDir)}.modelplane-`));
  try {
    const app = new App({ outdir: tmp });
    const outcome = build(app);
    if (outcome.issues.length > 0) {
      rmSync(tmp, { recursive: true, force: true });
      return { issues: outcome.issues };
    }
    try {
      app.synth();
    } catch (e) {
      // cdk8s runs the constructs' synth-time validations here (e.g. a team's DAGs too large for one ConfigMap).
      rmSync(tmp, { recursive: true, force: true });
      const text = String((e as Error)?.message ?? e).replace(/^Validation failed with the following errors:\s*/, '');
      const [problem, fix] = text.split(/\s*Fix:\s*/);
      return {
        issues: [
          {
            file: outcome.source ?? 'synth',
            line: 0,
            col: 0,
            path: '',
            problem: problem.trim(),
            fix: fix?.trim() ?? 'correct the configuration named above',
          },
        ],
      };
    }
    outcome.writeExtra?.(tmp);
    return { dir: tmp, issues: [] };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** A mistake in how the command was called (not in the configuration). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Checks that `dir` is absent, empty, or looks like synthesized output (only YAML files and a
 * `dags/` folder), so replacing it can never delete anything else.
 */
export function checkReplaceable(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new UsageError(`${dir} exists and is not a directory. Fix: choose another --output`);
  const foreign = readdirSync(dir).filter((e) => !(/\.ya?ml$/.test(e) || e === 'dags'));
  if (foreign.length > 0) {
    throw new UsageError(
      `${dir} holds files that synth did not write (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', ...' : ''}); it is replaced as a whole on every synth. Fix: choose an empty or new --output directory, such as dist`,
    );
  }
}

/** Synthesizes and, on success only, replaces `outDir` with the result. */
export function synthToDirectory(outDir: string, build: (app: App) => BuildOutcome): SynthOutcome {
  checkReplaceable(outDir);
  const { dir, issues } = synthToTemp(outDir, build);
  if (!dir) return { issues };
  const old = existsSync(outDir) ? `${dir}.old` : undefined;
  if (old) renameSync(outDir, old);
  renameSync(dir, outDir);
  chmodSync(outDir, 0o755); // mkdtemp made it private; output is ordinary files
  if (old) rmSync(old, { recursive: true, force: true });
  return { issues: [], content: readOutput(outDir) };
}

/** Reads every object and file of an output directory. */
export function readOutput(dir: string): OutputContent {
  const objects = new Map<string, OutputObject>();
  const files = new Map<string, string>();
  if (!existsSync(dir)) return { objects, files };
  for (const path of walk(dir)) {
    const rel = relative(dir, path).split('\\').join('/');
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
