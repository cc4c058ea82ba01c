/**
 * The continuous-training contract: what a training DAG (`<team>.<model>.train`, see training.ts) needs to
 * know beyond a plain model DAG, and the MLflow names the DAG, the training code and `modelplane promote`
 * share. Plain data, no construct: the constructs resolve it, the DAG generator and the CLI read it.
 *
 * The loop, run by the training DAG:
 * 1. `check_data` (with {@link TrainingDagSpec.minNewData}): sums the `rows` (or `files`) extra of the
 *    dataset Assets' events since the last training's watermark; below the threshold the run stops there
 *    and says so.
 * 2. `start_run`: creates the MLflow run (experiment {@link TrainingDagSpec.experiment}) with what it
 *    trains on as params; the training SparkApplication gets `MLFLOW_RUN_ID` (so `mlflow.start_run()`
 *    resumes it), {@link TRAINING_ENV}.registeredModel and the champion's URI and version.
 * 3. `spark_submit` >> `spark_wait`: the training, which logs the metric and registers one version.
 * 4. `evaluate` (with {@link TrainingDagSpec.promote}): the candidate against the champion by the rule.
 * 5. `await_approval` (with an approval gate): waits for `modelplane promote MODEL VERSION`'s tags.
 * 6. `promote_canary` >> `soak` (with a canary): the canary alias moves, the canary variants roll.
 * 7. `promote`: the champion alias (and the canary alias, kept equal) moves, the targets roll.
 * With {@link ContinuousTrainingSpec.snapshot}, `snapshot` runs right after a successful `spark_wait` (before
 * the evaluation): one VolumeSnapshot per mounted dataset, named `<dataset>-<MLflow run id>`, and the MLflow
 * run tagged `modelplane.snapshot.<dataset>` with each name. A failed training never reaches it.
 * Each outcome is sent to {@link TrainingDagSpec.notify}.
 */
import type { ResolvedDataset } from '../../dataset';

/** How much new data starts a training: at least `count` rows or files since the last training. */
export interface MinNewData {
  /** What the ingestion pipeline counts in its Asset events' extra (`{"rows": 1200}` or `{"files": 3}`). */
  readonly unit: 'rows' | 'files';
  /** The threshold, a positive integer. */
  readonly count: number;
}

/** One object the promotion patches so that its pods restart and resolve the moved alias. */
export interface RolloutPatch {
  /** `Deployment` (apps/v1, pod template annotation) or `InferenceService` (serving.kserve.io/v1beta1, predictor annotations). */
  readonly kind: 'Deployment' | 'InferenceService';
  /** Object name in the team namespace. */
  readonly name: string;
}

/** An online model of the team that serves the trained model through an alias. */
export interface RolloutTarget {
  /** The online model's name. */
  readonly onlineModel: string;
  /** What to patch when the champion alias moves. */
  readonly champion: readonly RolloutPatch[];
  /** What to patch when the canary alias moves (its canary variant); empty without one. */
  readonly canary: readonly RolloutPatch[];
}

/** The promotion rule and rollout of a trained model. */
export interface PromotionSpec {
  /** The MLflow metric compared, as the training code logs it (`auc`). */
  readonly metric: string;
  /** `max`: higher is better; `min`: lower is better. */
  readonly mode: 'max' | 'min';
  /** How much better than the champion the candidate must be (>= 0). */
  readonly minDelta: number;
  /** The registry alias serving reads (`champion`). */
  readonly alias: string;
  /** An approval gate: promotion waits up to this many hours for `modelplane promote`. @default - no gate */
  readonly approvalTimeoutHours?: number;
  /** A canary step: the canary alias moves first, then the champion after the soak. @default - no canary step */
  readonly canary?: { readonly alias: string; readonly soakMinutes: number };
  /** The team's online models serving `models:/<registeredModel>@<alias>` (sorted by name). */
  readonly targets: readonly RolloutTarget[];
}

