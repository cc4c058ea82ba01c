/** SparkBatchModel and Cascade: names, cron, Spark sizes, GPU pools, references between models. */
import type { App } from 'cdk8s';
import { Cascade, CascadeProps } from '../../../src/constructs/batch/cascade';
import { OnlineModel } from '../../../src/constructs/online/online-model';
import { SparkBatchModel } from '../../../src/constructs/batch/spark-batch-model';
import { batch, online, team, TsCase } from '../support';

const model =
  (over: Parameters<typeof batch>[0], id = 'churn') =>
  (app: App): void => {
    new SparkBatchModel(team(app), id, batch(over));
  };
const cascade =
  (props: Partial<Record<keyof CascadeProps, unknown>>, id = 'nightly') =>
  (app: App): void => {
    const t = team(app);
    new SparkBatchModel(t, 'churn', batch());
    new SparkBatchModel(t, 'ltv', batch({ cascade: { outputTable: 'scores.ltv' } }));
    new Cascade(t, id, { blocks: [{ name: 'base', models: ['churn', 'ltv'] }], ...props } as CascadeProps);
  };

export const cases: TsCase[] = [
  {
    name: 'more GPUs per executor than the pool ever has',
    construct: 'SparkBatchModel "churn"',
    field: 'gpu.count',
    value: 4,
    says: /maxGpus: 2/,
    build: (app) => {
      new SparkBatchModel(team(app, 'risk', ['gpu'], 2), 'churn', batch({ gpu: { pool: 'gpu', count: 4 } }));
    },
  },
  // SparkBatchModel
  { name: 'model name with upper case', construct: 'SparkBatchModel "Churn"', field: 'name', value: 'Churn', build: model({}, 'Churn') },
  {
    name: 'model name too long',
    construct: 'SparkBatchModel "churn"',
    field: 'name',
    value: 'c'.repeat(64),
    build: model({ name: 'c'.repeat(64) }),
  },
  {
    name: 'image on latest',
    construct: 'SparkBatchModel "churn"',
    field: 'image',
    value: 'apache/spark:latest',
    build: model({ image: 'apache/spark:latest' }),
  },
  {
    name: 'training cron with 61 minutes',
    construct: 'SparkBatchModel "churn"',
    field: 'train.schedule',
    value: '61 * * * *',
    build: model({ train: { mainApplicationFile: 'local:///app/train.py', schedule: '61 * * * *' } }),
  },
  {
    name: 'scoring cron with six fields',
    construct: 'SparkBatchModel "churn"',
    field: 'score.schedule',
    value: '0 0 3 * * *',
    build: model({ score: { mainApplicationFile: 'local:///app/score.py', schedule: '0 0 3 * * *' } }),
  },
  {
    name: 'cron with an unknown macro',
    construct: 'SparkBatchModel "churn"',
    field: 'score.schedule',
    value: '@fortnightly',
    build: model({ score: { mainApplicationFile: 'local:///app/score.py', schedule: '@fortnightly' } }),
  },
  {
    name: 'executor memory not a Spark size',
    construct: 'SparkBatchModel "churn"',
    field: 'executor.memory',
    value: '4 gigs',
    build: model({ executor: { memory: '4 gigs' } }),
  },
  {
    name: 'driver cores zero',
    construct: 'SparkBatchModel "churn"',
    field: 'driver.cores',
    value: 0,
    build: model({ driver: { cores: 0 } }),
  },
  {
    name: 'executor instances zero',
    construct: 'SparkBatchModel "churn"',
    field: 'executor.instances',
    value: 0,
    build: model({ executor: { instances: 0 } }),
  },
  {
    name: 'dynamic allocation max below min',
    construct: 'SparkBatchModel "churn"',
    field: 'dynamicAllocation.maxExecutors',
    value: 2,
    build: model({ dynamicAllocation: { minExecutors: 4, maxExecutors: 2 } }),
  },
  {
    name: 'GPU on a pool the platform lacks',
    construct: 'SparkBatchModel "churn"',
    field: 'gpu.pool',
    value: 'a100',
    build: model({ gpu: { pool: 'a100' } }),
  },
  {
    name: 'GPU count nine',
    construct: 'SparkBatchModel "churn"',
    field: 'gpu.count',
    value: 9,
    build: model({ gpu: { pool: 'gpu', count: 9 } }),
  },
  { name: 'no train and no score run', construct: 'SparkBatchModel "churn"', field: 'train', build: model({ score: undefined }) },
  {
    name: 'credential in a plain env var',
    construct: 'SparkBatchModel "churn"',
    field: 'env["DB_PASSWORD"]',
    says: /credential/,
    build: model({ env: { DB_PASSWORD: 'hunter2' } }),
  },
  {
    name: 'sparkConf overriding the packed Python',
    construct: 'SparkBatchModel "churn"',
    field: 'sparkConf["spark.pyspark.python"]',
    value: '/usr/bin/python3',
    build: model({ sparkConf: { 'spark.pyspark.python': '/usr/bin/python3' } }),
  },
  {
    name: 'unknown orchestrator',
    construct: 'SparkBatchModel "churn"',
    field: 'orchestrator',
    value: 'cron',
    build: model({ orchestrator: 'cron' }),
  },
  {
    name: 'cascade output in two places',
    construct: 'SparkBatchModel "churn"',
    field: 'cascade.outputTable',
    value: 'scores.churn',
    build: model({ cascade: { outputTable: 'scores.churn', outputPath: 's3a://p/churn' } }),
  },
  {
    name: 'cascade input URI without a scheme',
    construct: 'SparkBatchModel "churn"',
    field: 'cascade.inputs[0].uri',
    value: 'crm.customers',
    build: model({ cascade: { inputs: [{ name: 'customers', uri: 'crm.customers' }], outputTable: 'scores.churn' } }),
  },
  {
    name: 'cascade input named twice',
    construct: 'SparkBatchModel "churn"',
    field: 'cascade.inputs',
    value: 'orders',
    build: model({
      cascade: {
        inputs: [
          { name: 'orders', uri: 's3a://lake/orders/2024' },
          { name: 'orders', uri: 's3a://lake/orders/2025' },
        ],
        outputTable: 'scores.churn',
      },
    }),
  },
  {
    name: 'time to live shorter than an hour',
    construct: 'SparkBatchModel "churn"',
    field: 'timeToLiveSeconds',
    value: 60,
    build: model({ timeToLiveSeconds: 60 }),
  },
  {
    name: 'two models with one name in a team',
    construct: 'SparkBatchModel "churn-2"',
    field: 'name',
    value: 'churn',
    build: (app) => {
      const t = team(app);
      new SparkBatchModel(t, 'churn', batch());
      new SparkBatchModel(t, 'churn-2', batch({ name: 'churn' }));
    },
  },

  // Cascade
  { name: 'cascade name not DNS-1123', construct: 'Cascade "Nightly"', field: 'name', value: 'Nightly', build: cascade({}, 'Nightly') },
  {
    name: 'cascade cron with a reversed range',
    construct: 'Cascade "nightly"',
    field: 'schedule',
    value: '0 5-2 * * *',
    build: cascade({ schedule: '0 5-2 * * *' }),
  },
  {
    name: 'cascade referencing a missing model',
    construct: 'Cascade "nightly"',
    field: 'blocks[0].models[0]',
    value: 'no-such-model',
    build: cascade({ blocks: [{ name: 'base', models: ['no-such-model'] }] }),
  },
  {
    name: 'cascade with a model in two blocks',
    construct: 'Cascade "nightly"',
    field: 'blocks[1].models[0]',
    value: 'churn',
    build: cascade({
      blocks: [
        { name: 'a', models: ['churn'] },
        { name: 'b', models: ['churn'] },
      ],
    }),
  },
  {
    name: 'cascade with a block listed twice',
    construct: 'Cascade "nightly"',
    field: 'blocks',
    value: 'base',
    build: cascade({
      blocks: [
        { name: 'base', models: ['churn'] },
        { name: 'base', models: ['ltv'] },
      ],
    }),
  },
  {
    name: 'cascade with an empty block',
    construct: 'Cascade "nightly"',
    field: 'blocks[0].models',
    value: [],
    build: cascade({ blocks: [{ name: 'base', models: [] }] }),
  },
  { name: 'cascade with no blocks', construct: 'Cascade "nightly"', field: 'blocks', value: [], build: cascade({ blocks: [] }) },
  {
    name: 'cascade with an unknown orchestrator',
    construct: 'Cascade "nightly"',
    field: 'targets[0]',
    value: 'oozie',
    build: cascade({ targets: ['oozie'] }),
  },
  {
    name: 'cascade staging URI not s3a',
    construct: 'Cascade "nightly"',
    field: 'stagingUri',
    value: 'hdfs://staging/nightly',
    build: cascade({ stagingUri: 'hdfs://staging/nightly' }),
  },
  {
    name: 'cascade running an online model',
    construct: 'Cascade "nightly"',
    field: 'blocks[0].models[0]',
    value: 'fraud',
    build: (app) => {
      const t = team(app);
      new OnlineModel(t, 'fraud', online());
      new Cascade(t, 'nightly', { blocks: [{ name: 'base', models: ['fraud'] }] });
    },
  },
  {
    name: 'cascade with Airflow assets but only Argo',
    construct: 'Cascade "nightly"',
    field: 'assets',
    build: cascade({ targets: ['argo'], assets: ['s3://lake/orders'] }),
  },
  // Continuous training (the train run's registeredModel, minNewData, promote, notify)
  {
    name: 'a new-data threshold without dataset Assets',
    construct: 'SparkBatchModel "churn"',
    field: 'train.minNewData',
    value: { rows: 1000 },
    says: /train\.assets/,
    build: model({ train: { mainApplicationFile: 'local:///app/train.py', registeredModel: 'churn', minNewData: { rows: 1000 } } }),
  },
  {
    name: 'a Slack webhook URL as the notify target',
    construct: 'SparkBatchModel "churn"',
    field: 'train.notify[0].slack',
    says: /Airflow connection/,
    build: model({
      train: {
        mainApplicationFile: 'local:///app/train.py',
        registeredModel: 'churn',
        notify: [{ slack: 'https://hooks.slack.com/services/T/B/X' }],
      },
    }),
  },
  {
    name: 'continuous training on the Spark Operator',
    construct: 'SparkBatchModel "churn"',
    field: 'train.registeredModel',
    value: 'churn',
    says: /orchestrator: "airflow"/,
    build: model({
      orchestrator: 'spark-operator',
      train: { mainApplicationFile: 'local:///app/train.py', schedule: '0 2 * * 0', registeredModel: 'churn' },
    }),
  },
  {
    name: 'a promotion to an alias MLflow reserves',
    construct: 'SparkBatchModel "churn"',
    field: 'train.promote.alias',
    value: 'v2',
    build: model({
      train: { mainApplicationFile: 'local:///app/train.py', registeredModel: 'churn', promote: { metric: 'auc', alias: 'v2' } },
    }),
  },
  {
    name: 'continuous training on the scoring run',
    construct: 'SparkBatchModel "churn"',
    field: 'score.promote',
    build: model({ score: { mainApplicationFile: 'local:///app/score.py', promote: { metric: 'auc' } } }),
  },
];
