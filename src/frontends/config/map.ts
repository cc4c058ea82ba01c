/**
 * How each kind of `modelplane.yaml` entry becomes a construct: its props come from the entry's
 * mapping table (`./mapping-tables.ts`), and the same table translates the construct's error fields
 * back into the entry. Nothing here renders Kubernetes objects; the constructs do, exactly as for
 * TypeScript users.
 */
import type { Construct } from 'constructs';
import { Cascade, CascadeProps } from '../../constructs/batch/cascade';
import { SparkBatchModel, SparkBatchModelProps } from '../../constructs/batch/spark-batch-model';
import { Dataset, DatasetProps } from '../../constructs/dataset';
import { ModelTest } from '../../constructs/online/model-test';
import { OnlineModel, OnlineModelProps } from '../../constructs/online/online-model';
import { RetroTest, RetroTestProps } from '../../constructs/online/retro-test';
import type { TeamModels } from '../../constructs/team-models';
import { ModelplaneValidationError } from '../../core/errors';
import { FieldTable, forwardProps, yamlPathOf } from './mapping';
import { BATCH_MODEL_FIELDS, CASCADE_FIELDS, DATASET_FIELDS, ONLINE_MODEL_FIELDS, RETRO_TEST_FIELDS } from './mapping-tables';
import type { FieldPath } from './source';
import type { BatchModelConfig, CascadeConfig, DatasetConfig, OnlineModelConfig, RetroTestConfig } from './types';

export { inputName } from './mapping-converters';

/** What a mapping may look at besides its own entry. */
export interface MapContext {
  /** Models built so far, by name (cascades find their batch models here). */
  readonly models: ReadonlyMap<string, Construct>;
  /** The file's datasets, by name (batch models mount them). @default - none */
  readonly datasets?: ReadonlyMap<string, Dataset>;
}

/** How one kind of entry becomes a construct. */
export interface EntryMapping<C> {
  /** Creates the construct for one entry inside the team's chart. */
  create(chart: TeamModels, entry: C, ctx: MapContext): Construct;
  /** Translates a field path of the construct's props (as its validation errors name it) into a path inside the entry. */
  toFilePathFor(entry: C, field: string): FieldPath;
  /** The entry's mapping table: the fields the construct's messages name are translated with it (`./wording.ts`). */
  readonly table: FieldTable<never>;
}

/** A batch model entry as {@link SparkBatchModelProps}. */
export function batchModelProps(m: BatchModelConfig): SparkBatchModelProps {
  return forwardProps(BATCH_MODEL_FIELDS, m) as unknown as SparkBatchModelProps;
}

/**
 * A batch model entry as {@link SparkBatchModelProps}, each mount naming one of the file's datasets given
 * as its {@link Dataset} construct (the snapshot step needs its classes and size); another name is passed
 * on as a claim's name.
 */
function batchModelPropsIn(m: BatchModelConfig, datasets: ReadonlyMap<string, Dataset> | undefined): SparkBatchModelProps {
  const props = batchModelProps(m);
  if (!Array.isArray(props.datasets)) return props;
  const mounts = props.datasets.map((d) => {
    const found = typeof d?.dataset === 'string' ? datasets?.get(d.dataset) : undefined;
    return found ? { ...d, dataset: found } : d;
  });
  return { ...props, datasets: mounts };
}

/** A dataset entry as {@link DatasetProps}. */
export function datasetProps(d: DatasetConfig): DatasetProps {
  return forwardProps(DATASET_FIELDS, d) as unknown as DatasetProps;
}

/** Where a {@link SparkBatchModelProps} field is written in a batch model entry. */
export function batchFilePath(m: BatchModelConfig, field: string): FieldPath {
  return yamlPathOf(BATCH_MODEL_FIELDS, m, field);
}

/** An online model entry as {@link OnlineModelProps}. */
export function onlineModelProps(m: OnlineModelConfig): OnlineModelProps {
  return forwardProps(ONLINE_MODEL_FIELDS, m) as unknown as OnlineModelProps;
}

/** Where an {@link OnlineModelProps} field is written in an online model entry. */
export function onlineFilePath(m: OnlineModelConfig, field: string): FieldPath {
  return yamlPathOf(ONLINE_MODEL_FIELDS, m, field);
}

/** A cascade entry as {@link CascadeProps}; blocks name the team's batch models. */
export function cascadeProps(c: CascadeConfig): CascadeProps {
  return forwardProps(CASCADE_FIELDS, c) as unknown as CascadeProps;
}

/** Where a {@link CascadeProps} field is written in a cascade entry. */
export function cascadeFilePath(field: string): FieldPath {
  return yamlPathOf(CASCADE_FIELDS, {} as CascadeConfig, field);
}

/** A retro test entry as {@link RetroTestProps}. */
export function retroTestProps(r: RetroTestConfig): RetroTestProps {
  return forwardProps(RETRO_TEST_FIELDS, r) as unknown as RetroTestProps;
}

/**
 * The online model and its model tests. A test's problems are the test's own props, written as
 * they are under `tests[j]`: they are marked as that part of the entry (`within`).
 */
function createOnlineModel(chart: TeamModels, m: OnlineModelConfig): Construct {
  const model = new OnlineModel(chart, m.name, onlineModelProps(m));
  (m.tests ?? []).forEach((test, j) => {
    try {
      new ModelTest(chart, `${m.name}-test-${j}`, { ...test, target: model });
    } catch (e) {
      if (!(e instanceof ModelplaneValidationError)) throw e;
      const within = `tests[${j}]`;
      throw new ModelplaneValidationError(e.issues.map((i) => ({ ...i, within: i.within ? `${within}.${i.within}` : within })));
    }
  });
  return model;
}

/** Mappings of model entries by `type`. */
export const MODEL_MAPPINGS: {
  readonly batch: EntryMapping<BatchModelConfig>;
  readonly online: EntryMapping<OnlineModelConfig>;
} = {
  batch: {
    create: (chart, m, ctx) => new SparkBatchModel(chart, m.name, batchModelPropsIn(m, ctx.datasets)),
    toFilePathFor: batchFilePath,
    table: BATCH_MODEL_FIELDS,
  },
  online: {
    create: createOnlineModel,
    toFilePathFor: onlineFilePath,
    table: ONLINE_MODEL_FIELDS,
  },
};

/** Mapping of cascade entries. */
export const CASCADE_MAPPING: EntryMapping<CascadeConfig> = {
  create: (chart, c) => new Cascade(chart, c.name, cascadeProps(c)),
  toFilePathFor: (c, field) => yamlPathOf(CASCADE_FIELDS, c, field),
  table: CASCADE_FIELDS,
};

/** Mapping of retro test entries. */
export const RETRO_TEST_MAPPING: EntryMapping<RetroTestConfig> = {
  create: (chart, r) => new RetroTest(chart, r.name, retroTestProps(r)),
  toFilePathFor: (r, field) => yamlPathOf(RETRO_TEST_FIELDS, r, field),
  table: RETRO_TEST_FIELDS,
};

/** Mapping of dataset entries. */
export const DATASET_MAPPING: EntryMapping<DatasetConfig> = {
  create: (chart, d) => new Dataset(chart, d.name, datasetProps(d)),
  toFilePathFor: (d, field) => yamlPathOf(DATASET_FIELDS, d, field),
  table: DATASET_FIELDS,
};
