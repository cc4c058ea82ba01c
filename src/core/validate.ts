/**
 * Pure checks shared by every construct: Kubernetes names, quantities, cron expressions, URIs.
 * Each returns a problem sentence, or undefined when the value is fine, so that callers can word
 * the fix for their own field.
 */
import type { Validator } from './errors';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Problem with a DNS-1123 label (namespaces, Services, most names), or undefined. */
export function dnsLabelProblem(value: unknown, maxLength = 63): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty string';
  if (value.length > maxLength) return `is ${value.length} characters long, the limit is ${maxLength}`;
  if (!DNS_LABEL.test(value)) {
    return 'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit';
  }
  return undefined;
}

/** Problem with a DNS-1123 subdomain (label keys' prefixes, ConfigMap names), or undefined. */
export function dnsSubdomainProblem(value: unknown, maxLength = 253): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty string';
  if (value.length > maxLength) return `is ${value.length} characters long, the limit is ${maxLength}`;
  if (!DNS_SUBDOMAIN.test(value)) return 'must be a DNS-1123 subdomain: lower-case letters, digits, "-" and "."';
  return undefined;
}

/** Checks a name field as a DNS-1123 label on a validator. */
export function checkName(v: Validator, field: string, value: unknown, maxLength = 63): boolean {
  const problem = dnsLabelProblem(value, maxLength);
  const rule = `at most ${maxLength} lower-case letters, digits and "-"`;
  // Left out, there is nothing to suggest a name from: say what to write.
  const fix = value === undefined ? `add it: ${rule}, e.g. risk-scoring` : `use ${rule}, e.g. "${suggestName(value, maxLength)}"`;
  return v.check(problem === undefined, field, value, problem ?? '', fix);
}

/** A best-effort DNS-1123 label made from any input, for use in error messages. */
export function suggestName(value: unknown, maxLength = 63): string {
  const text = String(value ?? 'name')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/g, '');
  return text.length > 0 ? text : 'name'.slice(0, maxLength);
}

const QUANTITY = /^[+]?(\d+(\.\d*)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][-+]?\d+)?$/;

/**
 * What a quantity measures, for the bounds Kubernetes puts on it: `cpu` (cores, counted in whole
 * millicores, at least 1m) or `bytes` (memory and storage, counted in whole bytes). Without a kind, only
 * the bounds every quantity has apply.
 */
export type QuantityKind = 'cpu' | 'bytes';

/** The largest value Kubernetes' resource.Quantity holds in its base unit (and a CPU amount in millicores): 2^63-1. */
export const QUANTITY_MAX = 2n ** 63n - 1n;

/** Quantity text longer than this is refused before it is computed with. */
const QUANTITY_MAX_LENGTH = 100;

/**
 * Problem with a Kubernetes resource quantity (`500m`, `2`, `4Gi`), or undefined. Beyond the syntax, a
 * quantity must be what the API server keeps as written: at most 2^63-1 in its base unit (the API server
 * caps larger values), and no finer than a thousandth ("1m"; finer values are rounded up). With a `kind`:
 * CPU is counted in millicores, so it is at least 1m (the API server rounds a smaller request up to 1m) and
 * at most 2^63-1 millicores; memory and storage are whole bytes.
 */
export function quantityProblem(value: unknown, kind?: QuantityKind): string | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return 'must be a non-negative number';
  } else if (typeof value !== 'string' || !QUANTITY.test(value)) {
    return 'is not a Kubernetes quantity (examples: "500m", "2", "512Mi", "4Gi")';
  } else if (value.length > QUANTITY_MAX_LENGTH) {
    return `is ${value.length} characters long; write the quantity in at most ${QUANTITY_MAX_LENGTH} (e.g. "4Gi")`;
  }
  return boundsProblem(exactQuantity(value), kind);
}

const TOO_LARGE = 'is more than Kubernetes holds';

