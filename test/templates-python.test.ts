/**
 * Generated Python is correct for every accepted string (property tests over arbitrary Unicode: any code
 * point, lone surrogates, full graphemes, backslashes, quotes, NUL, U+2028): string literals evaluate back
 * to the same value, docstrings compile and keep their words, a cascade description is refused with a
 * message or gives a DAG that py_compile compiles and whose description is the same value, and an argument
 * is refused or substituted by the DAG exactly as the contract says. One python3 process per property.
 */
import { Testing } from 'cdk8s';
import fc from 'fast-check';
import { Cascade } from '../src/constructs/batch/cascade';
import { MAX_LINE, pyDocLines, pyStr, pyStrFitted } from '../src/constructs/batch/airflow/python';
import { renderRunValue, RUN_MACROS } from '../src/constructs/batch/run-values';
import { SparkBatchModel, SparkBatchModelProps } from '../src/constructs/batch/spark-batch-model';
import { TeamDags } from '../src/constructs/batch/team-dags';
import { TeamModels } from '../src/constructs/team-models';
import { platformContext } from '../src/core/context';
import { ModelplaneValidationError } from '../src/core/errors';
import { findObject } from './support/manifests';
import { codePoints, compileDags, evalLiterals, runPython, runSubmit } from './templates-harness';

const SPECIALS = [
  '\\',
  '"',
  "'",
  '"""',
  '""""',
  '\u0000',
  '\u2028',
  '\u2029',
  '\u0085',
  '\ud800',
  '\udfff',
  '\ud83d',
  '😀',
  '👩‍👩‍👧',
  '\r\n',
  '\n',
  '\r',
  '\t',
  '\u000b',
  '\u001c',
  '\u007f',
  '\ufeff',
  '\ufffe',
  '\u{10ffff}',
  'é',
  '{{',
  '}}',
  '{{ ds }}',
  '\\N{BULLET}',
  '\\x00',
  ' ',
];

/** Any text: any code points (lone surrogates included), full graphemes, and the characters that break Python. */
const anyText = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 6 }),
      fc.constantFrom(...SPECIALS),
      fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\\', '"'), maxLength: 120 }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

const RUNS = 150;

/** The code points of a string with Python's whitespace (and the BOM, which JS counts as white space) removed. */
const DOC_WORDS = `
import json, sys
out = []
for text, doc in json.load(sys.stdin):
    strip = lambda s: "".join(c for c in s if not (c.isspace() or c == "\\ufeff"))
    out.append(strip(text) == strip(doc))
print(json.dumps(out))
`;

describe('pyStr and pyStrFitted: literals that evaluate back to the same string', () => {
  test('pyStr: printable ASCII, and ast.literal_eval gives the same code points for any string', () => {
    const values = fc.sample(anyText, RUNS);
    const literals = values.map(pyStr);
    for (const lit of literals) expect(lit).toMatch(/^"[\x20-\x7e]*"$/);
    // Never a surrogate pair: an astral character is one \U escape.
    expect(pyStr('😀')).toBe('"\\U0001f600"');
    const results = evalLiterals(literals);
    results.forEach((r, i) => expect({ value: values[i], points: r.points }).toEqual({ value: values[i], points: codePoints(values[i]) }));
  });

  test('pyStrFitted: within 79 columns, and the parenthesised literal evaluates to the same string', () => {
    const cases = fc.sample(fc.tuple(anyText, fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 40 })), RUNS);
    const literals = cases.map(([value, level, extra]) => {
      const indent = level * 4;
      const lit = pyStrFitted(value, indent, indent + extra);
      const lines = `${' '.repeat(indent + extra)}${lit},`.split('\n');
      for (const line of lines.slice(1)) expect(line.length).toBeLessThanOrEqual(MAX_LINE);
      if (lines.length === 1) expect(lines[0].length).toBeLessThanOrEqual(MAX_LINE);
      return lit;
    });
    const results = evalLiterals(literals);
    results.forEach((r, i) => expect(r.points).toEqual(codePoints(cases[i][0])));
  });
});

describe('pyDocLines: docstring lines valid for any text', () => {
  test('the docstring compiles, lines stay within 79 columns, and it keeps every word', () => {
    const texts = fc.sample(anyText, RUNS);
    const sources = texts.map((t) => `"""${['Title.', '', ...pyDocLines(t)].join('\n')}\n"""\n`);
    for (const src of sources) {
      for (const line of src.split('\n')) expect(Array.from(line).length).toBeLessThanOrEqual(MAX_LINE);
      expect(src).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    }
    const compiled = compileDags(sources);
    compiled.forEach((c, i) => expect({ text: texts[i], error: c.error }).toEqual({ text: texts[i], error: undefined }));
    const kept = runPython<boolean[]>(
      DOC_WORDS,
      compiled.map((c, i) => [texts[i], c.doc!.slice('Title.'.length)]),
    );
    kept.forEach((k, i) => expect({ text: texts[i], kept: k }).toEqual({ text: texts[i], kept: true }));
  });
});

