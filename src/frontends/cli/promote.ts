/**
 * `modelplane promote MODEL VERSION`: approves a version of a batch model's registered model in MLflow (the
 * approval gate of continuous training), or promotes it by hand when no training run waits for it. Only the
 * command definition loads with the CLI; ./promote-run.ts is required when the command runs.
 */
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import type { ConfigIssue } from '../config/errors';
import { DEFAULT_FILE, Env, Io } from './exit';
import type { PromoteOptions } from './promote-run';

/** The action's module, loaded when the command runs (the CLI starts without cdk8s and the constructs). */
function load(): typeof import('./promote-run') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./promote-run') as typeof import('./promote-run');
}

/** What the command needs from the CLI. */
export interface PromoteCommandDeps {
  /** Where it prints. */
  readonly io: Io;
  /** The environment: MLflow's variables and the CI's. */
  readonly env: Env;
  /** Prints the problems of the team file and exits 1. */
  readonly fail: (issues: readonly ConfigIssue[]) => never;
  /**
   * The CLI awaits actions (`runAsync`); promote talks to MLflow over the network, so the synchronous `run`
   * cannot run it.
   */
  readonly awaited: boolean;
}

/** The help after the options. */
export const PROMOTE_HELP = `
Examples:
  $ export MLFLOW_TRACKING_URI=https://mlflow.example.org MLFLOW_TRACKING_TOKEN=...
  $ modelplane promote churn 7                   # approve version 7 of churn's registered model
  $ modelplane promote churn 7 --dry-run         # what it would do; writes nothing
  $ modelplane promote churn 5 -f risk.yaml --by alice   # roll back: champion to version 5, by hand
A training run waiting for approval (the version's modelplane.status is awaiting-approval) moves the champion
alias (and the canary alias) and rolls out the online models once promote has recorded the approval: the tags
modelplane.approval.by, .at, .commit and .source on the version. For any other version (a manual promotion or
a rollback), promote moves the aliases itself, sets modelplane.status = champion, and prints the kubectl
commands that roll the online models out. A version the evaluation rejected needs --force.
MLflow: --tracking-uri or MLFLOW_TRACKING_URI; MLFLOW_TRACKING_TOKEN (bearer), or MLFLOW_TRACKING_USERNAME and
MLFLOW_TRACKING_PASSWORD (basic). Who approves: --by, else GITLAB_USER_LOGIN, GITHUB_ACTOR, BUILD_USER_ID, USER.
The commit: --commit, else CI_COMMIT_SHA, GITHUB_SHA, GIT_COMMIT, else git rev-parse HEAD beside the file.`;

/** VERSION: a positive integer, as MLflow numbers versions. */
function versionArgument(value: string): string {
  if (!/^[1-9][0-9]*$/.test(value.trim())) {
    throw new InvalidArgumentError(
      'VERSION must be a positive integer, the number MLflow gave the registered model version. Fix: pass it as 7, not v7 or an alias',
    );
  }
  return value.trim();
}

/** `-f`: one file (a second would silently win). */
function oneFile(file: string, earlier: string | undefined): string {
  if (earlier !== undefined) throw new InvalidArgumentError(`${file} after ${earlier}: promote reads one team file. Fix: pass -f once`);
  return file;
}

/** Registers `promote` on the CLI; `exitCodesHelp` is appended to its help. */
export function addPromoteCommand(program: Command, deps: PromoteCommandDeps, exitCodesHelp: string): void {
  program
    .command('promote')
    .description(
      "Approve a version of a batch model's registered model in MLflow, for the training run waiting on it; or promote it by hand (alias moved, rollout commands printed).",
    )
    .addArgument(new Argument('<MODEL>', 'the batch model, by its name in the team file'))
    .addArgument(new Argument('<VERSION>', 'the registered model version, a positive integer').argParser(versionArgument))
    .addOption(new Option('-f, --file <FILE>', `the team file (default: ${DEFAULT_FILE})`).argParser(oneFile))
    .option('--tracking-uri <URL>', 'the MLflow tracking server (default: MLFLOW_TRACKING_URI)')
    .option('--by <WHO>', 'who approves (default: the CI user, else USER)')
    .option('--commit <SHA>', 'the team repository commit approved from (default: the CI commit, else git rev-parse HEAD)')
    .option('--dry-run', 'read only: print what would be done')
    .option('--force', 'promote a version whose evaluation is reject')
    .addHelpText('after', PROMOTE_HELP + exitCodesHelp)
    .action((model: string, version: string, o: Omit<PromoteOptions, 'file'> & { file?: string }) => {
      if (!deps.awaited) throw new Error('modelplane promote is asynchronous: run the CLI with runAsync(), not run()');
      return load().promote(model, version, { ...o, file: o.file ?? DEFAULT_FILE }, { io: deps.io, env: deps.env, fail: deps.fail });
    });
}