function boundsProblem(q: ExactQuantity, kind: QuantityKind | undefined): string | undefined {
  const millis = q.n * 1000n;
  if (kind === 'cpu') {
    if (q.huge || millis > QUANTITY_MAX * q.d) return `${TOO_LARGE}: a CPU amount is at most 2^63-1 millicores (9223372036854775807m)`;
    if (q.n === 0n) return 'is 0; a container needs some CPU: at least 1m (a thousandth of a CPU)';
    if (q.tiny || millis < q.d) return 'is below 1m, the smallest CPU amount; the API server would round it up to 1m';
    if (millis % q.d !== 0n)
      return 'is finer than 1m (a thousandth of a CPU), the step Kubernetes counts CPU in; the API server would round it up';
    return undefined;
  }
  if (q.huge || q.n > QUANTITY_MAX * q.d) {
    const unit = kind === 'bytes' ? 'bytes (about 8Ei)' : 'in its unit (cores, bytes, ...)';
    return `${TOO_LARGE}: a quantity is at most 2^63-1 (9223372036854775807) ${unit}`;
  }
  if (kind === 'bytes' && (q.tiny || q.n % q.d !== 0n))
    return 'is not a whole number of bytes; Kubernetes counts memory and storage in bytes and would round it up';
  if (q.tiny || millis % q.d !== 0n) return 'has more than three decimal places (finer than "1m"); the API server would round it up';
  return undefined;
}

/** Checks a quantity field on a validator (with the bounds of its `kind`, see {@link quantityProblem}). */
export function checkQuantity(v: Validator, field: string, value: unknown, example: string, kind?: QuantityKind): boolean {
  const problem = quantityProblem(value, kind);
  return v.check(problem === undefined, field, value, problem ?? '', `write it like "${example}"`);
}

/**
 * Checks that a limit (e.g. `resources.cpuLimit`) is at least its request: the API server rejects a
 * container whose limit is below its request. Quantities that are themselves invalid are left to checkQuantity.
 */
export function checkLimitAtLeastRequest(v: Validator, field: string, limit: unknown, requestField: string, request: unknown): boolean {
  if (quantityProblem(limit) !== undefined || quantityProblem(request) !== undefined) return true;
  return v.check(
    compareQuantities(limit as string | number, request as string | number) >= 0,
    field,
    limit,
    `is below ${requestField} (${String(request)}); the API server rejects a container whose limit is below its request`,
    `raise it to at least ${String(request)}, or leave it out (the default is twice the request)`,
  );
}

/** Requests and limits as {@link checkResourceSpec} reads them (the shape of core/security's ResourceSpec). */
export interface ResourceSpecInput {
  /** CPU request. */
  readonly cpu: unknown;
  /** Memory request and limit. */
  readonly memory: unknown;
  /** CPU limit. @default - twice the request */
  readonly cpuLimit?: unknown;
  /** Ephemeral storage. @default - none given */
  readonly ephemeralStorage?: unknown;
}

/**
 * Checks a container's requests and limits under `prefix` (e.g. `resources`): CPU in whole millicores from
 * 1m, memory and ephemeral storage in whole bytes, all within Kubernetes' range, and a CPU limit at least
 * the request (compared exactly). `examples` words the fixes. True when everything passed.
 */
export function checkResourceSpec(
  v: Validator,
  prefix: string,
  r: ResourceSpecInput,
  examples: { readonly cpu: string; readonly memory: string; readonly ephemeralStorage?: string } = { cpu: '500m', memory: '1Gi' },
): boolean {
  let ok = checkQuantity(v, `${prefix}.cpu`, r.cpu, examples.cpu, 'cpu');
  ok = checkQuantity(v, `${prefix}.memory`, r.memory, examples.memory, 'bytes') && ok;
  if (r.cpuLimit !== undefined) {
    const limitOk = checkQuantity(v, `${prefix}.cpuLimit`, r.cpuLimit, '2', 'cpu');
    ok = limitOk && checkLimitAtLeastRequest(v, `${prefix}.cpuLimit`, r.cpuLimit, `${prefix}.cpu`, r.cpu) && ok;
  }
  if (r.ephemeralStorage !== undefined)
    ok = checkQuantity(v, `${prefix}.ephemeralStorage`, r.ephemeralStorage, examples.ephemeralStorage ?? '2Gi', 'bytes') && ok;
  return ok;
}

