/**
 * Property tests of the core's pure checks (fast-check): names, label values, quantities and limits,
 * and the rendering of values in messages. Each property states what holds for every input, not for
 * a few chosen ones.
 */
import fc from 'fast-check';
import { renderValue, Validator } from '../src/core/errors';
import { sanitizeLabelValue } from '../src/core/labels';
import { deepMerge, duplicates, isRecord, sortedRecord } from '../src/core/records';
import {
  checkLimitAtLeastRequest,
  compareQuantities,
  dnsLabelProblem,
  dnsSubdomainProblem,
  labelValueProblem,
  parseQuantity,
  quantityProblem,
  suggestName,
} from '../src/core/validate';

const LABEL_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789-';
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const char = (alphabet: string) => fc.constantFrom(...alphabet.split(''));

/** Any DNS-1123 label of 1..63 characters. */
const dnsLabel = fc
  .tuple(char(ALNUM), fc.array(char(LABEL_CHARS), { maxLength: 61 }), char(ALNUM))
  .map(([a, mid, z]) => `${a}${mid.join('')}${z}`);

describe('names', () => {
  test('every DNS-1123 label is accepted, as label and as subdomain', () => {
    fc.assert(
      fc.property(dnsLabel, (name) => {
        expect(dnsLabelProblem(name)).toBeUndefined();
        expect(dnsSubdomainProblem(name)).toBeUndefined();
      }),
    );
  });

  test('a name with an upper-case letter, "_" or "." is refused as a label', () => {
    fc.assert(
      fc.property(dnsLabel, fc.constantFrom('A', '_', '.', ' '), fc.nat(), (name, bad, at) => {
        const i = at % (name.length + 1);
        expect(dnsLabelProblem(`${name.slice(0, i)}${bad}${name.slice(i)}`)).toBeDefined();
      }),
    );
  });

  test('a label longer than its limit is refused and says the length', () => {
    fc.assert(
      fc.property(dnsLabel, fc.integer({ min: 1, max: 62 }), (name, limit) => {
        fc.pre(name.length > limit);
        expect(dnsLabelProblem(name, limit)).toBe(`is ${name.length} characters long, the limit is ${limit}`);
      }),
    );
  });

  test('the suggested name for any input is itself a valid label within the limit', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 120 }), fc.integer({ min: 1, max: 63 }), (input, limit) => {
        const suggestion = suggestName(input, limit);
        expect(dnsLabelProblem(suggestion, limit)).toBeUndefined();
      }),
    );
  });

  test('any string sanitized for a label value is a valid label value', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (input) =>
        expect(labelValueProblem(sanitizeLabelValue(input))).toBeUndefined(),
      ),
    );
  });
});

const SUFFIXES: Array<[string, number]> = [
  ['', 1],
  ['m', 1e-3],
  ['k', 1e3],
  ['M', 1e6],
  ['G', 1e9],
  ['Ki', 2 ** 10],
  ['Mi', 2 ** 20],
  ['Gi', 2 ** 30],
  ['Ti', 2 ** 40],
];

describe('quantities', () => {
  test('a whole number with any suffix is a quantity and parses to number × factor', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000 }), fc.constantFrom(...SUFFIXES), (n, [suffix, factor]) => {
        expect(quantityProblem(`${n}${suffix}`)).toBeUndefined();
        expect(parseQuantity(`${n}${suffix}`)).toBeCloseTo(n * factor, 6);
      }),
    );
  });

  test('a decimal number of cores is a quantity equal to its value', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000 }), fc.nat({ max: 999 }), (whole, frac) => {
        const text = `${whole}.${frac}`;
        expect(quantityProblem(text)).toBeUndefined();
        expect(parseQuantity(text)).toBeCloseTo(Number(text), 9);
      }),
    );
  });

  test('text that is not a number with a known suffix is refused', () => {
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom('Gb', 'mb', 'cores', ' Gi', 'i', '%', 'KiB'), (n, suffix) => {
        expect(quantityProblem(`${n}${suffix}`)).toBeDefined();
      }),
    );
  });

  test('quantities compare exactly: millicores equal the same amount in cores, in every notation', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000_000 }), (millis) => {
        const cores = String(millis / 1000);
        expect(compareQuantities(`${millis}m`, cores)).toBe(0);
        expect(compareQuantities(cores, `${millis}m`)).toBe(0);
        expect(compareQuantities(`${millis}m`, `${millis * 1000}u`.replace('u', 'e-6'))).toBe(0);
        expect(compareQuantities(`${millis + 1}m`, cores)).toBe(1);
      }),
    );
  });

  test('quantity comparison is antisymmetric and agrees with the parsed values when they differ clearly', () => {
    const q = fc.tuple(fc.nat({ max: 100_000 }), fc.constantFrom(...SUFFIXES)).map(([n, [s]]) => `${n}${s}`);
    fc.assert(
      fc.property(q, q, (a, b) => {
        expect(compareQuantities(a, b)).toBe(-compareQuantities(b, a) || 0);
        const [x, y] = [parseQuantity(a), parseQuantity(b)];
        if (Math.abs(x - y) > 1e-6 * Math.max(x, y)) expect(compareQuantities(a, b)).toBe(x < y ? -1 : 1);
      }),
    );
  });

  test('a limit is accepted exactly when it is at least the request', () => {
    fc.assert(
      fc.property(fc.nat({ max: 64_000 }), fc.nat({ max: 64_000 }), (limit, request) => {
        const v = new Validator('K', 'k');
        const ok = checkLimitAtLeastRequest(v, 'cpuLimit', `${limit}m`, 'cpu', `${request}m`);
        expect(ok).toBe(limit >= request);
        expect(v.found).toHaveLength(limit >= request ? 0 : 1);
      }),
    );
  });
});

describe('records and messages', () => {
  test('renderValue never throws and never exceeds 120 characters', () => {
    fc.assert(fc.property(fc.anything(), (value) => expect(renderValue(value).length).toBeLessThanOrEqual(120)));
  });

  test('deepMerge: every key of `over` wins unless both sides are maps; inputs are left untouched', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue()), (base, over) => {
        const before = JSON.stringify([base, over]);
        const merged = deepMerge(base, over);
        for (const [k, v] of Object.entries(over)) {
          if (!(isRecord(base[k]) && isRecord(v))) expect(merged[k]).toEqual(v);
        }
        for (const k of Object.keys(base)) expect(k in merged).toBe(true);
        expect(JSON.stringify([base, over])).toBe(before);
      }),
    );
  });

  // Keys that look like array indexes ("0", "17") always come first in a JavaScript object, whatever the
  // insertion order; the names we sort (Spark conf, env, Hadoop conf) never are.
  test('sortedRecord keeps every entry, in sorted key order (for keys that are not array indexes)', () => {
    const key = fc.string().filter((k) => !/^(0|[1-9]\d*)$/.test(k));
    fc.assert(
      fc.property(fc.dictionary(key, fc.integer()), (rec) => {
        const sorted = sortedRecord(rec);
        expect(Object.keys(sorted)).toEqual(Object.keys(rec).sort());
        expect(sorted).toEqual(rec);
      }),
    );
  });

  test('duplicates names exactly the names that occur more than once', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e')), (names) => {
        const counted = new Map<string, number>();
        for (const n of names) counted.set(n, (counted.get(n) ?? 0) + 1);
        expect(new Set(duplicates(names))).toEqual(new Set([...counted].filter(([, c]) => c > 1).map(([n]) => n)));
      }),
    );
  });
});
