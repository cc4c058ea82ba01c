/**
 * Loads a `modelplane.yaml`: parses it with positions, checks it against the JSON Schema (unknown
 * keys are errors), merges `defaults` into the models and checks what the schema cannot say (unique
 * names). Every problem is collected, with file, line, column, field path and fix.
 */
import { readFileSync } from 'node:fs';
import Ajv, { ErrorObject } from 'ajv';
import schemaJson from '../../../schema/modelplane.schema.json';
import { renderValue } from '../../core/errors';
import { deepMerge, isRecord } from '../../core/records';
import { ConfigIssue, sortIssues } from './errors';
import { FieldPath, formatPath, YamlSource } from './source';
import type { ModelplaneFile } from './types';

/** The JSON Schema of `modelplane.yaml`. */
export const MODELPLANE_SCHEMA: Record<string, unknown> = schemaJson as Record<string, unknown>;

/** Which `defaults` keys apply to which model type. */
export const DEFAULT_KEYS: Readonly<Record<'batch' | 'online', readonly string[]>> = {
  batch: ['image', 'python', 'spark', 'environment', 'orchestrator'],
  online: ['server', 'resources'],
};

/** A loaded configuration file. */
export interface LoadedConfig {
  /** The file name as given. */
  readonly file: string;
  /** The parsed source, for locating fields. */
  readonly source: YamlSource;
  /** The configuration with defaults merged into the models; undefined when the file is unusable. */
  readonly config?: ModelplaneFile;
  /** Every problem found while loading. */
  readonly issues: readonly ConfigIssue[];
  /** Indexes of models with problems of their own (they are not built). */
  readonly badModels: ReadonlySet<number>;
  /** Indexes of cascades with problems of their own. */
  readonly badCascades: ReadonlySet<number>;
  /** Indexes of retro tests with problems of their own. */
  readonly badRetroTests: ReadonlySet<number>;
  /** An issue at a field path of the merged configuration, located in the file (in `defaults` when the value came from there). */
  issueAt(path: FieldPath, problem: string, fix: string): ConfigIssue;
}

let validator: ReturnType<Ajv['compile']> | undefined;
function schemaValidator(): ReturnType<Ajv['compile']> {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false, allowUnionTypes: true });
    ajv.addKeyword({ keyword: 'x-fix', schemaType: 'string' });
    validator = ajv.compile(MODELPLANE_SCHEMA);
  }
  return validator;
}

/** Loads and checks a file from disk. */
export function loadConfigFile(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const source = YamlSource.parse(file, '');
    const issue: ConfigIssue = {
      file,
      line: 0,
      col: 0,
      path: '',
      problem: code === 'ENOENT' ? 'the file does not exist' : `the file cannot be read (${code ?? (e as Error).message})`,
      fix:
        code === 'ENOENT'
          ? 'pass the path of your modelplane.yaml with -f, or create one with `modelplane init`'
          : 'check the path and its permissions',
    };
    return result(file, source, undefined, [issue], new Set(), new Set());
  }
  return loadConfigText(file, text);
}

