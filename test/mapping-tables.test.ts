/**
 * The mapping tables against the schema (every row names a field the schema has; every field the
 * schema has is in a table, so the docs table lists them all) and the positions the inverse gives
 * for the problems data scientists meet most.
 */
import { App } from 'cdk8s';
import { buildTeamModels } from '../src/frontends/config/build';
import { formatConfigIssue } from '../src/frontends/config/errors';
import { loadConfigText, MODELPLANE_SCHEMA } from '../src/frontends/config/load';
import { batchFilePath, onlineFilePath } from '../src/frontends/config/map';
import { DottedPath, FieldTable, forwardProps } from '../src/frontends/config/mapping';
import {
  BATCH_MODEL_FIELDS,
  CASCADE_FIELDS,
  DATASET_FIELDS,
  FIELD_TABLES,
  ONLINE_MODEL_FIELDS,
  RETRO_TEST_FIELDS,
} from '../src/frontends/config/mapping-tables';
import type { BatchModelConfig, OnlineModelConfig } from '../src/frontends/config/types';

type Schema = Record<string, unknown>;
const DEFS = (MODELPLANE_SCHEMA as { definitions: Record<string, Schema> }).definitions;

/** A schema with its `$ref` followed. */
function deref(s: Schema): Schema {
  const ref = s.$ref;
  if (typeof ref !== 'string') return s;
  const target = ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((n, seg) => (n as Schema)[seg], MODELPLANE_SCHEMA);
  return deref(target as Schema);
}

/** The schemas of a property of `s` (one per `oneOf` branch that has it). */
function property(s: Schema, name: string): Schema[] {
  const d = deref(s);
  const branches = Array.isArray(d.oneOf) ? (d.oneOf as Schema[]).map(deref) : [d];
  return branches.flatMap((b) => {
    const p = (b.properties as Record<string, Schema> | undefined)?.[name];
    return p ? [p] : [];
  });
}

/** True when the schema of an entry has the dotted field. */
function schemaHas(entry: Schema, path: DottedPath): boolean {
  let nodes = [entry];
  for (const seg of path === '' ? [] : path.split('.')) nodes = nodes.flatMap((n) => property(n, seg));
  return nodes.length > 0;
}

/** The YAML fields a table's rows name. */
function yamlFields<E>(table: FieldTable<E>): DottedPath[] {
  return table.rows.flatMap((r) => {
    if (r.kind === 'composed') return [...r.yaml];
    if (r.kind === 'group') return [r.at, ...(r.when === 'always' ? [] : r.when)];
    return [r.yaml];
  });
}

const ENTRY_DEFS: Array<[FieldTable<never>, string]> = [
  [BATCH_MODEL_FIELDS, 'batchModel'],
  [ONLINE_MODEL_FIELDS, 'onlineModel'],
  [CASCADE_FIELDS, 'cascade'],
  [RETRO_TEST_FIELDS, 'retroTest'],
  [DATASET_FIELDS, 'dataset'],
];

describe('the tables and the schema', () => {
  test('there is a table for every kind of entry', () => {
    expect(FIELD_TABLES.map((t) => t.construct)).toEqual(['SparkBatchModel', 'OnlineModel', 'Cascade', 'RetroTest', 'Dataset']);
  });

  test.each(ENTRY_DEFS.map(([t, d]) => [t.entry, t, d] as const))(
    '%s: every field a row names is a field of the schema',
    (_e, table, def) => {
      const unknown = yamlFields(table).filter((f) => !schemaHas(DEFS[def], f));
      expect(unknown).toEqual([]);
    },
  );

  test.each(ENTRY_DEFS.map(([t, d]) => [t.entry, t, d] as const))(
    '%s: every field of the schema is named by a row (down to the maps the table splits up)',
    (_e, table, def) => {
      const named = yamlFields(table);
      const missing: string[] = [];
      const walk = (schema: Schema, prefix: string) => {
        const d = deref(schema);
        const branches = Array.isArray(d.oneOf) ? (d.oneOf as Schema[]).map(deref) : [d];
        const keys = [...new Set(branches.flatMap((b) => Object.keys((b.properties as object | undefined) ?? {})))];
        for (const k of keys) {
          const path = prefix ? `${prefix}.${k}` : k;
          if (!named.some((n) => n === path || n.startsWith(`${path}.`))) missing.push(path);
          else if (named.some((n) => n.startsWith(`${path}.`))) property(schema, k).forEach((p) => walk(p, path));
        }
      };
      walk(DEFS[def], '');
      expect(missing).toEqual([]);
    },
  );
});

