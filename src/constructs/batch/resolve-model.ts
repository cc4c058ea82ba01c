/**
 * Resolving a SparkBatchModel: every check and default of its props, as a pure function of the props
 * and the team's platform facts (no construct is created). The construct renders from the result.
 */
import { checkOperatorInstalled, PlatformContext } from '../../core/context';
import { Resolution, Validator } from '../../core/errors';
import { prop, words } from '../../core/words';
import { duplicates, isRecord } from '../../core/records';
import { checkCron, checkImage, checkName, checkText, INT32_MAX } from '../../core/validate';
import { checkGpusFit } from '../../core/gpu';
import {
  checkAssetUris,
  checkDatasetUri,
  checkNoTemplate,
  checkOneOf,
  checkOutput,
  checkRunValue,
  checkWholeNumbers,
  isWholeIn,
} from './checks';
import type { RunValueTarget } from './run-values';
import type { Dataset } from '../dataset';
import {
  checkAppFile,
  checkArchive,
  checkHadoopConf,
  checkPythonVersion,
  checkSparkMemory,
  checkSparkVersion,
  SparkDynamicAllocation,
  SparkGpuPlacement,
  SparkModelSettings,
  SparkVolumeMount,
  SPARK_SCRATCH,
} from './spark';
import { SPARK_ENVIRONMENT_DIR } from './spark-environment';
import { DATASET_NAME_MAX } from '../dataset';
import { checkNoScoreTraining, resolveTraining, TrainingSettings } from './resolve-training';
import { BATCH_JOBS, BatchJob } from './stages';
import type {
  BatchInput,
  BatchOrchestrator,
  CascadeIoProps,
  SparkBatchModelProps,
  SparkDatasetProps,
  SparkGpuProps,
  SparkRunProps,
} from './spark-batch-model';

/** Longest model name: `<model>-<step>-<10-char run digest>` must leave room for Spark's `-ui-svc` suffix within 63. */
export const MAX_BATCH_MODEL_NAME = 36;

/** What resolving a batch model needs to know about its team: plain data, no construct. */
export interface SparkBatchModelContext {
  /** The team (and namespace). */
  readonly team: string;
  /** The platform the model runs on (its GPU pools, object store, MLflow, Airflow). */
  readonly platform: PlatformContext;
}

/** One run of a resolved model. */
export interface ResolvedSparkRun {
  /** Which run. */
  readonly job: BatchJob;
  /** The PySpark entry point. */
  readonly mainApplicationFile: string;
  /** Arguments. */
  readonly arguments: readonly string[];
  /** Five-field cron schedule. @default - none */
  readonly schedule?: string;
  /** Airflow Asset URIs that start a run. */
  readonly assets: readonly string[];
}

/** A download or export stage of a resolved model. */
export interface ResolvedSparkStage {
  /** Which stage. */
  readonly stage: 'download' | 'export';
  /** Entry point. */
  readonly mainApplicationFile: string;
  /** Arguments. */
  readonly arguments: readonly string[];
}

/** The cascade side of a resolved model: what every stage sees, and the download and export stages. */
export interface ResolvedCascadeIo {
  /** The `MODELPLANE_INPUTS` / `MODELPLANE_OUTPUT` env every stage of the model gets. */
  readonly env: Readonly<Record<string, string>>;
  /** The download and export stages, in that order. */
  readonly stages: readonly ResolvedSparkStage[];
}

/** A SparkBatchModel after every check and default: what its construct renders. */
export interface ResolvedSparkBatchModel extends SparkModelSettings {
  /** The construct id. */
  readonly id: string;
  /** The model name. */
  readonly name: string;
  /** Who runs scheduled runs. */
  readonly orchestrator: BatchOrchestrator;
  /** The runs the model defines (train before score). */
  readonly runs: readonly ResolvedSparkRun[];
  /** The cascade side of the model. @default - none (the props give no `cascade`) */
  readonly io?: ResolvedCascadeIo;
  /** Whether the model defines an output and can run in a cascade. */
  readonly cascadeReady: boolean;
  /** Plain env of the driver and executors (every run adds its own `MODELPLANE_*` variables). */
  readonly env: Readonly<Record<string, string>>;
  /**
   * The training run's continuous training, without the promotion's rollout targets (the team's online
   * models give them, see resolve-training.ts). @default - none: the props set no continuous training
   */
  readonly training?: TrainingSettings;
}