const SUFFIX: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** Parses a valid quantity into a number of base units (cores or bytes), as a floating-point approximation. */
export function parseQuantity(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = /^[+]?((?:\d+(?:\.\d*)?|\.\d+))(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][-+]?\d+)?$/.exec(value);
  if (!m) throw new Error(`not a quantity: ${value}`);
  const suffix = m[2] ?? '';
  if (/^[eE][-+]?\d+$/.test(suffix)) return Number(m[1]) * 10 ** Number(suffix.slice(1));
  return Number(m[1]) * SUFFIX[suffix];
}

const BINARY_EXPONENT: Record<string, bigint> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };
const DECIMAL_EXPONENT: Record<string, bigint> = { '': 0n, m: -3n, k: 3n, M: 6n, G: 9n, T: 12n, P: 15n, E: 18n };
/** Decimal exponents beyond this are not computed: with at most 100 digits the value is out of every bound. */
const EXPONENT_GUARD = 200;

/**
 * A valid quantity as an exact fraction `n / d` of base units (no floating-point rounding). A decimal
 * exponent beyond ±200 is not computed (10^999999999 would not fit in memory): the value is then
 * flagged `huge` or `tiny` (non-zero, below 10^-100), with `n` and `d` standing in for the bounds.
 */
interface ExactQuantity {
  readonly n: bigint;
  readonly d: bigint;
  readonly huge?: boolean;
  readonly tiny?: boolean;
}

function exactQuantity(value: string | number): ExactQuantity {
  const text = typeof value === 'number' ? String(value).replace('e+', 'e') : value;
  const m = /^[+]?(\d*)(?:\.(\d*))?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][-+]?\d+)?$/.exec(text);
  if (!m) throw new Error(`not a quantity: ${value}`);
  const [, whole, frac = '', suffix = ''] = m;
  let n = BigInt(`${whole}${frac}` || '0');
  let d = 10n ** BigInt(frac.length);
  const exponent = /^[eE][-+]?\d+$/.test(suffix);
  const given = exponent ? Number(suffix.slice(1)) : 0;
  if (n !== 0n && given > EXPONENT_GUARD) return { n: QUANTITY_MAX * 1000n + 1n, d: 1n, huge: true };
  if (n !== 0n && given < -EXPONENT_GUARD) return { n: 1n, d: 10n ** 100n, tiny: true };
  const exp = suffix in DECIMAL_EXPONENT ? DECIMAL_EXPONENT[suffix] : exponent && n !== 0n ? BigInt(given) : 0n;
  if (exp >= 0n) n *= 10n ** exp;
  else d *= 10n ** -exp;
  if (suffix in BINARY_EXPONENT) n *= 2n ** BINARY_EXPONENT[suffix];
  return { n, d };
}

/**
 * Compares two valid quantities exactly: -1, 0 or 1 as `a` is less than, equal to or more than `b`
 * (`"37532m"` equals `"37.532"`, which a comparison of floating-point values gets wrong).
 */
export function compareQuantities(a: string | number, b: string | number): -1 | 0 | 1 {
  const x = exactQuantity(a);
  const y = exactQuantity(b);
  const l = x.n * y.d;
  const r = y.n * x.d;
  return l < r ? -1 : l > r ? 1 : 0;
}

/**
 * A CPU quantity times `factor`, in whole millicores rounded up as the API server rounds (`"0.0001"` -> 1n),
 * capped at {@link QUANTITY_MAX}; undefined when `cpu` is not a quantity. Exact: no floating point.
 */
