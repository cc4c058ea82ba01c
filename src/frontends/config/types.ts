/**
 * The shape of `modelplane.yaml` as TypeScript types. They are generated from the JSON Schema
 * (`schema/modelplane.schema.json`, the authority) into `./generated/modelplane-yaml.ts` by
 * `npm run gen:config-types` (scripts/gen-config-types.ts); import them from here.
 */
export type {
  BatchModelConfig,
  BlockConfig,
  CascadeConfig,
  DatasetConfig,
  DatasetMountConfig,
  DefaultsConfig,
  GpuConfig,
  GpuPoolConfig,
  ModelConfig,
  ModelplaneFile,
  ModelTestConfig,
  OnlineModelConfig,
  RabbitmqScaleConfig,
  ResourcesConfig,
  RetroTestConfig,
  SparkConfig,
  SparkPodConfig,
  TaintConfig,
  TrainConfig,
  VariantConfig,
} from './generated/modelplane-yaml';
