/**
 * JSON Schema errors (Ajv) turned into located issues, shared by the loaders of `modelplane.yaml` and
 * of the platform file: each error becomes one problem at the field it is about, in words a data
 * scientist or platform engineer can act on ("unknown field `quoat` in a team. Fix: did you mean
 * `quota`?"), never Ajv's own wording.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { default as AjvClass, ErrorObject, Options, ValidateFunction } from 'ajv';
import { renderValue } from '../../core/errors';
import { isRecord } from '../../core/records';
import type { ConfigIssue } from './errors';
import { FieldPath, formatPath } from './source';

/** Turns a field path and a problem into a located issue: a YAML file's line and column, or a stack config key's path. */
export interface IssueLocator {
  /** The issue at `path`; with `key`, located at the key naming the field instead of its value. */
  issue(path: FieldPath, problem: string, fix: string, key?: boolean): ConfigIssue;
  /** The text written for the scalar at `path` (`3.10` for the number 3.1), when the input has text. @default - not known */
  written?(path: FieldPath): string | undefined;
}

/** How one loader words the issues of its schema. */
export interface SchemaIssueOptions {
  /** Names the object at `path` for "unknown field `x` in <kind>" and "<kind> is missing ...", e.g. `a team`. */
  readonly describe: (path: FieldPath, data: unknown) => string;
  /** The schema file named when no better fix is known, e.g. `schema/modelplane.schema.json`. */
  readonly schemaFile: string;
}

/** Checks data against a compiled schema; returns every error, none when the data is valid. */
export type SchemaCheck = (data: unknown) => readonly ErrorObject[];

/** How every loader checks files: all errors, strict, with the `x-fix` keyword (a field's fix). */
const AJV_OPTIONS: Options = { allErrors: true, verbose: true, strict: true, strictTypes: false, allowUnionTypes: true };

/**
 * Compiles a schema the way every loader checks files. Compiling the team file's schema costs more than
 * the rest of a command's start-up, so the validator Ajv generates is kept as standalone code in
 * `cacheDir` (`${MODELPLANE_CACHE:-~/.cache/modelplane}/ajv` by default), keyed by the schema, the options and
 * Ajv's version and place, and later runs load that file instead of Ajv. A cache that cannot be
 * written only costs speed; `cacheDir: null` turns it off.
 */
export function compileSchema(schema: Record<string, unknown>, cacheDir: string | null = defaultCacheDir()): SchemaCheck {
  const validate = (cacheDir && loadCached(schema, cacheDir)) || compileFresh(schema, cacheDir);
  return (data) => (validate(data) ? [] : (validate.errors ?? []));
}

/** `require()`, for what this module loads only when it needs it (Ajv, a cached validator). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lazy = (id: string): unknown => require(id);

function defaultCacheDir(): string {
  return join(process.env.MODELPLANE_CACHE || join(homedir(), '.cache', 'modelplane'), 'ajv');
}

/** Where Ajv is installed (the generated code requires its runtime helpers from there). */
const ajvRoot = () => dirname(require.resolve('ajv/package.json'));

/** The cache file of `schema`: a hash of the schema, the options and Ajv (version and directory). */
function cacheFile(schema: Record<string, unknown>, cacheDir: string): string {
  const ajv = lazy('ajv/package.json') as { version: string };
  const key = createHash('sha256')
    .update(JSON.stringify([ajv.version, ajvRoot(), AJV_OPTIONS, schema]))
    .digest('hex');
  return join(cacheDir, `${key}.js`);
}

function loadCached(schema: Record<string, unknown>, cacheDir: string): ValidateFunction | undefined {
  const file = cacheFile(schema, cacheDir);
  if (!existsSync(file)) return undefined;
  try {
    return lazy(file) as ValidateFunction;
  } catch {
    return undefined; // unreadable or cut short: compile again (and rewrite it)
  }
}

function compileFresh(schema: Record<string, unknown>, cacheDir: string | null): ValidateFunction {
  // Loaded only here: a cached validator needs none of Ajv but its small runtime helpers.
  const Ajv = (lazy('ajv') as { default: typeof AjvClass }).default;
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: cacheDir !== null } });
  ajv.addKeyword({ keyword: 'x-fix', schemaType: 'string' });
  const validate = ajv.compile(schema);
  if (cacheDir) {
    try {
      const standalone = (lazy('ajv/dist/standalone') as { default: (a: AjvClass, v: ValidateFunction) => string }).default;
      // The generated module requires Ajv's runtime helpers by package name: point them at this Ajv.
      const code = standalone(ajv, validate).replace(
        /require\("ajv\/dist\/runtime\//g,
        `require(${JSON.stringify(`${ajvRoot()}/dist/runtime/`)} + "`,
      );
      const file = cacheFile(schema, cacheDir);
      mkdirSync(cacheDir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, code);
      renameSync(tmp, file);
    } catch {
      // No writable cache: compile again next time.
    }
  }
  return validate;
}