export function cpuMillicores(cpu: string | number, factor = 1n): bigint | undefined {
  if (typeof cpu === 'number' ? !Number.isFinite(cpu) || cpu < 0 : !QUANTITY.test(cpu) || cpu.length > QUANTITY_MAX_LENGTH)
    return undefined;
  const q = exactQuantity(cpu);
  if (q.huge) return QUANTITY_MAX;
  const scaled = q.n * 1000n * factor;
  const millis = scaled / q.d + (scaled % q.d === 0n ? 0n : 1n);
  return millis > QUANTITY_MAX ? QUANTITY_MAX : millis;
}

/**
 * A quantity in whole base units (bytes for memory), rounded up as the API server rounds, capped at
 * {@link QUANTITY_MAX}; undefined when `q` is not a quantity. Exact: no floating point.
 */
export function quantityUnits(q: string | number): bigint | undefined {
  if (typeof q === 'number' ? !Number.isFinite(q) || q < 0 : !QUANTITY.test(q) || q.length > QUANTITY_MAX_LENGTH) return undefined;
  const x = exactQuantity(q);
  if (x.huge) return QUANTITY_MAX;
  const units = x.n / x.d + (x.n % x.d === 0n ? 0n : 1n);
  return units > QUANTITY_MAX ? QUANTITY_MAX : units;
}

const CRON_FIELDS: Array<{ name: string; min: number; max: number; names?: string[] }> = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];
const CRON_MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/**
 * Problem with a five-field cron expression as Airflow, Argo and Kubernetes CronJobs accept it
 * (ranges, lists, steps, month and weekday names, and the @daily-style macros), or undefined.
 */
export function cronProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a non-empty cron expression';
  // Fields are separated by ASCII spaces and tabs only, as cron, Airflow (croniter) and Kubernetes split them.
  const other = /[^\S \t]/.exec(value);
  if (other) {
    const where = `at position ${other.index + 1}`;
    return `contains ${characterName(other[0].charCodeAt(0))} ${where}; cron separates its fields with plain spaces only`;
  }
  const text = value.replace(/^[ \t]+|[ \t]+$/g, '');
  if (text.length === 0) return 'must be a non-empty cron expression';
  if (text.startsWith('@')) {
    return CRON_MACROS.includes(text) ? undefined : `is not a known macro (${CRON_MACROS.join(', ')})`;
  }
  const parts = text.split(/[ \t]+/);
  if (parts.length !== 5) return `has ${parts.length} fields; cron needs 5 (minute hour day-of-month month day-of-week)`;
  for (let i = 0; i < 5; i++) {
    const spec = CRON_FIELDS[i];
    for (const item of parts[i].split(',')) {
      const problem = cronItemProblem(item, spec, parts[i]);
      if (problem) return `${spec.name} field ${parts[i]} ${problem}`;
    }
  }
  return undefined;
}

/**
 * What is wrong with one item of a cron field (`61`, `5-1`, `*\/0`), worded after the field: `is out of
 * range 0-59` when the bad value is the whole field, `has 61, out of range 0-59` when it is a part of it.
 */
function cronItemProblem(item: string, spec: (typeof CRON_FIELDS)[number], field: string): string | undefined {
  const [range, step, extra] = item.split('/');
  if (extra !== undefined) return 'has more than one "/"';
  if (step !== undefined && !/^\d+$/.test(step)) return `has a step "${step}" that is not a number`;
  if (step !== undefined && Number(step) === 0) return 'has a step of 0';
  if (range === '*') return undefined;
  const bounds = range.split('-');
  if (bounds.length > 2) return `has a bad range "${range}"`;
  const bad = bounds.find((b) => cronValue(b, spec) === undefined);
  if (bad !== undefined) {
    const names = spec.names ? ` (or ${spec.names[0]}-${spec.names[spec.names.length - 1]})` : '';
    const what = /^\d+$/.test(bad)
      ? `out of range ${spec.min}-${spec.max}${names}`
      : `not a number from ${spec.min} to ${spec.max}${names}`;
    return bad === field ? `is ${what}` : `has ${bad}, ${what}`;
  }
  const nums = bounds.map((b) => cronValue(b, spec) as number);
  if (nums.length === 2 && nums[0] > nums[1]) return `has a reversed range "${range}"`;
  return undefined;
}

