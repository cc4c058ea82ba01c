/** Online serving: OnlineModel on its three backends, and the model and retro tests of served models. */
export * from './online-model';
export * from './model-test';
export * from './retro-test';
export { kserveS3SecretAnnotations } from './backends/kserve';
export { rcloneSecretKeys, SELDON_GRAPH_NODE } from './backends/seldon';
export { MLSERVER_IMAGE, MLSERVER_VERSION, SELDON_CORE_VERSION, SELDON_MLSERVER_IMAGE } from './spec';