const ORCHESTRATORS: readonly BatchOrchestrator[] = ['airflow', 'argo', 'spark-operator'];
const GPU_ROLES = ['driver', 'executor', 'both'];
const RESERVED_SPARK_CONF = ['spark.pyspark.driver.python', 'spark.kubernetes.driverEnv.PYSPARK_DRIVER_PYTHON'];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CREDENTIAL_ENV = /(SECRET|PASSWORD|TOKEN|ACCESS_KEY)/i;

/** The image, the Spark version and the packed Python environment. */
function checkImageAndEnvironment(v: Validator, props: SparkBatchModelProps): void {
  if (checkImage(v, 'image', props.image)) checkNoTemplate(v, 'image', props.image);
  checkSparkVersion(v, 'sparkVersion', props.sparkVersion);
  if (
    v.check(
      isRecord(props.pythonEnv),
      'pythonEnv',
      props.pythonEnv,
      'is required',
      words`pass ${prop('pythonEnv', { archive: 's3a://…/env.tar.gz', pythonVersion: '3.11' })}`,
    )
  ) {
    if (checkArchive(v, 'pythonEnv.archive', props.pythonEnv.archive)) checkNoTemplate(v, 'pythonEnv.archive', props.pythonEnv.archive);
    checkPythonVersion(v, 'pythonEnv.pythonVersion', props.pythonEnv.pythonVersion);
  }
}

/**
 * Where a run's schedule is compiled to, for the run-time values its arguments may use: the model's
 * orchestrator when the run is scheduled, else only Airflow's rules (cascades check their own targets).
 */
function scheduleTarget(run: SparkRunProps, orchestrator: string): RunValueTarget[] {
  if (run.schedule === undefined) return [];
  if (orchestrator === 'argo') return ['argo-cron'];
  if (orchestrator === 'spark-operator') return ['spark-operator'];
  return [];
}

/** One run: entry point, arguments (run-time values), schedule, Assets (Airflow only). */
function checkRun(v: Validator, job: BatchJob, run: SparkRunProps, orchestrator: string): void {
  if (checkAppFile(v, `${job}.mainApplicationFile`, run.mainApplicationFile))
    checkNoTemplate(v, `${job}.mainApplicationFile`, run.mainApplicationFile);
  const targets = scheduleTarget(run, orchestrator);
  (run.arguments ?? []).forEach((a, i) => checkRunValue(v, `${job}.arguments[${i}]`, a, targets));
  if (run.schedule !== undefined) checkCron(v, `${job}.schedule`, run.schedule);
  checkAssetUris(v, `${job}.assets`, run.assets ?? []);
  v.check(
    (run.assets ?? []).length === 0 || orchestrator === 'airflow',
    `${job}.assets`,
    run.assets,
    `are Airflow Assets but orchestrator is "${orchestrator}"`,
    words`use ${prop('orchestrator', 'airflow')} for data-triggered runs, or a cron ${prop(`${job}.schedule`)}`,
  );
}

/** The platform installs what the runs need: the Spark Operator for every run, Airflow when it orchestrates them. */
function checkOperators(v: Validator, orchestrator: string, platform: PlatformContext): void {
  checkOperatorInstalled(v, 'orchestrator', orchestrator, platform, 'sparkOperator');
  if (orchestrator === 'airflow')
    checkOperatorInstalled(v, 'orchestrator', orchestrator, platform, 'airflow', 'use orchestrator: spark-operator or argo');
  if (orchestrator === 'argo')
    checkOperatorInstalled(v, 'orchestrator', orchestrator, platform, 'argoWorkflows', 'use orchestrator: airflow or spark-operator');
}

/** At least one run, a known orchestrator, then each run. */
function checkRuns(v: Validator, props: SparkBatchModelProps, orchestrator: string): void {
  v.check(
    props.train !== undefined || props.score !== undefined,
    'train',
    props.train,
    'a batch model needs a training run, a scoring run, or both',
    words`add ${prop('score', { mainApplicationFile: 'local:///app/score.py' })} (scoring), ${prop('train', { mainApplicationFile: 'local:///app/train.py' })} (training), or both`,
  );
  checkOneOf(v, 'orchestrator', orchestrator, ORCHESTRATORS, 'is not an orchestrator', 'use "airflow", "argo" or "spark-operator"');
  for (const job of BATCH_JOBS) {
    const run = props[job];
    if (run !== undefined) checkRun(v, job, run, orchestrator);
  }
  checkNoScoreTraining(v, props.score);
}

