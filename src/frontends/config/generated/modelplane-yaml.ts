/**
 * GENERATED — do not edit. The types of `modelplane.yaml`, generated from schema/modelplane.schema.json
 * (the authority) by scripts/gen-config-types.ts: run `npm run gen:config-types` after changing the schema.
 * test/mapping-generated.test.ts fails when this file is stale. Import the types from `../types`.
 */
/**
 * A model: a batch model or an online model, by `type`.
 */
export type ModelConfig = BatchModelConfig | OnlineModelConfig;

/**
 * A team's models, described for the modelplane platform: batch models (Spark), online models (KServe, Seldon or a Deployment) and cascades of batch models. Loaded into the same constructs as the TypeScript API.
 */
export interface ModelplaneFile {
  /**
   * The team; also its Kubernetes namespace. A DNS-1123 label of at most 40 characters.
   */
  team: string;
  defaults?: DefaultsConfig;
  /**
   * The platform's GPU pools this team places models on (they must exist on the platform).
   */
  gpuPools?: GpuPoolConfig[];
  /**
   * The team's datasets: PersistentVolumeClaims in the team namespace whose storage class takes CSI volume snapshots, mounted by batch models (their `datasets`) and snapshotted after each training with `train.snapshot` (docs/cookbook/lineage.md).
   */
  datasets?: DatasetConfig[];
  /**
   * The team's models.
   */
  models: ModelConfig[];
  /**
   * Cascades: many batch models in one DAG, run block after block.
   */
  cascades?: CascadeConfig[];
  /**
   * Retro tests: past periods scored with a model version (beeline business's partners ask how a model would have done on history).
   */
  retroTests?: RetroTestConfig[];
}
/**
 * Values merged into every model that does not set them (maps are merged key by key).
 */
export interface DefaultsConfig {
  /**
   * Spark image of batch models (pinned tag).
   */
  image?: string;
  /**
   * The Python version of the model's packed environment, e.g. "3.11".
   */
  python?: string;
  spark?: SparkConfig;
  /**
   * The packed Python environment: a conda-pack or venv-pack archive, e.g. s3a://envs/risk/churn-1.4.2.tar.gz.
   */
  environment?: string;
  /**
   * Orchestrator of batch models (and of cascades, which take airflow or argo).
   */
  orchestrator?: 'airflow' | 'argo' | 'spark-operator';
  /**
   * Serving backend of online models.
   */
  server?: 'kserve' | 'seldon' | 'deployment';
  /**
   * Resources of online models.
   */
  resources?: ResourcesConfig;
}
/**
 * The Spark session of the model.
 */
export interface SparkConfig {
  /**
   * Exact Spark version of the image, e.g. "3.5.3".
   */
  version?: string;
  /**
   * Extra Spark session settings (sparkConf), e.g. spark.sql.shuffle.partitions: "200". The Python interpreter settings are modelplane's.
   */
  conf?: {
    [k: string]: string | number | boolean;
  };
  /**
   * Driver resources.
   */
  driver?: SparkPodConfig;
  /**
   * Executor resources.
   */
  executor?: SparkPodConfig;
  /**
   * Extra non-secret Hadoop settings (e.g. fs.s3a.* tuning); credentials are rejected.
   */
  hadoopConf?: {
    [k: string]: string | number | boolean;
  };
  /**
   * Dynamic allocation (replaces executor.instances).
   */
  dynamicAllocation?: {
    minExecutors: number;
    maxExecutors: number;
    initialExecutors?: number;
  };
}
/**
 * Driver or executor resources.
 */
export interface SparkPodConfig {
  /**
   * CPU cores. Default 1.
   */
  cores?: number;
  /**
   * JVM memory, e.g. 2g. Default 2g.
   */
  memory?: string;
  /**
   * Executors (executor only). Default 2.
   */
  instances?: number;
  /**
   * Extra non-JVM memory. Default Spark's factor.
   */
  memoryOverhead?: string;
}
/**
 * CPU, memory and ephemeral storage, as Kubernetes quantities.
 */
export interface ResourcesConfig {
  /**
   * CPU request, e.g. "500m".
   */
  cpu?: string | number;
  /**
   * Memory request and limit, e.g. "2Gi".
   */
  memory?: string | number;
  /**
   * CPU limit. Default twice the request.
   */
  cpuLimit?: string | number;
  /**
   * Ephemeral storage request and limit. Default 1Gi.
   */
  ephemeralStorage?: string | number;
}
/**
 * A GPU pool of the platform: its name, the taint its nodes carry and their labels.
 */
