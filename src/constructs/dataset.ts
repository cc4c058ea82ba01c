/**
 * A team's dataset on a volume: a PersistentVolumeClaim whose storage class can take CSI volume snapshots
 * (`snapshotClassName` names the VolumeSnapshotClass), so that a training run's data and model can be kept as
 * point-in-time snapshots and a claim restored from one (docs/cookbook/lineage.md).
 *
 * The pure parts live here as plain functions of plain data: {@link resolveDataset} checks and defaults the
 * props, {@link snapshotName} names a run's snapshot deterministically from the dataset and the MLflow run id
 * (so restoring needs no lookup), {@link volumeSnapshotManifest} writes the `snapshot.storage.k8s.io/v1`
 * VolumeSnapshot of a run and {@link restoredClaimManifest} the claim restored from it.
 */
import { createHash } from 'crypto';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { orThrow, Resolution, Validator } from '../core/errors';
import { MANAGED_BY, standardLabels } from '../core/labels';
import { checkName, checkQuantity, dnsSubdomainProblem } from '../core/validate';
import { TeamModels } from './team-models';

/** The access modes a dataset's claim may ask for. */
export const DATASET_ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'] as const;

/** An access mode of a dataset's claim. */
export type DatasetAccessMode = (typeof DATASET_ACCESS_MODES)[number];

/** The longest dataset name: its snapshots are named `<name>-<MLflow run id>` (32 characters) within 63. */
export const DATASET_NAME_MAX = 30;

/** Properties of a {@link Dataset}. */
export interface DatasetProps {
  /** The claim's name in the team namespace. @default the construct id */
  readonly name?: string;
  /** The requested capacity, a quantity of bytes. @default "10Gi" */
  readonly size?: string;
  /** The storage class (its CSI driver must support snapshots). @default - the cluster's default storage class */
  readonly storageClassName?: string;
  /** The VolumeSnapshotClass of the dataset's snapshots. @default - the cluster's default VolumeSnapshotClass */
  readonly snapshotClassName?: string;
  /**
   * The access modes. The Spark driver and its executors mount the volume at once, so more than one pod
   * reading it needs `ReadOnlyMany` or `ReadWriteMany`. @default ["ReadWriteMany"]
   */
  readonly accessModes?: readonly DatasetAccessMode[];
}

/** A dataset's props, checked and defaulted. */
export interface ResolvedDataset {
  /** The claim's name. */
  readonly name: string;
  /** The capacity. */
  readonly size: string;
  /** The storage class, when given. */
  readonly storageClassName?: string;
  /** The VolumeSnapshotClass, when given. */
  readonly snapshotClassName?: string;
  /** The access modes. */
  readonly accessModes: readonly DatasetAccessMode[];
}

/**
 * The cdk8s context key of the Git commit the output is synthesized from (`app.node.setContext(KEY, sha)`
 * before any construct is created; `modelplane synth` sets it from `--commit`, the cdk8s app from
 * MODELPLANE_GIT_COMMIT; neither reads git by itself). The training DAGs with `train.snapshot` label their
 * snapshots with it; unset, the snapshots carry no commit.
 */
export const GIT_COMMIT_CONTEXT = 'modelplane:gitCommit';

/** The defaults of {@link DatasetProps}. */
export const DATASET_DEFAULTS = { size: '10Gi', accessModes: ['ReadWriteMany'] as readonly DatasetAccessMode[] } as const;

/**
 * Labels and annotation keys on a run's VolumeSnapshots. A label value is at most 63 characters of
 * `[A-Za-z0-9_.-]`, so the raw values that may not be one (the DAG run id, a 64-digit commit) are kept as
 * annotations too, and their labels are {@link labelValue}s.
 */
export const SNAPSHOT_KEYS = {
  /** Label: the dataset's claim. */
  dataset: 'modelplane.dev/dataset',
  /** Label: the batch model whose training took the snapshot. */
  model: 'modelplane.dev/model',
  /** Label: the MLflow run id (32 hexadecimal digits, a valid label value as it is). */
  mlflowRun: 'modelplane.dev/mlflow-run-id',
  /** Label: the commit's first 40 digits; annotation (same key): the commit as given. */
  gitCommit: 'modelplane.dev/git-commit',
  /** Label: the DAG run id as a label value ({@link labelValue}). */
  dagRunLabel: 'modelplane.dev/dag-run',
  /** Annotation: the DAG run id as Airflow gives it (`manual__2026-12-02T03:55:05+00:00` is no label value). */
  dagRun: 'modelplane.dev/dag-run-id',
} as const;

const LABEL_VALUE_MAX = 63;

