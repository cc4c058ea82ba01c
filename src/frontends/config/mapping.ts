/**
 * The declarative mapping between `modelplane.yaml` entries and the constructs' props. Each entry
 * type has one table of rows such as `{ yaml: 'spark.version', prop: 'sparkVersion' }` (the tables
 * are in `./mapping-tables.ts`). Both directions are read from the same table, so they cannot drift
 * apart:
 *   - {@link forwardProps}: an entry of the file as the construct's props;
 *   - {@link yamlPathOf}: a field path of the props (as a construct's validation names it) as the
 *     path in the entry where the user wrote the value, for FILE:LINE:COL errors;
 *   - {@link yamlFieldOf}, {@link propLeaves} and {@link yamlValueOf}: a prop a message names (with the
 *     value it suggests) as the field the user writes and its value (`./wording.ts`).
 * The field table of docs/modelplane-yaml.md is generated from the same tables (`./fields-doc.ts`).
 */
import { isRecord } from '../../core/records';
import { FieldPath, parsePath } from './source';

/** A dotted path: in the file (`spark.version`; `''` is the entry itself) or in the props (`score.mainApplicationFile`). */
export type DottedPath = string;

/** A named converter of one YAML value into the prop's value (listed in the docs by name). */
export interface ValueConverter {
  /** The converter's name, e.g. `quantities`. */
  readonly name: string;
  /** What it does, for the docs. */
  readonly note: string;
  /** The prop's value for a value the file sets. */
  forward(value: unknown): unknown;
  /**
   * Where, below the YAML field, a problem with `rest` (a path below the prop) is written.
   * Without it, the same path below the field.
   */
  locate?(rest: FieldPath): FieldPath;
  /**
   * The value the file writes for a prop's value, for messages that suggest one (the inverse of
   * `forward` for one value). Without it, the value as it is.
   */
  back?(value: unknown): unknown;
}

/** A YAML field copied, or converted by a {@link ValueConverter}, onto one prop. */
export interface FieldRow {
  /** Field rows carry no kind. */
  readonly kind?: undefined;
  /** The field in the entry. */
  readonly yaml: DottedPath;
  /** The prop it becomes; inside a {@link GroupRow}'s prop, written only when that group exists. */
  readonly prop: DottedPath;
  /** How the value changes on the way. Without it, the value is passed as it is. */
  readonly convert?: ValueConverter;
  /** The prop's value when the file leaves the field out. Without it, the prop is left out too. */
  readonly unset?: () => unknown;
  /** Anything a reader of the docs should know. */
  readonly note?: string;
}

/** The construct id, which is the entry's `name`: not a prop, but constructs report problems with it as the field `id`. */
export interface IdRow {
  /** Marks the row. */
  readonly kind: 'id';
  /** The field holding the id (`name`). */
  readonly yaml: DottedPath;
  /** The field name constructs report (`id`). */
  readonly prop: DottedPath;
  /** For the docs. */
  readonly note?: string;
}

/**
 * An object prop filled by the rows below it (`score` from `main`, `args` and `schedule`). It exists
 * only when the file sets one of the `when` fields (or `always`); its rows write nothing otherwise.
 */
export interface GroupRow {
  /** Marks the row. */
  readonly kind: 'group';
  /** The object prop. */
  readonly prop: DottedPath;
  /** The fields whose presence creates it, or `always`. */
  readonly when: 'always' | readonly DottedPath[];
  /** Where a problem with the object itself, or with a part of it no row names, is written. */
  readonly at: DottedPath;
  /** Whether such a part's own path is appended to `at` (`keep`) or not (`drop`). */
  readonly rest: 'keep' | 'drop';
  /** Where every problem under the prop is written when the group does not exist. Without it, the usual rows apply. */
  readonly absentAt?: DottedPath;
  /** For the docs. */
  readonly note: string;
}

/**
 * A converter that builds several props from several YAML fields, with its inverse next to it (the
 * online model's `model`/`canary`/`shadow`/`variants` -> `variants`, for instance).
 */