export interface GpuPoolConfig {
  /**
   * A DNS-1123 label: lower-case letters, digits and "-".
   */
  name: string;
  /**
   * The taint the pool's nodes carry. Default nvidia.com/gpu=present:NoSchedule.
   */
  taint?: TaintConfig;
  /**
   * Extra labels the pool's nodes carry.
   */
  nodeLabels?: {
    [k: string]: string;
  };
  /**
   * Most GPUs the pool may hold.
   */
  maxGpus?: number;
}
/**
 * A taint on GPU nodes.
 */
export interface TaintConfig {
  /**
   * Taint key, e.g. purpose.
   */
  key: string;
  /**
   * Taint value, e.g. ml.
   */
  value?: string;
  /**
   * Taint effect.
   */
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}
/**
 * A dataset: a PersistentVolumeClaim of the team, its snapshots taken with a VolumeSnapshotClass.
 */
export interface DatasetConfig {
  /**
   * The claim's name; at most 30 characters, so that its snapshots' names (<name>-<MLflow run id>) stay valid.
   */
  name: string;
  /**
   * The requested capacity, e.g. 200Gi. Default 10Gi.
   */
  size?: string | number;
  /**
   * The storage class (its CSI driver must take snapshots). Default: the cluster's default storage class.
   */
  storageClass?: string;
  /**
   * The VolumeSnapshotClass of the dataset's snapshots. Default: the cluster's default VolumeSnapshotClass.
   */
  snapshotClass?: string;
  /**
   * The access modes; the Spark driver and its executors mount the volume at once, so several pods need a …Many mode. Default [ReadWriteMany].
   */
  accessModes?: ('ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod')[];
}
/**
 * A model trained and/or scored in batch with Spark.
 */
export interface BatchModelConfig {
  /**
   * A DNS-1123 label: lower-case letters, digits and "-".
   */
  name: string;
  /**
   * batch
   */
  type: 'batch';
  /**
   * What the model does.
   */
  description?: string;
  /**
   * Spark image.
   */
  image?: string;
  /**
   * The scoring (inference) script: local:///… (in the image), s3a://… or https://….
   */
  main?: string;
  /**
   * Arguments of the scoring script. Run-time values are substituted for each run: {{ ds }}, {{ ds_nodash }}, {{ ts }}, {{ logical_date }}, {{ data_interval_start }}, {{ data_interval_end }}, {{ run_id }}, {{ params.NAME }} (docs/cookbook/run-time-values.md); no other {{, {% or {#, no control characters.
   */
  args?: string[];
  /**
   * The packed Python environment: a conda-pack or venv-pack archive, e.g. s3a://envs/risk/churn-1.4.2.tar.gz.
   */
  environment?: string;
  /**
   * The Python version of the model's packed environment, e.g. "3.11".
   */
  python?: string;
  /**
   * When to score; none = run by hand or by a cascade.
   */
  schedule?: string;
  /**
   * What runs the schedules: airflow (a DAG), argo (a CronWorkflow) or spark-operator (ScheduledSparkApplication). Default airflow.
   */
  orchestrator?: 'airflow' | 'argo' | 'spark-operator';
  train?: TrainConfig;
  spark?: SparkConfig;
  /**
   * Datasets the model reads, staged by a cascade's download stage: a URI (s3a://…, hive://db.table) or { name, uri }.
   */
  inputs?: (
    | string
    | {
        /**
         * A DNS-1123 label: lower-case letters, digits and "-".
         */
        name: string;
        uri: string;
      }
  )[];
  /**
   * Where a cascade's export stage writes the predictions: hive://db.table or s3a://bucket/path.
   */
  output?: string;
  gpu?: GpuConfig;
  /**
   * Datasets (the file's `datasets`) mounted into the driver and the executors of every run.
   */
  datasets?: DatasetMountConfig[];
  /**
   * Plain environment variables of the Spark pods (never credentials). Values may hold run-time values such as {{ ds }} or {{ params.NAME }}, as in `args` (docs/cookbook/run-time-values.md).
   */
  env?: {
    [k: string]: string;
  };
  /**
   * Retries of a failed Spark application. Default 2.
   */
  retries?: number;
}
/**
 * How the model is (re)trained: its own entry point, arguments and schedule.
 */
