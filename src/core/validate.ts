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
  return v.check(
    problem === undefined,
    field,
    value,
    problem ?? '',
    `use at most ${maxLength} lower-case letters, digits and "-", e.g. "${suggestName(value, maxLength)}"`,
  );
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

/** Problem with a Kubernetes resource quantity (`500m`, `2`, `4Gi`), or undefined. */
export function quantityProblem(value: unknown): string | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? undefined : 'must be a non-negative number';
  }
  if (typeof value !== 'string' || !QUANTITY.test(value)) {
    return 'is not a Kubernetes quantity (examples: "500m", "2", "512Mi", "4Gi")';
  }
  return undefined;
}

/** Checks a quantity field on a validator. */
export function checkQuantity(v: Validator, field: string, value: unknown, example: string): boolean {
  const problem = quantityProblem(value);
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

/** Parses a valid quantity into a number of base units (cores or bytes). */
export function parseQuantity(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = /^[+]?((?:\d+(?:\.\d*)?|\.\d+))(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][-+]?\d+)?$/.exec(value);
  if (!m) throw new Error(`not a quantity: ${value}`);
  const suffix = m[2] ?? '';
  if (/^[eE]/.test(suffix)) return Number(m[1]) * 10 ** Number(suffix.slice(1));
  return Number(m[1]) * SUFFIX[suffix];
}

const BINARY_EXPONENT: Record<string, bigint> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };
const DECIMAL_EXPONENT: Record<string, bigint> = { '': 0n, m: -3n, k: 3n, M: 6n, G: 9n, T: 12n, P: 15n, E: 18n };

/** A valid quantity as an exact fraction `n / d` of base units (no floating-point rounding). */
function exactQuantity(value: string | number): { n: bigint; d: bigint } {
  const text = typeof value === 'number' ? String(value).replace('e+', 'e') : value;
  const m = /^[+]?(\d*)(?:\.(\d*))?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][-+]?\d+)?$/.exec(text);
  if (!m) throw new Error(`not a quantity: ${value}`);
  const [, whole, frac = '', suffix = ''] = m;
  let n = BigInt(`${whole}${frac}` || '0');
  let d = 10n ** BigInt(frac.length);
  const exp = suffix in DECIMAL_EXPONENT ? DECIMAL_EXPONENT[suffix] : /^[eE]/.test(suffix) ? BigInt(suffix.slice(1)) : 0n;
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
  if (typeof value !== 'string' || value.trim().length === 0) return 'must be a non-empty cron expression';
  const text = value.trim();
  if (text.startsWith('@')) {
    return CRON_MACROS.includes(text) ? undefined : `is not a known macro (${CRON_MACROS.join(', ')})`;
  }
  const parts = text.split(/\s+/);
  if (parts.length !== 5) return `has ${parts.length} fields; cron needs 5 (minute hour day-of-month month day-of-week)`;
  for (let i = 0; i < 5; i++) {
    const spec = CRON_FIELDS[i];
    for (const item of parts[i].split(',')) {
      const problem = cronItemProblem(item, spec);
      if (problem) return `${spec.name} field "${parts[i]}" ${problem}`;
    }
  }
  return undefined;
}

function cronItemProblem(item: string, spec: (typeof CRON_FIELDS)[number]): string | undefined {
  const [range, step, extra] = item.split('/');
  if (extra !== undefined) return 'has more than one "/"';
  if (step !== undefined && !/^\d+$/.test(step)) return `has a step "${step}" that is not a number`;
  if (step !== undefined && Number(step) === 0) return 'has a step of 0';
  if (range === '*') return undefined;
  const bounds = range.split('-');
  if (bounds.length > 2) return `has a bad range "${range}"`;
  const nums = bounds.map((b) => cronValue(b, spec));
  if (nums.some((n) => n === undefined)) return `has "${range}", outside ${spec.min}-${spec.max}`;
  if (nums.length === 2 && (nums[0] as number) > (nums[1] as number)) return `has a reversed range "${range}"`;
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
  return v.check(problem === undefined, field, value, problem ?? '', 'use five fields, e.g. "0 3 * * *" for 03:00 every day');
}

/** Problem with an image reference: it must name a tag or digest other than `latest`. */
export function imageProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty image reference';
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

/** Names of the characters {@link textProblem} refuses, for its message. */
function characterName(code: number): string {
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const names: Record<number, string> = {
    0: 'NUL',
    9: 'tab',
    10: 'line feed',
    13: 'carriage return',
    0x7f: 'DEL',
    0x85: 'next line',
    0x2028: 'line separator',
    0x2029: 'paragraph separator',
    0xfeff: 'byte order mark',
  };
  if (code >= 0xd800 && code <= 0xdfff) return `${hex} (half of a surrogate pair, not a character)`;
  return names[code] ? `${hex} (${names[code]})` : code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `${hex} (a control character)` : hex;
}

/**
 * Problem with free text that ends up in generated files (Python source, YAML, JSON, shell arguments), or
 * undefined: control characters (C0 but tab, and line breaks unless `multiline`; DEL; C1, which includes
 * U+0085 next line), the line and paragraph separators U+2028/U+2029, the byte order mark, noncharacters
 * and lone surrogates are refused — they change meaning or break parsing on the way through YAML and Python.
 * Tabs, line breaks (when allowed) and every other Unicode character, emoji included, are fine.
 */
export function textProblem(value: unknown, options: { readonly multiline?: boolean } = {}): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    const lineBreak = code === 10 || code === 13;
    const bad =
      (code < 0x20 && code !== 9 && !(lineBreak && options.multiline)) ||
      (code >= 0x7f && code <= 0x9f) ||
      code === 0x2028 ||
      code === 0x2029 ||
      code === 0xfeff ||
      code === 0xfffe ||
      code === 0xffff ||
      (code >= 0xd800 && code <= 0xdfff);
    if (bad) return `contains ${characterName(code)} at position ${i + 1}, which breaks or changes the generated files`;
  }
  return undefined;
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
