/**
 * What a caller writes to serve a model online: {@link OnlineModelProps} with its autoscaling and the
 * options of each serving backend. Plain types only; {@link resolveOnlineModel} checks and defaults them.
 */
import type { SecretKeyRef } from '../../core/secrets';
import type { ResourceSpec } from '../../core/security';
import type { OnlineVariant } from './rollouts';
import type { ModelFormat } from './formats';
import type { OnlineBackend } from './spec';

/** Scaling on a RabbitMQ queue's length through KEDA (the translation team's GPU queue worker). */
export interface RabbitQueueScaling {
  /** The queue to watch. */
  readonly queueName: string;
  /** Secret key holding the connection URL with credentials (`amqp://user:pw@host:5672/vhost`, or the management `http://…:15672` URL with protocol "http"). */
  readonly hostSecret: SecretKeyRef;
  /** Target messages per replica (KEDA `value`). @default 20 */
  readonly messagesPerReplica?: number;
  /** Messages that wake a worker scaled to zero (KEDA `activationValue`). @default 0 */
  readonly activationMessages?: number;
  /** `amqp`, or `http` (management API; counts unacknowledged messages too). @default "amqp" */
  readonly protocol?: 'amqp' | 'http';
  /** RabbitMQ vhost. @default - the one in the URL */
  readonly vhostName?: string;
  /** Seconds between queue checks. @default 30 */
  readonly pollingInterval?: number;
  /** Seconds of an empty queue before scaling to zero. @default 300 */
  readonly cooldownPeriod?: number;
}

/**
 * Autoscaling: CPU and/or memory utilization through an HPA, or a RabbitMQ queue through KEDA —
 * one scaler per workload, never both.
 */
export interface OnlineAutoscaling {
  /** Minimum replicas; at least 1 for online services, 0 allowed for queue workers. @default 2 (online), 0 (queue-worker) */
  readonly minReplicas?: number;
  /** Maximum replicas. */
  readonly maxReplicas: number;
  /** Target average CPU utilization, % of the request. @default 70 when no other metric is given */
  readonly cpuUtilization?: number;
  /** Target average memory utilization, % of the request. @default - not used */
  readonly memoryUtilization?: number;
  /** Scale on a RabbitMQ queue through KEDA instead. @default - HPA */
  readonly rabbitmq?: RabbitQueueScaling;
}

/** Options of the `kserve` backend. */
export interface KServeOptions {
  /**
   * `modelFormat.version`, one the selected runtime lists: MLflow "1"/"2" (kserve-mlserver), TensorFlow "1"/"2"
   * (kserve-tensorflow-serving), ONNX "1" and Triton "2" (kserve-tritonserver). @default "2" ("1" for `format: "onnx"`)
   */
  readonly modelFormatVersion?: string;
  /**
   * A ServingRuntime to pin instead of KServe's automatic selection.
   * @default - automatic: kserve-mlserver (mlflow), kserve-tensorflow-serving (tensorflow), kserve-tritonserver (onnx, triton)
   */
  readonly runtime?: string;
  /**
   * Secret with `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, annotated with `serving.kserve.io/s3-*`
   * (see `kserveS3SecretAnnotations`), for `s3://` models; a ServiceAccount listing it is created.
   * @default - none (`s3://` models then rely on KServe's global S3 settings or workload identity)
   */
  readonly storageSecret?: string;
}

/** Options of the `seldon` backend. */
export interface SeldonOptions {
  /** The rclone Secret (`RCLONE_CONFIG_S3_*`, see `rcloneSecretKeys`) named by `envSecretRefName`. @default "modelplane-s3-rclone" */
  readonly rcloneSecret?: string;
}

/** Options of the `deployment` backend. */
export interface DeploymentOptions {
  /** The Gateway the HTTPRoute attaches to when there are several variants. @default { name: "modelplane", namespace: <platform namespace> } */
  readonly gateway?: { readonly name: string; readonly namespace?: string; readonly sectionName?: string };
  /** Host names of the HTTPRoute. @default [] (all the Gateway's hosts) */
  readonly hostnames?: readonly string[];
}

/** Properties of an {@link OnlineModel}. */
export interface OnlineModelProps {
  /** Service name, a DNS-1123 label of at most 40 characters. @default the construct id */
  readonly name?: string;
  /**
   * The model URI (`models:/name@alias`, `models:/name/3`, `s3://…`) when there is one variant. Give this or `variants`.
   * @default - none: `variants` name the models
   */
  readonly model?: string;
  /** Several model versions: canary, A/B, shadow. The first is the primary. @default [{ name: "main", model }] */
  readonly variants?: readonly OnlineVariant[];
  /** Serving backend. @default "kserve" */
  readonly backend?: OnlineBackend;
  /**
   * What the model URI holds, and so the server: `mlflow` (an MLflow model, MLServer), `tensorflow` (a TensorFlow
   * Serving base path of numbered SavedModel versions, TensorFlow Serving), `onnx` or `triton` (a Triton model
   * repository with one model folder named after the service, NVIDIA Triton). `kserve` and `deployment` serve every
   * format (`kserve` downloads only `s3://` URIs in the formats other than `mlflow`); `seldon` serves `mlflow` only.
   * @default "mlflow"
   */
  readonly format?: ModelFormat;
  /** `online` keeps at least one replica; `queue-worker` (scaled by a queue) may scale to zero. @default "online" */
  readonly role?: 'online' | 'queue-worker';
  /** Requests and limits of the model server. @default { cpu: "500m", memory: "1Gi" } */
  readonly resources?: ResourceSpec;
  /** GPUs from a GpuNodePool of the platform. @default - no GPU */
  readonly gpu?: { readonly pool: string; readonly count?: number };
  /** Fixed replicas, instead of autoscaling. @default - autoscaling */
  readonly replicas?: number;
  /** Autoscaling. @default { minReplicas: 2, maxReplicas: 4, cpuUtilization: 70 } unless `replicas` is set */
  readonly autoscaling?: OnlineAutoscaling;
  /**
   * Server image override: an image of the format's server (MLServer with the MLflow runtime, TensorFlow Serving, or
   * Triton), e.g. a GPU build. @default - the backend's pinned image of the format's server
   */
  readonly image?: string;
  /** Secret with `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` for `s3://` models on the deployment backend. @default the platform's `objectStore.credentialsSecret` */
  readonly s3CredentialsSecret?: string;
  /** Prometheus scraping. @default { interval: "30s", labels: {} } */
  readonly monitoring?: { readonly interval?: string; readonly labels?: Readonly<Record<string, string>> };
  /** Options for the `kserve` backend (only with that backend). @default {} */
  readonly kserve?: KServeOptions;
  /** Options for the `seldon` backend (only with that backend). @default {} */
  readonly seldon?: SeldonOptions;
  /** Options for the `deployment` backend (only with that backend). @default {} */
  readonly deployment?: DeploymentOptions;
}
