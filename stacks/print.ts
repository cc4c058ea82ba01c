/**
 * What the cdk8s app's platform (the embedded defaults, or MODELPLANE_CONFIG's file) needs before its
 * output is applied, printed like `modelplane operators` / `modelplane prerequisites` print it for a
 * platform file: `npm run operators` (the Helm install script) and `npm run prerequisites`.
 */
import { App } from 'cdk8s';
import { operatorsScript, prerequisitesText } from '../src/frontends/cli/operators-run';
import { buildPlatform, buildPlatformFromFile, defaultConfig } from './build';

/** The text for `what` (`operators` or `prerequisites`) of the app's platform. */
export function printed(
  what: string,
  configFile = process.env.MODELPLANE_CONFIG,
  examples = !process.argv.includes('--no-examples'),
): string {
  const app = new App({ outdir: 'dist' });
  const { platform } = configFile ? buildPlatformFromFile(app, configFile) : buildPlatform(app, defaultConfig(examples));
  // The reference check and every construct's validation, as synth runs them (nothing is written).
  for (const chart of app.charts) chart.toJson();
  if (what === 'operators') return operatorsScript(platform);
  if (what === 'prerequisites') return prerequisitesText(platform);
  throw new Error(`unknown "${what}". Fix: use operators or prerequisites`);
}

if (require.main === module) {
  try {
    process.stdout.write(printed(process.argv[2] ?? ''));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
}