export interface TrainConfig {
  /**
   * The training script.
   */
  main: string;
  /**
   * Arguments of the training script; run-time values such as {{ ds }} as in `args` (docs/cookbook/run-time-values.md).
   */
  args?: string[];
  /**
   * When to retrain.
   */
  schedule?: string;
  /**
   * Continuous training: retrain when any of these datasets (Airflow Assets) is updated.
   *
   * Items: A URI such as s3a://bucket/path, s3://bucket/path or hive://db.table.
   */
  onData?: string[];
  /**
   * Continuous training: the MLflow registered model the training registers one version of per run (the training code reads it from MODELPLANE_REGISTERED_MODEL). Needed by minNewData, promote and notify. With it the training run gets its Airflow DAG even without schedule or onData (then started by hand).
   */
  registers?: string;
  /**
   * Continuous training: train only when the onData datasets reported at least this much new data since the last training (their Asset events' extra, e.g. {"rows": 12000}). Exactly one of rows and files.
   */
  minNewData?: {
    /**
     * At least this many new rows.
     */
    rows?: number;
    /**
     * At least this many new files.
     */
    files?: number;
  };
  /**
   * Continuous training: compare the trained version with the champion on a metric and move the registry alias (rolling the team's online models that serve it) when it is better. Needs registers.
   */
  promote?: {
    /**
     * The MLflow metric compared, as the training code logs it (e.g. auc).
     */
    metric: string;
    /**
     * max: higher is better; min: lower is better. Default max.
     */
    mode?: 'max' | 'min';
    /**
     * How much better than the champion the candidate must be. Default 0.
     */
    minDelta?: number;
    /**
     * The registry alias the online models serve (models:/<registers>@<alias>); never v<digits> nor latest, which MLflow reserves. Default champion.
     */
    alias?: string;
    /**
     * An approval gate: the promotion waits for `modelplane promote MODEL VERSION`. {} waits the default 72 hours.
     */
    approval?: {
      /**
       * How long the promotion waits for the approval, in hours. Default 72.
       */
      timeoutHours?: number;
    };
    /**
     * A canary step: the canary alias moves first (an online model's canary: { model: models:/<registers>@canary } serves it), then the champion alias after the soak.
     */
    canary?: {
      /**
       * The canary alias (not the champion alias). Default canary.
       */
      alias?: string;
      /**
       * How long the canary serves before the champion alias moves, in minutes. Default 30.
       */
      soakMinutes?: number;
    };
  };
  /**
   * Continuous training: where each outcome is sent: Airflow connection ids (HTTP connections holding the URL), never a URL or a secret.
   */
  notify?: {
    /**
     * A Slack incoming webhook's Airflow connection id.
     */
    slack?: string;
    /**
     * The Airflow connection id of a webhook receiving modelplane's JSON event.
     */
    webhook?: string;
  }[];
  /**
   * Continuous training: after each successful training, take a VolumeSnapshot of every dataset the model mounts (`datasets`), named <dataset>-<MLflow run id> and labelled with the model, the MLflow run, the DAG run and the Git commit synthesized from, and tag the MLflow run modelplane.snapshot.<dataset> with each name; `modelplane restore MODEL --run ID` writes the claims that bring a run's volumes back. Needs registers and datasets. Default false.
   */
  snapshot?: boolean;
}
/**
 * GPUs for the model, on a pool of the platform.
 */
export interface GpuConfig {
  /**
   * The GPU pool (see gpuPools).
   */
  pool: string;
  /**
   * GPUs per pod. Default 1.
   */
  count?: number;
  /**
   * Batch models: which Spark pods get GPUs. Default executor.
   */
  on?: 'driver' | 'executor' | 'both';
}
/**
 * A dataset the batch model mounts into its driver and executors: its input data, or the volume it writes the model to.
 */
export interface DatasetMountConfig {
  /**
   * The dataset, by its name in the file's `datasets` (or the name of a claim the team made otherwise; train.snapshot needs one of the file's).
   */
  dataset: string;
  /**
   * Where the pods see it: an absolute path outside Spark's own directories (/tmp, the work and local dirs, /var/modelplane), e.g. /data/corpus.
   */
  mountPath: string;
  /**
   * Mount it read-only (an input). Default false.
   */
  readOnly?: boolean;
}
/**
 * A registered MLflow model served over REST/gRPC.
 */