/** The field path of a JSON pointer (`/teams/0/quota` -> `['teams', 0, 'quota']`). */
export function pointerToPath(pointer: string): Array<string | number> {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/**
 * Drops the noise Ajv adds around `if`/`then` and `oneOf`: when a value matched the type of one
 * `oneOf` branch, only that branch's errors are kept; when it matched no branch's type, the branch
 * type errors become one "must be A or B".
 */
export function filterErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  let out = errors.filter((e) => e.keyword !== 'if');
  for (const one of out.filter((e) => e.keyword === 'oneOf')) {
    const at = one.instancePath;
    const typeErrors = out.filter((e) => e.keyword === 'type' && e.instancePath === at);
    const other = out.filter((e) => e !== one && !typeErrors.includes(e) && (e.instancePath === at || e.instancePath.startsWith(`${at}/`)));
    if (other.length > 0) {
      out = out.filter((e) => e !== one && !typeErrors.includes(e));
    } else if (typeErrors.length > 0) {
      const types = [...new Set(typeErrors.map((e) => String((e.params as { type: string }).type)))].join(',');
      const merged: ErrorObject = { ...typeErrors[0], params: { type: types } };
      out = out.filter((e) => e !== one && !typeErrors.includes(e));
      out.push(merged);
    }
  }
  return out;
}

/** The value at `path` in `data` (undefined when the path does not exist). */
export function valueAt(data: unknown, path: FieldPath): unknown {
  let v: unknown = data;
  for (const seg of path) {
    if (Array.isArray(v) && typeof seg === 'number') v = v[seg];
    else if (isRecord(v)) v = v[seg as string];
    else return undefined;
  }
  return v;
}

/** Closest candidate by edit distance, when it is close enough to be a typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)] as number[]);
  for (let j = 1; j <= b.length; j++) dp[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      dp[i][j] = Math.min(dp[i - 1][j] + 1, dp[i][j - 1] + 1, dp[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return dp[a.length][b.length];
}

/** How to write a value of each JSON type, for "must be <type>" fixes (a field's own `x-fix` gives a better one). */
const TYPE_EXAMPLE: Record<string, string> = {
  string: 'a quoted string',
  integer: 'a whole number, e.g. 4',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list, e.g. [a, b] or one "- item" per line',
  object: 'a map of fields (key: value lines)',
};

/** What a keyword's handler knows about one error. */
interface SchemaError {
  readonly e: ErrorObject;
  readonly at: IssueLocator;
  readonly data: unknown;
  readonly path: FieldPath;
  readonly value: unknown;
  /** The schema object holding the failed keyword. */
  readonly parent: Record<string, unknown>;
  /** The field's `x-fix`, when the schema gives one. */
  readonly fixHint?: string;
  readonly options: SchemaIssueOptions;
}

/** `= "value"`, the start of every problem about a value. */
const shown = (s: SchemaError) => `= ${renderValue(s.value)}`;
const param = <T>(s: SchemaError, name: string) => (s.e.params as Record<string, T>)[name];

function unknownField(s: SchemaError): ConfigIssue {
  const key = String(param<string>(s, 'additionalProperty'));
  const allowed = Object.keys((s.parent.properties ?? {}) as Record<string, unknown>);
  const guess = didYouMean(key, allowed);
  return s.at.issue(
    [...s.path, key],
    `unknown field \`${key}\` in ${s.options.describe(s.path, s.data)}`,
    `${guess ? `did you mean \`${guess}\`? ` : ''}remove it or use one of: ${allowed.join(', ')}`,
    true,
  );
}

function missingField(s: SchemaError): ConfigIssue {
  const missing = String(param<string>(s, 'missingProperty'));
  return {
    ...s.at.issue(s.path, `${s.options.describe(s.path, s.data)} is missing the required field \`${missing}\``, `add \`${missing}:\` here`),
    path: formatPath([...s.path, missing]),
  };
}

function wrongType(s: SchemaError): ConfigIssue {
  const want = String(param<string>(s, 'type')).split(',');
  if (want.includes('string') && (typeof s.value === 'number' || typeof s.value === 'boolean' || s.value === null)) return readAsText(s);
  return s.at.issue(
    s.path,
    `${shown(s)} must be ${want.join(' or ')}`,
    s.fixHint ?? `write ${want.map((t) => TYPE_EXAMPLE[t] ?? t).join(', or ')}`,
  );
}