/**
 * `text` as a Kubernetes label value, deterministically: every character outside `[A-Za-z0-9_.-]` becomes
 * `_` and the ends are trimmed to a letter or digit; a result longer than 63 characters (or empty) is cut to
 * 52 and ends in `-` and the first 10 hexadecimal digits of the SHA-256 of `text`. The training DAG's
 * snapshot task computes the same (`label_value`), so `-l modelplane.dev/dag-run=…` finds a run's snapshots.
 */
export function labelValue(text: string): string {
  const value = text.replace(/[^A-Za-z0-9_.-]/gu, '_').replace(/^[_.-]+|[_.-]+$/g, '');
  if (value.length > 0 && value.length <= LABEL_VALUE_MAX) return value;
  const digest = createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 10);
  return `${value.slice(0, 52).replace(/[_.-]+$/, '')}-${digest}`.replace(/^-/, '');
}

/** The MLflow tag naming the snapshot of `dataset`: `modelplane.snapshot.<dataset>`. */
export function snapshotTag(dataset: string): string {
  return `modelplane.snapshot.${dataset}`;
}

const MLFLOW_RUN_ID = /^[0-9a-f]{32}$/;
const GIT_COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** True when `commit` is a full Git commit id (40 or 64 lower-case hexadecimal digits). */
export function isGitCommit(commit: unknown): commit is string {
  return typeof commit === 'string' && GIT_COMMIT.test(commit);
}

/** Why `runId` is not an MLflow run id (32 lower-case hexadecimal digits), or undefined. */
export function runIdProblem(runId: unknown): string | undefined {
  if (typeof runId !== 'string') return 'must be a string';
  if (!MLFLOW_RUN_ID.test(runId)) return 'is not an MLflow run id: 32 lower-case hexadecimal digits';
  return undefined;
}

/** Checks and defaults the props of a {@link Dataset} (`id` names the claim unless `name` does): the resolved dataset, or every problem. */
export function resolveDataset(id: string, props: DatasetProps = {}): Resolution<ResolvedDataset> {
  const v = new Validator('Dataset', id);
  const name = props.name ?? id;
  checkName(v, 'name', name, DATASET_NAME_MAX);
  const size = props.size ?? DATASET_DEFAULTS.size;
  checkQuantity(v, 'size', size, '100Gi', 'bytes');
  for (const field of ['storageClassName', 'snapshotClassName'] as const) {
    const value = props[field];
    if (value === undefined) continue;
    const problem = dnsSubdomainProblem(value);
    v.check(
      problem === undefined,
      field,
      value,
      problem ?? '',
      'name the class as `kubectl get storageclass` / `volumesnapshotclass` lists it, e.g. "csi-snapshots"',
    );
  }
  const accessModes = props.accessModes ?? DATASET_ACCESS_MODES.filter((m) => DATASET_DEFAULTS.accessModes.includes(m));
  if (
    v.check(
      Array.isArray(accessModes) && accessModes.length > 0,
      'accessModes',
      accessModes,
      'must be a non-empty list of access modes',
      `write e.g. ["ReadWriteMany"]; the modes are ${DATASET_ACCESS_MODES.join(', ')}`,
    )
  ) {
    accessModes.forEach((m, i) =>
      v.check(
        (DATASET_ACCESS_MODES as readonly unknown[]).includes(m),
        `accessModes[${i}]`,
        m,
        'is not an access mode',
        `use one of ${DATASET_ACCESS_MODES.join(', ')}`,
      ),
    );
    v.check(
      new Set(accessModes).size === accessModes.length,
      'accessModes',
      accessModes,
      'names an access mode twice',
      'list each mode once',
    );
  }
  return v.result(() => ({
    name,
    size,
    ...(props.storageClassName !== undefined ? { storageClassName: props.storageClassName } : {}),
    ...(props.snapshotClassName !== undefined ? { snapshotClassName: props.snapshotClassName } : {}),
    accessModes: [...accessModes],
  }));
}

/** The name of the VolumeSnapshot a training run takes of `dataset`: `<dataset>-<MLflow run id>`. */
export function snapshotName(dataset: string, runId: string): string {
  const problem = runIdProblem(runId);
  if (problem) throw new Error(`run id ${JSON.stringify(runId)} ${problem}. Fix: pass the run id MLflow shows for the training run`);
  return `${dataset}-${runId}`;
}

/** What a run's snapshot records: the MLflow run, the DAG run and the Git commit of the training code. */
export interface SnapshotRun {
  /** The batch model whose training took it. @default - no model label */
  readonly model?: string;
  /** The MLflow run id (32 hexadecimal digits). */
  readonly mlflowRunId: string;
  /** The Airflow DAG run id. */
  readonly dagRunId: string;
  /** The Git commit of the training code (40 or 64 hexadecimal digits), when known. */
  readonly gitCommit?: string;
}