const platform = platformContext();
const modelProps = (args: string[] = []): SparkBatchModelProps => ({
  image: 'registry.example.com/ml/m:1.0.0',
  sparkVersion: '3.5.5',
  pythonEnv: { archive: 's3a://envs/m.tar.gz', pythonVersion: '3.11' },
  score: { mainApplicationFile: 'local:///app/m.py', arguments: args, schedule: '0 1 * * *' },
  cascade: { outputTable: 'scores.m' },
});

/** Runs `fn`; the validation issues it raised (none when it built). */
function issuesOf(fn: () => void): { field: string; message: string }[] {
  try {
    fn();
    return [];
  } catch (e) {
    if (!(e instanceof ModelplaneValidationError)) throw e;
    return e.issues.map((i) => ({ field: i.field, message: e.message }));
  }
}

describe('Cascade descriptions: refused with a message, or a DAG that compiles with the same description', () => {
  test('any description', () => {
    const descriptions = fc.sample(anyText, RUNS);
    const built: { description: string; source: string }[] = [];
    for (const description of descriptions) {
      const chart = new TeamModels(Testing.app(), 'risk', { platform });
      new SparkBatchModel(chart, 'm', modelProps());
      let source: string | undefined;
      const issues = issuesOf(() => {
        source = new Cascade(chart, 'nightly', { blocks: [{ name: 'b', models: ['m'] }], description }).dagSource;
      });
      if (issues.length > 0) {
        expect(issues.map((i) => i.field)).toEqual(['description']);
        expect(issues[0].message).toMatch(/`description` = .*: contains U\+[0-9A-F]{4}.* at position \d+.*\. Fix: remove the character/);
      } else built.push({ description, source: source! });
    }
    expect(built.length).toBeGreaterThan(RUNS / 10);
    const compiled = compileDags(built.map((b) => b.source));
    compiled.forEach((c, i) =>
      expect({ description: built[i].description, error: c.error, points: c.description }).toEqual({
        description: built[i].description,
        error: undefined,
        points: codePoints(built[i].description),
      }),
    );
  });
});

const MACRO_TEXT = [...RUN_MACROS.map((m) => `{{ ${m} }}`), '{{ds}}', '{{  run_id}}', '{{ params.segment }}', '{{ params.n }}'];
const CONTEXT = {
  values: {
    ds: '2024-05-17',
    ds_nodash: '20240517',
    ts: '2024-05-17T03:00:00+00:00',
    logical_date: '2024-05-17T03:00:00+00:00',
    data_interval_start: '2024-05-16T03:00:00+00:00',
    data_interval_end: '2024-05-17T03:00:00+00:00',
    run_id: 'scheduled__2024-05-17T03:00:00+00:00',
  },
  params: { segment: 'retail \\ "x" {{ ds }}', n: '7' },
} as const;

describe('Arguments: refused with a message, or substituted by the DAG exactly as the contract says', () => {
  test('any argument', () => {
    const argText = fc
      .array(fc.oneof(anyText, fc.constantFrom(...MACRO_TEXT, '{', '}', '{%', '{#', ' ')), { maxLength: 8 })
      .map((p) => p.join(''));
    const args = fc.sample(argText, RUNS);
    const cases: { arg: string; cm: Record<string, string>; source: string }[] = [];
    for (const arg of args) {
      const chart = new TeamModels(Testing.app(), 'risk', { platform });
      const issues = issuesOf(() => new SparkBatchModel(chart, 'm', modelProps(['--x', arg])));
      if (issues.length > 0) {
        expect(issues.map((i) => i.field)).toEqual(['score.arguments[1]']);
        continue;
      }
      const objs = Testing.synth(chart);
      cases.push({ arg, cm: findObject(objs, 'ConfigMap', 'm-spark').data, source: TeamDags.of(chart).data()['risk.m.score.py'] });
    }
    expect(cases.length).toBeGreaterThan(RUNS / 10);
    const results = runSubmit(
      cases.map((c) => ({
        source: c.source,
        configMap: c.cm,
        opKwargs: { model: 'm', step: 'score', template: 'score.json', env: {} },
        context: {
          dagId: 'risk.m.score',
          runId: CONTEXT.values.run_id,
          runAfter: CONTEXT.values.ts,
          logical_date: CONTEXT.values.ts,
          data_interval_start: CONTEXT.values.data_interval_start,
          data_interval_end: CONTEXT.values.data_interval_end,
          conf: CONTEXT.params,
          params: CONTEXT.params,
        },
      })),
    );
    results.forEach((r, i) =>
      expect({ arg: cases[i].arg, error: r.error, got: r.app?.spec.arguments[1] }).toEqual({
        arg: cases[i].arg,
        error: undefined,
        got: renderRunValue(cases[i].arg, CONTEXT),
      }),
    );
  });
});