/** Loads and checks configuration text; `file` is used in messages. */
export function loadConfigText(file: string, text: string): LoadedConfig {
  const source = YamlSource.parse(file, text);
  if (source.issues.length > 0) return result(file, source, undefined, source.issues, new Set(), new Set());
  const data = source.data;
  if (!isRecord(data)) {
    const issue = source.issue(
      [],
      data === undefined || data === null ? 'the file is empty' : 'must be a map of fields (team, models, ...)',
      'start from `modelplane init`, or write at least `team: <name>` and `models: []`',
    );
    return result(file, source, undefined, [issue], new Set(), new Set());
  }

  const issues: ConfigIssue[] = [];
  const badModels = new Set<number>();
  const badCascades = new Set<number>();
  const badRetroTests = new Set<number>();
  const validate = schemaValidator();
  if (!validate(data)) {
    for (const e of filterErrors(validate.errors ?? [])) {
      const issue = schemaIssue(source, data, e);
      issues.push(issue);
      const path = pointerToPath(e.instancePath);
      if (path[0] === 'models' && typeof path[1] === 'number') badModels.add(path[1]);
      if (path[0] === 'cascades' && typeof path[1] === 'number') badCascades.add(path[1]);
      if (path[0] === 'retroTests' && typeof path[1] === 'number') badRetroTests.add(path[1]);
      if (path[0] === 'defaults' || path[0] === 'team' || path[0] === 'gpuPools' || path[0] === undefined) {
        // Problems outside models make every model suspect; building would only repeat them.
        (Array.isArray(data.models) ? data.models : []).forEach((_, i) => badModels.add(i));
      }
    }
  }

  const models = Array.isArray(data.models) ? data.models : [];
  const cascades = Array.isArray(data.cascades) ? data.cascades : [];
  dupIssues(source, 'models', models, 'model', issues, badModels);
  dupIssues(source, 'cascades', cascades, 'cascade', issues, badCascades);
  dupIssues(source, 'retroTests', Array.isArray(data.retroTests) ? data.retroTests : [], 'retro test', issues, badRetroTests);
  dupIssues(source, 'gpuPools', Array.isArray(data.gpuPools) ? data.gpuPools : [], 'GPU pool', issues, new Set());

  const defaults = isRecord(data.defaults) ? data.defaults : {};
  const merged = {
    ...data,
    models: models.map((m) => mergeDefaults(m, defaults)),
    cascades: cascades.map((c) =>
      isRecord(c) && c.orchestrator === undefined && (defaults.orchestrator === 'airflow' || defaults.orchestrator === 'argo')
        ? { ...c, orchestrator: defaults.orchestrator }
        : c,
    ),
  } as unknown as ModelplaneFile;
  return result(file, source, merged, sortIssues(issues), badModels, badCascades, badRetroTests);
}

function result(
  file: string,
  source: YamlSource,
  config: ModelplaneFile | undefined,
  issues: readonly ConfigIssue[],
  badModels: Set<number>,
  badCascades: Set<number>,
  badRetroTests = new Set<number>(),
): LoadedConfig {
  return {
    file,
    source,
    config,
    issues,
    badModels,
    badCascades,
    badRetroTests,
    issueAt: (path, problem, fix) => source.issue(fromDefaults(source, path), problem, fix),
  };
}

/** Maps a merged-model path back to `defaults` when the model does not set the value itself. */
function fromDefaults(source: YamlSource, path: FieldPath): FieldPath {
  if (path[0] !== 'models' || typeof path[1] !== 'number' || path.length < 3) return path;
  if (source.has(path.slice(0, 3))) {
    if (source.has(path)) return path;
    // The model sets the map, but this key may come from the merged defaults.
    const d = ['defaults', ...path.slice(2)];
    return source.has(d) ? d : path;
  }
  const d = ['defaults', ...path.slice(2)];
  return source.has(['defaults', path[2]]) ? d : path;
}

/** Merges defaults into a model: values the model sets win; maps merge key by key. */
export function mergeDefaults(model: unknown, defaults: Record<string, unknown>): unknown {
  if (!isRecord(model)) return model;
  const keys = DEFAULT_KEYS[model.type as 'batch' | 'online'] ?? [];
  const out: Record<string, unknown> = { ...model };
  for (const k of keys) {
    if (defaults[k] === undefined) continue;
    const d = defaults[k];
    const own = out[k];
    out[k] = own === undefined ? d : isRecord(d) && isRecord(own) ? deepMerge(d, own) : own;
  }
  return out;
}

function dupIssues(source: YamlSource, key: string, list: unknown[], what: string, issues: ConfigIssue[], bad: Set<number>): void {
  const first = new Map<string, number>();
  list.forEach((item, i) => {
    if (!isRecord(item) || typeof item.name !== 'string') return;
    const prev = first.get(item.name);
    if (prev === undefined) {
      first.set(item.name, i);
      return;
    }
    const { line } = source.locate([key, prev, 'name']);
    issues.push(
      source.issue(
        [key, i, 'name'],
        `${what} "${item.name}" is defined twice (first at line ${line})`,
        `give every ${what} a unique name, or merge the two entries`,
      ),
    );
    bad.add(i);
  });
}

// --- JSON Schema errors -> issues ---------------------------------------------------------------

