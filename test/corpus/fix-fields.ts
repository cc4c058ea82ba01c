/**
 * Which fields a fix names, and whether a file can have them: the fields of a JSON Schema as paths, and
 * the field names in a fix's text (backticked paths, `key:` forms, dotted paths outside quotes). A fix
 * worded in another language's terms (a construct's props, `autoscaling.minReplicas`, where the file
 * writes `replicas.min`) names fields the schema does not have.
 */

/** A field path of a schema: property names, `*` for the keys of a map (`additionalProperties`); list items add nothing. */
type SchemaPath = readonly string[];

/** Every field path of `schema` (its `$ref`s into itself followed, each at most once per path). */
export function schemaPaths(schema: Record<string, unknown>): SchemaPath[] {
  const out: SchemaPath[] = [];
  const resolve = (ref: string): unknown =>
    ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], schema);
  const walk = (node: unknown, at: string[], refs: readonly string[]): void => {
    if (typeof node !== 'object' || node === null) return;
    const n = node as Record<string, unknown>;
    if (typeof n.$ref === 'string') {
      if (!refs.includes(n.$ref)) walk(resolve(n.$ref), at, [...refs, n.$ref]);
      return;
    }
    for (const [k, v] of Object.entries((n.properties ?? {}) as Record<string, unknown>)) {
      out.push([...at, k]);
      walk(v, [...at, k], refs);
    }
    if (typeof n.additionalProperties === 'object') {
      out.push([...at, '*']);
      walk(n.additionalProperties, [...at, '*'], refs);
    }
    if (typeof n.items === 'object') walk(n.items, at, refs);
    for (const kw of ['oneOf', 'anyOf', 'allOf']) for (const x of (n[kw] ?? []) as unknown[]) walk(x, at, refs);
    for (const kw of ['if', 'then', 'else']) walk(n[kw], at, refs);
  };
  walk(schema, [], []);
  return out;
}

/** The segments of a dotted path as fixes write it (`teams[0].quota.cpu`, `models[]`): list indexes dropped. */
function pathSegments(path: string): string[] {
  return path
    .replace(/\[\d*\]/g, '')
    .split('.')
    .filter((s) => s.length > 0);
}

/** True when `path` (e.g. `replicas.min`) is a run of consecutive fields of some schema path (a map's `*` matches any key). */
export function hasPath(paths: readonly SchemaPath[], path: string): boolean {
  const segs = pathSegments(path);
  if (segs.length === 0) return true;
  return paths.some((p) => p.some((_, start) => segs.every((s, i) => p[start + i] === s || (p[start + i] === '*' && i > 0))));
}

const PATH = /^[A-Za-z_][\w-]*(\[\d*\])?(\.[A-Za-z_][\w-]*(\[\d*\])?)*$/;
const KEY_FORM = /(?<![\w./"-])([A-Za-z_][\w-]*):(?=\s)/g;
/** `key:` in prose: where a fix writes a field (after `{`, `,`, `(`, the start or a verb), not a colon of prose ("in most editors: ..."). */
const PROSE_KEY_FORM =
  /(?:^|[{(,]\s*|\b(?:set|add|use|write|give|pass|e\.g\.|with|or|and|drop|remove|keep|replace)\s+)([A-Za-z_][\w-]*):(?=\s)/g;
const DOTTED = /(?<![\w./"-])[a-z][A-Za-z0-9_]*(?:\[\d*\])?(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\[\d*\])?)+(?![\w/-])/g;
const NOT_PATHS = new Set(['e.g', 'i.e']);
/** A camelCase word in prose (`minReplicas`): a field name, as no English word is written so. */
const CAMEL = /(?<![\w./"-])[a-z]+[A-Z][A-Za-z0-9]*(?![\w/-])/g;

/**
 * The field paths a fix names: backticked paths and the keys of backticked `key: value`, and elsewhere
 * `key:` forms, dotted paths and camelCase words (quoted text is values).
 */
export function fieldsNamed(fix: string): string[] {
  const found: string[] = [];
  const prose = fix.replace(/`([^`]*)`/g, (_, inner: string) => {
    if (PATH.test(inner)) found.push(inner);
    else for (const m of inner.replace(/"(?:[^"\\]|\\.)*"/g, '""').matchAll(KEY_FORM)) found.push(m[1]);
    return ' ';
  });
  const unquoted = prose.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/'[^']*'/g, "''");
  for (const m of unquoted.matchAll(PROSE_KEY_FORM)) found.push(m[1]);
  for (const m of unquoted.matchAll(DOTTED)) if (!NOT_PATHS.has(m[0])) found.push(m[0]);
  const outsideDotted = unquoted.replace(DOTTED, ' ');
  for (const m of outsideDotted.matchAll(CAMEL)) found.push(m[0]);
  return [...new Set(found)];
}

/** modelplane's construct classes: a file creates them by its entries, so a fix naming one speaks TypeScript. */
const CONSTRUCT_CLASSES =
  /\b(SparkBatchModel|OnlineModel|TeamModels|TeamSpace|GpuNodePool|MlflowServer|RetroTest|ModelTest|Cascade|Platform)\b/g;

/** The fields a fix names that no schema of `paths` has, and the construct classes it names. */
export function unknownFields(fix: string, paths: readonly SchemaPath[]): string[] {
  const classes = [...fix.replace(/"(?:[^"\\]|\\.)*"/g, '""').matchAll(CONSTRUCT_CLASSES)].map((m) => m[1]);
  return [...fieldsNamed(fix).filter((f) => !hasPath(paths, f)), ...new Set(classes)];
}

/** The fix of each message line of the CLI's stderr (`FILE:LINE:COL: `path` problem. Fix: fix.`). */
export function fixesOf(stderr: string): Array<{ line: string; fix: string }> {
  return stderr
    .split('\n')
    .filter((l) => l.includes('. Fix: '))
    .map((line) => ({ line, fix: line.slice(line.indexOf('. Fix: ') + '. Fix: '.length).replace(/\.$/, '') }));
}