/** Where an outcome is sent: an Airflow connection (HTTP type) holding the URL; never a secret in the file. */
export interface NotifySpec {
  /** `slack`: Slack incoming-webhook JSON (`{"text": ...}`); `webhook`: modelplane's JSON event. */
  readonly kind: 'slack' | 'webhook';
  /** Airflow connection id. */
  readonly connection: string;
}

/** The snapshot step of a training: the volumes it snapshots, and the commit it records. */
export interface SnapshotSpec {
  /** The datasets the training mounts (its data and the volume it writes the model to), in mount order. */
  readonly volumes: readonly ResolvedDataset[];
  /**
   * The Git commit of the team repository the DAG was synthesized from (the label and annotation
   * `modelplane.dev/git-commit`). @default - not recorded: the synthesis was given no commit
   */
  readonly gitCommit?: string;
}

/** What the training DAG needs besides a plain model DAG's runtime. */
export interface ContinuousTrainingSpec {
  /** MLflow's tracking URI as Airflow's workers reach it. */
  readonly mlflowTrackingUri: string;
  /** The registered model the training registers a version of. */
  readonly registeredModel: string;
  /** The MLflow experiment of the training runs. */
  readonly experiment: string;
  /** The new-data threshold (needs dataset Assets). @default - every trigger trains */
  readonly minNewData?: MinNewData;
  /** Promotion. @default - the trained version is registered only */
  readonly promote?: PromotionSpec;
  /** Where outcomes are sent. */
  readonly notify: readonly NotifySpec[];
  /** Snapshots of the mounted datasets after a successful training. @default - none */
  readonly snapshot?: SnapshotSpec;
}

/** The MLflow experiment of a model's training runs. */
export function trainingExperiment(team: string, model: string): string {
  return `modelplane/${team}/${model}`;
}

/** The pod-template annotation a rollout sets to the promoted version (a change restarts the pods). */
export const MODEL_VERSION_ANNOTATION = 'modelplane.dev/model-version';

/** The field manager of the promotion's patches (visible in managedFields). */
export const PROMOTE_FIELD_MANAGER = 'modelplane-promote';

/** Env the training SparkApplication gets from the training DAG, for the training code. */
export const TRAINING_ENV = {
  /** The MLflow run the DAG created: `mlflow.start_run()` resumes it. */
  runId: 'MLFLOW_RUN_ID',
  /** The experiment of that run. */
  experimentId: 'MLFLOW_EXPERIMENT_ID',
  /** The registered model to register the trained version under. */
  registeredModel: 'MODELPLANE_REGISTERED_MODEL',
  /** `models:/<name>/<version>` of the current champion, or empty when there is none. */
  championUri: 'MODELPLANE_CHAMPION_URI',
  /** The champion's version, or empty. */
  championVersion: 'MODELPLANE_CHAMPION_VERSION',
} as const;

/**
 * MLflow model-version tags. The DAG writes the evaluation and status tags; `modelplane promote` writes the
 * approval tags, which the DAG's `await_approval` waits for.
 */
export const VERSION_TAGS = {
  /** `promote`, `reject`, or `incomparable`. */
  evaluation: 'modelplane.evaluation',
  /** Why, in one sentence. */
  reason: 'modelplane.evaluation.reason',
  /** `awaiting-approval`, `canary`, `champion`, `rejected`, `approval-timed-out`. */
  status: 'modelplane.status',
  /** Who approved (CI user or `--by`). */
  approvedBy: 'modelplane.approval.by',
  /** When (ISO 8601, UTC). */
  approvedAt: 'modelplane.approval.at',
  /** The commit of the team repository the approval came from. */
  approvedCommit: 'modelplane.approval.commit',
  /** Where from: the CI job URL, or `cli`. */
  approvedFrom: 'modelplane.approval.source',
} as const;

/** The metric the training code may log with the champion's score on the candidate's own test set. */
export function championMetricKey(metric: string): string {
  return `champion.${metric}`;
}
