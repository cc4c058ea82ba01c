/**
 * Plain-data helpers every layer shares: record tests, deep merge, key-sorted copies, dropping
 * undefined values, duplicates. Written once here; nothing else defines its own.
 */

/** True for a plain record (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Sets an own, enumerable property, even for a key such as `__proto__` (which plain assignment would
 * turn into a change of the object's prototype: keys come from YAML and JSON a user wrote).
 */
function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Deep merge of plain records: maps merge key by key, while arrays and scalars from `over` replace
 * those in `base`. Neither input is modified.
 */
export function deepMerge(base: Readonly<Record<string, unknown>>, over: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(base)) setOwn(out, k, v);
  for (const [k, v] of Object.entries(over)) {
    const b = Object.prototype.hasOwnProperty.call(out, k) ? out[k] : undefined;
    setOwn(out, k, isRecord(b) && isRecord(v) ? deepMerge(b, v) : v);
  }
  return out;
}

/** A copy of a record with its keys in sorted order (deterministic output). */
export function sortedRecord<T>(rec: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(rec).sort()) setOwn(out, k, rec[k]);
  return out;
}

/** A copy of an object without its undefined values. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The names that occur more than once, in first-seen order. */
export function duplicates(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const n of names) (seen.has(n) ? dup : seen).add(n);
  return [...dup];
}
