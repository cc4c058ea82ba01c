import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ScheduledSparkApplication, SparkApplicationSpec } from '../../../imports/sparkoperator.k8s.io';
import { BatchJob, dagFileName, modelDag, modelDagId, modelTemplatesConfigMap, templateKey } from './airflow/dag';
import { argoCronWorkflow, ensureArgoRunner } from './argo/compile';
import { Validator } from '../../core/errors';
import { standardLabels } from '../../core/labels';
import {
  checkAppFile,
  checkArchive,
  SPARK_API,
  checkHadoopConf,
  checkPythonVersion,
  checkSparkMemory,
  checkSparkVersion,
  sparkApplicationSpec,
  SparkPodResources,
  sparkPodTemplates,
  SparkSpecInput,
} from './spark';
import { checkCron, checkImage, checkName } from '../../core/validate';
import { duplicates, isRecord } from '../../core/records';
import { TeamDags } from './team-dags';
import { TEAM_SERVICE_ACCOUNTS } from '../team-space';
import { TeamModels } from '../team-models';

/** Longest model name: `<model>-<step>-<10-char run digest>` must leave room for Spark's `-ui-svc` suffix within 63. */
export const MAX_BATCH_MODEL_NAME = 36;

/** Who runs a model's schedule. */
export type BatchOrchestrator = 'airflow' | 'argo' | 'spark-operator';

/** One run of the model (training or scoring): its entry point, arguments and schedule. */
export interface SparkRunProps {
  /** The PySpark entry point: `local:///…` (in the image; recommended) or `s3a://…`. */
  readonly mainApplicationFile: string;
  /** Arguments. @default [] */
  readonly arguments?: readonly string[];
  /** Five-field cron schedule (continuous training or scoring). @default - none (run by a cascade or by hand) */
  readonly schedule?: string;
  /**
   * Airflow Asset (dataset) URIs: a run starts when any of them is updated (Airflow only; combined
   * with `schedule`, either one starts a run). @default []
   */
  readonly assets?: readonly string[];
}

/** One cascade stage of the model other than `run` (download or export). */
export interface SparkStageProps {
  /** Entry point. @default - the entry point of the run the cascade uses */
  readonly mainApplicationFile?: string;
  /** Arguments. @default ["--modelplane-stage", "<stage>"] */
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
  readonly on?: 'driver' | 'executor' | 'both';
}

/** Properties of a {@link SparkBatchModel}. */
export interface SparkBatchModelProps {
  /** Model name (DNS label, at most 36 characters). @default - the construct id */
  readonly name?: string;
  /** Spark image with the model code, pinned (no `latest`). */
  readonly image: string;
  /** Exact Spark version of the image, e.g. "3.5.5". */
  readonly sparkVersion: string;
  /** The packed Python environment (conda-pack or venv-pack archive in S3) and its pinned Python version. */
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
  readonly dynamicAllocation?: { readonly minExecutors: number; readonly maxExecutors: number; readonly initialExecutors?: number };
  /** Extra Spark configuration. @default {} */
  readonly sparkConf?: Readonly<Record<string, string>>;
  /** Extra non-secret Hadoop configuration (e.g. `fs.s3a.*` tuning); credentials are rejected. @default {} */
  readonly hadoopConf?: Readonly<Record<string, string>>;
  /** Plain environment variables of the driver and executors. @default {} */
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
}

const RESERVED_SPARK_CONF = ['spark.pyspark.driver.python', 'spark.kubernetes.driverEnv.PYSPARK_DRIVER_PYTHON'];

/**
 * A model trained and/or scored in batch with Spark on Kubernetes (seed 000): one typed definition
 * gives the SparkApplication templates of its runs (packed Python env, MLflow, S3 through env from the
 * platform's Secret, GPU through the pod template), and its schedules on Airflow (a DAG with Spark
 * Submit and Spark Wait), Argo Workflows (CronWorkflow) or the operator's ScheduledSparkApplication.
 *
 * The templates are stored in the ConfigMap `<name>-spark` in the team namespace (keys `train.json`,
 * `score.json`, `download.json`, `export.json`); Airflow tasks create run-unique SparkApplications from them.
 */
