import { ApiObject } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { ScheduledSparkApplication, SparkApplicationSpec } from '../../../imports/sparkoperator.k8s.io';
import { constructLabel, formatIssue, orThrow, ValidationIssue } from '../../core/errors';
import { standardLabels } from '../../core/labels';
import type { QuotaDemand, QuotaDemanding } from '../quota';
import { TEAM_SERVICE_ACCOUNTS } from '../team-space';
import { IModelServing, isModelServing, isRolloutRefusal } from '../model-serving';
import { GIT_COMMIT_CONTEXT, IRestorable, isGitCommit, restoredClaimManifest, type Dataset } from '../dataset';
import { TeamModel, TeamModels } from '../team-models';
import { dagFileName, ModelDagSpec, modelDag, modelDagId } from './airflow/dag';
import { trainingDag } from './airflow/training';
import type { ContinuousTrainingSpec, RolloutPatch } from './airflow/training-spec';
import { argoCronWorkflow, ensureArgoRunner } from './argo/compile';
import { ICascadeRunnable, markCascadeRunnable } from './contracts';
import { batchQuotaDemand } from './quota-demand';
import { ResolvedSparkBatchModel, ResolvedSparkRun, resolveSparkBatchModel } from './resolve-model';
import { aliasUris, resolveRolloutTargets, ServingModel, trainingSpec } from './resolve-training';
import {
  SPARK_API,
  SPARK_API_VERSION,
  sparkApplicationSpec,
  SparkDynamicAllocation,
  SparkGpuRole,
  SparkPodResources,
  sparkPodTemplates,
} from './spark';
import { BatchJob, CascadeStage, modelTemplatesConfigMap, stageTemplateKey, templateKey } from './stages';
import { TeamDags } from './team-dags';
import { environmentDelivery } from './spark-environment';
import { SparkEnvironmentProgram } from './spark-environment-program';
import { operatorInstalled } from '../../core/context';

export { MAX_BATCH_MODEL_NAME } from './resolve-model';

/** Who runs a model's schedule. */
export type BatchOrchestrator = 'airflow' | 'argo' | 'spark-operator';

/** One run of the model (training or scoring): its entry point, arguments and schedule. */
export interface SparkRunProps {
  /** The PySpark entry point: `local:///…` (in the image; recommended) or `s3a://…`. */
  readonly mainApplicationFile: string;
  /**
   * Arguments; run-time values such as `{{ ds }}` or `{{ params.NAME }}` are substituted for each run
   * (docs/cookbook/run-time-values.md), any other `{{`, `{%` or `{#` is refused. @default []
   */
  readonly arguments?: readonly string[];
  /** Five-field cron schedule (continuous training or scoring). @default - none (run by a cascade or by hand) */
  readonly schedule?: string;
  /**
   * Airflow Asset (dataset) URIs: a run starts when any of them is updated (Airflow only; combined
   * with `schedule`, either one starts a run). @default []
   */
  readonly assets?: readonly string[];
  /**
   * Continuous training (training run, Airflow only): the MLflow registered model the training registers
   * one version of per run (`[A-Za-z0-9._-]+`, at most 256 characters); the training code reads it from
   * `MODELPLANE_REGISTERED_MODEL`. Needed by `minNewData`, `promote` and `notify`. A training run with it
   * gets its DAG `<team>.<model>.train` even without `schedule` or `assets` (then run by hand).
   * @default - no continuous training: the run is a plain training run
   */
  readonly registeredModel?: string;
  /**
   * Continuous training: train only when the dataset Assets (`assets`) reported at least this much new
   * data since the last training, counted from their events' extra (`{"rows": 1200}` or `{"files": 3}`).
   * Exactly one of `rows` and `files`, a positive whole number. Needs `assets` and `registeredModel`.
   * @default - every trigger trains
   */
  readonly minNewData?: MinNewDataProps;
  /**
   * Continuous training: compare the trained version with the champion and move the registry alias
   * (rolling the team's online models that serve it) when it is better. Needs `registeredModel`.
   * @default - the trained version is registered only
   */
  readonly promote?: PromoteProps;
  /**
   * Continuous training: where each outcome (trained, promoted, rejected, awaiting approval) is sent:
   * Airflow connection ids (HTTP connections holding the URL), never a URL or a secret.
   * Needs `registeredModel`. @default []
   */
  readonly notify?: readonly NotifyProps[];
  /**
   * Continuous training: after each successful training, snapshot every mounted dataset (`datasets`, each a
   * {@link Dataset}: the data and the volume the model is written to) as a VolumeSnapshot
   * `<dataset>-<MLflow run id>` in the team namespace, labelled with the model, the MLflow run, the DAG run
   * and the Git commit the DAG was synthesized from, and tag the MLflow run `modelplane.snapshot.<dataset>`
   * with each snapshot's name; a failed training takes none. `modelplane restore MODEL --run ID` writes the
   * claims restoring a run's volumes (docs/cookbook/lineage.md). Needs `registeredModel` and `datasets`.
   * @default false
   */
  readonly snapshot?: boolean;
}

