/**
 * The output manifest: the file `.modelplane-output` that synth writes into every output directory,
 * listing each file it wrote there (relative path and sha256, sorted) and the modelplane version.
 * A later synth deletes or replaces only what that manifest lists with an unchanged hash, so it never
 * removes a file it did not write, nor one someone edited since.
 *
 * The name has no `.json`/`.yaml` extension on purpose: `kubectl apply -f DIR` (and GitOps tools that
 * read a directory the same way) take every `*.json`, `*.yaml` and `*.yml` file of the directory as a
 * Kubernetes object, and would fail on the manifest.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { packageInfo } from './package-info';

/** The manifest's file name, at the top of the output directory. */
export const OUTPUT_MANIFEST = '.modelplane-output';

/** The version written into manifests (package.json's). */
export const MODELPLANE_VERSION: string = packageInfo().version;

/** One file of a manifest. */
export interface OutputManifestEntry {
  /** Relative path, `/`-separated, normalized (no `.`, `..` or empty segments). */
  readonly path: string;
  /** sha256 of the file's bytes, lowercase hex. */
  readonly sha256: string;
}

/** The manifest's content. */
export interface OutputManifest {
  /** Always `modelplane`. */
  readonly generator: 'modelplane';
  /** The modelplane version that wrote it. */
  readonly version: string;
  /** The files, sorted by path. */
  readonly files: readonly OutputManifestEntry[];
}

/** What {@link readOutputManifest} found. */
export type ManifestState =
  | { readonly state: 'absent' }
  | { readonly state: 'invalid'; readonly reason: string }
  | { readonly state: 'ok'; readonly manifest: OutputManifest };

/** sha256 of a file, lowercase hex. */
export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Whether `p` is a relative, `/`-separated, normalized path inside a directory (never the manifest itself). */
export function isSafeRelativePath(p: string): boolean {
  if (p === '' || p === OUTPUT_MANIFEST || p.includes('\\') || p.includes('\0') || p.startsWith('/')) return false;
  return p.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/** Reads `<dir>/.modelplane-output`, checking its shape (a damaged manifest is never trusted). */
export function readOutputManifest(dir: string): ManifestState {
  const file = join(dir, OUTPUT_MANIFEST);
  if (!existsSync(file)) return { state: 'absent' };
  let data: unknown;
  try {
    if (!lstatSync(file).isFile()) return { state: 'invalid', reason: 'it is not a regular file' };
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return { state: 'invalid', reason: `it is not JSON: ${(e as Error).message}` };
  }
  const m = data as Partial<OutputManifest> | null;
  if (!m || typeof m !== 'object' || m.generator !== 'modelplane' || typeof m.version !== 'string' || !Array.isArray(m.files)) {
    return { state: 'invalid', reason: 'it lacks "generator": "modelplane", "version" or "files"' };
  }
  let previous = '';
  for (const f of m.files as unknown[]) {
    const e = f as Partial<OutputManifestEntry> | null;
    if (
      !e ||
      typeof e.path !== 'string' ||
      !isSafeRelativePath(e.path) ||
      typeof e.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(e.sha256)
    ) {
      return { state: 'invalid', reason: `the entry ${JSON.stringify(f)} is not a relative path with a sha256` };
    }
    if (e.path <= previous) return { state: 'invalid', reason: `"${e.path}" is out of order or listed twice` };
    previous = e.path;
  }
  return { state: 'ok', manifest: m as OutputManifest };
}

/**
 * The files of `dir` that synth wrote and nobody changed since: each entry of its manifest that is a
 * regular file (not a link) with the listed sha256. Empty when there is no valid manifest.
 */
export function ownedOutputFiles(dir: string): Map<string, string> {
  const owned = new Map<string, string>();
  const read = readOutputManifest(dir);
  if (read.state !== 'ok') return owned;
  for (const f of read.manifest.files) {
    const p = join(dir, ...f.path.split('/'));
    try {
      if (lstatSync(p).isFile() && sha256File(p) === f.sha256) owned.set(f.path, f.sha256);
    } catch {
      // missing: nothing to own
    }
  }
  return owned;
}

/** Writes `<dir>/.modelplane-output` listing `paths` (relative to `dir`) with their current hashes. */
export function writeOutputManifest(dir: string, paths: Iterable<string>, version = MODELPLANE_VERSION): void {
  const sorted = [...new Set(paths)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const p of sorted) if (!isSafeRelativePath(p)) throw new Error(`output manifest: "${p}" is not a relative path inside ${dir}`);
  const manifest: OutputManifest & { about: string } = {
    about:
      'Written by modelplane synth: the files it wrote into this directory. A later synth replaces or removes only these, and only while unchanged. Do not edit.',
    generator: 'modelplane',
    version,
    files: sorted.map((path) => ({ path, sha256: sha256File(join(dir, ...path.split('/'))) })),
  };
  writeFileSync(join(dir, OUTPUT_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Every regular file under `dir`, relative and `/`-separated, sorted; the manifest itself left out. */
export function listOutputFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string) => {
    for (const name of readdirSync(abs).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(abs, name));
      if (st.isDirectory()) walk(join(abs, name), r);
      else if (r !== OUTPUT_MANIFEST) out.push(r);
    }
  };
  walk(dir, '');
  return out;
}

/**
 * Removes the files of an earlier synth that this one did not write again: those in `owned` (checked
 * unchanged before this synth started) and not in `written`, then the directories this leaves empty.
 */
export function removeStaleOutput(outdir: string, owned: ReadonlyMap<string, string>, written: ReadonlySet<string>): void {
  const dir = resolve(outdir);
  for (const rel of owned.keys()) {
    if (written.has(rel)) continue;
    const p = join(dir, ...rel.split('/'));
    try {
      if (lstatSync(p).isFile() && sha256File(p) === owned.get(rel)) rmSync(p);
    } catch {
      continue;
    }
    for (let d = dirname(p); d.startsWith(`${dir}/`) && readdirSync(d).length === 0; d = dirname(d)) rmdirSync(d);
  }
}