export interface ComposedRow<E> {
  /** Marks the row. */
  readonly kind: 'composed';
  /** The converter's name. */
  readonly name: string;
  /** The fields it reads. */
  readonly yaml: readonly DottedPath[];
  /** The props it may write. */
  readonly props: readonly DottedPath[];
  /** For the docs. */
  readonly note: string;
  /** The props it writes for an entry, in order (undefined values are left out). */
  forward(entry: E): ReadonlyArray<readonly [DottedPath, unknown]>;
  /** Where in the entry a problem with `prop` (one of its props, or a path below one) is written. */
  inverse(entry: E, prop: FieldPath): FieldPath;
  /**
   * The field a message names for `prop` (see {@link yamlFieldOf}), when it is not where a problem with it
   * is written (a prop the entry does not give yet). @default - {@link ComposedRow.inverse}
   */
  field?(entry: E, prop: FieldPath): FieldPath;
  /** The value the file writes for a value of `prop`, for messages that suggest one. @default - the value as it is */
  back?(prop: DottedPath, value: unknown): unknown;
  /**
   * Fields of `yaml` that exclude each other: an entry may set fields of one of these groups only, as
   * `forward` reads one group and would drop the others (see {@link exclusiveFieldsGiven}). @default - none
   */
  readonly exclusive?: ReadonlyArray<readonly DottedPath[]>;
}

/** A YAML field that is no prop of the construct (`type`, a batch model's `description`, an online model's `tests`). */
export interface OtherRow {
  /** Marks the row. */
  readonly kind: 'other';
  /** The field. */
  readonly yaml: DottedPath;
  /** What becomes of it, for the docs. */
  readonly note: string;
}

/** One row of a {@link FieldTable}. */
export type MappingRow<E> = FieldRow | IdRow | GroupRow | ComposedRow<E> | OtherRow;

/** The mapping of one kind of entry onto one construct's props. */
export interface FieldTable<E> {
  /** The entry as the docs name it, e.g. `batch model`. */
  readonly entry: string;
  /** Where such entries are written in the file, e.g. `models[]` with `type: batch`. */
  readonly where: string;
  /** The construct, e.g. `SparkBatchModel`. */
  readonly construct: string;
  /** Its props interface, e.g. `SparkBatchModelProps`. */
  readonly propsType: string;
  /**
   * `table`: props are written in the order of the rows; `file`: in the order the entry's fields are
   * written in (for constructs that hash their props).
   */
  readonly order: 'table' | 'file';
  /** The rows. */
  readonly rows: ReadonlyArray<MappingRow<E>>;
}

/** Rows for fields passed on as they are, under the same name. */
export function asIs(...fields: readonly DottedPath[]): FieldRow[] {
  return fields.map((f) => ({ yaml: f, prop: f }));
}

/** The segments of a dotted path. */
function segments(path: DottedPath): string[] {
  return path === '' ? [] : path.split('.');
}

/** The value at a dotted path of an entry (undefined when a step is missing or not a map). */
function valueAt(entry: unknown, path: DottedPath): unknown {
  let v = entry;
  for (const s of segments(path)) {
    if (!isRecord(v)) return undefined;
    v = v[s];
  }
  return v;
}

/** True when `path` starts with `prefix` (and, with `strict`, is longer). */
function isUnder(path: FieldPath, prefix: readonly string[], strict = false): boolean {
  return path.length >= prefix.length + (strict ? 1 : 0) && prefix.every((s, i) => path[i] === s);
}

/** The table's groups. */
function groupsOf<E>(table: FieldTable<E>): GroupRow[] {
  return table.rows.filter((r): r is GroupRow => r.kind === 'group');
}

/** The props of the groups that exist for this entry. */
function existingGroups<E>(table: FieldTable<E>, entry: E): Set<DottedPath> {
  const exists = (g: GroupRow) => g.when === 'always' || g.when.some((p) => valueAt(entry, p) !== undefined);
  return new Set(
    groupsOf(table)
      .filter(exists)
      .map((g) => g.prop),
  );
}

