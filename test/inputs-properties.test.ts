/**
 * Issue 11 ("nothing lost, nothing wrong"), as properties: every CPU and memory quantity modelplane accepts
 * gives requests and limits Kubernetes keeps as written (limit at least the request after the API server's
 * rounding, within its range); the YAML loaders never throw, whatever the bytes; and `textProblem` accepts
 * exactly the strings whose every character is allowed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { doubleCpu, resourceRequirements } from '../src/core/security';
import { compareQuantities, QUANTITY_MAX, quantityProblem, textProblem } from '../src/core/validate';
import { run } from '../src/frontends/cli/main';
import { loadConfigText } from '../src/frontends/config/load';
import { loadPlatformText } from '../src/frontends/config/platform-load';
import { YamlSource } from '../src/frontends/config/source';

/** Quantity text in every notation Kubernetes accepts, from tiny to far beyond its range. */
const quantityText: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('', '+'),
    fc.stringMatching(/^\d{0,25}$/),
    fc.option(fc.stringMatching(/^\d{0,8}$/), { nil: undefined }),
    fc.constantFrom(
      '',
      'm',
      'k',
      'M',
      'G',
      'T',
      'P',
      'E',
      'Ki',
      'Mi',
      'Gi',
      'Ti',
      'Pi',
      'Ei',
      'e-9',
      'e-3',
      'e-1',
      'e0',
      'e3',
      'E6',
      'e+18',
      'e30',
    ),
  )
  .map(([sign, whole, frac, suffix]) => `${sign}${whole}${frac === undefined ? '' : `.${frac}`}${suffix}`);

/** Numbers as a YAML user or a TypeScript caller may give them. */
const quantityNumber: fc.Arbitrary<number> = fc.oneof(
  fc.nat(),
  fc.double({ min: 0, max: 1e20, noNaN: true }),
  fc.integer({ min: 0, max: 100_000 }).map((n) => n / 1000),
);

const MAX_MILLIS = `${QUANTITY_MAX}m`;

