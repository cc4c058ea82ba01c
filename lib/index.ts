/**
 * modelplane: an ML platform on Kubernetes defined as code. The package entry re-exports the
 * public constructs and the shared helpers.
 */
export * from './errors';
export * from './validate';
export * from './labels';
export * from './security';
export * from './secrets';
export * from './gpu';
export * from './context';
export * from './operators';
export * from './deploy-plan';
export * from '../constructs/team-space';
export * from '../constructs/gpu-node-pool';
export * from '../constructs/embedded-postgres';
export * from '../constructs/embedded-minio';
export * from '../constructs/secret-bootstrap';
export * from '../constructs/mlflow-server';
export * from '../constructs/team-models';
export * from '../constructs/platform';
export * from '../constructs/online-model';
export * from '../constructs/model-test';
export * from '../constructs/retro-test';
export * from '../constructs/spark-batch-model';
export * from '../constructs/cascade';
export * from '../constructs/team-dags';
export * from './spark';
export * from './airflow/dag';
export * from './argo/compile';
export * from './mermaid';
export * from './config';
export * from '../constructs/online-model';
export * from '../constructs/model-test';
export * from '../constructs/retro-test';
export { kserveS3SecretAnnotations } from './online/kserve';
export { rcloneSecretKeys, SELDON_GRAPH_NODE } from './online/seldon';
export { MLSERVER_IMAGE, MLSERVER_VERSION, SELDON_CORE_VERSION, SELDON_MLSERVER_IMAGE } from './online/spec';
// The cdk8s classes a model repository needs, from the same copy modelplane's constructs use.
export { App, Chart, Testing } from 'cdk8s';
