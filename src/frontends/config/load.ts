/**
 * Loads a `modelplane.yaml`: parses it with positions, checks it against the JSON Schema (unknown
 * keys are errors), merges `defaults` into the models and checks what the schema cannot say (unique
 * names). Every problem is collected, with file, line, column, field path and fix.
 */
import { readFileSync } from 'node:fs';
import schemaJson from '../../../schema/modelplane.schema.json';
import { deepMerge, isRecord } from '../../core/records';
import { ConfigIssue, sortIssues } from './errors';
import { compileSchema, filterErrors, pointerToPath, SchemaCheck, schemaIssue, SchemaIssueOptions, valueAt } from './schema-issues';
import { FieldPath, YamlSource } from './source';
import type { ModelplaneFile } from './types';

export { didYouMean } from './schema-issues';

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
  /** Datasets with problems of their own (not built). */
  readonly badDatasets: ReadonlySet<number>;
  /** An issue at a field path of the merged configuration, located in the file (in `defaults` when the value came from there). */
  issueAt(path: FieldPath, problem: string, fix: string): ConfigIssue;
}

let validator: SchemaCheck | undefined;
function schemaValidator(): SchemaCheck {
  validator ??= compileSchema(MODELPLANE_SCHEMA);
  return validator;
}

/** Loads and checks a file from disk. */
export function loadConfigFile(file: string): LoadedConfig {
  let bytes: Uint8Array;
  try {
    // Bytes, decoded strictly by YamlSource: invalid UTF-8 is refused where it is, never replaced.
    bytes = readFileSync(file);
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
  return loadConfigText(file, bytes);
}

/**
 * The fields of `modelplane.yaml` that may hold several lines: a model test's inline `reference` CSV, and the
 * `description` of a model or a cascade. Every other string is one line.
 */
export function modelplaneMultiline(path: FieldPath): boolean {
  const [top, , field, , inner] = path;
  if (top === 'models')
    return (path.length === 3 && field === 'description') || (path.length === 5 && field === 'tests' && inner === 'reference');
  return top === 'cascades' && path.length === 3 && field === 'description';
}

/** Loads and checks configuration text (or UTF-8 bytes, decoded strictly); `file` is used in messages. */
export function loadConfigText(file: string, text: string | Uint8Array): LoadedConfig {
  const source = YamlSource.parse(file, text, { multiline: modelplaneMultiline });
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
  const badDatasets = new Set<number>();
  for (const e of filterErrors(schemaValidator()(data))) {
    const issue = schemaIssue(source, data, e, WORDING);
    issues.push(issue);
    const path = pointerToPath(e.instancePath);
    if (path[0] === 'models' && typeof path[1] === 'number') badModels.add(path[1]);
    if (path[0] === 'cascades' && typeof path[1] === 'number') badCascades.add(path[1]);
    if (path[0] === 'retroTests' && typeof path[1] === 'number') badRetroTests.add(path[1]);
    if (path[0] === 'datasets' && typeof path[1] === 'number') badDatasets.add(path[1]);
    if (path[0] === 'defaults' || path[0] === 'team' || path[0] === 'gpuPools' || path[0] === undefined) {
      // Problems outside models make every model suspect; building would only repeat them.
      (Array.isArray(data.models) ? data.models : []).forEach((_, i) => badModels.add(i));
    }
  }

  // A list given as anything else (`gpuPools: {}`, `retroTests: canary`) is the schema's problem, reported
  // above; the builders see no entries rather than a value they would iterate.
  const models = Array.isArray(data.models) ? data.models : [];
  const cascades = Array.isArray(data.cascades) ? data.cascades : [];
  const retroTests = Array.isArray(data.retroTests) ? data.retroTests : [];
  const gpuPools = Array.isArray(data.gpuPools) ? data.gpuPools : [];
  const datasets = Array.isArray(data.datasets) ? data.datasets : [];
  dupIssues(source, 'models', models, 'model', issues, badModels);
  dupIssues(source, 'cascades', cascades, 'cascade', issues, badCascades);
  dupIssues(source, 'retroTests', retroTests, 'retro test', issues, badRetroTests);
  dupIssues(source, 'gpuPools', gpuPools, 'GPU pool', issues, new Set());
  dupIssues(source, 'datasets', datasets, 'dataset', issues, badDatasets);

  const defaults = isRecord(data.defaults) ? data.defaults : {};
  const merged = {
    ...data,
    ...(data.retroTests !== undefined ? { retroTests } : {}),
    ...(data.gpuPools !== undefined ? { gpuPools } : {}),
    ...(data.datasets !== undefined ? { datasets } : {}),
    models: models.map((m) => mergeDefaults(m, defaults)),
    cascades: cascades.map((c) =>
      isRecord(c) && c.orchestrator === undefined && (defaults.orchestrator === 'airflow' || defaults.orchestrator === 'argo')
        ? { ...c, orchestrator: defaults.orchestrator }
        : c,
    ),
  } as unknown as ModelplaneFile;
  return result(file, source, merged, sortIssues(issues), badModels, badCascades, badRetroTests, badDatasets);
}

function result(
  file: string,
  source: YamlSource,
  config: ModelplaneFile | undefined,
  issues: readonly ConfigIssue[],
  badModels: Set<number>,
  badCascades: Set<number>,
  badRetroTests = new Set<number>(),
  badDatasets = new Set<number>(),
): LoadedConfig {
  return {
    file,
    source,
    config,
    issues,
    badModels,
    badCascades,
    badRetroTests,
    badDatasets,
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

/** What the object at `path` of a `modelplane.yaml` is, for schema problems. */
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
  if (path[0] === 'datasets' && path.length === 2) return 'a dataset';
  return `\`${String(last)}\``;
}

/** How the loader words the problems of schema/modelplane.schema.json. */
const WORDING: SchemaIssueOptions = { describe: describeKind, schemaFile: 'schema/modelplane.schema.json' };
