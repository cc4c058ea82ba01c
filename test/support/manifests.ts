/**
 * Shared test helpers: synthesize a platform (in process or through the real cdk8s entry point) and
 * read synthesized manifests back as plain objects, each tagged with the file it came from.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { App } from 'cdk8s';
import YAML from 'yaml';
import { buildPlatform, defaultConfig, ModelplaneConfig } from '../../stacks/build';

/** The repository root. */
export const REPO_ROOT = resolve(__dirname, '..', '..');

/** A Kubernetes object read from a manifest file. */
export interface Manifest {
  /** File (relative to the directory scanned) the object came from. */
  readonly file: string;
  /** The object. */
  readonly obj: Record<string, unknown>;
}

/** A fresh temporary directory. */
export function tempDir(prefix = 'modelplane-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Builds the platform with `config` (default: the embedded defaults) into a new App writing to `outdir`, and synthesizes it. */
export function synthPlatform(outdir: string, config: ModelplaneConfig = defaultConfig()): App {
  const app = new App({ outdir });
  buildPlatform(app, config);
  app.synth();
  return app;
}

/** Every object of a built (not necessarily synthesized) App, chart by chart, in the order cdk8s writes them. */
export function appObjects(app: App): Record<string, unknown>[] {
  return app.charts.flatMap((c) => c.toJson() as Record<string, unknown>[]);
}

/**
 * Runs the real cdk8s entry point (stacks/main.ts, as `cdk8s synth` does through cdk8s.yaml) in a
 * child process writing to `outdir`. Returns the process's stdout.
 */
export function synthWithEntryPoint(outdir: string, env: Record<string, string> = {}): string {
  return execFileSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'stacks/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, CDK8S_OUTDIR: outdir },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Every file under `dir`, relative, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d).sort()) {
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

/** Every object in every `.yaml`/`.yml`/`.json` file under `dir`. */
export function readManifests(dir: string): Manifest[] {
  const out: Manifest[] = [];
  for (const file of listFiles(dir)) {
    const text = readFileSync(join(dir, file), 'utf8');
    if (/\.ya?ml$/.test(file)) {
      for (const doc of YAML.parseAllDocuments(text)) {
        if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
        const obj = doc.toJS() as unknown;
        if (obj && typeof obj === 'object') out.push({ file, obj: obj as Record<string, unknown> });
      }
    } else if (file.endsWith('.json')) {
      const obj = JSON.parse(text) as unknown;
      for (const o of Array.isArray(obj) ? obj : [obj]) out.push({ file, obj: o as Record<string, unknown> });
    }
  }
  return out;
}

/** `kind/namespace/name` of an object, for messages. */
export function objectId(obj: Record<string, unknown>): string {
  const md = (obj.metadata ?? {}) as Record<string, unknown>;
  return `${String(obj.kind)}/${md.namespace ? `${String(md.namespace)}/` : ''}${String(md.name)}`;
}

/** Finds the one object of `kind` named `name` in `objs`, or fails. */
export function findObject(objs: readonly Record<string, unknown>[], kind: string, name: string): Record<string, any> {
  const found = objs.filter((o) => o.kind === kind && (o.metadata as Record<string, unknown> | undefined)?.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} "${name}", found ${found.length}: ${objs.map(objectId).join(', ')}`);
  return found[0] as Record<string, any>;
}