/** Driver and executor resources with their defaults, checked (cores, memory, overhead, instances). */
function resolveResources(v: Validator, props: SparkBatchModelProps): Pick<ResolvedSparkBatchModel, 'driver' | 'executor'> {
  const d = props.driver;
  const e = props.executor;
  const driver = { cores: d?.cores ?? 1, memory: d?.memory ?? '2g', memoryOverhead: d?.memoryOverhead };
  const executor = { cores: e?.cores ?? 1, memory: e?.memory ?? '2g', memoryOverhead: e?.memoryOverhead, instances: e?.instances ?? 2 };
  for (const [role, r] of [
    ['driver', driver],
    ['executor', executor],
  ] as const) {
    checkWholeNumbers(v, [
      { field: `${role}.cores`, value: r.cores, min: 1, max: 64, problem: 'must be a whole number from 1 to 64', fix: 'set e.g. 2' },
    ]);
    checkSparkMemory(v, `${role}.memory`, r.memory);
    if (r.memoryOverhead !== undefined) checkSparkMemory(v, `${role}.memoryOverhead`, r.memoryOverhead);
  }
  checkWholeNumbers(v, [
    {
      field: 'executor.instances',
      value: executor.instances,
      min: 1,
      max: INT32_MAX,
      problem: `must be a whole number from 1 to ${INT32_MAX} (the SparkApplication's 32-bit count)`,
      fix: 'set e.g. 2',
    },
  ]);
  return { driver, executor };
}

/** Dynamic allocation bounds: min ≥ 0, max ≥ max(1, min), initial between them. */
function checkDynamicAllocation(v: Validator, dyn: SparkDynamicAllocation | undefined): void {
  if (!dyn) return;
  const f = 'dynamicAllocation';
  checkWholeNumbers(v, [
    {
      field: `${f}.minExecutors`,
      value: dyn.minExecutors,
      min: 0,
      max: INT32_MAX,
      problem: `must be a whole number from 0 to ${INT32_MAX} (the SparkApplication's 32-bit count)`,
      fix: 'set e.g. 1',
    },
    {
      field: `${f}.maxExecutors`,
      value: dyn.maxExecutors,
      min: Math.max(1, dyn.minExecutors),
      max: INT32_MAX,
      problem: `must be a whole number, at least 1 and at least minExecutors, at most ${INT32_MAX} (the SparkApplication's 32-bit count)`,
      fix: 'set e.g. 10',
    },
  ]);
  if (dyn.initialExecutors === undefined) return;
  checkWholeNumbers(v, [
    {
      field: `${f}.initialExecutors`,
      value: dyn.initialExecutors,
      min: dyn.minExecutors,
      max: dyn.maxExecutors,
      problem: 'must lie between minExecutors and maxExecutors',
      fix: words`leave it out to start with ${prop(`${f}.minExecutors`)}`,
    },
  ]);
}

/**
 * Spark configuration: plain-text keys and string values, never the driver's Python nor the interpreter
 * modelplane sets. Spark's own placeholders in values (`{{APP_ID}}`, `{{EXECUTOR_ID}}`) pass through to
 * Spark, except on Argo (`onArgo`), which would evaluate them.
 */
function checkSparkConf(v: Validator, sparkConf: Readonly<Record<string, string>>, onArgo: boolean): void {
  for (const k of Object.keys(sparkConf).sort()) {
    const field = `sparkConf["${k}"]`;
    if (checkText(v, field, k)) checkNoTemplate(v, field, k);
    if (
      v.check(typeof sparkConf[k] === 'string', field, sparkConf[k], 'must be a string', 'quote the value') &&
      checkText(v, field, sparkConf[k])
    )
      if (onArgo) checkNoTemplate(v, field, sparkConf[k]);
    v.check(
      !RESERVED_SPARK_CONF.includes(k),
      field,
      sparkConf[k],
      "sets the driver's Python, which breaks cluster-mode drivers that run from the packed environment",
      'remove it; modelplane sets spark.pyspark.python=./environment/bin/python for driver and executors',
    );
    v.check(k !== 'spark.pyspark.python', field, sparkConf[k], "is set by modelplane to the packed environment's interpreter", 'remove it');
  }
}

