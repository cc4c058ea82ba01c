/**
 * modelplane: an ML platform on Kubernetes defined as code. The package entry re-exports the
 * public constructs and the shared helpers.
 */
export * from './core/errors';
export * from './core/validate';
export * from './core/labels';
export * from './core/security';
export * from './core/secrets';
export * from './core/gpu';
export * from './core/context';
export * from './constructs/platform/operators';
export * from './frontends/pulumi/plan';
export * from './constructs/team-space';
export * from './constructs/gpu-node-pool';
export * from './constructs/mlflow/embedded-postgres';
export * from './constructs/mlflow/embedded-minio';
export * from './constructs/mlflow/secret-bootstrap';
export * from './constructs/mlflow/mlflow-server';
export * from './constructs/team-models';
export * from './constructs/platform/platform';
export * from './constructs/online/online-model';
export * from './constructs/online/model-test';
export * from './constructs/online/retro-test';
export * from './constructs/batch/spark-batch-model';
export * from './constructs/batch/cascade';
export * from './constructs/batch/team-dags';
export * from './constructs/batch/spark';
export * from './constructs/batch/airflow/dag';
export * from './constructs/batch/argo/compile';
export * from './constructs/batch/mermaid';
export * from './frontends/config';
export * from './constructs/online/online-model';
export * from './constructs/online/model-test';
export * from './constructs/online/retro-test';
export { kserveS3SecretAnnotations } from './constructs/online/backends/kserve';
export { rcloneSecretKeys, SELDON_GRAPH_NODE } from './constructs/online/backends/seldon';
export { MLSERVER_IMAGE, MLSERVER_VERSION, SELDON_CORE_VERSION, SELDON_MLSERVER_IMAGE } from './constructs/online/spec';
// The cdk8s classes a model repository needs, from the same copy modelplane's constructs use.
export { App, Chart, Testing } from 'cdk8s';
