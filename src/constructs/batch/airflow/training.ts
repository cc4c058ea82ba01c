/**
 * The training DAG of a model with continuous training (see training-spec.ts). Work in progress: the
 * generator lands with the training tier.
 */
import { ModelDagSpec, modelDag } from './dag';
import type { ContinuousTrainingSpec } from './training-spec';

/** A model's training DAG with continuous training. */
export interface TrainingDagSpec extends ModelDagSpec {
  /** The continuous-training settings. */
  readonly training: ContinuousTrainingSpec;
}

/** The DAG file of a model's training run with continuous training. */
export function trainingDag(spec: TrainingDagSpec): string {
  return modelDag(spec);
}
