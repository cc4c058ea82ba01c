/**
 * The cdk8s app (`npx cdk8s synth`): the full platform on embedded defaults plus the example
 * models, written to dist/ (`--no-examples`: the platform alone, no demo workloads). Set MODELPLANE_CONFIG to a JSON or YAML file with a
 * `ModelplaneConfig` (a platform file, plus `examples: false` to leave the demo models out)
 * to synthesize another platform; it is checked like `modelplane --platform`, and every problem is
 * printed at FILE:LINE:COL before anything is written. Set MODELPLANE_GIT_COMMIT to the full commit id
 * (`git rev-parse HEAD`) to label the training snapshots with it, as `modelplane synth --commit` does (the
 * cdk8s context `modelplane:gitCommit`); unset, the output names no commit (git is never read).
 *
 * `app.synth()` writes into the outdir directly: cdk8s overwrites one `<chart>.k8s.yaml` per chart and
 * deletes nothing; then (installed by the builder, src/constructs/output-files.ts) the DAG files go to
 * `dags/`, the files of the previous run that this one no longer writes are removed — only those its
 * `.modelplane-output` manifest lists with an unchanged sha256 — and the new manifest is written. (The
 * `cdk8s synth` command, not this app, empties the whole output directory before it runs the app.)
 */
import { App } from 'cdk8s';
import { commitProblem, setCommitContext } from '../src/frontends/config/commit';
import { buildPlatform, buildPlatformFromFile, defaultConfig } from './build';

/** Builds the platform of the configuration file (or the embedded defaults) and synthesizes it into `outdir`. */
export function synth(
  outdir = process.env.CDK8S_OUTDIR ?? 'dist',
  configFile = process.env.MODELPLANE_CONFIG,
  examples = !process.argv.includes('--no-examples'),
  commit = process.env.MODELPLANE_GIT_COMMIT,
): App {
  const problem = commit === undefined ? undefined : commitProblem(commit, 'MODELPLANE_GIT_COMMIT');
  if (problem) throw new Error(problem);
  const app = new App({ outdir });
  setCommitContext(app, commit);
  if (configFile) buildPlatformFromFile(app, configFile);
  else buildPlatform(app, defaultConfig(examples));
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
