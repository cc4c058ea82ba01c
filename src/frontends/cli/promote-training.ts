/**
 * The one place `modelplane promote` reads a batch model's continuous training from: the resolved
 * {@link ContinuousTrainingSpec} of its `train` run (`train.registers`, `train.promote` in modelplane.yaml).
 */
import type { ContinuousTrainingSpec } from '../../constructs/batch/airflow/training-spec';
import type { SparkBatchModel } from '../../constructs/batch/spark-batch-model';

/**
 * The continuous training of a built batch model (with its rollout targets among the team's online
 * models), or undefined when its `train` run registers nothing. The file was validated before.
 */
export function trainingOf(model: SparkBatchModel): ContinuousTrainingSpec | undefined {
  return model.training;
}