function cronValue(text: string, spec: (typeof CRON_FIELDS)[number]): number | undefined {
  const named = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + spec.min;
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= spec.min && n <= spec.max ? n : undefined;
}

/** Checks a cron field on a validator. */
export function checkCron(v: Validator, field: string, value: unknown): boolean {
  const problem = cronProblem(value);
  return v.check(
    problem === undefined,
    field,
    value,
    problem ?? '',
    'use five fields separated by plain spaces, e.g. "0 3 * * *" for 03:00 every day',
  );
}

/** Problem with an image reference: it must name a tag or digest other than `latest`. */
export function imageProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty image reference';
  const text = textProblem(value);
  if (text !== undefined) return text;
  if (/\s/.test(value)) return 'must not contain spaces';
  if (value.includes('@sha256:')) return undefined;
  const lastSegment = value.slice(value.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  if (colon < 0) return 'has no tag; an untagged image means `latest` and changes under you';
  if (lastSegment.slice(colon + 1) === 'latest') return 'uses the `latest` tag, which changes under you';
  return undefined;
}

/** Checks an image field on a validator. */
export function checkImage(v: Validator, field: string, value: unknown): boolean {
  const problem = imageProblem(value);
  return v.check(
    problem === undefined,
    field,
    value,
    problem ?? '',
    'pin a version tag or digest, e.g. "registry.example.com/team/model:1.4.2"',
  );
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Problem with a label (or taint) key: `[prefix/]name`, prefix a DNS-1123 subdomain, name at most 63 characters, or undefined. */
export function labelKeyProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty string';
  const slash = value.lastIndexOf('/');
  const prefix = slash >= 0 ? value.slice(0, slash) : undefined;
  const name = slash >= 0 ? value.slice(slash + 1) : value;
  if (prefix !== undefined && dnsSubdomainProblem(prefix) !== undefined) return `has a prefix "${prefix}" that is not a DNS-1123 subdomain`;
  if (name.length > 63) return `has a name part of ${name.length} characters, the limit is 63`;
  if (!LABEL_NAME.test(name))
    return 'must be [prefix/]name with a name of letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  return undefined;
}

/** Problem with a label (or taint) value: empty, or at most 63 letters, digits, "-", "_" and "." starting and ending alphanumeric; or undefined. */
export function labelValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (value.length > 63) return `is ${value.length} characters long, the limit is 63`;
  if (value !== '' && !LABEL_NAME.test(value))
    return 'must be letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  return undefined;
}

/** The largest value of a Kubernetes int32 field (replicas, counts, ports, seconds in most APIs). */
export const INT32_MAX = 2_147_483_647;

/** Problem with a whole number that must lie in `min`..`max` (both included), or undefined. */
export function wholeNumberProblem(value: unknown, min: number, max: number = INT32_MAX): string | undefined {
  const whole = typeof value === 'number' && Number.isInteger(value);
  return whole && value >= min && value <= max ? undefined : `must be a whole number from ${min} to ${max}`;
}

/**
 * Checks a whole-number field on a validator: `min`..`max` (the consumer's limit, or {@link INT32_MAX}
 * for a Kubernetes int32 field), worded with its `unit` (e.g. "seconds") and an example for the fix.
 */
export function checkWholeNumber(
  v: Validator,
  field: string,
  value: unknown,
  range: { readonly min: number; readonly max?: number; readonly unit?: string; readonly example: string },
): boolean {
  const max = range.max ?? INT32_MAX;
  const problem = wholeNumberProblem(value, range.min, max);
  const unit = range.unit ? ` ${range.unit}` : '';
  return v.check(problem === undefined, field, value, `${problem ?? ''}${unit}`, `set e.g. ${range.example}`);
}

