/**
 * The shape of `modelplane.yaml` as TypeScript types (the JSON Schema in
 * `schema/modelplane.schema.json` is the authority; these mirror it for the loader and mappers).
 */

/** A taint on GPU nodes. */
export interface TaintConfig {
  readonly key: string;
  readonly value?: string;
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** A GPU pool of the platform. */
export interface GpuPoolConfig {
  readonly name: string;
  readonly taint?: TaintConfig;
  readonly nodeLabels?: Readonly<Record<string, string>>;
  readonly maxGpus?: number;
}

/** GPUs for a model. */
export interface GpuConfig {
  readonly pool: string;
  readonly count?: number;
  readonly on?: 'driver' | 'executor' | 'both';
}

/** Driver or executor resources. */
export interface SparkPodConfig {
  readonly cores?: number;
  readonly memory?: string;
  readonly memoryOverhead?: string;
  readonly instances?: number;
}

/** A Spark session. */
export interface SparkConfig {
  readonly version?: string;
  readonly conf?: Readonly<Record<string, string | number | boolean>>;
  readonly hadoopConf?: Readonly<Record<string, string | number | boolean>>;
  readonly dynamicAllocation?: { readonly minExecutors: number; readonly maxExecutors: number; readonly initialExecutors?: number };
  readonly driver?: SparkPodConfig;
  readonly executor?: SparkPodConfig;
}

/** How a batch model is trained. */
export interface TrainConfig {
  readonly main: string;
  readonly args?: readonly string[];
  readonly schedule?: string;
  readonly onData?: readonly string[];
}

/** CPU and memory. */
export interface ResourcesConfig {
  readonly cpu?: string | number;
  readonly memory?: string | number;
  readonly cpuLimit?: string | number;
  readonly ephemeralStorage?: string | number;
}

/** A batch model. */
export interface BatchModelConfig {
  readonly name: string;
  readonly type: 'batch';
  readonly description?: string;
  readonly image?: string;
  readonly main?: string;
  readonly args?: readonly string[];
  readonly environment?: string;
  readonly python?: string;
  readonly schedule?: string;
  readonly orchestrator?: 'airflow' | 'argo' | 'spark-operator';
  readonly train?: TrainConfig;
  readonly spark?: SparkConfig;
  readonly inputs?: ReadonlyArray<string | { readonly name: string; readonly uri: string }>;
  readonly output?: string;
  readonly gpu?: GpuConfig;
  readonly env?: Readonly<Record<string, string>>;
  readonly retries?: number;
}

/** Queue-length autoscaling on RabbitMQ. */
export interface RabbitmqScaleConfig {
  readonly queue: string;
  readonly messagesPerReplica?: number;
  readonly activationMessages?: number;
  readonly hostSecret: string | { readonly name: string; readonly key: string };
  readonly protocol?: 'amqp' | 'http';
  readonly vhostName?: string;
}

/** A model version of an online model. */
export interface VariantConfig {
  readonly name: string;
  readonly model: string;
  readonly traffic?: number;
  readonly shadow?: boolean;
}

/** A model test of an online model. */
export interface ModelTestConfig {
  readonly name?: string;
  readonly variant?: string;
  readonly reference?: string;
  readonly referenceUri?: string;
  readonly expectedColumn?: string;
  readonly absTolerance?: number;
  readonly relTolerance?: number;
  readonly waitSeconds?: number;
  readonly image?: string;
}

/** A retro test. */
export interface RetroTestConfig {
  readonly name: string;
  readonly model: string;
  readonly input: string;
  readonly period: { readonly from: string; readonly to: string; readonly column?: string };
  readonly output?: string;
  readonly excludeColumns?: readonly string[];
  readonly resources?: ResourcesConfig;
  readonly s3CredentialsSecret?: string;
  readonly image?: string;
}

/** An online model. */
export interface OnlineModelConfig {
  readonly name: string;
  readonly type: 'online';
  readonly description?: string;
  readonly model?: string;
  readonly server?: 'kserve' | 'seldon' | 'deployment';
  readonly role?: 'online' | 'queue-worker';
  readonly replicas?: number | { readonly min?: number; readonly max: number };
  readonly autoscale?: { readonly cpu?: number; readonly memory?: number; readonly rabbitmq?: RabbitmqScaleConfig };
  readonly canary?: { readonly model: string; readonly traffic: number };
  readonly shadow?: { readonly model: string };
  readonly variants?: readonly VariantConfig[];
  readonly resources?: ResourcesConfig;
  readonly gpu?: GpuConfig;
  readonly image?: string;
  readonly kserve?: { readonly modelFormatVersion?: string; readonly runtime?: string; readonly storageSecret?: string };
  readonly seldon?: { readonly rcloneSecret?: string };
  readonly tests?: readonly ModelTestConfig[];
  readonly deployment?: {
    readonly hostnames?: readonly string[];
    readonly gateway?: { readonly name: string; readonly namespace?: string; readonly sectionName?: string };
  };
}

/** Any model. */
export type ModelConfig = BatchModelConfig | OnlineModelConfig;

/** A block of a cascade. */
export interface BlockConfig {
  readonly name: string;
  readonly models: readonly string[];
}

/** A cascade. */
export interface CascadeConfig {
  readonly name: string;
  readonly description?: string;
  readonly schedule?: string;
  readonly orchestrator?: 'airflow' | 'argo';
  readonly job?: 'score' | 'train';
  readonly onData?: readonly string[];
  readonly stagingUri?: string;
  readonly blocks: readonly BlockConfig[];
}

/** Values merged into models. */
export interface DefaultsConfig {
  readonly image?: string;
  readonly python?: string;
  readonly spark?: SparkConfig;
  readonly environment?: string;
  readonly orchestrator?: 'airflow' | 'argo' | 'spark-operator';
  readonly server?: 'kserve' | 'seldon' | 'deployment';
  readonly resources?: ResourcesConfig;
}

/** A whole `modelplane.yaml`. */
export interface ModelplaneFile {
  readonly team: string;
  readonly defaults?: DefaultsConfig;
  readonly gpuPools?: readonly GpuPoolConfig[];
  readonly models: readonly ModelConfig[];
  readonly cascades?: readonly CascadeConfig[];
  readonly retroTests?: readonly RetroTestConfig[];
}
