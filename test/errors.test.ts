/** lib/errors.ts: one line per issue, construct + field + value + fix, every issue collected. */
import { formatIssue, ModelplaneValidationError, renderValue, Validator } from '../src/core/errors';

test('formats an issue with construct, field, value, problem and fix', () => {
  expect(
    formatIssue({
      kind: 'MlflowServer',
      id: 'm',
      construct: 'MlflowServer "m"',
      field: 'replicas',
      value: 1,
      problem: 'must be at least 2',
      fix: 'set 2',
    }),
  ).toBe('MlflowServer "m": `replicas` = 1: must be at least 2. Fix: set 2');
});

test('renders values: strings quoted, objects as JSON, undefined, long values cut, cycles survive', () => {
  expect(renderValue('a')).toBe('"a"');
  expect(renderValue({ a: 1 })).toBe('{"a":1}');
  expect(renderValue(undefined)).toBe('undefined');
  expect(renderValue('x'.repeat(500))).toHaveLength(120);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  expect(renderValue(cyclic)).toBe('[object Object]');
});

test('a validator collects every issue and throws them together, or nothing', () => {
  const ok = new Validator('K', 'a');
  expect(ok.check(true, 'f', 1, 'p', 'fix')).toBe(true);
  expect(() => ok.done()).not.toThrow();
  const v = new Validator('K', 'a');
  expect(v.check(false, 'f1', 1, 'p1', 'fix1')).toBe(false);
  v.fail('f2', 'x', 'p2', 'fix2');
  v.addAll([{ kind: 'Other', id: 'b', construct: 'Other "b"', field: 'g', value: null, problem: 'p3', fix: 'fix3' }]);
  expect(v.found).toHaveLength(3);
  let err: unknown;
  try {
    v.done();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ModelplaneValidationError);
  const e = err as ModelplaneValidationError;
  expect(e.name).toBe('ModelplaneValidationError');
  expect(e.issues.map((i) => i.field)).toEqual(['f1', 'f2', 'g']);
  expect(e.message.split('\n')).toEqual([
    'K "a": `f1` = 1: p1. Fix: fix1',
    'K "a": `f2` = "x": p2. Fix: fix2',
    'Other "b": `g` = null: p3. Fix: fix3',
  ]);
});