/**
 * Plain env: variable names, values (run-time values, for `targets` too), and no credentials (they would
 * be written into the SparkApplication).
 */
function checkEnv(v: Validator, env: Readonly<Record<string, string>>, targets: readonly RunValueTarget[]): void {
  for (const k of Object.keys(env).sort()) {
    v.check(ENV_NAME.test(k), `env["${k}"]`, k, 'is not an environment variable name', 'use letters, digits and "_"');
    const credential = CREDENTIAL_ENV.test(k);
    checkRunValue(v, `env["${k}"]`, env[k], targets, credential ? '<redacted>' : env[k]);
    v.check(
      !credential,
      `env["${k}"]`,
      '<redacted>',
      'looks like a credential; plain env values end up in the SparkApplication',
      "read credentials from a Secret inside the model code, or use the platform's object-store Secret",
    );
  }
}

/** Retries, their interval and the time a finished application is kept, with their defaults. */
function resolveLifecycle(
  v: Validator,
  props: SparkBatchModelProps,
): Pick<ResolvedSparkBatchModel, 'retries' | 'retryIntervalSeconds' | 'timeToLiveSeconds'> {
  const retries = props.retries ?? 2;
  const retryIntervalSeconds = props.retryIntervalSeconds ?? 60;
  const timeToLiveSeconds = props.timeToLiveSeconds ?? 86400;
  checkWholeNumbers(v, [
    { field: 'retries', value: retries, min: 0, max: 10, problem: 'must be a whole number from 0 to 10', fix: 'set e.g. 2' },
    {
      field: 'retryIntervalSeconds',
      value: retryIntervalSeconds,
      min: 1,
      max: INT32_MAX,
      problem: `must be a whole number of seconds from 1 to ${INT32_MAX}`,
      fix: 'set e.g. 60',
    },
    {
      field: 'timeToLiveSeconds',
      value: timeToLiveSeconds,
      min: 3600,
      max: INT32_MAX,
      problem: `must be a whole number from 3600 to ${INT32_MAX}: a finished application deleted sooner can vanish before its waiter reads the final state`,
      fix: 'keep the default 86400 (one day)',
    },
  ]);
  return { retries, retryIntervalSeconds, timeToLiveSeconds };
}

/** The GPU pool (one of the platform's), GPUs per pod and which pods, with their defaults. */
function resolveGpu(v: Validator, gpu: SparkGpuProps | undefined, platform: PlatformContext): SparkGpuPlacement | undefined {
  if (!gpu) return undefined;
  const pool = platform.gpuPools.find((p) => p.name === gpu.pool);
  v.check(
    pool !== undefined,
    'gpu.pool',
    gpu.pool,
    `is not a GPU pool of the platform (known: ${platform.gpuPools.map((p) => p.name).join(', ') || 'none'})`,
    "name a pool from the platform's gpuPools",
  );
  const count = gpu.count ?? 1;
  checkWholeNumbers(v, [
    { field: 'gpu.count', value: count, min: 1, max: 8, problem: 'must be a whole number from 1 to 8', fix: 'set e.g. 1' },
  ]);
  const on = gpu.on ?? 'executor';
  checkOneOf(v, 'gpu.on', on, GPU_ROLES, 'is not a pod role', 'use "driver", "executor" or "both"');
  if (!pool || !isWholeIn(count, 1, 8) || !checkGpusFit(v, 'gpu.count', count, pool)) return undefined;
  return { pool, count, on };
}

/** The inputs the download stage stages: unique names, dataset URIs. */
function checkInputs(v: Validator, inputs: readonly BatchInput[]): void {
  for (const d of duplicates(inputs.map((inp) => String(inp.name))))
    v.fail('cascade.inputs', d, 'names the same input twice; the model reads its inputs by name', 'give every input its own name');
  inputs.forEach((inp, i) => {
    checkName(v, `cascade.inputs[${i}].name`, inp.name);
    if (checkDatasetUri(v, `cascade.inputs[${i}].uri`, inp.uri)) checkNoTemplate(v, `cascade.inputs[${i}].uri`, inp.uri);
  });
}

