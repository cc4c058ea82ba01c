/**
 * The written contract between a cascade and the models it runs. A cascade finds the team's models in
 * the TeamModels registry (by name) or gets them as constructs in its blocks; either way it asks
 * {@link isCascadeRunnable}, never a class name. A model that can run in a cascade (SparkBatchModel)
 * implements {@link ICascadeRunnable} and calls {@link markCascadeRunnable} on itself.
 */
import type { BatchJob, CascadeStage } from './stages';

/** What a cascade can run: a batch model with SparkApplication templates for every stage. */
export interface ICascadeRunnable {
  /** The model name (unique in the team). */
  readonly modelName: string;
  /** The team the model belongs to. */
  readonly team: string;
  /** The runs the model defines. */
  readonly jobs: readonly BatchJob[];
  /** Whether the model defines an output (where its predictions go), so it can run in a cascade. */
  readonly cascadeReady: boolean;
  /**
   * The SparkApplication manifest a cascade stage creates: the stage's own template for download and
   * export, the template of the cascade's `job` for the run stage.
   */
  stageTemplate(stage: CascadeStage, job: BatchJob): Record<string, unknown>;
}

const RUNNABLE = new WeakSet<object>();

/** Records that `model` implements {@link ICascadeRunnable} (models call it on themselves when they are created). */
export function markCascadeRunnable(model: ICascadeRunnable): void {
  RUNNABLE.add(model);
}

/** True for a model that marked itself cascade-runnable with {@link markCascadeRunnable}. */
export function isCascadeRunnable(x: unknown): x is ICascadeRunnable {
  return typeof x === 'object' && x !== null && RUNNABLE.has(x);
}