/** How much new data starts a training ({@link SparkRunProps.minNewData}): exactly one of the two. */
export interface MinNewDataProps {
  /** At least this many new rows (the Asset events' `rows` extra). @default - counted in files */
  readonly rows?: number;
  /** At least this many new files (the Asset events' `files` extra). @default - counted in rows */
  readonly files?: number;
}

/** The promotion rule of a trained model ({@link SparkRunProps.promote}). */
export interface PromoteProps {
  /** The MLflow metric compared, as the training code logs it (`auc`; letters, digits, `_ . - /` and spaces). */
  readonly metric: string;
  /** `max`: higher is better; `min`: lower is better. @default "max" */
  readonly mode?: 'max' | 'min';
  /** How much better than the champion the candidate must be (a finite number, at least 0). @default 0 */
  readonly minDelta?: number;
  /**
   * The registry alias the online models serve (`models:/<registeredModel>@<alias>`): letters, digits,
   * `_` and `-`, never `v<digits>` nor `latest` (MLflow reserves them). @default "champion"
   */
  readonly alias?: string;
  /**
   * An approval gate: the promotion waits for `modelplane promote MODEL VERSION` (from CI or a person).
   * @default - no gate: a better version is promoted at once
   */
  readonly approval?: ApprovalProps;
  /**
   * A canary step: the canary alias moves first (the online models' canary variants serve it), then the
   * champion alias after the soak. Needs an online model of the team with a canary variant on
   * `models:/<registeredModel>@<canary alias>`. @default - no canary step
   */
  readonly canary?: PromoteCanaryProps;
}

/** The approval gate of a promotion ({@link PromoteProps.approval}). */
export interface ApprovalProps {
  /** How long the promotion waits for the approval before it gives up, in hours (positive). @default 72 */
  readonly timeoutHours?: number;
}

/** The canary step of a promotion ({@link PromoteProps.canary}). */
export interface PromoteCanaryProps {
  /** The canary alias (as {@link PromoteProps.alias}; not the champion alias). @default "canary" */
  readonly alias?: string;
  /** How long the canary serves before the champion alias moves, in whole minutes (positive). @default 30 */
  readonly soakMinutes?: number;
}

/**
 * Where an outcome is sent ({@link SparkRunProps.notify}): exactly one of the two, an Airflow connection
 * id (letters, digits, `_ . -`) of an HTTP connection that holds the URL.
 */
export interface NotifyProps {
  /** A Slack incoming webhook's connection. @default - not Slack */
  readonly slack?: string;
  /** A webhook receiving modelplane's JSON event. @default - not a webhook */
  readonly webhook?: string;
}

/** One cascade stage of the model other than `run` (download or export). */
export interface SparkStageProps {
  /** Entry point. @default - the entry point of the run the cascade uses */
  readonly mainApplicationFile?: string;
  /** Arguments, with run-time values as in {@link SparkRunProps.arguments}. @default ["--modelplane-stage", "<stage>"] */
  readonly arguments?: readonly string[];
}

/** A dataset the model reads. */
export interface BatchInput {
  /** Name (the model code finds it under this name in the staging area). */
  readonly name: string;
  /** Where it is: `s3a://…`, `hive:db.table`. */
  readonly uri: string;
}

