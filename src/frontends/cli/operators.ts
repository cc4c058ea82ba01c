/**
 * `modelplane operators` and `modelplane prerequisites`: what a platform engineer installs and creates
 * before applying the output. Both build the platform (and any team files) exactly like `synth`,
 * reference check included, and write nothing. Only the command definitions load with the CLI; what
 * the actions need is required when they run.
 */
import type { App } from 'cdk8s';
import type { Command } from 'commander';
import type { ConfigIssue } from '../config/errors';
import type { BuildOutcome } from '../config/synth';

/** The actions' module, loaded when an action runs (the CLI starts without cdk8s and the constructs). */
function load(): typeof import('./operators-run') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./operators-run') as typeof import('./operators-run');
}

/** What the commands need from the CLI. */
export interface OperatorCommandDeps {
  /** Where the commands print. */
  readonly io: { out(text: string): void };
  /** Builds the platform and team files into an App, like `synth` (`buildAll`). */
  readonly build: (app: App, o: { platform?: string; file?: string[] }) => BuildOutcome;
  /** Prints the problems and exits 1 (nothing is written). */
  readonly fail: (issues: readonly ConfigIssue[]) => never;
}

const HELP = {
  operators: `
Examples:
  $ modelplane operators                             # the operators of a platform on modelplane's defaults
  $ modelplane operators --platform platform.yaml > install-operators.sh && bash install-operators.sh
Prints a shell script: helm repo add, then per operator (in dependency order) its computed values written to
modelplane-values/<release>.yaml and helm upgrade --install at the pinned --version. Run it before applying the output.
  $ modelplane operators --platform platform.yaml --workspaces > install-workspaces.sh && bash install-workspaces.sh
With --workspaces: the teams' JupyterHub releases instead (one per team with a workspace, in its namespace). Run it
after applying the output: each hub runs as the ServiceAccount and Role of its team's files.`,
  prerequisites: `
Examples:
  $ modelplane prerequisites --platform platform.yaml
  $ modelplane prerequisites --platform platform.yaml -f team.yaml
Lists what must exist before the output works: the external prerequisites with the command that provides each
(placeholders, never values), the objects created in the cluster and who creates them, and the operators.`,
};

/** Registers `operators` and `prerequisites` on the CLI. */
export function addOperatorCommands(program: Command, deps: OperatorCommandDeps): void {
  program
    .command('operators')
    .description(
      'Print the Helm commands that install the operators the platform needs, pinned, with their computed values, in dependency order.',
    )
    .option('-p, --platform <FILE>', 'a platform file (default: the platform on modelplane defaults, no teams)')
    .option('--workspaces', "print the teams' JupyterHub releases instead (run after applying the output)")
    .addHelpText('after', HELP.operators)
    .action((o: { platform?: string; workspaces?: boolean }) => {
      const run = load();
      const platform = run.builtPlatform(deps, { platform: o.platform });
      deps.io.out(o.workspaces ? run.workspacesScript(platform) : run.operatorsScript(platform));
    });
  program
    .command('prerequisites')
    .description('List what the cluster operator must provide before applying the output, and the command that provides each.')
    .option('-p, --platform <FILE>', 'a platform file (default: the platform on modelplane defaults, no teams)')
    .option('-f, --file <FILE>', 'a modelplane.yaml whose models are checked too; repeatable', (v: string, p: string[] = []) => [...p, v])
    .addHelpText('after', HELP.prerequisites)
    .action((o: { platform?: string; file?: string[] }) => {
      const run = load();
      deps.io.out(run.prerequisitesText(run.builtPlatform(deps, { ...o, file: o.file ?? [] })));
    });
}
