/**
 * The run-time values of a SparkApplication manifest on Argo: its arguments and env values translated
 * to Argo's variables, the problems a cascade reports before compiling a model to Argo, and the safety
 * net over every string of a compiled Argo object (no `{{` but the tags modelplane writes itself).
 */
import {
  argoMacroTags,
  argoTagProblems,
  macroTargetProblem,
  macrosOf,
  PARAM_PREFIX,
  runValueProblem,
  RunValueTarget,
  templateSyntaxProblem,
  toArgo,
} from '../run-values';

/** A string of a manifest with its path (`spec.arguments[1]`, `spec.sparkConf["k"]`, keys as `…` + ` (key)`). */
interface ManifestString {
  readonly path: string;
  readonly value: string;
}

/** Every string of a JSON-like value (object keys included), with its path, in document order. */
function stringsOf(value: unknown, path: string, out: ManifestString[] = []): ManifestString[] {
  if (typeof value === 'string') out.push({ path, value });
  else if (Array.isArray(value)) value.forEach((x, i) => stringsOf(x, `${path}[${i}]`, out));
  else if (value && typeof value === 'object') {
    for (const [k, x] of Object.entries(value as Record<string, unknown>)) {
      const at = /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `${path}${path ? '.' : ''}${k}` : `${path}[${JSON.stringify(k)}]`;
      out.push({ path: `${at} (key)`, value: k });
      stringsOf(x, at, out);
    }
  }
  return out;
}

/** The run-time value paths of a SparkApplication manifest: its arguments and the env values of its pods. */
const RUN_VALUE_PATH = /^spec\.(arguments\[\d+\]|(driver|executor)\.envVars(\.[A-Za-z_][A-Za-z0-9_]*|\[".*"\]))$/;

/** A SparkApplication manifest with the macros of its arguments and env values in Argo's syntax. Pure. */
export function argoManifest(manifest: Record<string, unknown>): Record<string, unknown> {
  const spec = manifest.spec as Record<string, unknown> | undefined;
  if (!spec || typeof spec !== 'object') return manifest;
  const out: Record<string, unknown> = { ...spec };
  if (Array.isArray(spec.arguments)) out.arguments = spec.arguments.map((a) => (typeof a === 'string' ? toArgo(a) : a));
  for (const role of ['driver', 'executor']) {
    const pod = spec[role] as Record<string, unknown> | undefined;
    const env = pod?.envVars as Record<string, unknown> | undefined;
    if (!env) continue;
    const translated: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(env)) translated[k] = typeof x === 'string' ? toArgo(x) : x;
    out[role] = { ...pod, envVars: translated };
  }
  return { ...manifest, spec: out };
}

/** How a cascade names the fields of the model a manifest path comes from. */
export type FieldNamer = (path: string) => string;

/** The model field a manifest path comes from: arguments by `argsField`, env, Spark and Hadoop conf by name. */
export function modelFieldNamer(argsField: (i: number) => string): FieldNamer {
  return (path) => {
    const args = /^spec\.arguments\[(\d+)\]$/.exec(path);
    if (args) return argsField(Number(args[1]));
    const named =
      /^spec\.(?:(?:driver|executor)\.(envVars)|(sparkConf)|(hadoopConf))(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[(".*")\])( \(key\))?$/.exec(path);
    if (named) {
      const map = named[1] ? 'env' : (named[2] ?? named[3]);
      const key = named[4] ?? JSON.parse(named[5]);
      return `${map}[${JSON.stringify(key)}]`;
    }
    return path;
  };
}

/** A problem of one model field on Argo. */
export interface ArgoValueProblem {
  /** The model's field (see {@link modelFieldNamer}). */
  readonly field: string;
  /** The value. */
  readonly value: string;
  /** What is wrong. */
  readonly problem: string;
}

/**
 * What keeps a model's manifest from Argo (`target` `argo-cron` or `argo-template`): macros Argo cannot
 * express in arguments and env values, and template syntax in any other string. One problem per field.
 */
export function argoManifestProblems(manifest: Record<string, unknown>, target: RunValueTarget, name: FieldNamer): ArgoValueProblem[] {
  const found = new Map<string, ArgoValueProblem>();
  for (const s of stringsOf(manifest, '')) {
    const field = name(s.path);
    if (found.has(field)) continue;
    let problem: string | undefined;
    if (RUN_VALUE_PATH.test(s.path)) {
      problem = runValueProblem(s.value);
      for (const m of problem === undefined ? macrosOf(s.value) : []) problem ??= macroTargetProblem(m, target);
    } else problem = templateSyntaxProblem(s.value);
    if (problem !== undefined) found.set(field, { field, value: s.value, problem });
  }
  return [...found.values()];
}

/** The `{{ params.NAME }}` names the arguments and env values of a manifest use, sorted. */
export function manifestParams(manifest: Record<string, unknown>): string[] {
  const names = new Set<string>();
  for (const s of stringsOf(manifest, '')) {
    if (!RUN_VALUE_PATH.test(s.path)) continue;
    for (const m of macrosOf(s.value)) if (m.startsWith(PARAM_PREFIX)) names.add(m.slice(PARAM_PREFIX.length));
  }
  return [...names].sort();
}

/**
 * The safety net: throws unless every `{{…}}` in every string of `obj` (object keys included) is one of
 * `ownTags` or a tag the run-time macros translate to (with `params` as workflow parameters). Names the
 * Argo object, and `where` (e.g. the model) with the path of the string.
 */
export function assertArgoTags(obj: unknown, what: string, ownTags: readonly string[], params: readonly string[] = []): void {
  const allowed = new Set([...ownTags, ...argoMacroTags(params)]);
  for (const s of stringsOf(obj, '')) {
    const bad = argoTagProblems(s.value, allowed);
    if (bad.length === 0) continue;
    throw new Error(
      `${what}: ${s.path} = ${JSON.stringify(s.value)} holds ${bad.join(', ')}, which Argo would evaluate; only the run-time values of docs/cookbook/run-time-values.md are written for Argo. Fix: remove the braces from that value (modelplane should have refused it when the model was checked; please report this).`,
    );
  }
}