/** How messages name a character: its code point and, for the invisible ones, what it is (`U+00A0 (no-break space)`). */
export function characterName(code: number): string {
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const names: Record<number, string> = {
    0: 'NUL',
    9: 'tab',
    10: 'line feed',
    11: 'vertical tab',
    12: 'form feed',
    13: 'carriage return',
    0x7f: 'DEL',
    0x85: 'next line',
    0xa0: 'no-break space',
    0x1680: 'ogham space mark',
    0x2007: 'figure space',
    0x2009: 'thin space',
    0x200a: 'hair space',
    0x2028: 'line separator',
    0x2029: 'paragraph separator',
    0x202f: 'narrow no-break space',
    0x205f: 'medium mathematical space',
    0x3000: 'ideographic space',
    0xfeff: 'byte order mark',
  };
  if (names[code]) return `${hex} (${names[code]})`;
  if (code >= 0x2000 && code <= 0x2006) return `${hex} (a typographic space)`;
  if (code >= 0xd800 && code <= 0xdfff) return `${hex} (half of a surrogate pair, not a character)`;
  if (isNoncharacter(code)) return `${hex} (a noncharacter)`;
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `${hex} (a control character)` : hex;
}

/** The 66 noncharacters: U+FDD0..U+FDEF and the last two code points of every plane (U+FFFE, U+FFFF, U+1FFFE, ...). */
function isNoncharacter(code: number): boolean {
  return (code >= 0xfdd0 && code <= 0xfdef) || (code & 0xfffe) === 0xfffe;
}

/** True for a code point {@link textProblem} refuses. */
function refusedCharacter(code: number, multiline: boolean): boolean {
  if (code < 0x20) return code !== 9 && !(multiline && (code === 10 || code === 13));
  return (
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0xfeff ||
    (code >= 0xd800 && code <= 0xdfff) ||
    isNoncharacter(code)
  );
}

/** Where {@link textProblemAt} found a refused character. */
export interface TextProblem {
  /** The character's offset in the string (UTF-16 code units, as `String.prototype.slice` counts). */
  readonly index: number;
  /** The problem sentence, naming the character and its position (counted in characters, from 1). */
  readonly problem: string;
}

/**
 * The first refused character of `value` (see {@link textProblem}) with its offset, or undefined when
 * every character is allowed. Callers that know where the text sits (a file) locate the character with `index`.
 */
export function textProblemAt(value: string, options: { readonly multiline?: boolean } = {}): TextProblem | undefined {
  let position = 0;
  for (let i = 0; i < value.length; i++) {
    const index = i;
    let code = value.charCodeAt(i);
    position++;
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        i++;
      }
    }
    if (refusedCharacter(code, options.multiline === true)) {
      const problem = `contains ${characterName(code)} at position ${position}, which breaks or changes the generated files`;
      return { index, problem };
    }
  }
  return undefined;
}

/**
 * Problem with free text that ends up in generated files (Python source, YAML, JSON, shell arguments), or
 * undefined: control characters (C0 but tab, and line breaks unless `multiline`; DEL; C1, which includes
 * U+0085 next line), the line and paragraph separators U+2028/U+2029, the byte order mark, noncharacters
 * (U+FDD0..U+FDEF and U+FFFE/U+FFFF of every plane) and lone surrogates are refused — they change meaning or
 * break parsing on the way through YAML and Python. Tabs, line breaks (when allowed) and every other Unicode
 * character, emoji included, are fine. The position in the message counts characters from 1.
 */
export function textProblem(value: unknown, options: { readonly multiline?: boolean } = {}): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  return textProblemAt(value, options)?.problem;
}

/** Checks a free-text field on a validator with {@link textProblem}. */
export function checkText(v: Validator, field: string, value: unknown, options: { readonly multiline?: boolean } = {}): boolean {
  const problem = textProblem(value, options);
  return v.check(
    problem === undefined,
    field,
    value,
    problem ?? '',
    'remove the character (write plain text; tabs and, where allowed, line breaks are fine)',
  );
}