/** The rows in the order their props are written. */
function rowsInOrder<E>(table: FieldTable<E>, entry: E): ReadonlyArray<MappingRow<E>> {
  if (table.order === 'table') return table.rows;
  const keys = isRecord(entry) ? Object.keys(entry) : [];
  const position = (r: MappingRow<E>) => {
    const first = segments(r.kind === 'composed' ? (r.yaml[0] ?? '') : r.kind === 'group' ? r.at : r.yaml)[0];
    const i = first === undefined ? -1 : keys.indexOf(first);
    return i < 0 ? keys.length : i;
  };
  return [...table.rows].sort((a, b) => position(a) - position(b));
}

/** Sets `value` at `path` in `out`, creating the maps on the way. */
function setAt(out: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = out;
  path.slice(0, -1).forEach((s) => {
    if (!isRecord(node[s])) node[s] = {};
    node = node[s] as Record<string, unknown>;
  });
  node[path[path.length - 1]] = value;
}

/** A field row's prop value for an entry. */
function fieldValue(row: FieldRow, entry: unknown): unknown {
  const v = valueAt(entry, row.yaml);
  if (v === undefined) return row.unset?.();
  return row.convert ? row.convert.forward(v) : v;
}

/**
 * An entry of the file as the construct's props. Props whose value would be undefined are absent
 * (constructs see only what the file, or its defaults, set).
 */
export function forwardProps<E>(table: FieldTable<E>, entry: E): Record<string, unknown> {
  const groups = groupsOf(table);
  const exist = existingGroups(table, entry);
  const out: Record<string, unknown> = {};
  const write = (prop: DottedPath, value: unknown) => {
    const path = segments(prop);
    if (value === undefined || groups.some((g) => !exist.has(g.prop) && isUnder(path, segments(g.prop), true))) return;
    setAt(out, path, value);
  };
  for (const row of rowsInOrder(table, entry)) {
    if (row.kind === 'group') {
      if (exist.has(row.prop) && valueAt(out, row.prop) === undefined) setAt(out, segments(row.prop), {});
    } else if (row.kind === 'composed') {
      for (const [prop, value] of row.forward(entry)) write(prop, value);
    } else if (row.kind === undefined) {
      write(row.prop, fieldValue(row, entry));
    }
  }
  return out;
}

/** The props a row answers for in the inverse direction. */
function propsOf<E>(row: MappingRow<E>): readonly DottedPath[] {
  if (row.kind === 'composed') return row.props;
  return row.kind === 'other' ? [] : [row.prop];
}

/** The row whose prop is the longest prefix of `path` (a group only when no other row is as long). */
function bestRow<E>(table: FieldTable<E>, path: FieldPath): { row: MappingRow<E>; depth: number } | undefined {
  let best: { row: MappingRow<E>; depth: number; score: number } | undefined;
  for (const row of table.rows) {
    for (const prop of propsOf(row)) {
      const segs = segments(prop);
      const score = segs.length * 2 + (row.kind === 'group' ? 0 : 1);
      if (isUnder(path, segs) && (best === undefined || score > best.score)) best = { row, depth: segs.length, score };
    }
  }
  return best;
}

/**
 * Where in the entry the value of a props field is written: `field` as a construct's validation names
 * it (`score.arguments[1]`, `sparkConf["spark.x"]`), the result a path in the entry (`['args', 1]`).
 * A prop the table does not name is written under the same name (`retryIntervalSeconds`), which the
 * file cannot set: the position then falls back to the entry, where the value would be added.
 */
