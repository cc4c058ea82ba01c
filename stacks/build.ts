/**
 * The one builder both engines call: `stacks/main.ts` (cdk8s synth) and `stacks/pulumi-program.ts`
 * (pulumi up) build the same construct tree from the same configuration, checked by the one
 * platform loader (schema/platform.schema.json, then the constructs) that the CLI's `--platform`
 * uses too.
 */
import { App } from 'cdk8s';
import { recordSynthOutput } from '../src/constructs/output-files';
import type { Platform, PlatformProps } from '../src/constructs/platform/platform';
import { buildLoadedPlatform, BuiltPlatformConfig, PlatformConfigError } from '../src/frontends/config/platform-build';
import {
  LoadedPlatform,
  loadPlatformData,
  loadPlatformFile,
  PlatformAppSettings,
  PlatformLoadOptions,
  pathLocator,
} from '../src/frontends/config/platform-load';
import type { IssueLocator } from '../src/frontends/config/schema-issues';
import { addDemoModels } from './demo/index';

/** The platform configuration: {@link PlatformProps} plus the app's settings (`examples`). */
export interface ModelplaneConfig extends PlatformProps, PlatformAppSettings {}

/** How the apps load their configuration: the platform's keys and the app settings. */
export const APP_LOAD_OPTIONS: PlatformLoadOptions = { appSettings: true };

/**
 * The embedded defaults: in-cluster PostgreSQL and object store (versitygw), one team `demo`, one GPU pool `gpu`; with the
 * demo models (`examples`, the default) also the operators they need beyond the default ones: Argo
 * Workflows (the demo cascade runs on Argo too) and Envoy Gateway (the demo's canary and shadow), and
 * the demo's RabbitMQ Secret as an external prerequisite.
 */
export function defaultConfig(examples = true): ModelplaneConfig {
  return {
    teams: [{ name: 'demo', quota: { cpu: '32', memory: '128Gi', pods: 300, gpus: 4 } }],
    gpuPools: [{ name: 'gpu', maxGpus: 8 }],
    ...(examples
      ? {
          operators: { argoWorkflows: { enabled: true }, envoyGateway: { enabled: true } },
          // The demo's queue worker reads its RabbitMQ URL from a Secret the cluster's operator creates.
          prerequisites: [
            {
              kind: 'Secret',
              namespace: 'demo',
              name: 'rabbitmq',
              keys: ['url'],
              description: "the demo translator's RabbitMQ URL (amqp://...)",
            },
          ],
        }
      : {}),
    examples,
  };
}

/** What {@link buildPlatform} returns. */
export interface BuiltPlatform {
  /** The App. */
  readonly app: App;
  /** The platform chart. */
  readonly platform: Platform;
}

/**
 * Builds the platform (and, unless `examples: false`, the demo team's example models) into `app`.
 * Throws a {@link PlatformConfigError} listing every problem, each named by its path in `config`
 * (`at` names the configuration, e.g. the stack config key).
 */
export function buildPlatform(
  app: App,
  config: ModelplaneConfig = defaultConfig(),
  at: IssueLocator = pathLocator('config'),
): BuiltPlatform {
  return orThrow(app, buildAppPlatform(app, loadPlatformData(config, at, APP_LOAD_OPTIONS)));
}

/** The same from a YAML or JSON file (the cdk8s app's MODELPLANE_CONFIG); problems at FILE:LINE:COL. */
export function buildPlatformFromFile(app: App, file: string): BuiltPlatform {
  const loaded = loadPlatformFile(file, { ...APP_LOAD_OPTIONS, readFix: 'check the path in MODELPLANE_CONFIG' });
  return orThrow(app, buildAppPlatform(app, loaded));
}

/**
 * Builds a loaded configuration: the platform, then the demo models when the configuration wants
 * examples (`examples: true`; the embedded defaults do, a platform file only when it says so) and has the team `demo`. Returns every problem instead of throwing. When the
 * App is synthesized into its outdir, it records what it wrote there ({@link recordSynthOutput}).
 */
export function buildAppPlatform(app: App, loaded: LoadedPlatform): BuiltPlatformConfig {
  // `app.synth()` then writes the output manifest and removes stale files of its previous run (see src/constructs/output-files.ts).
  recordSynthOutput(app);
  const built = buildLoadedPlatform(app, loaded);
  // A platform file has no demo workloads unless it says `examples: true`.
  if (built.platform && built.issues.length === 0 && (loaded.settings.examples ?? false) && built.platform.teams.has('demo')) {
    addDemoModels(built.platform);
  }
  return built;
}

function orThrow(app: App, built: BuiltPlatformConfig): BuiltPlatform {
  if (!built.platform || built.issues.length > 0) throw new PlatformConfigError(built.issues);
  return { app, platform: built.platform };
}
