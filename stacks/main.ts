/**
 * The cdk8s app (`npx cdk8s synth`): the full platform on embedded defaults plus the example
 * models, written to dist/. Set MODELPLANE_CONFIG to a JSON or YAML file with a
 * {@link ModelplaneConfig} to synthesize another platform.
 */
import { readFileSync } from 'node:fs';
import { App } from 'cdk8s';
import YAML from 'yaml';
import { buildPlatform, defaultConfig, ModelplaneConfig } from './build';

/** Loads the configuration named by MODELPLANE_CONFIG, or the embedded defaults. */
export function loadConfig(path = process.env.MODELPLANE_CONFIG): ModelplaneConfig {
  if (!path) return defaultConfig();
  return YAML.parse(readFileSync(path, 'utf8')) as ModelplaneConfig;
}

/** Builds and synthesizes into `outdir`. */
export function synth(outdir = process.env.CDK8S_OUTDIR ?? 'dist', config = loadConfig()): App {
  const app = new App({ outdir });
  buildPlatform(app, config);
  app.synth();
  return app;
}

if (require.main === module) {
  try {
    synth();
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
}