/** The cascade side: inputs, exactly one output, the stages' entry points and arguments (run-time values). */
function checkCascadeIo(v: Validator, io: CascadeIoProps | undefined): void {
  if (!io) return;
  checkInputs(v, io.inputs ?? []);
  checkOutput(v, 'cascade', io);
  if (io.outputPath !== undefined) checkNoTemplate(v, 'cascade.outputPath', io.outputPath);
  for (const stage of ['download', 'export'] as const) {
    const st = io[stage];
    const main = `cascade.${stage}.mainApplicationFile`;
    if (st?.mainApplicationFile !== undefined && checkAppFile(v, main, st.mainApplicationFile))
      checkNoTemplate(v, main, st.mainApplicationFile);
    (st?.arguments ?? []).forEach((a, i) => checkRunValue(v, `cascade.${stage}.arguments[${i}]`, a, []));
  }
}

/** The runs the props define, train before score, with their defaults. */
function runsOf(props: SparkBatchModelProps): ResolvedSparkRun[] {
  return BATCH_JOBS.flatMap((job) => {
    const run = props[job];
    if (run === undefined) return [];
    return [
      {
        job,
        mainApplicationFile: run.mainApplicationFile,
        arguments: run.arguments ?? [],
        schedule: run.schedule,
        assets: run.assets ?? [],
      },
    ];
  });
}

/**
 * In a cascade, every stage sees the model's inputs and output (the run stage reads the staged
 * inputs, export writes the predictions); the staging URI of the run is added by the DAG. Download and
 * export default to the entry point of the scoring run (else the training run).
 */
function ioOf(props: SparkBatchModelProps): ResolvedCascadeIo | undefined {
  const io = props.cascade;
  if (!io) return undefined;
  const env = {
    MODELPLANE_INPUTS: JSON.stringify((io.inputs ?? []).map((i) => ({ name: i.name, uri: i.uri }))),
    MODELPLANE_OUTPUT: io.outputTable !== undefined ? `hive:${io.outputTable}` : (io.outputPath ?? ''),
  };
  const main = (props.score ?? props.train)!.mainApplicationFile;
  const stages = (['download', 'export'] as const).map((stage) => ({
    stage,
    mainApplicationFile: io[stage]?.mainApplicationFile ?? main,
    arguments: io[stage]?.arguments ?? ['--modelplane-stage', stage],
  }));
  return { env, stages };
}

/**
 * Resolves a SparkBatchModel: checks every prop (all problems at once, in a fixed order) and applies
 * the defaults. Pure: the team and platform come as data in `context`.
 *
 * @param id the construct id (messages name the model by it)
 * @param props the model's props
 * @param context the team and the platform the model runs on
 */
export function resolveSparkBatchModel(
  id: string,
  props: SparkBatchModelProps,
  context: SparkBatchModelContext,
): Resolution<ResolvedSparkBatchModel> {
  const name = props.name ?? id;
  const v = new Validator('SparkBatchModel', id);
  checkName(v, 'name', name, MAX_BATCH_MODEL_NAME);
  checkImageAndEnvironment(v, props);
  const orchestrator = props.orchestrator ?? 'airflow';
  checkRuns(v, props, orchestrator);
  checkOperators(v, orchestrator, context.platform);
  const resources = resolveResources(v, props);
  checkDynamicAllocation(v, props.dynamicAllocation);
  // The env and the conf are shared by every run: the targets of the scheduled runs apply to them.
  const targets = [...new Set(BATCH_JOBS.flatMap((job) => (props[job] ? scheduleTarget(props[job]!, orchestrator) : [])))];
  const sparkConf = props.sparkConf ?? {};
  checkSparkConf(v, sparkConf, targets.includes('argo-cron'));
  checkHadoopConf(v, 'hadoopConf', props.hadoopConf, targets.includes('argo-cron'));
  const env = props.env ?? {};
  checkEnv(v, env, targets);
  const lifecycle = resolveLifecycle(v, props);
  const gpu = resolveGpu(v, props.gpu, context.platform);
  checkCascadeIo(v, props.cascade);
  const training = resolveTraining(v, props.train, {
    team: context.team,
    model: name,
    orchestrator,
    platform: context.platform,
    datasets: props.datasets,
  });
  const volumes = resolveDatasetMounts(v, props.datasets);
  const io = props.cascade;
  return v.result(() => ({
    id,
    name,
    team: context.team,
    orchestrator,
    image: props.image,
    sparkVersion: props.sparkVersion,
    pythonVersion: props.pythonEnv.pythonVersion,
    environmentArchive: props.pythonEnv.archive,
    runs: runsOf(props),
    io: ioOf(props),
    cascadeReady: io !== undefined && (io.outputTable !== undefined || io.outputPath !== undefined),
    ...resources,
    dynamicAllocation: props.dynamicAllocation,
    sparkConf,
    hadoopConf: props.hadoopConf ?? {},
    env,
    ...lifecycle,
    gpu,
    platform: context.platform,
    ...(training ? { training } : {}),
    ...(volumes.length > 0 ? { volumes } : {}),
  }));
}