/** What a model needs to run in a cascade: inputs to stage, where predictions go. */
export interface CascadeIoProps {
  /** Datasets the download stage stages for the run. @default [] */
  readonly inputs?: readonly BatchInput[];
  /** The output: a Hive table (`db.table`)... @default - none; give this or `outputPath` */
  readonly outputTable?: string;
  /** ...or an S3 path (`s3a://…`). @default - none */
  readonly outputPath?: string;
  /** The download stage's job. @default - see {@link SparkStageProps} */
  readonly download?: SparkStageProps;
  /** The export stage's job. @default - see {@link SparkStageProps} */
  readonly export?: SparkStageProps;
}

/** GPU use of a batch model. */
export interface SparkGpuProps {
  /** The platform's GPU pool. */
  readonly pool: string;
  /** GPUs per pod. @default 1 */
  readonly count?: number;
  /** Which pods get GPUs. @default "executor" */
  readonly on?: SparkGpuRole;
}

/** Properties of a {@link SparkBatchModel}. */
export interface SparkBatchModelProps {
  /** Model name (DNS label, at most 36 characters). @default - the construct id */
  readonly name?: string;
  /** Spark image with the model code, pinned (no `latest`). */
  readonly image: string;
  /** Exact Spark version of the image, e.g. "3.5.5". */
  readonly sparkVersion: string;
  /**
   * The packed Python environment (conda-pack or venv-pack archive, `bin/python` at its top level) and its
   * pinned Python version. An `s3a://` archive is fetched by an init container of the driver's and executors'
   * pods (the image's `python3`, the team's object-store credentials) into `/var/modelplane/environment`,
   * because spark-submit in the Spark Operator cannot open s3a:// (no S3AFileSystem in its image); a
   * `local://` or `https://` archive is passed to Spark as `--archives` (unpacked as `./environment`).
   * @see docs/object-store.md "Packed Python environments"
   */
  readonly pythonEnv: { readonly archive: string; readonly pythonVersion: string };
  /** Training run. @default - none */
  readonly train?: SparkRunProps;
  /** Scoring (batch inference) run. @default - none */
  readonly score?: SparkRunProps;
  /** Cascade stages (inputs, output). @default - inputs none, output required when used in a cascade */
  readonly cascade?: CascadeIoProps;
  /** Driver resources. @default { cores: 1, memory: "2g" } */
  readonly driver?: SparkPodResources;
  /** Executor resources. @default { cores: 1, memory: "2g", instances: 2 } */
  readonly executor?: SparkPodResources & { readonly instances?: number };
  /** Dynamic allocation (replaces `executor.instances`). @default - off */
  readonly dynamicAllocation?: SparkDynamicAllocation;
  /** Extra Spark configuration. @default {} */
  readonly sparkConf?: Readonly<Record<string, string>>;
  /** Extra non-secret Hadoop configuration (e.g. `fs.s3a.*` tuning); credentials are rejected. @default {} */
  readonly hadoopConf?: Readonly<Record<string, string>>;
  /** Plain environment variables of the driver and executors; values may hold run-time values (see {@link SparkRunProps.arguments}). @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** Retries of a failed application (restartPolicy OnFailure); 0 means Never. @default 2 */
  readonly retries?: number;
  /** Seconds between retries. @default 60 */
  readonly retryIntervalSeconds?: number;
  /** Seconds a finished application is kept; long enough for the waiter to see its final state. @default 86400 */
  readonly timeToLiveSeconds?: number;
  /** GPUs from a GpuNodePool. @default - none */
  readonly gpu?: SparkGpuProps;
  /** Who runs `schedule`d runs. @default "airflow" */
  readonly orchestrator?: BatchOrchestrator;
  /** Datasets (PersistentVolumeClaims, see {@link Dataset}) mounted into the driver and the executors of every run. @default - none */
  readonly datasets?: readonly SparkDatasetProps[];
}

/** A dataset a batch model mounts: its input, its output or the model it trains. */
export interface SparkDatasetProps {
  /** The {@link Dataset}, or the name of its claim in the team namespace. */
  readonly dataset: Dataset | string;
  /** Where the driver and the executors see it: an absolute path outside Spark's own directories. */
  readonly mountPath: string;
  /** Mount it read-only (an input). @default false */
  readonly readOnly?: boolean;
}

