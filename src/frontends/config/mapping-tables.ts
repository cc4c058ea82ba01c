/**
 * The tables of `yaml path <-> construct prop`, one per kind of entry of `modelplane.yaml`. They are
 * the only place the file's fields are related to the constructs' props: the YAML -> props mapping,
 * the inverse used to locate construct errors in the file, and the field table of
 * docs/modelplane-yaml.md are all read from them (see `./mapping.ts`).
 */
import { asIs, FieldRow, FieldTable, OtherRow } from './mapping';
import {
  BLOCKS,
  HOST_SECRET,
  INPUTS,
  ONE_ITEM_LIST,
  OUTPUT,
  QUANTITIES,
  QUANTITY,
  REPLICAS,
  STRING_VALUES,
  VARIANTS,
} from './mapping-converters';
import type { BatchModelConfig, CascadeConfig, DatasetConfig, OnlineModelConfig, RetroTestConfig } from './types';

/** `type` selects the construct. */
const TYPE: OtherRow = { kind: 'other', yaml: 'type', note: 'selects the construct' };
/** A model's `description` is for readers of the file. */
const DESCRIPTION: OtherRow = { kind: 'other', yaml: 'description', note: 'for readers of the file; not passed on' };
/** The entry's `name`, which is also its construct's id. */
const NAME: FieldRow = { yaml: 'name', prop: 'name', note: 'also the construct id' };
/** Resources, as the quantity strings constructs take. */
const RESOURCES: FieldRow = { yaml: 'resources', prop: 'resources', convert: QUANTITIES };

/** A batch model entry as `SparkBatchModelProps`. */
export const BATCH_MODEL_FIELDS: FieldTable<BatchModelConfig> = {
  entry: 'batch model',
  where: '`models[]` with `type: batch`',
  construct: 'SparkBatchModel',
  propsType: 'SparkBatchModelProps',
  order: 'table',
  rows: [
    TYPE,
    NAME,
    DESCRIPTION,
    ...asIs('image'),
    { yaml: 'spark.version', prop: 'sparkVersion' },
    {
      kind: 'group',
      prop: 'pythonEnv',
      when: 'always',
      at: 'environment',
      rest: 'drop',
      note: 'always given, so that a missing `environment` is reported there',
    },
    { yaml: 'environment', prop: 'pythonEnv.archive' },
    { yaml: 'python', prop: 'pythonEnv.pythonVersion' },
    { kind: 'group', prop: 'score', when: ['main'], at: '', rest: 'keep', note: 'the scoring run, when `main` is set' },
    { yaml: 'main', prop: 'score.mainApplicationFile' },
    { yaml: 'args', prop: 'score.arguments' },
    { yaml: 'schedule', prop: 'score.schedule' },
    {
      kind: 'group',
      prop: 'train',
      when: ['train'],
      at: 'train',
      rest: 'keep',
      absentAt: 'main',
      note: 'the training run; a model with neither run is reported at `main`',
    },
    { yaml: 'train.main', prop: 'train.mainApplicationFile' },
    { yaml: 'train.args', prop: 'train.arguments' },
    { yaml: 'train.schedule', prop: 'train.schedule' },
    { yaml: 'train.onData', prop: 'train.assets', note: 'Airflow Assets: continuous training' },
    { yaml: 'train.registers', prop: 'train.registeredModel', note: 'continuous training: the MLflow registered model' },
    { yaml: 'train.minNewData', prop: 'train.minNewData', note: 'continuous training: `{ rows: N }` or `{ files: N }`' },
    { yaml: 'train.promote', prop: 'train.promote', note: 'continuous training: the promotion rule and rollout' },
    { yaml: 'train.notify', prop: 'train.notify', note: 'continuous training: Airflow connection ids' },
    { yaml: 'train.snapshot', prop: 'train.snapshot', note: 'continuous training: VolumeSnapshots of the mounted datasets' },
    {
      kind: 'group',
      prop: 'cascade',
      when: ['inputs', 'output'],
      at: 'output',
      rest: 'drop',
      note: "how a cascade stages the model's data, when `inputs` or `output` is set; its problems are reported at `output`",
    },
    { yaml: 'inputs', prop: 'cascade.inputs', convert: INPUTS, unset: () => [] },
    OUTPUT,
    { yaml: 'spark.driver', prop: 'driver' },
    { yaml: 'spark.executor', prop: 'executor' },
    { yaml: 'spark.dynamicAllocation', prop: 'dynamicAllocation' },
    { yaml: 'spark.conf', prop: 'sparkConf', convert: STRING_VALUES },
    { yaml: 'spark.hadoopConf', prop: 'hadoopConf', convert: STRING_VALUES },
    ...asIs('env', 'retries', 'gpu', 'orchestrator'),
    { yaml: 'datasets', prop: 'datasets', note: "each `dataset` names one of the file's `datasets` (passed as its `Dataset` construct)" },
  ],
};