/** The directories a dataset may not be mounted on, in or above: Spark's scratch and the packed environment. */
const RESERVED_MOUNTS = [...SPARK_SCRATCH.map((d) => d.mountPath), SPARK_ENVIRONMENT_DIR];
const MOUNT_PATH = /^(\/[A-Za-z0-9._-]+)+$/;

function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/** The `datasets` of a batch model: each claim's name, an absolute mount path clear of Spark's own and of each other. */
function resolveDatasetMounts(v: Validator, datasets: readonly SparkDatasetProps[] | undefined): SparkVolumeMount[] {
  if (datasets === undefined) return [];
  const example = "write e.g. [{ dataset: 'corpus', mountPath: '/data/corpus', readOnly: true }]";
  if (!v.check(Array.isArray(datasets), 'datasets', datasets, 'must be a list of datasets to mount', example)) return [];
  const mounts: SparkVolumeMount[] = [];
  datasets.forEach((d, i) => {
    const at = `datasets[${i}]`;
    if (!v.check(isRecord(d), at, d, 'must be { dataset, mountPath, readOnly? }', example)) return;
    const claimName = typeof d.dataset === 'string' ? d.dataset : (d.dataset as Dataset | undefined)?.spec?.name;
    const nameOk = checkName(v, `${at}.dataset`, claimName, DATASET_NAME_MAX);
    const path = d.mountPath;
    let pathOk = v.check(
      typeof path === 'string' && MOUNT_PATH.test(path) && !path.split('/').some((p) => p === '.' || p === '..'),
      `${at}.mountPath`,
      path,
      'must be an absolute path of letters, digits, ".", "_" and "-" (no "." or ".." segments, no trailing "/")',
      'write e.g. "/data/corpus"',
    );
    if (pathOk) {
      const clash = RESERVED_MOUNTS.find((r) => overlaps(path, r));
      pathOk = v.check(
        clash === undefined,
        `${at}.mountPath`,
        path,
        `overlaps ${clash}, which the Spark pods use themselves`,
        'mount the dataset elsewhere, e.g. under /data',
      );
    }
    const readOnly = d.readOnly ?? false;
    const roOk = v.check(
      typeof readOnly === 'boolean',
      `${at}.readOnly`,
      readOnly,
      'must be true or false',
      'write true for an input, or leave it out',
    );
    if (nameOk && pathOk && roOk) mounts.push({ claimName: claimName as string, mountPath: path, readOnly });
  });
  // Indexes match the list's only when every entry resolved (otherwise its problems are reported already).
  if (mounts.length !== datasets.length) return mounts;
  mounts.forEach((m, i) => {
    const j = mounts.findIndex((o, k) => k < i && o.claimName === m.claimName);
    v.check(j < 0, `datasets[${i}].dataset`, m.claimName, `is mounted twice (also datasets[${j}])`, 'mount each dataset once');
    const k = mounts.findIndex((o, n) => n < i && overlaps(o.mountPath, m.mountPath));
    v.check(k < 0, `datasets[${i}].mountPath`, m.mountPath, `overlaps datasets[${k}].mountPath`, 'give each dataset its own directory');
  });
  return mounts;
}