/** The labels of one step (run, stage, pod templates, ConfigMap) of a model. */
function stepLabels(spec: ResolvedSparkBatchModel, step: string): Record<string, string> {
  return standardLabels({ name: 'spark-batch-model', instance: spec.name, component: step, team: spec.team, model: spec.name });
}

/**
 * The SparkApplication manifests of a resolved model by template key, in key order (`download.json`,
 * `export.json`, `score.json`, `train.json`): one per run, and with a cascade side one per download and
 * export stage. Pure. Every run shares one pair of pod templates (pods carry the model's labels; each
 * application's own labels name the run).
 */
export function sparkBatchTemplates(spec: ResolvedSparkBatchModel): Record<string, Record<string, unknown>> {
  const podTemplates = sparkPodTemplates({ ...spec, labels: stepLabels(spec, 'spark') });
  const ioEnv = spec.io?.env ?? {};
  const specs: Record<string, SparkApplicationSpec> = {};
  const steps = [...spec.runs.map((r) => ({ step: r.job, ...r })), ...(spec.io?.stages ?? []).map((s) => ({ step: s.stage, ...s }))];
  for (const s of steps) {
    specs[templateKey(s.step)] = sparkApplicationSpec({
      ...spec,
      model: spec.name,
      mainApplicationFile: s.mainApplicationFile,
      arguments: s.arguments,
      env: { ...spec.env, ...ioEnv, MODELPLANE_JOB: s.step },
      labels: stepLabels(spec, s.step),
      driverServiceAccount: TEAM_SERVICE_ACCOUNTS.spark,
      podTemplates,
    });
  }
  const templates: Record<string, Record<string, unknown>> = {};
  for (const key of Object.keys(specs).sort()) {
    const step = key.replace(/\.json$/, '');
    // The spec is typed (SparkApplicationSpec) at compile time; written as plain JSON (no undefined
    // fields: every optional field is spread in only when set), which is what the typed binding's
    // manifest() would produce, at a fraction of the cost for the bank's 1,000-model cascades.
    templates[key] = {
      apiVersion: SPARK_API_VERSION,
      kind: SPARK_API.kind,
      metadata: { name: `${spec.name}-${step}`, namespace: spec.team, labels: stepLabels(spec, step) },
      spec: specs[key],
    };
  }
  return templates;
}

/**
 * A model trained and/or scored in batch with Spark on Kubernetes (the bank's churn and risk models):
 * one typed definition gives the SparkApplication templates of its runs (packed Python env, MLflow, S3
 * through env from the platform's Secret, GPU through the pod template), and its schedules on Airflow (a
 * DAG with Spark Submit and Spark Wait), Argo Workflows (CronWorkflow) or the operator's
 * ScheduledSparkApplication.
 *
 * The templates are stored in the ConfigMap `<name>-spark` in the team namespace (keys `train.json`,
 * `score.json`, `download.json`, `export.json`); Airflow tasks create run-unique SparkApplications from them.
 * A cascade can run it (it implements {@link ICascadeRunnable}).
 */
export class SparkBatchModel extends Construct implements ICascadeRunnable, QuotaDemanding, IRestorable {
  /** The model name. */
  public readonly modelName: string;
  /** The team. */
  public readonly team: string;
  /** Runs the model defines. */
  public readonly jobs: readonly BatchJob[];
  /** Whether the model defines an output and can run in a cascade. */
  public readonly cascadeReady: boolean;
  /** The resolved props (every default applied). */
  public readonly spec: ResolvedSparkBatchModel;
  /** SparkApplication manifests by template key (`train.json`, …), as stored in the ConfigMap. */
  public readonly templates: Readonly<Record<string, Record<string, unknown>>>;
  /** The ConfigMap holding the templates. */
  public readonly templatesConfigMap: ApiObject;
  private readonly chart: TeamModels;