export class SparkBatchModel extends Construct {
  /** The model name. */
  public readonly modelName: string;
  /** The team. */
  public readonly team: string;
  /** Runs the model defines. */
  public readonly jobs: readonly BatchJob[];
  /** Whether the model defines an output and can run in a cascade. */
  public readonly cascadeReady: boolean;
  /** SparkApplication manifests by template key (`train.json`, …), as stored in the ConfigMap. */
  public readonly templates: Readonly<Record<string, Record<string, unknown>>>;
  /** The ConfigMap holding the templates. */
  public readonly templatesConfigMap: ApiObject;

  constructor(scope: Construct, id: string, props: SparkBatchModelProps) {
    const chart = TeamModels.find(scope, 'SparkBatchModel');
    const name = props.name ?? id;
    const v = new Validator('SparkBatchModel', id);
    checkName(v, 'name', name, MAX_BATCH_MODEL_NAME);
    checkImage(v, 'image', props.image);
    checkSparkVersion(v, 'sparkVersion', props.sparkVersion);
    if (
      v.check(
        isRecord(props.pythonEnv),
        'pythonEnv',
        props.pythonEnv,
        'is required',
        'pass { archive: "s3a://…/env.tar.gz", pythonVersion: "3.11" }',
      )
    ) {
      checkArchive(v, 'pythonEnv.archive', props.pythonEnv.archive);
      checkPythonVersion(v, 'pythonEnv.pythonVersion', props.pythonEnv.pythonVersion);
    }
    v.check(
      props.train !== undefined || props.score !== undefined,
      'train',
      props.train,
      'a batch model needs a training run, a scoring run, or both',
      'add train: { mainApplicationFile: "local:///app/train.py" } and/or score: {...}',
    );
    const orchestrator = props.orchestrator ?? 'airflow';
    v.check(
      ['airflow', 'argo', 'spark-operator'].includes(orchestrator),
      'orchestrator',
      orchestrator,
      'is not an orchestrator',
      'use "airflow", "argo" or "spark-operator"',
    );
    for (const job of ['train', 'score'] as const) {
      const run = props[job];
      if (run === undefined) continue;
      checkAppFile(v, `${job}.mainApplicationFile`, run.mainApplicationFile);
      (run.arguments ?? []).forEach((a, i) => v.check(typeof a === 'string', `${job}.arguments[${i}]`, a, 'must be a string', 'quote it'));
      if (run.schedule !== undefined) checkCron(v, `${job}.schedule`, run.schedule);
      (run.assets ?? []).forEach((a, i) =>
        v.check(
          typeof a === 'string' && /^[a-z][a-z0-9+.-]*:\/\/\S+$/.test(a),
          `${job}.assets[${i}]`,
          a,
          'is not a dataset URI',
          'write it like "s3://features/churn/daily"',
        ),
      );
      v.check(
        (run.assets ?? []).length === 0 || orchestrator === 'airflow',
        `${job}.assets`,
        run.assets,
        `are Airflow Assets but orchestrator is "${orchestrator}"`,
        'use orchestrator "airflow" for data-triggered runs, or a cron schedule',
      );
    }
    const driver = { cores: props.driver?.cores ?? 1, memory: props.driver?.memory ?? '2g', memoryOverhead: props.driver?.memoryOverhead };
    const executor = {
      cores: props.executor?.cores ?? 1,
      memory: props.executor?.memory ?? '2g',
      memoryOverhead: props.executor?.memoryOverhead,
      instances: props.executor?.instances ?? 2,
    };
    for (const [role, r] of [
      ['driver', driver],
      ['executor', executor],
    ] as const) {
      v.check(
        Number.isInteger(r.cores) && r.cores >= 1 && r.cores <= 64,
        `${role}.cores`,
        r.cores,
        'must be a whole number from 1 to 64',
        'set e.g. 2',
      );
      checkSparkMemory(v, `${role}.memory`, r.memory);
      if (r.memoryOverhead !== undefined) checkSparkMemory(v, `${role}.memoryOverhead`, r.memoryOverhead);
    }
    v.check(
      Number.isInteger(executor.instances) && executor.instances >= 1,
      'executor.instances',
      executor.instances,
      'must be a whole number, 1 or more',
      'set e.g. 2',
    );
    const dyn = props.dynamicAllocation;
    if (dyn) {
      v.check(
        Number.isInteger(dyn.minExecutors) && dyn.minExecutors >= 0,
        'dynamicAllocation.minExecutors',
        dyn.minExecutors,
        'must be a whole number, 0 or more',
        'set e.g. 1',
      );
      v.check(
        Number.isInteger(dyn.maxExecutors) && dyn.maxExecutors >= Math.max(1, dyn.minExecutors),
        'dynamicAllocation.maxExecutors',
        dyn.maxExecutors,
        'must be a whole number, at least 1 and at least minExecutors',
        'set e.g. 10',
      );
      if (dyn.initialExecutors !== undefined) {
        v.check(
          Number.isInteger(dyn.initialExecutors) && dyn.initialExecutors >= dyn.minExecutors && dyn.initialExecutors <= dyn.maxExecutors,
          'dynamicAllocation.initialExecutors',
          dyn.initialExecutors,
          'must lie between minExecutors and maxExecutors',
          'leave it out to start with minExecutors',
        );
      }
    }
    const sparkConf = props.sparkConf ?? {};
    for (const k of Object.keys(sparkConf).sort()) {
      v.check(typeof sparkConf[k] === 'string', `sparkConf["${k}"]`, sparkConf[k], 'must be a string', 'quote the value');
      v.check(
        !RESERVED_SPARK_CONF.includes(k),
        `sparkConf["${k}"]`,
        sparkConf[k],
        "sets the driver's Python, which breaks cluster-mode drivers that run from the packed environment",
        'remove it; modelplane sets spark.pyspark.python=./environment/bin/python for driver and executors',
      );
      v.check(
        k !== 'spark.pyspark.python',
        `sparkConf["${k}"]`,
        sparkConf[k],
        "is set by modelplane to the packed environment's interpreter",
        'remove it',
      );
    }
    checkHadoopConf(v, 'hadoopConf', props.hadoopConf);
    const env = props.env ?? {};
    for (const k of Object.keys(env).sort()) {
      v.check(/^[A-Za-z_][A-Za-z0-9_]*$/.test(k), `env["${k}"]`, k, 'is not an environment variable name', 'use letters, digits and "_"');
      v.check(
        !/(SECRET|PASSWORD|TOKEN|ACCESS_KEY)/i.test(k),
        `env["${k}"]`,
        '<redacted>',
        'looks like a credential; plain env values end up in the SparkApplication',
        "read credentials from a Secret inside the model code, or use the platform's object-store Secret",
      );
    }
    const retries = props.retries ?? 2;
    v.check(
      Number.isInteger(retries) && retries >= 0 && retries <= 10,
      'retries',
      retries,
      'must be a whole number from 0 to 10',
      'set e.g. 2',
    );
    const retryInterval = props.retryIntervalSeconds ?? 60;
    v.check(
      Number.isInteger(retryInterval) && retryInterval >= 1,
      'retryIntervalSeconds',
      retryInterval,
      'must be a whole number of seconds, 1 or more',
      'set e.g. 60',
    );
    const ttl = props.timeToLiveSeconds ?? 86400;
    v.check(
      Number.isInteger(ttl) && ttl >= 3600,
      'timeToLiveSeconds',
      ttl,
      'must be at least 3600: a finished application deleted sooner can vanish before its waiter reads the final state',
      'keep the default 86400 (one day)',
    );
    let gpu: SparkSpecInput['gpu'];
    if (props.gpu) {
      const pool = chart.gpuPool(props.gpu.pool);
      v.check(
        pool !== undefined,
        'gpu.pool',
        props.gpu.pool,
        `is not a GPU pool of the platform (known: ${chart.platform.gpuPools.map((p) => p.name).join(', ') || 'none'})`,
        "name a pool from the platform's gpuPools",
      );
      const count = props.gpu.count ?? 1;
      v.check(Number.isInteger(count) && count >= 1 && count <= 8, 'gpu.count', count, 'must be a whole number from 1 to 8', 'set e.g. 1');
      const on = props.gpu.on ?? 'executor';
      v.check(['driver', 'executor', 'both'].includes(on), 'gpu.on', on, 'is not a pod role', 'use "driver", "executor" or "both"');
      if (pool) gpu = { pool, count, on };
    }
    const io = props.cascade;
    if (io) {
      for (const d of duplicates((io.inputs ?? []).map((inp) => String(inp.name))))
        v.fail('cascade.inputs', d, 'names the same input twice; the model reads its inputs by name', 'give every input its own name');
      (io.inputs ?? []).forEach((inp, i) => {
        checkName(v, `cascade.inputs[${i}].name`, inp.name);
        v.check(
          typeof inp.uri === 'string' && /^(s3a?|hive|hdfs|gs|abfss?):(\/\/)?\S+$/.test(inp.uri),
          `cascade.inputs[${i}].uri`,
          inp.uri,
          'is not a dataset URI',
          'write it like "s3a://lake/features/2024" or "hive:db.table"',
        );
      });
      v.check(
        (io.outputTable === undefined) !== (io.outputPath === undefined),
        'cascade.outputTable',
        io.outputTable ?? io.outputPath,
        'a cascade model writes its predictions to exactly one place',
        'give outputTable ("db.table") or outputPath ("s3a://…"), not both',
      );
      if (io.outputTable !== undefined)
        v.check(
          /^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/.test(io.outputTable),
          'cascade.outputTable',
          io.outputTable,
          'is not a Hive table name',
          'write it like "scoring.churn_predictions"',
        );
      if (io.outputPath !== undefined)
        v.check(
          /^s3a:\/\/\S+$/.test(io.outputPath),
          'cascade.outputPath',
          io.outputPath,
          'is not an s3a:// path',
          'write it like "s3a://predictions/churn"',
        );
      for (const stage of ['download', 'export'] as const) {
        const st = io[stage];
        if (st?.mainApplicationFile !== undefined) checkAppFile(v, `cascade.${stage}.mainApplicationFile`, st.mainApplicationFile);
      }
    }
    v.done();
    chart.claimName(name, { kind: 'SparkBatchModel', id });

    super(scope, id);
    chart.registerModel({ name, kind: 'SparkBatchModel', id, construct: this });
    this.modelName = name;
    this.team = chart.team;
    const jobs: BatchJob[] = (['train', 'score'] as const).filter((j) => props[j] !== undefined);
    this.jobs = jobs;
    this.cascadeReady = io !== undefined && (io.outputTable !== undefined || io.outputPath !== undefined);
    const labelsFor = (step: string) => ({
      ...standardLabels({ name: 'spark-batch-model', instance: name, component: step, team: chart.team, model: name }),
    });

    // One pair of pod templates for every run of the model (pods carry the model's labels; each
    // application's own labels name the run).
    const podTemplates = sparkPodTemplates({ labels: labelsFor('spark'), gpu, platform: chart.platform });
    const base = {
      team: chart.team,
      model: name,
      image: props.image,
      sparkVersion: props.sparkVersion,
      pythonVersion: props.pythonEnv.pythonVersion,
      environmentArchive: props.pythonEnv.archive,
      driver,
      executor,
      dynamicAllocation: dyn,
      sparkConf,
      hadoopConf: props.hadoopConf ?? {},
      retries,
      retryIntervalSeconds: retryInterval,
      timeToLiveSeconds: ttl,
      gpu,
      driverServiceAccount: TEAM_SERVICE_ACCOUNTS.spark,
      platform: chart.platform,
      podTemplates,
    };
    // In a cascade, every stage sees the model's inputs and output (the run stage reads the staged
    // inputs, export writes the predictions); the staging URI of the run is added by the DAG.
    const ioEnv: Record<string, string> = io
      ? {
          MODELPLANE_INPUTS: JSON.stringify((io.inputs ?? []).map((i) => ({ name: i.name, uri: i.uri }))),
          MODELPLANE_OUTPUT: io.outputTable !== undefined ? `hive:${io.outputTable}` : (io.outputPath ?? ''),
        }
      : {};
    const specs: Record<string, SparkApplicationSpec> = {};
    for (const job of jobs) {
      const run = props[job]!;
      specs[templateKey(job)] = sparkApplicationSpec({
        ...base,
        mainApplicationFile: run.mainApplicationFile,
        arguments: run.arguments ?? [],
        env: { ...env, ...ioEnv, MODELPLANE_JOB: job },
        labels: labelsFor(job),
      });
    }
    if (io) {
      const main = (props.score ?? props.train)!.mainApplicationFile;
      for (const stage of ['download', 'export'] as const) {
        const st = io[stage] ?? {};
        specs[templateKey(stage)] = sparkApplicationSpec({
          ...base,
          mainApplicationFile: st.mainApplicationFile ?? main,
          arguments: st.arguments ?? ['--modelplane-stage', stage],
          env: { ...env, ...ioEnv, MODELPLANE_JOB: stage },
          labels: labelsFor(stage),
        });
      }
    }
    const templates: Record<string, Record<string, unknown>> = {};
    for (const key of Object.keys(specs).sort()) {
      const step = key.replace(/\.json$/, '');
      // The spec is typed (SparkApplicationSpec) at compile time; written as plain JSON (no undefined
      // fields: every optional field above is spread in only when set), which is what the typed
      // binding's manifest() would produce, at a fraction of the cost for 1,000-model cascades.
      templates[key] = {
        apiVersion: `${SPARK_API.group}/${SPARK_API.version}`,
        kind: SPARK_API.kind,
        metadata: { name: `${name}-${step}`, namespace: chart.team, labels: labelsFor(step) },
        spec: specs[key],
      };
    }
    this.templates = templates;
    const data: Record<string, string> = {};
    for (const key of Object.keys(templates)) data[key] = JSON.stringify(templates[key]);
    this.templatesConfigMap = new k8s.KubeConfigMap(this, 'Templates', {
      metadata: { name: modelTemplatesConfigMap(name), namespace: chart.team, labels: labelsFor('templates') },
      data,
    });
    const dags = TeamDags.of(chart);
    dags.grantTemplateRead(modelTemplatesConfigMap(name));

    for (const job of jobs) {
      const run = props[job]!;
      if (run.schedule === undefined && (run.assets ?? []).length === 0) continue;
      if (orchestrator === 'airflow') {
        const source = modelDag({
          team: chart.team,
          model: name,
          job,
          kubernetesConnId: chart.platform.airflow.kubernetesConnId,
          pollSeconds: 30,
          timeoutSeconds: 24 * 3600,
          submitRetries: 2,
          schedule: run.schedule,
          assets: [...(run.assets ?? [])],
          tags: [],
          description: `${job === 'train' ? 'Training' : 'Scoring'} of batch model ${name}.`,
        });
        dags.addFile(dagFileName(modelDagId(chart.team, name, job)), source, `SparkBatchModel "${id}"`);
      } else if (orchestrator === 'argo') {
        const runner = ensureArgoRunner(chart);
        argoCronWorkflow(this, `Cron-${job}`, {
          name: `${name}-${job}`,
          namespace: chart.team,
          schedule: run.schedule!,
          serviceAccountName: runner,
          labels: labelsFor(job),
          manifest: templates[templateKey(job)],
          model: name,
          step: job,
        });
      } else {
        new ScheduledSparkApplication(this, `Scheduled-${job}`, {
          metadata: { name: `${name}-${job}`, namespace: chart.team, labels: labelsFor(job) },
          spec: {
            schedule: run.schedule!,
            timeZone: 'UTC',
            concurrencyPolicy: 'Forbid',
            successfulRunHistoryLimit: 3,
            failedRunHistoryLimit: 3,
            template: specs[templateKey(job)] as never,
          },
        });
      }
    }
  }
}
