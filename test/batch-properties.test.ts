/**
 * Property tests (fast-check) of the batch side's pure pieces: the cron checker every schedule goes
 * through, the name-length rule behind run-unique SparkApplication names, the whole-number and
 * pattern checks batch models and cascades share, and the Python string literals of generated DAGs.
 */
import { createHash } from 'crypto';
import fc from 'fast-check';
import { Validator } from '../src/core/errors';
import { platformContext } from '../src/core/context';
import { cronProblem } from '../src/core/validate';
import { modelDag } from '../src/constructs/batch/airflow/dag';
import { pyStr } from '../src/constructs/batch/airflow/python';
import { ARGO_RUN_DIGEST } from '../src/constructs/batch/argo/compile';
import { checkWholeNumbers, isWholeIn } from '../src/constructs/batch/checks';
import { MAX_BATCH_MODEL_NAME, resolveSparkBatchModel } from '../src/constructs/batch/resolve-model';
import { SparkBatchModelProps } from '../src/constructs/batch/spark-batch-model';
import { CASCADE_STAGES } from '../src/constructs/batch/stages';

/** The five cron fields as cronProblem names them, with their ranges. */
const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const;
type Field = (typeof FIELDS)[number];

/** One in-range item of a field: `*`, a value, or a range, each with an optional step. */
function cronItem(f: Field): fc.Arbitrary<string> {
  const value = fc.integer({ min: f.min, max: f.max });
  const range = fc.tuple(value, value).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`);
  const step = fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined });
  return fc.tuple(fc.oneof(fc.constant('*'), value.map(String), range), step).map(([base, s]) => (s === undefined ? base : `${base}/${s}`));
}

/** One in-range field: a comma-separated list of items. */
const cronField = (f: Field) => fc.array(cronItem(f), { minLength: 1, maxLength: 4 }).map((items) => items.join(','));

/** A whole cron expression of in-range fields, separated by one or more spaces. */
const cronExpr = fc
  .tuple(...FIELDS.map(cronField), fc.array(fc.constantFrom(' ', '  ', '\t'), { minLength: 4, maxLength: 4 }))
  .map(([a, b, c, d, e, seps]) => [a, b, c, d, e].map((p, i) => (i === 0 ? p : `${seps[i - 1]}${p}`)).join(''));

describe('cronProblem, the check behind every batch schedule', () => {
  test('any expression of in-range values, ranges, steps and lists is accepted', () => {
    fc.assert(fc.property(cronExpr, (expr) => expect(cronProblem(expr)).toBeUndefined()));
  });

  test('an out-of-range value in any one field is refused, naming that field and its range', () => {
    const bad = fc.integer({ min: 0, max: FIELDS.length - 1 }).chain((i) => {
      const f = FIELDS[i];
      const out = fc.oneof(fc.integer({ min: f.max + 1, max: 999 }), ...(f.min > 0 ? [fc.constant(f.min - 1)] : []));
      return fc.tuple(fc.constant(i), out, ...FIELDS.map(cronField));
    });
    fc.assert(
      fc.property(bad, ([i, value, ...fields]) => {
        const parts = [...fields];
        parts[i] = String(value);
        const problem = cronProblem(parts.join(' '));
        const names = FIELDS[i].name === 'month' ? ' (or jan-dec)' : FIELDS[i].name === 'day of week' ? ' (or sun-sat)' : '';
        expect(problem).toBe(`${FIELDS[i].name} field ${value} is out of range ${FIELDS[i].min}-${FIELDS[i].max}${names}`);
      }),
    );
  });

  test('any number of fields other than five is refused, saying how many there are', () => {
    const fields = fc.array(fc.constant('*'), { minLength: 1, maxLength: 9 }).filter((f) => f.length !== 5);
    fc.assert(fc.property(fields, (f) => expect(cronProblem(f.join(' '))).toMatch(new RegExp(`^has ${f.length} fields`))));
  });
});

const LABEL_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789-';
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const char = (alphabet: string) => fc.constantFrom(...alphabet.split(''));
/** A DNS-1123 label of 1..`max` characters. */
const dnsLabel = (max: number) =>
  fc
    .tuple(char(ALNUM), fc.array(char(LABEL_CHARS), { maxLength: max - 2 }), fc.option(char(ALNUM), { nil: '' }))
    .map(([a, mid, z]) => `${a}${mid.join('')}${z}`)
    .filter((s) => s.length <= max && !s.endsWith('-'));

/** What Spark appends to the driver's name for its UI Service, which must stay a DNS label (≤ 63). */
const SPARK_UI_SUFFIX = '-ui-svc';
/** Hex characters of the run digest, in both the Airflow (`digest[:10]`) and the Argo expression. */
const RUN_DIGEST = 10;
/** A DNS-1123 label longer than a batch model name may be (up to 63 characters). */
const longName = fc
  .tuple(char(ALNUM), fc.array(char(LABEL_CHARS), { minLength: MAX_BATCH_MODEL_NAME - 1, maxLength: 61 }), char(ALNUM))
  .map(([a, mid, z]) => `${a}${mid.join('')}${z}`);
const STEPS = ['train', 'score', ...CASCADE_STAGES.filter((s) => s !== 'run')];

const props = (name: string): SparkBatchModelProps => ({
  name,
  image: 'registry.example.com/risk/models:1.2.0',
  sparkVersion: '3.5.5',
  pythonEnv: { archive: 's3a://envs/risk/env.tar.gz', pythonVersion: '3.11' },
  score: { mainApplicationFile: 'local:///app/score.py' },
});
const context = { team: 'risk', platform: platformContext() };

describe("run names: <model>-<step>-<digest> plus Spark's suffix stays a DNS label", () => {
  test('the Argo expression cuts the digest to the same length as the Airflow DAG', () => {
    expect(ARGO_RUN_DIGEST).toContain(`sprig.trunc(${RUN_DIGEST},`);
    const dag = modelDag({
      team: 'risk',
      model: 'churn',
      job: 'score',
      kubernetesConnId: 'kubernetes_default',
      pollSeconds: 30,
      timeoutSeconds: 60,
      submitRetries: 2,
      assets: [],
      tags: [],
      description: 'Scoring.',
    });
    expect(dag).toContain(`return f"{model}-{step}-{digest[:${RUN_DIGEST}]}"`);
  });

  test('every model name the resolver accepts gives run names of at most 63 characters, for every step and run', () => {
    fc.assert(
      fc.property(dnsLabel(MAX_BATCH_MODEL_NAME), fc.string(), fc.string(), fc.constantFrom(...STEPS), (name, dagId, runId, step) => {
        expect(resolveSparkBatchModel('m', props(name), context).issues).toEqual([]);
        const digest = createHash('sha256').update(`${dagId}/${runId}`).digest('hex').slice(0, RUN_DIGEST);
        const service = `${name}-${step}-${digest}${SPARK_UI_SUFFIX}`;
        expect(service.length).toBeLessThanOrEqual(63);
        expect(service).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      }),
    );
  });

  test('the limit is tight: the longest step at the longest name uses all 63 characters', () => {
    const longest = Math.max(...STEPS.map((s) => s.length));
    expect(MAX_BATCH_MODEL_NAME + 1 + longest + 1 + RUN_DIGEST + SPARK_UI_SUFFIX.length).toBe(63);
  });

  test('any longer name is refused on `name`, saying the limit', () => {
    fc.assert(
      fc.property(longName, (name) => {
        const r = resolveSparkBatchModel('m', props(name), context);
        expect(r.spec).toBeUndefined();
        expect(r.issues).toEqual([
          expect.objectContaining({ field: 'name', value: name, problem: expect.stringContaining(`limit is ${MAX_BATCH_MODEL_NAME}`) }),
        ]);
      }),
    );
  });
});

describe('shared whole-number rules', () => {
  test('isWholeIn holds exactly for integers within the bounds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -100, max: 100 }),
        fc.integer({ min: -100, max: 100 }),
        fc.integer({ min: -200, max: 200 }),
        (a, b, x) => {
          const [min, max] = [Math.min(a, b), Math.max(a, b)];
          expect(isWholeIn(x, min, max)).toBe(x >= min && x <= max);
          expect(isWholeIn(x + 0.5, min, max)).toBe(false);
          expect(isWholeIn(String(x), min, max)).toBe(false);
        },
      ),
    );
  });

  test('a table of rules records one issue per failing rule, in table order', () => {
    const rule = fc.record({
      value: fc.integer({ min: -5, max: 15 }),
      min: fc.integer({ min: 0, max: 5 }),
      max: fc.integer({ min: 5, max: 10 }),
    });
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 6 }), (rules) => {
        const v = new Validator('SparkBatchModel', 'm');
        checkWholeNumbers(
          v,
          rules.map((r, i) => ({ ...r, field: `f${i}`, problem: 'p', fix: 'f' })),
        );
        const failing = rules.flatMap((r, i) => (r.value >= r.min && r.value <= r.max ? [] : [`f${i}`]));
        expect(v.found.map((i) => i.field)).toEqual(failing);
      }),
    );
  });
});

/**
 * Any string of BMP characters (lone surrogates included, surrogate pairs excluded: an astral character is
 * a `\U` escape, which JSON has not; test/templates-python.test.ts checks every string with Python itself).
 */
const bmpString = fc
  .string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 })
  .filter((s) => !/[\ud800-\udbff][\udc00-\udfff]/.test(s));

describe('pyStr, the Python string literals of generated DAGs', () => {
  test('round-trips every BMP string: JSON.parse of the literal gives the string back', () => {
    fc.assert(fc.property(bmpString, (s) => expect(JSON.parse(pyStr(s))).toBe(s)));
  });

  test('is double-quoted printable ASCII, and uses only escapes Python reads the same way', () => {
    fc.assert(
      fc.property(bmpString, (s) => {
        const lit = pyStr(s);
        expect(lit).toMatch(/^"[\x20-\x7e]*"$/);
        const escapes = lit.slice(1, -1).match(/\\(u[0-9a-f]{4}|.)/g) ?? [];
        for (const e of escapes) expect(e).toMatch(/^\\(["\\bfnrt]|u[0-9a-f]{4})$/);
      }),
    );
  });

  test('leaves printable ASCII other than quote and backslash as it is', () => {
    const plain = fc.string({ unit: fc.constantFrom(...' abcXYZ019-_./:{}[]()#@!'.split('')) });
    fc.assert(fc.property(plain, (s) => expect(pyStr(s)).toBe(`"${s}"`)));
  });
});