  constructor(scope: Construct, id: string, props: SparkBatchModelProps) {
    const chart = TeamModels.find(scope, 'SparkBatchModel', id);
    const spec = orThrow(resolveSparkBatchModel(id, props, { team: chart.team, platform: chart.platform }));
    chart.claimName(spec.name, { kind: 'SparkBatchModel', id });

    super(scope, id);
    chart.registerModel({ name: spec.name, kind: 'SparkBatchModel', id, construct: this });
    markCascadeRunnable(this);
    this.spec = spec;
    this.modelName = spec.name;
    this.team = spec.team;
    this.jobs = spec.runs.map((r) => r.job);
    this.cascadeReady = spec.cascadeReady;
    this.templates = sparkBatchTemplates(spec);
    const data: Record<string, string> = {};
    for (const key of Object.keys(this.templates)) data[key] = JSON.stringify(this.templates[key]);
    this.templatesConfigMap = new k8s.KubeConfigMap(this, 'Templates', {
      metadata: { name: modelTemplatesConfigMap(spec.name), namespace: spec.team, labels: stepLabels(spec, 'templates') },
      data,
    });
    // The pods fetch an s3a:// environment archive with the team's fetch program (spark-environment.ts).
    if (environmentDelivery(spec.environmentArchive) === 'init-container') SparkEnvironmentProgram.of(chart);
    // Airflow's workers read the templates (for the model's DAGs and any cascade's); without Airflow, no DAG ConfigMap nor grant.
    const dags = operatorInstalled(spec.platform, 'airflow') ? TeamDags.of(chart) : undefined;
    dags?.grantTemplateRead(modelTemplatesConfigMap(spec.name));
    this.chart = chart;
    // A training run with continuous training gets its DAG even when only started by hand.
    for (const run of spec.runs) {
      const training = run.job === 'train' && spec.training !== undefined;
      if (run.schedule !== undefined || run.assets.length > 0 || training) this.renderSchedule(chart, dags, run);
    }
    if (spec.training) this.wireTraining(chart, dags!);
  }

  /**
   * The continuous training of the training run (the contract of airflow/training-spec.ts), complete with
   * the promotion's rollout targets: the team's online models serving the registered model's alias, read
   * when this is read (so at synth time every model of the team counts, whatever the order they were
   * created in). Throws a ModelplaneValidationError when a target cannot be rolled (see
   * {@link trainingIssues}). `modelplane promote` reads the registered model and aliases here.
   * @default - undefined: the training run sets no continuous training
   */
  public get training(): ContinuousTrainingSpec | undefined {
    const settings = this.spec.training;
    if (!settings) return undefined;
    const spec = trainingSpec(settings, orThrow(resolveRolloutTargets('SparkBatchModel', this.spec.id, settings, this.servingModels())));
    const commit = this.gitCommit();
    return spec.snapshot && commit !== undefined ? { ...spec, snapshot: { ...spec.snapshot, gitCommit: commit } } : spec;
  }

  /**
   * The claims restoring the volumes training run `runId` (an MLflow run id) snapshotted: one
   * PersistentVolumeClaim `<dataset>-restored` per dataset, whose `dataSource` is the run's VolumeSnapshot
   * (`restoredClaimManifest`), in mount order. Empty without `train.snapshot`. Throws on a malformed run id.
   */
  public restoreManifests(runId: string): Record<string, unknown>[] {
    const volumes = this.spec.training?.snapshot?.volumes ?? [];
    return volumes.map((d) => restoredClaimManifest(d, this.team, runId));
  }

  /** The commit of the synthesis (the {@link GIT_COMMIT_CONTEXT} context), when given. */
  private gitCommit(): string | undefined {
    const commit: unknown = this.node.tryGetContext(GIT_COMMIT_CONTEXT);
    return commit === undefined || commit === null || commit === '' ? undefined : (commit as string);
  }

  /** The problems of the promotion's rollout targets among the team's models as they are now (none without continuous training). */
  public trainingIssues(): readonly ValidationIssue[] {
    const settings = this.spec.training;
    return settings ? resolveRolloutTargets('SparkBatchModel', this.spec.id, settings, this.servingModels()).issues : [];
  }

  /** The team's serving constructs as the targets are resolved from them. */
  private servingModels(): ServingModel[] {
    return this.chart.models.flatMap((m) =>
      isModelServing(m.construct) ? [{ name: m.name, variants: m.construct.servedVariants() }] : [],
    );
  }

