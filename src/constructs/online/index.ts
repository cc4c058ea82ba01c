/** Online serving: OnlineModel on its three backends, and the model and retro tests of served models. */
export * from './online-model';
export * from './model-test';
export * from './retro-test';
export { resolveOnlineModel } from './resolve';
export type { OnlineModelContext } from './resolve';
export type { TeamContext } from './team';
export type { ServingBackend, BackendOptions, EndpointRefusal, FormatSupport } from './backend';
export { MODEL_FORMATS, TF_SERVING_IMAGE, TF_SERVING_VERSION, TRITON_IMAGE, TRITON_VERSION } from './formats';
export type { InferenceProtocol, ModelFormat } from './formats';
export { resolveModelFormat, backendsServing } from './resolve-format';
export { SERVING_BACKENDS, servingBackend } from './backends';
export { isServedModel } from './served-model';
export { kserveS3SecretAnnotations } from './backends/kserve';
export { rcloneSecretKeys, SELDON_GRAPH_NODE } from './backends/seldon';
export { MLSERVER_IMAGE, MLSERVER_VERSION, SELDON_CORE_VERSION, SELDON_MLSERVER_IMAGE } from './spec';
export type { ResolvedOnlineModel, ResolvedVariant, ResolvedHpa, ResolvedKeda } from './spec';
