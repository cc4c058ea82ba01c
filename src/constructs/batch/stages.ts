/**
 * The vocabulary every batch compiler shares (Airflow, Argo, Mermaid, the constructs): a model's two
 * runs, the three stages of a cascade block, the tasks of a model in a stage, and where a model's
 * SparkApplication templates are stored. Written once here; the compilers import it.
 */

/** The two runs a batch model has. */
export type BatchJob = 'train' | 'score';

/** The runs of a batch model, in the order a model defines them. */
export const BATCH_JOBS: readonly BatchJob[] = ['train', 'score'];

/** Cascade stages, in the order each block runs them. */
export const CASCADE_STAGES = ['download', 'run', 'export'] as const;
/** A cascade stage. */
export type CascadeStage = (typeof CASCADE_STAGES)[number];
/** The tasks of one model's group in one stage, in order. */
export const CASCADE_TASKS = ['select', 'submit', 'wait'] as const;
/** A task of one model's group in one stage. */
export type CascadeTask = (typeof CASCADE_TASKS)[number];

/** A cascade block as every compiler sees it: its name and its models' names, in order. */
export interface CascadeBlockShape {
  /** Block name. */
  readonly name: string;
  /** The block's models, in order (they run in parallel). */
  readonly models: readonly string[];
}

/** The ConfigMap key of a template. */
export function templateKey(template: BatchJob | 'download' | 'export'): string {
  return `${template}.json`;
}

/** The template a cascade stage creates its SparkApplication from: the stage's own, or for `run` the cascade's job. */
export function stageTemplateKey(stage: CascadeStage, job: BatchJob): string {
  return templateKey(stage === 'run' ? job : stage);
}

/** The ConfigMap holding a model's SparkApplication templates. */
export function modelTemplatesConfigMap(model: string): string {
  return `${model}-spark`;
}

/** Task id of one task of a cascade: `<block>.<stage>.<model>.<task>`. */
export function cascadeTaskId(block: string, stage: CascadeStage, model: string, task: CascadeTask): string {
  return `${block}.${stage}.${model}.${task}`;
}
