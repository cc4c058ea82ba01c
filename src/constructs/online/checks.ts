/**
 * Small pure checks the online constructs share: unknown keys, Secret names, and table-driven field
 * rules. Each records issues on a {@link Validator} and returns whether the value passed.
 */
import type { Validator } from '../../core/errors';
import type { Wording } from '../../core/words';
import { isRecord } from '../../core/records';
import { checkText, dnsSubdomainProblem, INT32_MAX, wholeNumberProblem } from '../../core/validate';

/** isRecord without type narrowing: props keep their declared types after the check. */
export function isObj(x: unknown): boolean {
  return isRecord(x);
}

/**
 * Refuses every key of `obj` that is not in `known`, as `<prefix>.<key>` (or `<key>` without a prefix),
 * with the given problem and a fix listing the known keys. True when every key is known.
 */
export function checkKnownKeys(v: Validator, prefix: string, obj: object, known: readonly string[], problem: string): boolean {
  let ok = true;
  for (const k of Object.keys(obj))
    ok = v.check(known.includes(k), prefix ? `${prefix}.${k}` : k, k, problem, `use only ${known.join(', ')}`) && ok;
  return ok;
}

/** Checks that `value` names a Secret (credentials are only ever referenced, never written). */
export function checkSecretName(v: Validator, field: string, value: unknown): boolean {
  const p = dnsSubdomainProblem(value);
  return v.check(
    p === undefined,
    field,
    value,
    p ?? '',
    'name an existing Secret in the team namespace (credentials are only ever referenced, never written)',
  );
}

/** One row of a table of field checks: the field's value, or its default, must pass `ok`. */
export interface FieldRule {
  /** The field's key in its object. */
  readonly key: string;
  /** The value used (and checked) when the field is not given. @default - none: the field is checked as given */
  readonly default?: unknown;
  /** Skip the check when the field is not given. @default false */
  readonly optional?: boolean;
  /** The test the value must pass. */
  readonly ok: (x: unknown) => boolean;
  /** What is wrong when it does not. */
  readonly problem: string;
  /** What to do instead. */
  readonly fix: Wording;
}

/** The result of {@link checkFields}: whether every rule held, and each field's value with its default. */
export interface CheckedFields {
  /** Every rule held. */
  readonly ok: boolean;
  /** Each rule's field value, defaulted. */
  readonly values: Readonly<Record<string, unknown>>;
}

/** Applies `rules` in order to the fields of `obj`, naming each field `<prefix>.<key>`. */
export function checkFields(
  v: Validator,
  prefix: string,
  obj: Readonly<Record<string, unknown>>,
  rules: readonly FieldRule[],
): CheckedFields {
  let ok = true;
  const values: Record<string, unknown> = {};
  for (const r of rules) {
    const x = r.default === undefined ? obj[r.key] : (obj[r.key] ?? r.default);
    values[r.key] = x;
    if (r.optional && x === undefined) continue;
    ok = v.check(r.ok(x), `${prefix}.${r.key}`, x, r.problem, r.fix) && ok;
  }
  return { ok, values };
}

/** A whole number of at least `min` (table rules). */
export function wholeAtLeast(min: number): (x: unknown) => boolean {
  return (x) => Number.isInteger(x) && (x as number) >= min;
}

/** A whole number from `min` to `max`, both included (table rules); `max` is Kubernetes' int32 limit unless the consumer's is lower. */
export function wholeBetween(min: number, max: number = INT32_MAX): (x: unknown) => boolean {
  return (x) => wholeNumberProblem(x, min, max) === undefined;
}

/**
 * Checks that a string field holds only characters a generated file can carry (`textProblem`: no control
 * characters, U+0085, U+2028/U+2029, ...; line breaks only when `multiline`). Values that are not strings
 * are left to the field's own check. True when the value passed (or is not a string).
 */
export function checkPlainText(v: Validator, field: string, value: unknown, multiline = false): boolean {
  return typeof value !== 'string' || checkText(v, field, value, { multiline });
}