/**
 * A number, boolean or null where text was meant: YAML read `python: 3.10` as the number 3.1 and
 * `tag: true` as a boolean. The problem says what YAML read; the fix quotes what was written, unless
 * the quoted text would not fit the field either (`spark.version: 3.5` is no Spark version), where
 * the field's own fix (`x-fix`) gives an example that does.
 */
function readAsText(s: SchemaError): ConfigIssue {
  const written = s.at.written?.(s.path) ?? (s.value === null ? '' : String(s.value));
  if (s.value === null && (written === '' || written === '~' || written.toLowerCase() === 'null'))
    return s.at.issue(
      s.path,
      `has no value (YAML read ${written === '' ? 'nothing after the colon' : written} as null), and the field takes text`,
      s.fixHint ?? 'write a value, or remove the field',
    );
  const kind = s.value === null ? 'null' : typeof s.value === 'number' ? 'number' : 'boolean';
  const read = s.value === null ? 'null' : written === String(s.value) ? `a ${kind}` : `the ${kind} ${renderValue(s.value)}`;
  const problem = `is ${written} unquoted: YAML read ${written} as ${read}, and this field takes text`;
  const pattern = typeof s.parent.pattern === 'string' ? new RegExp(s.parent.pattern, 'u') : undefined;
  const fits = pattern === undefined || pattern.test(written);
  return { ...s.at.issue(s.path, problem, fits || !s.fixHint ? `quote it: ${JSON.stringify(written)}` : s.fixHint), yamlRead: true };
}

function notInEnum(s: SchemaError): ConfigIssue {
  const allowed = param<unknown[]>(s, 'allowedValues').map(String);
  const guess = typeof s.value === 'string' ? didYouMean(s.value, allowed) : undefined;
  return s.at.issue(
    s.path,
    `${shown(s)} is not one of ${allowed.join(', ')}`,
    `${guess ? `did you mean "${guess}"? ` : ''}use one of ${allowed.join(', ')}`,
  );
}

function notConst(s: SchemaError): ConfigIssue {
  const allowed = String(param<unknown>(s, 'allowedValue'));
  return s.at.issue(s.path, `${shown(s)} must be ${allowed}`, `write ${allowed}`);
}

function wrongForm(s: SchemaError): ConfigIssue {
  const about = s.parent.description ? ` (${String(s.parent.description).replace(/\.$/, '')})` : '';
  return s.at.issue(s.path, `${shown(s)} has the wrong form${about}`, s.fixHint ?? `match the pattern ${param<string>(s, 'pattern')}`);
}

function tooLong(s: SchemaError): ConfigIssue {
  const problem = `${shown(s)} is ${String(s.value).length} characters long, the limit is ${param<number>(s, 'limit')}`;
  return s.at.issue(s.path, problem, s.fixHint ?? 'use a shorter value');
}

function empty(s: SchemaError): ConfigIssue {
  return s.at.issue(s.path, `${shown(s)} must not be empty`, 'write a value or remove the field');
}

function outOfRange(s: SchemaError): ConfigIssue {
  const fix = `use a value ${param<string>(s, 'comparison')} ${param<number>(s, 'limit')}`;
  return s.at.issue(s.path, `${shown(s)} ${s.e.message ?? 'is out of range'}`, fix);
}

function otherError(s: SchemaError): ConfigIssue {
  const fix = s.fixHint ?? `see the schema (${s.options.schemaFile}) for this field`;
  return s.at.issue(s.path, `${shown(s)} ${s.e.message ?? 'is invalid'}`, fix);
}

/** The wording of each keyword's errors; any other keyword gets Ajv's message and the schema file. */
const BY_KEYWORD: Readonly<Record<string, (s: SchemaError) => ConfigIssue>> = {
  additionalProperties: unknownField,
  required: missingField,
  type: wrongType,
  enum: notInEnum,
  const: notConst,
  pattern: wrongForm,
  maxLength: tooLong,
  minLength: empty,
  minimum: outOfRange,
  maximum: outOfRange,
  exclusiveMinimum: outOfRange,
  exclusiveMaximum: outOfRange,
};

/** One schema error as a located issue. */
export function schemaIssue(at: IssueLocator, data: unknown, e: ErrorObject, options: SchemaIssueOptions): ConfigIssue {
  const path = pointerToPath(e.instancePath);
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  const fixHint = typeof parent['x-fix'] === 'string' ? (parent['x-fix'] as string) : undefined;
  const s: SchemaError = { e, at, data, path, value: valueAt(data, path), parent, fixHint, options };
  return (BY_KEYWORD[e.keyword] ?? otherError)(s);
}
