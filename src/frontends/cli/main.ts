/**
 * The `modelplane` command line: validate, synthesize, graph and diff a team's `modelplane.yaml`,
 * scaffold a model repository, and promote a trained model version. Output is plain text (no color),
 * errors go to stderr.
 *
 * Exit codes: 0 success; 1 the configuration is invalid (every problem is listed); 2 the command
 * was used wrongly (unknown option, missing file argument, unusable output directory, unknown
 * cascade or model version); 3 `diff --exit-code` found changes; 4 an unexpected internal error (a bug:
 * please report it); 5 `promote`: the MLflow tracking server refused the request or could not be reached.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../config/usage-error';
import { addOperatorCommands } from './operators';
import { addPromoteCommand } from './promote';
import { packageInfo } from '../../core/package-info';
import type * as Actions from './actions';
import { DEFAULT_FILE, Env, Exit, EXIT, Io } from './exit';
import type { InitOptions } from './init';
import { DVC_DEFAULTS } from './init-templates';
import { commitProblem } from '../config/commit';

export { EXIT };
export type { Env, Io };

/**
 * The command implementations, loaded on first use: `--help`, `--version` and usage errors never load
 * cdk8s, the constructs or the schemas (a plain require, since commands run synchronously).
 */
function actions(): typeof Actions {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./actions') as typeof Actions;
}

const stdio: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

const EXAMPLES: Record<string, string> = {
  validate: `
Examples:
  $ modelplane validate                          # checks ./modelplane.yaml; silent when valid
  $ modelplane validate -f models/modelplane.yaml
  $ modelplane validate -f team.yaml --platform platform.yaml   # also check against the platform's teams and GPU pools`,
  synth: `
Examples:
  $ modelplane synth -o dist                     # ./modelplane.yaml -> dist/*.k8s.yaml and dist/dags/*.py
  $ modelplane synth -f risk.yaml -f fraud.yaml -o dist          # several teams at once
  $ modelplane synth --platform platform.yaml -f team.yaml -o dist   # the platform and a team's models
  $ modelplane synth --platform platform.yaml -o dist               # the platform alone
  $ modelplane synth -o dist --commit "$(git rev-parse HEAD)"      # the commit the training snapshots are labelled with
--commit is never guessed: without it the output names no commit. With it, a model with train.snapshot
has the commit in its training DAG, so each commit changes the Airflow DAG ConfigMap (intended: the DAG
labels its snapshots with the commit it was synthesized from).
The output directory is replaced as a whole, and only when synthesis succeeded. synth lists what it wrote
in DIR/.modelplane-output (path and sha256 of each file) and replaces only a directory holding nothing else,
unchanged: a file it did not write, or one edited since, is refused (exit 2), and so are the current
directory, a directory holding an input file, a git repository root, / and your home directory.`,
  restore: `
Examples:
  $ modelplane restore churn --run 0123456789abcdef0123456789abcdef          # the claims, as YAML
  $ modelplane restore churn --run 0123456789abcdef0123456789abcdef | kubectl apply -f -`,
  graph: `
Examples:
  $ modelplane graph nightly                     # the cascade "nightly" of ./modelplane.yaml as Mermaid
  $ modelplane graph nightly -f risk.yaml > nightly.mmd`,
  diff: `
Examples:
  $ modelplane diff -o dist                      # what synth would change in dist/
  $ modelplane diff -o dist --exit-code          # exit 3 when anything would change (for CI gates)`,
  init: `
Examples:
  $ modelplane init                              # scaffold the current directory
  $ modelplane init my-models --team risk
  $ modelplane init my-models --package-spec ^${packageVersion()}   # depend on the registry version
  $ modelplane init my-models --team risk --object-store-endpoint https://s3.eu-central-1.amazonaws.com --object-store-region eu-central-1 --bucket risk-data   # DVC on an external S3`,
};

const EXIT_CODES_HELP = `
Exit codes:
  0  success (validate prints nothing)
  1  the configuration is invalid; every problem is listed on stderr as FILE:LINE:COL: \`field\` problem. Fix: ...
  2  wrong usage: unknown option, unreadable file argument, unknown cascade, an output directory synth may not replace or cannot write; promote: a model without promotion, an unknown version, a rejected one without --force
  3  diff --exit-code found changes
  4  unexpected internal error (a bug; please report it with the command you ran)
  5  promote: the MLflow tracking server refused the request or could not be reached`;

/**
 * Runs the CLI with `argv` (without node and script); returns the exit code. Synchronous: every command but
 * `promote`, which talks to MLflow over the network (an internal error here: use {@link runAsync}).
 */