/** An online model entry as `OnlineModelProps`. */
export const ONLINE_MODEL_FIELDS: FieldTable<OnlineModelConfig> = {
  entry: 'online model',
  where: '`models[]` with `type: online`',
  construct: 'OnlineModel',
  propsType: 'OnlineModelProps',
  order: 'table',
  rows: [
    TYPE,
    ...asIs('name'),
    { kind: 'id', yaml: 'name', prop: 'id', note: 'the construct id: problems with the names derived from it are reported at `name`' },
    DESCRIPTION,
    VARIANTS,
    { yaml: 'server', prop: 'backend' },
    ...asIs('format', 'role'),
    RESOURCES,
    ...asIs('gpu'),
    REPLICAS,
    {
      kind: 'group',
      prop: 'autoscaling',
      when: ['replicas.min', 'replicas.max', 'autoscale'],
      at: 'autoscale',
      rest: 'keep',
      note: 'when `replicas` is a range or `autoscale` is set',
    },
    { yaml: 'autoscale.cpu', prop: 'autoscaling.cpuUtilization' },
    { yaml: 'autoscale.memory', prop: 'autoscaling.memoryUtilization' },
    {
      kind: 'group',
      prop: 'autoscaling.rabbitmq',
      when: ['autoscale.rabbitmq'],
      at: 'autoscale.rabbitmq',
      rest: 'keep',
      note: 'queue-length scaling through KEDA',
    },
    { yaml: 'autoscale.rabbitmq.queue', prop: 'autoscaling.rabbitmq.queueName' },
    { yaml: 'autoscale.rabbitmq.hostSecret', prop: 'autoscaling.rabbitmq.hostSecret', convert: HOST_SECRET },
    { yaml: 'autoscale.rabbitmq.messagesPerReplica', prop: 'autoscaling.rabbitmq.messagesPerReplica' },
    { yaml: 'autoscale.rabbitmq.activationMessages', prop: 'autoscaling.rabbitmq.activationMessages' },
    { yaml: 'autoscale.rabbitmq.protocol', prop: 'autoscaling.rabbitmq.protocol' },
    { yaml: 'autoscale.rabbitmq.vhostName', prop: 'autoscaling.rabbitmq.vhostName' },
    ...asIs('image', 'kserve', 'seldon', 'deployment'),
    {
      kind: 'other',
      yaml: 'tests',
      note: 'one `ModelTest` per test, its props as written with `target` this model; problems are reported under `tests[i]`',
    },
  ],
};

/** A cascade entry as `CascadeProps`; its blocks name the team's batch models. */
export const CASCADE_FIELDS: FieldTable<CascadeConfig> = {
  entry: 'cascade',
  where: '`cascades[]`',
  construct: 'Cascade',
  propsType: 'CascadeProps',
  order: 'table',
  rows: [
    NAME,
    ...asIs('description'),
    { yaml: 'blocks', prop: 'blocks', convert: BLOCKS, unset: () => [] },
    ...asIs('schedule'),
    { yaml: 'orchestrator', prop: 'targets', convert: ONE_ITEM_LIST },
    ...asIs('job'),
    { yaml: 'onData', prop: 'assets', note: 'Airflow Assets' },
    ...asIs('stagingUri'),
  ],
};

/**
 * A retro test entry as `RetroTestProps`: every field as it is but the resources. The props
 * keep the order of the file, as the construct's Job name is a hash of them.
 */
export const RETRO_TEST_FIELDS: FieldTable<RetroTestConfig> = {
  entry: 'retro test',
  where: '`retroTests[]`',
  construct: 'RetroTest',
  propsType: 'RetroTestProps',
  order: 'file',
  rows: [NAME, ...asIs('model', 'input', 'period', 'output', 'excludeColumns'), RESOURCES, ...asIs('s3CredentialsSecret', 'image')],
};

/** A dataset entry as `DatasetProps`: the claim a batch model mounts and `train.snapshot` snapshots. */
export const DATASET_FIELDS: FieldTable<DatasetConfig> = {
  entry: 'dataset',
  where: '`datasets[]`',
  construct: 'Dataset',
  propsType: 'DatasetProps',
  order: 'table',
  rows: [
    NAME,
    { yaml: 'size', prop: 'size', convert: QUANTITY },
    { yaml: 'storageClass', prop: 'storageClassName' },
    { yaml: 'snapshotClass', prop: 'snapshotClassName' },
    ...asIs('accessModes'),
  ],
};

/** Every table, in the order the docs list them. */
export const FIELD_TABLES: ReadonlyArray<FieldTable<never>> = [
  BATCH_MODEL_FIELDS,
  ONLINE_MODEL_FIELDS,
  CASCADE_FIELDS,
  RETRO_TEST_FIELDS,
  DATASET_FIELDS,
];