  /**
   * The synth-time check of the targets, and Airflow's grant to roll them: created when the first online
   * model of the team serving the alias (with a patch) registers, whether before or after this model.
   */
  private wireTraining(chart: TeamModels, dags: TeamDags): void {
    this.node.addValidation({ validate: () => this.trainingIssues().map(formatIssue) });
    if (this.spec.training?.snapshot) {
      dags.grantSnapshots();
      this.node.addValidation({ validate: () => this.commitProblems() });
    }
    const uris = Object.values(aliasUris(this.spec.training!));
    let granted = false;
    chart.onModel((m: TeamModel) => {
      if (granted || !isModelServing(m.construct)) return;
      const serving: IModelServing = m.construct;
      if (!serving.servedVariants().some((x) => uris.includes(x.modelUri) && !isRolloutRefusal(x.rollout))) return;
      granted = true;
      dags.grantRollout(() => this.rolloutPatches());
    });
  }

  /** A commit context that is no full commit id, as a problem (the DAG would label snapshots with it). */
  private commitProblems(): string[] {
    const commit = this.gitCommit();
    if (commit === undefined || isGitCommit(commit)) return [];
    return [
      `SparkBatchModel "${this.spec.id}": the synthesis's Git commit (context ${GIT_COMMIT_CONTEXT}) ${JSON.stringify(commit)} is not a full commit id (40 or 64 lower-case hexadecimal digits); train.snapshot labels the training's snapshots with it. Fix: pass \`git rev-parse HEAD\` (modelplane synth --commit SHA)`,
    ];
  }

  /** Every object the promotion patches (champion and canary). */
  private rolloutPatches(): RolloutPatch[] {
    return (this.training?.promote?.targets ?? []).flatMap((t) => [...t.champion, ...t.canary]);
  }

  /** What one run of the model requests at its most (the driver and its executors at their most), for the team's quota. */
  public quotaDemand(): QuotaDemand {
    return batchQuotaDemand(this.spec);
  }

  /** {@inheritDoc ICascadeRunnable.stageTemplate} */
  public stageTemplate(stage: CascadeStage, job: BatchJob): Record<string, unknown> {
    return this.templates[stageTemplateKey(stage, job)];
  }

  /** The schedule of one run: an Airflow DAG file, an Argo CronWorkflow or a ScheduledSparkApplication. */
  private renderSchedule(chart: TeamModels, dags: TeamDags | undefined, run: ResolvedSparkRun): void {
    const spec = this.spec;
    const job = run.job;
    const name = `${spec.name}-${job}`;
    const labels = stepLabels(spec, job);
    const template = this.templates[templateKey(job)];
    if (spec.orchestrator === 'airflow') {
      const dag: ModelDagSpec = {
        team: spec.team,
        model: spec.name,
        job,
        kubernetesConnId: spec.platform.airflow.kubernetesConnId,
        pollSeconds: 30,
        timeoutSeconds: 24 * 3600,
        submitRetries: 2,
        schedule: run.schedule,
        assets: [...run.assets],
        tags: [],
        description: `${job === 'train' ? 'Training' : 'Scoring'} of batch model ${spec.name}.`,
      };
      // With continuous training, the training DAG; rendered at synth time, as its targets are the team's online models.
      const training = job === 'train' && spec.training !== undefined;
      const source = training ? () => trainingDag({ ...dag, training: this.training! }) : modelDag(dag);
      // An Airflow-orchestrated model is refused on a platform without Airflow, so `dags` is there.
      dags!.addFile(dagFileName(modelDagId(spec.team, spec.name, job)), source, constructLabel('SparkBatchModel', spec.id));
    } else if (spec.orchestrator === 'argo') {
      const serviceAccountName = ensureArgoRunner(chart);
      argoCronWorkflow(this, `Cron-${job}`, {
        name,
        namespace: spec.team,
        schedule: run.schedule!,
        serviceAccountName,
        labels,
        manifest: template,
        model: spec.name,
        step: job,
      });
    } else {
      new ScheduledSparkApplication(this, `Scheduled-${job}`, {
        metadata: { name, namespace: spec.team, labels },
        spec: {
          schedule: run.schedule!,
          timeZone: 'UTC',
          concurrencyPolicy: 'Forbid',
          successfulRunHistoryLimit: 3,
          failedRunHistoryLimit: 3,
          template: template.spec as never,
        },
      });
    }
  }
}
