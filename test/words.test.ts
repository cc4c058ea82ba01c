/**
 * Messages that name fields (core/words.ts): code reads the props' own names, modelplane.yaml the fields
 * the mapping tables map them from (src/frontends/config/wording.ts), with values written the file's way.
 */
import { App } from 'cdk8s';
import { OnlineModel } from '../src/constructs/online/online-model';
import { TeamModels } from '../src/constructs/team-models';
import { ModelplaneValidationError, ValidationIssue, validationIssue } from '../src/core/errors';
import { codeOnly, kindRef, prop, propOf, renderWords, words } from '../src/core/words';
import { FIELD_TABLES, ONLINE_MODEL_FIELDS } from '../src/frontends/config/mapping-tables';
import { issueWords } from '../src/frontends/config/wording';

const issue = (kind: string, fix: ReturnType<typeof words>): ValidationIssue => validationIssue({ kind, id: 'x' }, 'f', 1, 'is wrong', fix);
const yamlFix = (kind: string, fix: ReturnType<typeof words>, entry: unknown = {}) => {
  const table = FIELD_TABLES.find((t) => t.construct === kind);
  return issueWords(issue(kind, fix), table ? { table, entry } : undefined).fix;
};

describe('words', () => {
  test('code reads props as written in TypeScript', () => {
    const w = words`set ${prop('autoscaling.minReplicas', 2)} or ${prop('backend', 'seldon')}; drop ${prop('replicas')}${codeOnly(' first')} in ${kindRef('OnlineModel')}`;
    expect(renderWords(w)).toBe('set autoscaling: { minReplicas: 2 } or backend: "seldon"; drop `replicas` first in an OnlineModel');
    expect(renderWords('plain')).toBe('plain');
  });

  test('a construct used from TypeScript keeps its TypeScript words', () => {
    const app = new App();
    const chart = new TeamModels(app, 'risk');
    let err: unknown;
    try {
      new OnlineModel(chart, 'fraud', { model: 'models:/fraud@champion', autoscaling: { minReplicas: 5, maxReplicas: 2 } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelplaneValidationError);
    expect((err as Error).message).toContain('Fix: make `autoscaling.minReplicas` at most `autoscaling.maxReplicas` (2)');
    const i = (err as ModelplaneValidationError).issues[0];
    expect(issueWords(i, { table: ONLINE_MODEL_FIELDS, entry: {} }).fix).toBe(
      'make `replicas.min` at most `replicas.max` (2), or raise `replicas.max`',
    );
  });
});

describe('the words of modelplane.yaml, from the mapping tables', () => {
  test('fields, values, objects split over several fields, and converters run backwards', () => {
    expect(yamlFix('OnlineModel', words`use ${prop('backend', 'seldon')}`)).toBe('use server: seldon');
    expect(yamlFix('OnlineModel', words`set ${prop('autoscaling', { minReplicas: 2, maxReplicas: 6, cpuUtilization: 70 })}`)).toBe(
      'set replicas: { min: 2, max: 6 }, autoscale: { cpu: 70 }',
    );
    expect(
      yamlFix('OnlineModel', words`${prop('autoscaling.rabbitmq', { queueName: 'jobs', hostSecret: { name: 'mq', key: 'host' } })}`),
    ).toBe('autoscale: { rabbitmq: { queue: jobs, hostSecret: mq } }');
    expect(yamlFix('SparkBatchModel', words`pass ${prop('pythonEnv', { archive: 's3a://e/env.tar.gz', pythonVersion: '3.11' })}`)).toBe(
      'pass environment: "s3a://e/env.tar.gz", python: "3.11"',
    );
    expect(yamlFix('Cascade', words`add ${propOf('SparkBatchModel', 'cascade.outputTable', 'db.table')}`)).toBe(
      'add output: "hive://db.table"',
    );
    expect(yamlFix('Cascade', words`set ${prop('targets', ['airflow'])}`)).toBe('set orchestrator: airflow');
    expect(yamlFix('SparkBatchModel', words`${prop('score.mainApplicationFile')} or ${prop('train.arguments')}`)).toBe(
      '`main` or `train.args`',
    );
  });

  test('kinds are the entries that create them; code-only words are dropped', () => {
    expect(yamlFix('Cascade', words`define ${kindRef('SparkBatchModel')}${codeOnly(' in the chart')}`)).toBe(
      'define a batch model (`models[]` with `type: batch`)',
    );
    expect(yamlFix('Cascade', words`${kindRef('OnlineModel')}`)).toBe('an online model (`models[]` with `type: online`)');
  });

  test('props that are the file fields (a model test, the platform file) keep their names; values are YAML', () => {
    expect(yamlFix('ModelTest', words`set ${prop('absTolerance', 0.01)} or ${prop('expectedColumn')}`)).toBe(
      'set absTolerance: 0.01 or `expectedColumn`',
    );
    expect(yamlFix('TeamSpace', words`raise ${prop('quota.cpu', '64')}`)).toBe('raise quota: { cpu: "64" }');
  });

  test('a prop no field sets is named as the construct names it (the corpus test finds any that reach a user)', () => {
    expect(yamlFix('SparkBatchModel', words`lower ${prop('timeToLiveSeconds')}`)).toBe('lower `timeToLiveSeconds`');
  });

  test('every field row of every table names its field', () => {
    for (const table of FIELD_TABLES)
      for (const row of table.rows) {
        if (row.kind !== undefined) continue;
        const got = issueWords(issue(table.construct, words`${prop(row.prop)}`), { table, entry: {} }).fix;
        expect({ table: table.entry, prop: row.prop, got }).toEqual({ table: table.entry, prop: row.prop, got: `\`${row.yaml}\`` });
      }
  });
});
