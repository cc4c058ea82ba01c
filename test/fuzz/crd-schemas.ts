/**
 * The operators' CRD schemas (MODELPLANE_CRDS_DIR or ../shared/crds, the same files the cluster tier registers in its API
 * server), as validators for the custom resources of an accepted case: what the API server would reject
 * (a wrong type, a missing required field, a value out of an enum) and what it would silently drop (a field
 * the schema does not know, unless it preserves unknown fields) — so "accepted" means what the examples'
 * output is in the cluster tier, without a cluster. Built-in kinds have no schema here.
 *
 * Compiling the largest schemas (Argo's CronWorkflow, Seldon) takes seconds, so each compiled validator
 * is cached as standalone code under node_modules/.cache/modelplane-fuzz-crd/ (where the code's own
 * requires of ajv's runtime resolve), keyed by the CRD file's hash; the runner does not count the first
 * compilation against the case's time limit.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import YAML from 'yaml';

/** The CRDs folder: MODELPLANE_CRDS_DIR, as for scripts/kube/register-crds.sh, or ../shared/crds beside the repository (absent: no CRD checks). */
export const CRD_DIR = process.env.MODELPLANE_CRDS_DIR || join(__dirname, '..', '..', '..', 'shared', 'crds');

type Schema = Record<string, unknown>;

let index: Map<string, string> | undefined;
let onCompile: ((kind: string) => void) | undefined;

/** Calls `f` before a schema is compiled (seconds of work: the worker tells the runner, which extends the case's time). */
export function onSchemaCompile(f: (kind: string) => void): void {
  onCompile = f;
}
const validators = new Map<string, ValidateFunction | undefined>();

/** `group|kind` -> CRD file, for every CRD under {@link CRD_DIR} (Argo's "minimal" variants left out). */
function crdIndex(): Map<string, string> {
  if (index) return index;
  index = new Map();
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) {
        if (e !== 'minimal') walk(p);
      } else if (e.endsWith('.yaml')) {
        const head = readFileSync(p, 'utf8');
        const group = /\n {2}group: (\S+)/.exec(head)?.[1];
        const kind = /\n {4}kind: (\S+)/.exec(head)?.[1];
        if (group && kind) index!.set(`${group}|${kind}`, p);
      }
    }
  };
  if (existsSync(CRD_DIR)) walk(CRD_DIR);
  return index;
}

/** How many kinds have a schema. */
export function crdKinds(): number {
  return crdIndex().size;
}

/** Object schemas reject unknown fields (the API server prunes them: the value would be lost), unless they preserve them. */
function strict(s: unknown): void {
  if (Array.isArray(s)) return s.forEach(strict);
  if (!s || typeof s !== 'object') return;
  const o = s as Schema;
  if (o.properties && !o['x-kubernetes-preserve-unknown-fields'] && o.additionalProperties === undefined) o.additionalProperties = false;
  for (const v of Object.values(o)) strict(v);
}

/** The validator of `apiVersion`/`kind`, or undefined when no CRD defines it. */
function validator(apiVersion: string, kind: string): ValidateFunction | undefined {
  const key = `${apiVersion} ${kind}`;
  if (validators.has(key)) return validators.get(key);
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const file = crdIndex().get(`${group}|${kind}`);
  let v: ValidateFunction | undefined;
  if (file) {
    const text = readFileSync(file);
    const hash = createHash('sha256').update(text).update(`\0${version}\0v1`).digest('hex').slice(0, 32);
    const cacheDir = join(__dirname, '..', '..', 'node_modules', '.cache', 'modelplane-fuzz-crd');
    const cached = join(cacheDir, `${hash}.js`);
    if (existsSync(cached)) v = require(cached) as ValidateFunction;
    else {
      onCompile?.(kind);
      v = compile(text.toString('utf8'), version!, cacheDir, cached);
    }
  }
  validators.set(key, v);
  return v;
}

function compile(text: string, version: string, cacheDir: string, cached: string): ValidateFunction | undefined {
  const crd = YAML.parse(text, { maxAliasCount: -1 }) as {
    spec: { versions: Array<{ name: string; schema?: { openAPIV3Schema?: Schema } }> };
  };
  const schema = crd.spec.versions.find((x) => x.name === version)?.schema?.openAPIV3Schema;
  if (!schema) return undefined;
  strict(schema);
  // metadata is the API server's to check (name rules are checked by checks.ts).
  if (schema.properties && typeof schema.properties === 'object') (schema.properties as Schema).metadata = { type: 'object' };
  const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: false, code: { source: true } });
  const v = ajv.compile(schema);
  try {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    writeFileSync(tmp, standaloneCode(ajv, v));
    renameSync(tmp, cached);
  } catch {
    // no writable cache: compile again next time
  }
  return v;
}

/** Problems of `obj` against its CRD's schema (empty when valid or when no CRD defines its kind). */
export function crdProblems(obj: Record<string, unknown>): string[] {
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return [];
  const v = validator(obj.apiVersion, obj.kind);
  if (!v || v(obj)) return [];
  return (v.errors ?? [])
    .slice(0, 3)
    .map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}