/** The `snapshot.storage.k8s.io/v1` VolumeSnapshot of `dataset` for `run`, in namespace `namespace`. */
export function volumeSnapshotManifest(dataset: ResolvedDataset, namespace: string, run: SnapshotRun): Record<string, unknown> {
  if (run.gitCommit !== undefined && !GIT_COMMIT.test(run.gitCommit))
    throw new Error(
      `git commit ${JSON.stringify(run.gitCommit)} is not a full commit id (40 or 64 lower-case hexadecimal digits). Fix: pass \`git rev-parse HEAD\``,
    );
  const labels: Record<string, string> = {
    'app.kubernetes.io/managed-by': MANAGED_BY,
    [SNAPSHOT_KEYS.dataset]: dataset.name,
    ...(run.model !== undefined ? { [SNAPSHOT_KEYS.model]: run.model } : {}),
    [SNAPSHOT_KEYS.mlflowRun]: run.mlflowRunId,
    [SNAPSHOT_KEYS.dagRunLabel]: labelValue(run.dagRunId),
    ...(run.gitCommit !== undefined ? { [SNAPSHOT_KEYS.gitCommit]: run.gitCommit.slice(0, 40) } : {}),
  };
  const annotations: Record<string, string> = {
    [SNAPSHOT_KEYS.dagRun]: run.dagRunId,
    ...(run.gitCommit !== undefined ? { [SNAPSHOT_KEYS.gitCommit]: run.gitCommit } : {}),
  };
  return {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshot',
    metadata: {
      name: snapshotName(dataset.name, run.mlflowRunId),
      namespace,
      labels,
      annotations,
    },
    spec: {
      ...(dataset.snapshotClassName !== undefined ? { volumeSnapshotClassName: dataset.snapshotClassName } : {}),
      source: { persistentVolumeClaimName: dataset.name },
    },
  };
}

/** The claim's spec of a dataset, optionally restored from a snapshot. */
function claimSpec(dataset: ResolvedDataset, snapshot?: string): Record<string, unknown> {
  return {
    accessModes: [...dataset.accessModes],
    resources: { requests: { storage: dataset.size } },
    ...(dataset.storageClassName !== undefined ? { storageClassName: dataset.storageClassName } : {}),
    ...(snapshot !== undefined ? { dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: snapshot } } : {}),
  };
}

/**
 * The PersistentVolumeClaim restoring `dataset` as it was after MLflow run `runId`, named `claimName`
 * (default `<dataset>-restored`): a new claim, so the live one is never overwritten.
 */
export function restoredClaimManifest(
  dataset: ResolvedDataset,
  namespace: string,
  runId: string,
  claimName = `${dataset.name}-restored`,
): Record<string, unknown> {
  const snapshot = snapshotName(dataset.name, runId);
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: claimName,
      namespace,
      labels: { ...standardLabels({ name: 'dataset', instance: dataset.name }), [SNAPSHOT_KEYS.mlflowRun]: runId },
    },
    spec: claimSpec(dataset, snapshot),
  };
}

/** A model whose training snapshots volumes and can give the claims that restore them (e.g. SparkBatchModel). */
export interface IRestorable {
  /** The claims restoring the model's snapshotted volumes as MLflow run `runId` left them; [] when it snapshots none. */
  restoreManifests(runId: string): Record<string, unknown>[];
}

/** True when `c` implements {@link IRestorable}. */
export function isRestorable(c: unknown): c is IRestorable {
  return typeof (c as Partial<IRestorable> | undefined)?.restoreManifests === 'function';
}

/**
 * A team's dataset: a PersistentVolumeClaim in the team namespace whose snapshots keep the data (or the
 * model) of a training run. Created inside a {@link TeamModels} chart.
 */
export class Dataset extends Construct {
  /** The dataset as plain data. */
  public readonly spec: ResolvedDataset;
  /** The claim. */
  public readonly claim: ApiObject;

  constructor(scope: Construct, id: string, props: DatasetProps = {}) {
    const resolved = orThrow(resolveDataset(id, props));
    const team = TeamModels.find(scope, 'Dataset', id);
    super(scope, id);
    this.spec = resolved;
    this.claim = new ApiObject(this, 'claim', {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: resolved.name,
        labels: { ...standardLabels({ name: 'dataset', instance: resolved.name, component: 'dataset', team: team.team }) },
      },
      spec: claimSpec(resolved),
    });
  }
}
