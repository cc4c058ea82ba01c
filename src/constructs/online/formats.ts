/**
 * The model formats an online model can be served in (`format`), and the pinned servers of the formats that are
 * not MLflow: TensorFlow Serving and NVIDIA Triton. Which backend serves which format is each backend's own
 * {@link ServingBackend.formats}; {@link resolveModelFormat} checks a model against it.
 *
 * What the model URI names, by format (the same on every backend that serves it):
 *
 * - `mlflow`: an MLflow model (MLServer's MLflow runtime loads it).
 * - `tensorflow`: a TensorFlow Serving model base path, i.e. a folder of numbered SavedModel versions
 *   (`1/saved_model.pb`, `1/variables/`); the highest version is served.
 * - `onnx` and `triton`: a Triton model repository holding one model folder named after the online model
 *   (`<name>/1/model.onnx`, with or without a `<name>/config.pbtxt`: Triton completes an ONNX model's
 *   configuration itself).
 */

/** The model formats, `mlflow` first (the default). */
export const MODEL_FORMATS = ['mlflow', 'tensorflow', 'onnx', 'triton'] as const;
/** A model format: what the model URI holds, and so which server serves it. */
export type ModelFormat = (typeof MODEL_FORMATS)[number];
/** The format of a model that names none: an MLflow model, served by MLServer's MLflow runtime. */
export const DEFAULT_MODEL_FORMAT: ModelFormat = 'mlflow';

/** The inference protocol a served model answers: the open inference protocol (v2), or TensorFlow Serving's REST API. */
export type InferenceProtocol = 'v2' | 'tensorflow';

/** The protocol each format's server answers over REST. */
export const FORMAT_PROTOCOL: Readonly<Record<ModelFormat, InferenceProtocol>> = {
  mlflow: 'v2',
  tensorflow: 'tensorflow',
  onnx: 'v2',
  triton: 'v2',
};

/**
 * TensorFlow Serving 2.18.0: a current 2.x release (built with TensorFlow 2.18), which loads SavedModels written by
 * TensorFlow 2.x and 1.x. Its flags, REST API (`/v1/models/<name>`) and `/monitoring/prometheus/metrics` endpoint are
 * those of the 2.6.2 image KServe's `kserve-tensorflow-serving` runtime names (2021, long out of security support),
 * so the runtime's arguments and our probes hold for it on both backends.
 */
export const TF_SERVING_VERSION = '2.18.0';
/** The TensorFlow Serving image (CPU build; a GPU model names its `-gpu` image through `image`). */
export const TF_SERVING_IMAGE = `docker.io/tensorflow/serving:${TF_SERVING_VERSION}`;
/**
 * The uid TensorFlow Serving runs as: the image declares no user, so Pod Security "restricted" needs one given
 * (1000, as KServe's `kserve-tensorflow-serving` runtime gives it).
 */
export const TF_SERVING_UID = 1000;
/** TensorFlow Serving's ports on the `deployment` backend: REST 8501 and gRPC 8500 (its image's defaults). */
export const TF_SERVING_PORTS = { http: 8501, grpc: 8500 } as const;
/** The Prometheus path TensorFlow Serving exports on its REST port, once its monitoring configuration enables it. */
export const TF_SERVING_METRICS_PATH = '/monitoring/prometheus/metrics';
/** TensorFlow Serving's monitoring configuration (protobuf text format) turning its Prometheus endpoint on. */
export const TF_SERVING_MONITORING_CONFIG = `prometheus_config {\n  enable: true,\n  path: "${TF_SERVING_METRICS_PATH}"\n}\n`;
/** Where the monitoring configuration is mounted (a ConfigMap of the model). */
export const TF_SERVING_MONITORING_DIR = '/etc/modelplane/tf-serving';
/** The file name of the monitoring configuration in its ConfigMap and folder. */
export const TF_SERVING_MONITORING_FILE = 'monitoring.config';

/**
 * NVIDIA Triton Inference Server 25.01 (NGC release, Triton 2.54): its `-py3` image carries the ONNX Runtime,
 * TensorFlow and Python backends, and still takes the `--model-store` flag (an alias of `--model-repository`) that
 * KServe's `kserve-tritonserver` runtime passes; pinned over the 23.05 that runtime's chart names for the fixes
 * since, with the same HTTP, gRPC and metrics endpoints (v2 protocol, `/v2/health/*`, `:8002/metrics`).
 */
export const TRITON_VERSION = '25.01';
/** The Triton image (NGC, `-py3`: the full build with every framework backend). */
export const TRITON_IMAGE = `nvcr.io/nvidia/tritonserver:${TRITON_VERSION}-py3`;
/** The uid Triton runs as: the image's own non-root user `triton-server` (1000). */
export const TRITON_UID = 1000;
/** Triton's ports on the `deployment` backend: its defaults, HTTP 8000, gRPC 8001, metrics 8002. */
export const TRITON_PORTS = { http: 8000, grpc: 8001, metrics: 8002 } as const;
/** Triton's Prometheus path on its metrics port. */
export const TRITON_METRICS_PATH = '/metrics';

/** Where the `deployment` backend fetches a model that its server does not download itself (an emptyDir). */
export const FETCHED_MODELS_DIR = '/models';
