/**
 * Every fix the CLI prints for a case of the corpus (team and platform files) names only fields the file
 * can have: a field in a fix that the schema does not know is a fix worded in the constructs' TypeScript
 * terms (`autoscaling.minReplicas` where the file writes `replicas.min`), which the user cannot type.
 */
import modelplaneSchema from '../../schema/modelplane.schema.json';
import platformSchema from '../../schema/platform.schema.json';
import { fieldsNamed, fixesOf, hasPath, schemaPaths, unknownFields } from './fix-fields';
import { runCase, yamlCases } from './yaml-cases';

const TEAM = schemaPaths(modelplaneSchema as Record<string, unknown>);
const PLATFORM = schemaPaths(platformSchema as Record<string, unknown>);

describe('the checker', () => {
  test('knows the fields of both schemas, relative paths and map keys included', () => {
    for (const p of [
      'replicas.min',
      'models[0].replicas.max',
      'autoscale.rabbitmq.queue',
      'spark.dynamicAllocation.minExecutors',
      'env.THREADS',
    ])
      expect({ p, known: hasPath(TEAM, p) }).toEqual({ p, known: true });
    expect(hasPath(PLATFORM, 'teams[0].quota.cpu')).toBe(true);
    expect(hasPath(TEAM, 'teams[0].quota.cpu')).toBe(false);
  });

  test('finds the fields of TypeScript-worded fixes (the wording of modelplane before issue 12)', () => {
    const before: Array<[string, string[]]> = [
      ['make minReplicas at most maxReplicas', ['minReplicas', 'maxReplicas']],
      ['set autoscaling.minReplicas', ['autoscaling.minReplicas']],
      ['set autoscaling.rabbitmq instead', ['autoscaling.rabbitmq']],
      ['add train: { mainApplicationFile: "local:///app/train.py" } and/or score: {...}', ['mainApplicationFile', 'score']],
      ['add cascade: { outputTable: "db.table" } or { outputPath: "s3a://…" } to the model', ['cascade', 'outputTable', 'outputPath']],
      ['drop `replicas` (set autoscaling.minReplicas) or drop `autoscaling`', ['autoscaling.minReplicas', 'autoscaling']],
      ['create the SparkBatchModel before the cascade, in the same TeamModels chart, and use its name', ['SparkBatchModel', 'TeamModels']],
      ['serve it on its own, or define it as a SparkBatchModel', ['SparkBatchModel']],
    ];
    for (const [fix, unknown] of before)
      expect({ fix, unknown: unknownFields(fix, TEAM).sort() }).toEqual({ fix, unknown: unknown.sort() });
  });

  test('passes the same fixes in the words of the file, and ignores values, URIs and prose', () => {
    for (const fix of [
      'make `replicas.min` at most `replicas.max` (2), or raise `replicas.max`',
      'add main: "local:///app/score.py" (scoring), train: { main: "local:///app/train.py" } (training), or both',
      'add output: "hive://db.table" or output: "s3a://…" to the model',
      'use server: seldon (shadow predictor), e.g. "3.5.3", see docs/cookbook/run-time-values.md',
      'pack with `conda pack -o env.tar.gz`, upload, and pass e.g. "s3a://ml-envs/churn/env-1.4.2.tar.gz"',
    ])
      expect({ fix, unknown: unknownFields(fix, TEAM) }).toEqual({ fix, unknown: [] });
    expect(fieldsNamed('set `a.b`, c: 1 and d.e')).toEqual(['a.b', 'c', 'd.e']);
  });
});

describe.each(yamlCases().map((y) => [y.file, y] as const))('yaml/%s', (_file, y) => {
  test('every fix names fields of the schema only', () => {
    const schemas = y.as === 'platform' ? PLATFORM : y.args.includes('--platform') ? [...TEAM, ...PLATFORM] : TEAM;
    const { err } = runCase(y, 'validate');
    const fixes = fixesOf(err);
    expect(fixes.length).toBeGreaterThan(0);
    const bad = fixes.map(({ line, fix }) => ({ line, unknown: unknownFields(fix, schemas) })).filter((f) => f.unknown.length > 0);
    expect(bad).toEqual([]);
  });
});