/** The one problem of a file, formatted. */
function onlyProblem(text: string): string {
  const issues = buildTeamModels(new App(), loadConfigText('modelplane.yaml', text)).issues.map(formatConfigIssue);
  expect(issues).toHaveLength(1);
  return issues[0];
}

const HEAD = 'team: risk\nmodels:\n';
const BATCH = `  - name: churn
    type: batch
    image: docker.io/apache/spark:3.5.3-python3
    environment: s3a://envs/risk/churn-1.4.2.tar.gz
    python: "3.11"
    spark: { version: "3.5.3" }
`;

describe('where construct problems are reported', () => {
  test('a batch model with neither a scoring nor a training run: at `main`', () => {
    expect(onlyProblem(HEAD + BATCH)).toMatch(/^modelplane\.yaml:3:5: `models\[0\]\.main` .*needs a training run, a scoring run, or both/);
    expect(batchFilePath({ name: 'x', type: 'batch', train: { main: 'local:///t.py' } }, 'train')).toEqual(['train']);
  });

  test("a batch model's cascade staging: inputs at the input, everything else at `output`", () => {
    const text = `${HEAD}${BATCH}    main: s3a://code/risk/churn/score.py\n    inputs: [hive://risk.daily, s3a://lake/daily]\n`;
    const issues = buildTeamModels(new App(), loadConfigText('modelplane.yaml', text)).issues.map(formatConfigIssue);
    expect(issues).toEqual([
      expect.stringMatching(
        /^modelplane\.yaml:3:5: `models\[0\]\.output` is not set, and a cascade model writes its predictions to exactly one place/,
      ),
      expect.stringMatching(/^modelplane\.yaml:10:13: `models\[0\]\.inputs` = "daily" names the same input twice/),
    ]);
    const m: BatchModelConfig = { name: 'x', type: 'batch', output: 'hive://a.b' };
    for (const f of ['cascade', 'cascade.outputTable', 'cascade.outputPath', 'cascade.export.arguments[0]'])
      expect(batchFilePath(m, f)).toEqual(['output']);
    expect(batchFilePath(m, 'cascade.inputs[1].name')).toEqual(['inputs', 1]);
  });

  test("an online model's canary: variants[1] is the canary", () => {
    const text = `${HEAD}  - name: fraud\n    type: online\n    model: models:/fraud@champion\n    canary: { model: "ftp://fraud/4", traffic: 10 }\n`;
    expect(onlyProblem(text)).toMatch(/^modelplane\.yaml:6:22: `models\[0\]\.canary\.model` = "ftp:\/\/fraud\/4" is not a model URI/);
    const o: OnlineModelConfig = { name: 'f', type: 'online', model: 'models:/f/1', shadow: { model: 'models:/f/2' } };
    expect(onlineFilePath(o, 'variants[1].model')).toEqual(['shadow', 'model']);
    expect(onlineFilePath(o, 'variants')).toEqual(['shadow']);
    expect(onlineFilePath(o, 'id')).toEqual(['name']);
  });

  test("a model test's problem: under tests[i] of its online model", () => {
    const text = `${HEAD}  - name: fraud\n    type: online\n    model: models:/fraud@champion\n    tests:\n      - { reference: "a,expected\\n1,0.5\\n", variant: blue }\n`;
    expect(onlyProblem(text)).toMatch(/^modelplane\.yaml:7:54: `models\[0\]\.tests\[0\]\.variant` = "blue" /);
  });

  test('replicas: a number is the fixed count, a range the autoscaling range', () => {
    const o: OnlineModelConfig = { name: 'f', type: 'online', model: 'models:/f/1', replicas: { max: 4 }, autoscale: { cpu: 70 } };
    expect(forwardProps(ONLINE_MODEL_FIELDS, o)).toEqual({
      name: 'f',
      model: 'models:/f/1',
      autoscaling: { maxReplicas: 4, cpuUtilization: 70 },
    });
    expect(onlineFilePath(o, 'autoscaling.maxReplicas')).toEqual(['replicas', 'max']);
    expect(onlineFilePath(o, 'autoscaling')).toEqual(['autoscale']);
    expect(forwardProps(ONLINE_MODEL_FIELDS, { ...o, replicas: 3, autoscale: undefined })).toEqual({
      name: 'f',
      model: 'models:/f/1',
      replicas: 3,
    });
  });
});