export function run(argv: readonly string[], io: Io = stdio, cwd = process.cwd()): number {
  const program = cliProgram(io, cwd, process.env, false);
  try {
    program.parse(argv as string[], { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    return exitCode(e, io);
  }
}

/** Runs the CLI with `argv` (without node and script), every command; resolves to the exit code. */
export async function runAsync(argv: readonly string[], io: Io = stdio, cwd = process.cwd(), env: Env = process.env): Promise<number> {
  const program = cliProgram(io, cwd, env, true);
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    return exitCode(e, io);
  }
}

/** The `modelplane` command with every subcommand; `awaited`: the caller awaits asynchronous actions. */
function cliProgram(io: Io, cwd: string, env: Env, awaited: boolean): Command {
  const program = rootCommand(io);
  const fail = (issues: Parameters<typeof Actions.fail>[0]) => actions().fail(issues, io);
  addValidate(program, io);
  addSynth(program, io, cwd);
  addGraph(program, io);
  addRestore(program, io);
  addDiff(program, io);
  addInit(program, io);
  addOperatorCommands(program, { io, build: (app, o) => actions().buildAll(app, o), fail });
  addPromoteCommand(program, { io, env, fail, awaited }, EXIT_CODES_HELP);
  return program;
}

/** The `modelplane` command itself: description, version, help and error output. */
function rootCommand(io: Io): Command {
  return new Command('modelplane')
    .description(
      'Describe ML models in modelplane.yaml; validate them, synthesize Kubernetes manifests and Airflow DAGs, and promote trained model versions.',
    )
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  $ modelplane init my-models --team risk
  $ modelplane validate -f modelplane.yaml
  $ modelplane synth -f modelplane.yaml -o dist
  $ modelplane graph nightly -f modelplane.yaml
  $ modelplane diff -f modelplane.yaml -o dist
  $ modelplane promote churn 7 -f modelplane.yaml
${EXIT_CODES_HELP}`,
    );
}

/** The exit code of an error thrown by a command (usage and internal errors are printed here). */
function exitCode(e: unknown, io: Io): number {
  if (e instanceof Exit) return e.code;
  if (e instanceof CommanderError) {
    return ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(e.code) ? EXIT.ok : EXIT.usage;
  }
  if (e instanceof UsageError) {
    io.err(`modelplane: ${e.message}\n`);
    return EXIT.usage;
  }
  io.err(`modelplane: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
  return EXIT.internal;
}

/** `-f, --file`, repeatable. */
const fileOption = () =>
  new Option('-f, --file <FILE>', `a modelplane.yaml; repeat for several teams (default: ${DEFAULT_FILE})`).argParser(collect);
/** `-p, --platform`. */
const platformOption = () =>
  new Option('-p, --platform <FILE>', 'a platform file (teams, GPU pools, MLflow); the team files land in its team charts').argParser(
    (file: string, earlier: string | undefined) => {
      // One platform per run: a second --platform would silently win over the first.
      if (earlier !== undefined)
        throw new InvalidArgumentError(`${file} after ${earlier}: a run takes one platform file. Fix: pass --platform once`);
      return file;
    },
  );

/** `--commit` of synth: a full Git commit id, checked before anything is built (exit 2 otherwise). */
const commitOption = () =>
  new Option(
    '--commit <SHA>',
    'the Git commit the files are synthesized from (40 or 64 hexadecimal digits); train.snapshot labels the training snapshots with it (default: none; git is never read)',
  ).argParser((value: string, earlier: string | undefined) => {
    if (earlier !== undefined)
      throw new InvalidArgumentError(`${value} after ${earlier}: a synthesis has one commit. Fix: pass --commit once`);
    const problem = commitProblem(value, '--commit');
    if (problem) throw new InvalidArgumentError(problem);
    return value;
  });

type BuildArgs = Actions.BuildArgs;

/** `validate`: synthesize into a temporary directory and throw it away; only the problems matter. */
function addValidate(program: Command, io: Io): void {
  program
    .command('validate')
    .description('Check files; print every problem and exit 1, or print nothing and exit 0.')
    .addOption(fileOption())
    .addOption(platformOption())
    .addHelpText('after', EXAMPLES.validate + EXIT_CODES_HELP)
    .action((o: BuildArgs) => actions().validate(o, io));
}

/** `synth`: replace the output directory with the synthesized files, then print a summary. */
function addSynth(program: Command, io: Io, cwd: string): void {
  program
    .command('synth')
    .description(
      'Write the manifests (one YAML file per chart) and dags/ to the output directory, then print a summary. Nothing is written when anything is invalid.',
    )
    .addOption(fileOption())
    .addOption(platformOption())
    .option('-o, --output <DIR>', 'output directory, replaced as a whole (only when it holds nothing but an earlier synth)', 'dist')
    .option('-q, --quiet', 'print no summary')
    .addOption(commitOption())
    .addHelpText('after', EXAMPLES.synth + EXIT_CODES_HELP)
    .action((o: BuildArgs & { output: string; quiet?: boolean }) => actions().synth(o, io, cwd));
}

/** `graph`: print a cascade as Mermaid. */
function addGraph(program: Command, io: Io): void {
  program
    .command('graph')
    .description('Print a cascade as a Mermaid flowchart: blocks in order, each with its download, run and export stages.')
    .argument('<CASCADE>', 'the cascade name')
    .addOption(fileOption())
    .addHelpText('after', EXAMPLES.graph + EXIT_CODES_HELP)
    .action((cascade: string, o: { file?: string[] }) => actions().graph(cascade, o, io));
}

/** `restore`: the claims restoring a training run's snapshotted datasets. */
function addRestore(program: Command, io: Io): void {
  program
    .command('restore')
    .description(
      "Print the PersistentVolumeClaims that restore a model's datasets as the training run left them: one claim <dataset>-restored per dataset the model mounts, its dataSource the run's VolumeSnapshot <dataset>-<RUN_ID> (train.snapshot: true writes them). New claims: the live ones are never touched.",
    )
    .argument('<MODEL>', 'the batch model name')
    .requiredOption('--run <RUN_ID>', 'the MLflow run id of the training run (32 hexadecimal digits)')
    .addOption(fileOption())
    .addHelpText('after', EXAMPLES.restore + EXIT_CODES_HELP)
    .action((model: string, o: { run: string; file?: string[] }) => actions().restore(model, o, io));
}

/** `diff`: what synth would change in the output directory. */
function addDiff(program: Command, io: Io): void {
  program
    .command('diff')
    .description('Show what synth would change in the output directory: added (+), changed (~) and removed (-) objects and DAG files.')
    .addOption(fileOption())
    .addOption(platformOption())
    .option('-o, --output <DIR>', 'the previous output directory', 'dist')
    .option('--exit-code', 'exit 3 when there are changes')
    .addHelpText('after', EXAMPLES.diff + EXIT_CODES_HELP)
    .action((o: BuildArgs & { output: string; exitCode?: boolean }) => actions().diff(o, io));
}

/** `init`: scaffold a model repository. */
function addInit(program: Command, io: Io): void {
  program
    .command('init')
    .description(
      "Scaffold a model repository: package.json, modelplane.yaml with a cascade, the same pipeline for GitLab CI (.gitlab-ci.yml), GitHub Actions (.github/workflows/modelplane.yml) and Jenkins (Jenkinsfile), the diff and apply scripts under ci/ they share, a README, and DVC's configuration (.dvc/config, .dvc/.gitignore) whose default remote, named after the team, is the team's prefix on the platform's object store: s3://BUCKET/TEAM/dvc. No credentials are written: DVC reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (the team's Secret modelplane-s3) from the environment.",
    )
    .argument('[DIR]', 'directory to scaffold (created if missing)', '.')
    .option('-t, --team <NAME>', 'team name (default: from the directory name)')
    .option(
      '--package-spec <SPEC>',
      `the modelplane dependency to write into package.json (default: the package this command runs from: ^${packageVersion()} when installed from a registry, otherwise file: and the path of its tarball or directory)`,
    )
    .option(
      '--object-store-endpoint <URL>',
      `the S3 endpoint of the DVC remote (default: ${DVC_DEFAULTS.endpoint}, the embedded object store inside the cluster)`,
    )
    .option(
      '--bucket <NAME>',
      `the team bucket of the DVC remote (default: ${DVC_DEFAULTS.bucket}, the platform's team bucket for datasets)`,
    )
    .option('--object-store-region <REGION>', `the region the DVC remote's requests are signed for (default: ${DVC_DEFAULTS.region})`)
    .option('--force', 'overwrite existing files')
    .addHelpText('after', EXAMPLES.init + EXIT_CODES_HELP)
    .action((dir: string, o: Omit<InitOptions, 'dir'>) => actions().init(dir, o, io));
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** modelplane's version, from its package.json. */
function packageVersion(): string {
  return packageInfo().version;
}

if (require.main === module) {
  void runAsync(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
