/**
 * The one place `modelplane promote` reads a batch model's continuous training from: the resolved
 * {@link ContinuousTrainingSpec} of its `train` run (`train.registers`, `train.promote` in modelplane.yaml).
 */
import type { ContinuousTrainingSpec } from '../../constructs/batch/airflow/training-spec';
import type { SparkBatchModel } from '../../constructs/batch/spark-batch-model';

/**
 * The continuous training of a built batch model, or undefined when its `train` run registers nothing.
 *
 * TODO(issue 18, merge of ct-config): return SparkBatchModel's resolved ContinuousTrainingSpec. Until the
 * construct resolves it, no model has one (promote refuses every model); the tests replace this module.
 */
export function trainingOf(_model: SparkBatchModel): ContinuousTrainingSpec | undefined {
  return undefined;
}