function pointerToPath(pointer: string): Array<string | number> {
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
function filterErrors(errors: ErrorObject[]): ErrorObject[] {
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

function valueAt(data: unknown, path: FieldPath): unknown {
  let v: unknown = data;
  for (const seg of path) {
    if (Array.isArray(v) && typeof seg === 'number') v = v[seg];
    else if (isRecord(v)) v = v[seg as string];
    else return undefined;
  }
  return v;
}

function describeKind(path: FieldPath, data: unknown): string {
  const p = path.filter((s) => typeof s === 'string');
  const last = p[p.length - 1];
  if (path.length === 0) return 'modelplane.yaml (top level)';
  if (path[0] === 'models' && path.length === 2) {
    const t = valueAt(data, [...path, 'type']);
    return t === 'batch' ? 'a batch model' : t === 'online' ? 'an online model' : 'a model';
  }
  if (path[0] === 'cascades' && path.length === 2) return 'a cascade';
  if (path[0] === 'retroTests' && path.length === 2) return 'a retro test';
  if (path[0] === 'models' && path[2] === 'tests' && path.length === 4) return 'a model test';
  if (path[0] === 'cascades' && path[2] === 'blocks' && path.length === 4) return 'a cascade block';
  if (path[0] === 'gpuPools' && path.length === 2) return 'a GPU pool';
  return `\`${String(last)}\``;
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

const TYPE_EXAMPLE: Record<string, string> = {
  string: 'a quoted string, e.g. "3.11"',
  integer: 'a whole number, e.g. 4',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list, e.g. [a, b] or one "- item" per line',
  object: 'a map of fields (key: value lines)',
};

function schemaIssue(source: YamlSource, data: unknown, e: ErrorObject): ConfigIssue {
  const path = pointerToPath(e.instancePath);
  const value = valueAt(data, path);
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  const fixHint = typeof parent['x-fix'] === 'string' ? (parent['x-fix'] as string) : undefined;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys((parent.properties ?? {}) as Record<string, unknown>);
      const guess = didYouMean(key, allowed);
      return source.issue(
        [...path, key],
        `unknown field \`${key}\` in ${describeKind(path, data)}`,
        `${guess ? `did you mean \`${guess}\`? ` : ''}remove it or use one of: ${allowed.join(', ')}`,
        true,
      );
    }
    case 'required': {
      const missing = String((e.params as { missingProperty: string }).missingProperty);
      return {
        ...source.issue(path, `${describeKind(path, data)} is missing the required field \`${missing}\``, `add \`${missing}:\` here`),
        path: formatPath([...path, missing]),
      };
    }
    case 'type': {
      const want = String((e.params as { type: string }).type).split(',');
      return source.issue(
        path,
        `= ${renderValue(value)} must be ${want.join(' or ')}`,
        `write ${want.map((t) => TYPE_EXAMPLE[t] ?? t).join(', or ')}`,
      );
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const guess = typeof value === 'string' ? didYouMean(value, allowed) : undefined;
      return source.issue(
        path,
        `= ${renderValue(value)} is not one of ${allowed.join(', ')}`,
        `${guess ? `did you mean "${guess}"? ` : ''}use one of ${allowed.join(', ')}`,
      );
    }
    case 'const': {
      const allowed = String((e.params as { allowedValue: unknown }).allowedValue);
      return source.issue(path, `= ${renderValue(value)} must be ${allowed}`, `write ${allowed}`);
    }
    case 'pattern':
      return source.issue(
        path,
        `= ${renderValue(value)} has the wrong form${parent.description ? ` (${String(parent.description).replace(/\.$/, '')})` : ''}`,
        fixHint ?? `match the pattern ${(e.params as { pattern: string }).pattern}`,
      );
    case 'maxLength':
      return source.issue(
        path,
        `= ${renderValue(value)} is ${String(value).length} characters long, the limit is ${(e.params as { limit: number }).limit}`,
        fixHint ?? 'use a shorter value',
      );
    case 'minLength':
      return source.issue(path, `= ${renderValue(value)} must not be empty`, 'write a value or remove the field');
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return source.issue(
        path,
        `= ${renderValue(value)} ${e.message ?? 'is out of range'}`,
        `use a value ${(e.params as { comparison: string }).comparison} ${(e.params as { limit: number }).limit}`,
      );
    default:
      return source.issue(
        path,
        `= ${renderValue(value)} ${e.message ?? 'is invalid'}`,
        fixHint ?? 'see the schema (schema/modelplane.schema.json) for this field',
      );
  }
}