export function yamlPathOf<E>(table: FieldTable<E>, entry: E, field: string): FieldPath {
  const path = parsePath(field);
  const exist = existingGroups(table, entry);
  const absent = groupsOf(table).find((g) => g.absentAt !== undefined && !exist.has(g.prop) && isUnder(path, segments(g.prop)));
  if (absent) return segments(absent.absentAt!);
  const match = bestRow(table, path);
  if (!match) return path;
  const rest = path.slice(match.depth);
  const row = match.row;
  if (row.kind === 'composed') return row.inverse(entry, path);
  if (row.kind === 'group') return [...segments(row.at), ...(row.rest === 'keep' ? rest : [])];
  if (row.kind === 'other') return path;
  const below = row.kind === undefined && row.convert?.locate ? row.convert.locate(rest) : rest;
  return [...segments(row.yaml), ...below];
}

/**
 * The field of the entry that sets `prop`, for messages that name the prop (`autoscaling.minReplicas`
 * -> `replicas.min`, `backend` -> `server`); undefined when no field sets it (a prop the file cannot
 * write, or a part of an object prop no row names). Unlike {@link yamlPathOf} it never falls back to
 * where a problem would be shown: a message must name a field the user can write.
 */
export function yamlFieldOf<E>(table: FieldTable<E>, entry: E, prop: DottedPath): FieldPath | undefined {
  const path = parsePath(prop);
  const match = bestRow(table, path);
  if (!match) return undefined;
  const rest = path.slice(match.depth);
  const row = match.row;
  if (row.kind === 'composed') return (row.field ?? row.inverse)(entry, path);
  if (row.kind === 'group') return rest.length === 0 && row.at !== '' ? segments(row.at) : undefined;
  if (row.kind === 'other') return undefined;
  return [...segments(row.yaml), ...rest];
}

/** True when a row of the table writes a prop below `prop` (`autoscaling.rabbitmq.queueName` below `autoscaling`). */
function hasRowsBelow<E>(table: FieldTable<E>, prop: DottedPath): boolean {
  return table.rows.some((r) => propsOf(r).some((p) => p.startsWith(`${prop}.`)));
}

/**
 * A props value a message suggests, split into the props the table's rows write: `pythonEnv` =
 * `{ archive, pythonVersion }` is two props, `pythonEnv.archive` and `pythonEnv.pythonVersion`, which the
 * file writes as `environment` and `python`. A value of a prop no row splits is one leaf.
 */
export function propLeaves<E>(table: FieldTable<E>, prop: DottedPath, value: unknown): Array<readonly [DottedPath, unknown]> {
  if (!isRecord(value) || !hasRowsBelow(table, prop)) return [[prop, value]];
  return Object.entries(value).flatMap(([k, v]) => propLeaves(table, `${prop}.${k}`, v));
}

/** A prop's value as the file writes it (`cascade.outputTable` = `"db.table"` -> `"hive://db.table"`), through its row's `back`. */
export function yamlValueOf<E>(table: FieldTable<E>, prop: DottedPath, value: unknown): unknown {
  const path = parsePath(prop);
  const match = bestRow(table, path);
  const row = match?.row;
  if (row?.kind === 'composed') return row.back ? row.back(prop, value) : value;
  if (row?.kind === undefined && row?.convert?.back && match!.depth === path.length) return row.convert.back(value);
  return value;
}

/** Fields an entry sets together that a row of its table reads instead of each other (the later ones would be dropped). */
export interface ExclusiveFields {
  /** The field of the first group the entry sets. */
  readonly field: DottedPath;
  /** The fields of the other groups it sets too. */
  readonly with: readonly DottedPath[];
}

/** Each composed row's {@link ComposedRow.exclusive} groups the entry sets more than one of: `variants` with `canary`. */
export function exclusiveFieldsGiven<E>(table: FieldTable<E>, entry: E): ExclusiveFields[] {
  const out: ExclusiveFields[] = [];
  for (const row of table.rows) {
    if (row.kind !== 'composed' || !row.exclusive) continue;
    const given = row.exclusive.map((group) => group.filter((f) => valueAt(entry, f) !== undefined)).filter((g) => g.length > 0);
    if (given.length > 1) out.push({ field: given[0][0], with: given.slice(1).flat() });
  }
  return out;
}