describe('accepted quantities are what Kubernetes keeps', () => {
  test('a CPU request modelplane accepts is whole millicores from 1m, and its default limit is at least it and within range', () => {
    fc.assert(
      fc.property(fc.oneof(quantityText, quantityNumber), (cpu) => {
        if (quantityProblem(cpu, 'cpu') !== undefined) return;
        // Accepted: at least 1m, at most 2^63-1 millicores, and whole millicores (the API server keeps it as given).
        expect(compareQuantities(cpu, '1m')).toBeGreaterThanOrEqual(0);
        expect(compareQuantities(cpu, MAX_MILLIS)).toBeLessThanOrEqual(0);
        const limit = doubleCpu(String(cpu));
        expect(limit).toMatch(/^\d+m$/);
        expect(quantityProblem(limit, 'cpu')).toBeUndefined();
        expect(compareQuantities(limit, cpu)).toBeGreaterThanOrEqual(0);
        const r = resourceRequirements({ cpu: String(cpu), memory: '1Gi' });
        const value = (q: unknown) => String((q as { value: unknown }).value);
        expect(value(r.limits?.cpu)).toBe(limit);
        expect(compareQuantities(value(r.limits?.cpu), value(r.requests?.cpu))).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  test('a memory quantity modelplane accepts is whole bytes within range; its limit is the request', () => {
    fc.assert(
      fc.property(fc.oneof(quantityText, quantityNumber), (memory) => {
        if (quantityProblem(memory, 'bytes') !== undefined) return;
        expect(compareQuantities(memory, `${QUANTITY_MAX}`)).toBeLessThanOrEqual(0);
        const r = resourceRequirements({ cpu: '1', memory: String(memory) });
        expect(String((r.limits?.memory as { value: unknown }).value)).toBe(String(memory));
        expect(String((r.requests?.memory as { value: unknown }).value)).toBe(String(memory));
      }),
    );
  });

  test('the default CPU limit never goes below the request, even for requests modelplane refuses (rounded up, capped)', () => {
    fc.assert(
      fc.property(quantityText, (cpu) => {
        const limit = doubleCpu(cpu);
        if (quantityProblem(cpu) !== undefined) return;
        expect(limit).toMatch(/^\d+m$/);
        expect(compareQuantities(limit, MAX_MILLIS)).toBeLessThanOrEqual(0);
        if (compareQuantities(cpu, MAX_MILLIS) <= 0) expect(compareQuantities(limit, cpu)).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  test('quantityProblem never throws, whatever it is given', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.anything(), fc.string(), quantityText),
        fc.constantFrom(undefined, 'cpu' as const, 'bytes' as const),
        (x, kind) => {
          const problem = quantityProblem(x, kind);
          expect(problem === undefined || typeof problem === 'string').toBe(true);
        },
      ),
    );
  });
});

/** Characters and pieces of YAML syntax, for inputs that look like YAML and break it in every way. */
const yamlish: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.constantFrom('[', ']', '{', '}', ': ', ':', ', ', '- ', '? ', '&a ', '*a', '*b', '&b ', '!!str ', '!!python/x ', '!t ', '|', '>'),
      fc.constantFrom('\n', '\n  ', '\n    ', '\t', '"', "'", '#', '---\n', '...\n', '%YAML 1.1\n', '%TAG ! x\n', '.nan', '.inf', '-.Inf'),
      fc.constantFrom('team', 'models', 'risk', 'x', '1', '99999999999999999999999', '0x1F', 'true', 'null', '~', '<<', '__proto__'),
      fc.constantFrom('\u0000', '\u0085', '\u2028', '\ufeff', '\ud800', '\u00a0', '\\0', '\\N', '\\L', '\\x85', '\\uD800', '😀'),
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));

describe('the loaders never throw', () => {
  test('modelplane.yaml and platform loaders on arbitrary text and YAML-like input: issues or a configuration, never an exception', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), yamlish), (text) => {
        const loaded = loadConfigText('f.yaml', text);
        expect(loaded.issues.length > 0 || loaded.config !== undefined).toBe(true);
        for (const i of loaded.issues) expect(i.line >= 0 && i.col >= 0 && i.problem.length > 0 && i.fix.length > 0).toBe(true);
        const platform = loadPlatformText('p.yaml', text);
        expect(platform.issues.length > 0 || platform.props !== undefined).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test('arbitrary bytes: issues or data, never an exception', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          yamlish.map((t) => new TextEncoder().encode(t)),
        ),
        (bytes) => {
          const source = YamlSource.parse('f.yaml', bytes);
          expect(source.issues.length > 0 || source.data !== undefined || bytes.length >= 0).toBe(true);
          if (source.issues.length > 0) expect(source.data).toBeUndefined();
          loadConfigText('f.yaml', bytes);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('the CLI exits 0 or 1 on arbitrary input, never 4 (an internal error)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelplane-inputs-p-'));
    try {
      const file = join(dir, 'modelplane.yaml');
      fc.assert(
        fc.property(
          fc.oneof(
            yamlish,
            fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b).toString('latin1')),
          ),
          (text) => {
            writeFileSync(file, text);
            let err = '';
            const code = run(['validate', '-f', file], { out: () => undefined, err: (t) => void (err += t) }, dir);
            expect({ code: code === 0 || code === 1 ? 'ok' : code, err: code > 1 ? err : '' }).toEqual({ code: 'ok', err: '' });
          },
        ),
        { numRuns: 300 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Whether textProblem's rules allow the code point (the documented rules, written out independently). */
function allowed(code: number, multiline: boolean): boolean {
  if (code === 9) return true;
  if (code === 10 || code === 13) return multiline;
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return false;
  if (code === 0x2028 || code === 0x2029 || code === 0xfeff) return false;
  if (code >= 0xd800 && code <= 0xdfff) return false;
  if (code >= 0xfdd0 && code <= 0xfdef) return false;
  return code % 0x10000 < 0xfffe;
}

/** Code units and code points of every kind: ASCII, controls, BMP, astral, noncharacters, lone surrogates. */
const textUnit: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
  fc.constantFrom(
    '\u0085',
    '\u2028',
    '\u2029',
    '\ufeff',
    '\ufffe',
    '\uffff',
    '\ufdd0',
    '\u{1fffe}',
    '\u{10ffff}',
    '\ud83d',
    '\ude00',
    '\n',
    '\r',
    '\t',
  ),
);

describe('textProblem', () => {
  test('accepts exactly the strings whose every character is allowed, and names the first one that is not', () => {
    fc.assert(
      fc.property(fc.array(textUnit, { maxLength: 12 }), fc.boolean(), (units, multiline) => {
        const text = units.join('');
        // String iteration yields code points, and a lone surrogate as itself.
        const codes = [...text].map((ch) => ch.codePointAt(0)!);
        const bad = codes.find((c) => !allowed(c, multiline));
        const problem = textProblem(text, { multiline });
        expect(problem === undefined).toBe(bad === undefined);
        if (bad !== undefined) {
          expect(problem).toContain(`U+${bad.toString(16).toUpperCase().padStart(4, '0')}`);
          expect(problem).toContain(`at position ${codes.indexOf(bad) + 1}`);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
