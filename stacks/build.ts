/**
 * The one builder both engines call: `stacks/main.ts` (cdk8s synth) and `stacks/pulumi.ts`
 * (pulumi up) build the same construct tree from the same configuration.
 */
import { App } from 'cdk8s';
import { Platform, PlatformProps } from '../src/constructs/platform/platform';
import { addDemoModels } from './demo/index';

/** The platform configuration: {@link PlatformProps} plus what the entry points add. */
export interface ModelplaneConfig extends PlatformProps {
  /** Add the example models to the demo team. @default true */
  readonly examples?: boolean;
}

/** The embedded defaults: in-cluster PostgreSQL and MinIO, one team `demo`, one GPU pool `gpu`. */
export function defaultConfig(): ModelplaneConfig {
  return {
    teams: [{ name: 'demo', quota: { cpu: '32', memory: '128Gi', pods: 300, gpus: 4 } }],
    gpuPools: [{ name: 'gpu', maxGpus: 8 }],
    examples: true,
  };
}

/** What {@link buildPlatform} returns. */
export interface BuiltPlatform {
  /** The App. */
  readonly app: App;
  /** The platform chart. */
  readonly platform: Platform;
}

/** Builds the platform (and, unless disabled, the demo team's example models) into `app`. */
export function buildPlatform(app: App, config: ModelplaneConfig = defaultConfig()): BuiltPlatform {
  const { examples, ...props } = config;
  const platform = new Platform(app, 'platform', props);
  if ((examples ?? true) && platform.teams.has('demo')) addDemoModels(platform);
  return { app, platform };
}