export interface OnlineModelConfig {
  /**
   * A DNS-1123 label: lower-case letters, digits and "-".
   */
  name: string;
  /**
   * online
   */
  type: 'online';
  /**
   * What the model does.
   */
  description?: string;
  /**
   * The model when there is one version (or the stable one beside a canary/shadow): models:/name@alias, models:/name/3 or s3://bucket/path.
   */
  model?: string;
  /**
   * The serving backend: kserve (InferenceService), seldon (SeldonDeployment, MLflow server) or deployment (Deployment + Service with MLServer). Default kserve.
   */
  server?: 'kserve' | 'seldon' | 'deployment';
  /**
   * What the model URI holds, and so its server: mlflow (an MLflow model: MLServer), tensorflow (a folder of numbered SavedModel versions: TensorFlow Serving), onnx or triton (a Triton model repository with one model folder named after the model: NVIDIA Triton). kserve and deployment serve every format (kserve only from s3:// URIs for the formats other than mlflow); seldon serves mlflow only. Default mlflow.
   */
  format?: 'mlflow' | 'tensorflow' | 'onnx' | 'triton';
  /**
   * online keeps at least one replica; queue-worker (scaled by a queue) may scale to zero. Default online.
   */
  role?: 'online' | 'queue-worker';
  /**
   * Fixed replicas (a number), or the autoscaling range { min, max }.
   */
  replicas?:
    | number
    | {
        /**
         * Fewest replicas. Default 2 (0 allowed for queue workers).
         */
        min?: number;
        /**
         * Most replicas.
         */
        max: number;
      };
  /**
   * What to scale on: CPU and/or memory utilisation (HPA), or a RabbitMQ queue's length (KEDA). One scaler per model. Needs replicas: { min, max }.
   */
  autoscale?: {
    /**
     * Target average CPU utilisation, percent of the request.
     */
    cpu?: number;
    /**
     * Target average memory utilisation, percent of the request.
     */
    memory?: number;
    rabbitmq?: RabbitmqScaleConfig;
  };
  /**
   * A new model version taking a share of live traffic beside `model`.
   */
  canary?: {
    /**
     * The canary model version, e.g. models:/fraud/4.
     */
    model: string;
    /**
     * Percent of requests sent to the canary.
     */
    traffic: number;
  };
  /**
   * A model version receiving a copy of live traffic; its responses are discarded (seldon and deployment servers).
   */
  shadow?: {
    /**
     * The shadow model version.
     */
    model: string;
  };
  /**
   * Several model versions (A/B tests) instead of model/canary/shadow; the first is the primary.
   */
  variants?: VariantConfig[];
  resources?: ResourcesConfig;
  gpu?: GpuConfig;
  /**
   * Server image override (MLServer with the MLflow runtime).
   */
  image?: string;
  /**
   * Options of the kserve server.
   */
  kserve?: {
    /**
     * MLflow model format version. Default "2".
     */
    modelFormatVersion?: string;
    /**
     * A ServingRuntime to pin.
     */
    runtime?: string;
    /**
     * Secret with S3 credentials for s3:// models.
     */
    storageSecret?: string;
  };
  /**
   * Options of the seldon server.
   */
  seldon?: {
    /**
     * The rclone Secret for S3 access. Default modelplane-s3-rclone.
     */
    rcloneSecret?: string;
  };
  /**
   * Options of the deployment server.
   */
  deployment?: {
    /**
     * Host names of the HTTPRoute (with several variants).
     */
    hostnames?: string[];
    /**
     * The Gateway API Gateway the HTTPRoute attaches to (with several variants). Default modelplane in the platform namespace.
     */
    gateway?: {
      name: string;
      namespace?: string;
      sectionName?: string;
    };
  };
  /**
   * Model tests run against the deployed service.
   */
  tests?: ModelTestConfig[];
}
/**
 * Scale on a RabbitMQ queue's length through KEDA (mode QueueLength).
 */
export interface RabbitmqScaleConfig {
  /**
   * The queue the model consumes.
   */
  queue: string;
  /**
   * Target messages per replica. Default 20.
   */
  messagesPerReplica?: number;
  /**
   * Messages that wake a worker scaled to zero. Default 0.
   */
  activationMessages?: number;
  /**
   * The Secret holding the AMQP URL: its name (key "host") or { name, key }.
   */
  hostSecret:
    | string
    | {
        /**
         * The name of a Secret in the team namespace.
         */
        name: string;
        key: string;
      };
  /**
   * amqp, or http (management API; counts unacknowledged messages too). Default amqp.
   */
  protocol?: 'amqp' | 'http';
  /**
   * RabbitMQ vhost. Default the one in the URL.
   */
  vhostName?: string;
}
/**
 * A model version of an online model.
 */
export interface VariantConfig {
  /**
   * A DNS-1123 label: lower-case letters, digits and "-".
   */
  name: string;
  model: string;
  /**
   * Percent of live traffic.
   */
  traffic?: number;
  /**
   * Mirror traffic to this variant.
   */
  shadow?: boolean;
}
/**
 * A model test: a Job scoring a reference dataset against the deployed model and comparing with the expected scores.
 */
export interface ModelTestConfig {
  /**
   * Job name prefix. Default <model>-test.
   */
  name?: string;
  /**
   * The variant to test. Default the primary.
   */
  variant?: string;
  /**
   * The reference dataset as CSV text (features plus the expected column); keep it small.
   */
  reference?: string;
  /**
   * A larger reference dataset: mlflow-artifacts:/… or http(s)://….
   */
  referenceUri?: string;
  /**
   * The column with the expected score. Default expected.
   */
  expectedColumn?: string;
  /**
   * Absolute tolerance. Default 1e-6.
   */
  absTolerance?: number;
  /**
   * Relative tolerance. Default 1e-6.
   */
  relTolerance?: number;
  /**
   * Seconds to wait for the model to be ready. Default 600.
   */
  waitSeconds?: number;
  /**
   * Image with python3.
   */
  image?: string;
}
/**
 * Many batch models in one DAG: blocks run one after another, models in a block in parallel.
 */
export interface CascadeConfig {
  /**
   * A DNS-1123 label: lower-case letters, digits and "-".
   */
  name: string;
  /**
   * Shown in Airflow.
   */
  description?: string;
  /**
   * When to run everything; none = run by hand with parameters.
   */
  schedule?: string;
  /**
   * Where the cascade runs: airflow (one DAG <team>.<cascade>) or argo (WorkflowTemplate + CronWorkflow). Default airflow.
   */
  orchestrator?: 'airflow' | 'argo';
  /**
   * Which run of each model the run stage uses. Default score.
   */
  job?: 'score' | 'train';
  /**
   * Start a run when any of these datasets (Airflow Assets) is updated.
   *
   * Items: A URI such as s3a://bucket/path, s3://bucket/path or hive://db.table.
   */
  onData?: string[];
  /**
   * Where download stages stage inputs. Default s3a://modelplane-staging/<team>/<cascade>.
   */
  stagingUri?: string;
  /**
   * Blocks, run one after another; the models of a block run in parallel.
   */
  blocks: BlockConfig[];
}
/**
 * A block of a cascade: batch models run in parallel.
 */
export interface BlockConfig {
  /**
   * A DNS-1123 label: lower-case letters, digits and "-".
   */
  name: string;
  /**
   * Batch models run in parallel in this block.
   *
   * Items: A DNS-1123 label: lower-case letters, digits and "-".
   */
  models: string[];
}
/**
 * A retro test: scores a past period with a model version and saves the results.
 */
export interface RetroTestConfig {
  /**
   * A DNS-1123 label: lower-case letters, digits and "-".
   */
  name: string;
  /**
   * The model version: models:/name/3, models:/name@alias or s3://….
   */
  model: string;
  /**
   * The dataset covering the period: mlflow-artifacts:/… or http(s)://… (CSV).
   */
  input: string;
  /**
   * The past period to score, inclusive.
   */
  period: {
    /**
     * First day, e.g. "2025-01-01".
     */
    from: string;
    /**
     * Last day.
     */
    to: string;
    /**
     * The date column. Default date.
     */
    column?: string;
  };
  /**
   * Where the scored rows go. Default mlflow-artifacts:/retro-tests/<team>/<name>/<from>_<to>/scores.csv.
   */
  output?: string;
  /**
   * Columns passed through but not sent to the model.
   */
  excludeColumns?: string[];
  resources?: ResourcesConfig;
  /**
   * The name of a Secret in the team namespace.
   */
  s3CredentialsSecret?: string;
  /**
   * A container image with a pinned tag or digest (never latest).
   */
  image?: string;
}
