/**
 * The `modelplane` command line: validate, synthesize, graph and diff a team's `modelplane.yaml`,
 * and scaffold a model repository. Output is plain text (no color), errors go to stderr.
 *
 * Exit codes: 0 success; 1 the configuration is invalid (every problem is listed); 2 the command
 * was used wrongly (unknown option, missing file argument, unusable output directory, unknown
 * cascade); 3 `diff --exit-code` found changes; 4 an unexpected internal error (a bug: please report it).
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { App } from 'cdk8s';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Platform } from '../../constructs/platform/platform';
import { buildTeamModels, BuiltTeamModels } from '../config/build';
import { ConfigIssue, formatConfigIssue, sortIssues } from '../config/errors';
import { LoadedConfig, loadConfigFile } from '../config/load';
import { cascadeGraph } from '../config/graph';
import {
  BuildOutcome,
  countByKind,
  diffOutputs,
  OutputContent,
  readOutput,
  synthToDirectory,
  synthToTemp,
  UsageError,
} from '../config/synth';
import type { ModelConfig } from '../config/types';
import { defaultPackageSpec, scaffold } from './init';
import { addOperatorCommands } from './operators';
import { buildPlatformFile } from '../config/platform-file';
import { packageInfo } from '../../core/package-info';

/** Exit codes of the CLI. */
export const EXIT = { ok: 0, invalid: 1, usage: 2, changes: 3, internal: 4 } as const;

/** Where the CLI writes. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const stdio: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** A failure carrying its exit code. */
class Exit extends Error {
  constructor(public readonly code: number) {
    super(`exit ${code}`);
  }
}

const DEFAULT_FILE = 'modelplane.yaml';

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
The output directory is replaced as a whole, and only when synthesis succeeded. synth lists what it wrote
in DIR/.modelplane-output (path and sha256 of each file) and replaces only a directory holding nothing else,
unchanged: a file it did not write, or one edited since, is refused (exit 2), and so are the current
directory, a directory holding an input file, a git repository root, / and your home directory.`,
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
  $ modelplane init my-models --package-spec ^${packageVersion()}   # depend on the registry version`,
};

const EXIT_CODES_HELP = `
Exit codes:
  0  success (validate prints nothing)
  1  the configuration is invalid; every problem is listed on stderr as FILE:LINE:COL: \`field\` problem. Fix: ...
  2  wrong usage: unknown option, unreadable file argument, unknown cascade, an output directory synth may not replace or cannot write
  3  diff --exit-code found changes
  4  unexpected internal error (a bug; please report it with the command you ran)`;

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export function run(argv: readonly string[], io: Io = stdio, cwd = process.cwd()): number {
  const program = rootCommand(io);
  addValidate(program, io);
  addSynth(program, io, cwd);
  addGraph(program, io);
  addDiff(program, io);
  addInit(program, io);
  addOperatorCommands(program, { io, build: buildAll, fail: (issues) => fail(issues, io) });
  try {
    program.parse(argv as string[], { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    return exitCode(e, io);
  }
}

/** The `modelplane` command itself: description, version, help and error output. */
function rootCommand(io: Io): Command {
  return new Command('modelplane')
    .description('Describe ML models in modelplane.yaml; validate them, and synthesize Kubernetes manifests and Airflow DAGs.')
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

/** What the commands that build take: team files and a platform file. */
interface BuildArgs {
  readonly file?: string[];
  readonly platform?: string;
}

/** `validate`: synthesize into a temporary directory and throw it away; only the problems matter. */
function addValidate(program: Command, io: Io): void {
  program
    .command('validate')
    .description('Check files; print every problem and exit 1, or print nothing and exit 0.')
    .addOption(fileOption())
    .addOption(platformOption())
    .addHelpText('after', EXAMPLES.validate + EXIT_CODES_HELP)
    .action((o: BuildArgs) => {
      const dir = synthToTempOrFail(o, io);
      rmSync(dir, { recursive: true, force: true });
    });
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
    .addHelpText('after', EXAMPLES.synth + EXIT_CODES_HELP)
    .action((o: BuildArgs & { output: string; quiet?: boolean }) => {
      let summary: (content: OutputContent) => string = () => '';
      const build = (app: App) => {
        const r = buildAll(app, o);
        summary = r.summary;
        return r;
      };
      const outcome = synthToDirectory(o.output, build, { cwd, inputs: inputFiles(o) });
      if (outcome.issues.length > 0) fail(outcome.issues, io);
      const shown = relative(cwd, resolve(cwd, o.output));
      const out = shown === '' ? '.' : shown.startsWith('..') ? resolve(cwd, o.output) : shown;
      if (!o.quiet) io.out(`${summary(outcome.content!).replace(/%OUT%/g, out)}\n`);
    });
}

/** `graph`: print a cascade as Mermaid. */
function addGraph(program: Command, io: Io): void {
  program
    .command('graph')
    .description('Print a cascade as a Mermaid flowchart: blocks in order, each with its download, run and export stages.')
    .argument('<CASCADE>', 'the cascade name')
    .addOption(fileOption())
    .addHelpText('after', EXAMPLES.graph + EXIT_CODES_HELP)
    .action((cascade: string, o: { file?: string[] }) => {
      const files = o.file ?? [DEFAULT_FILE];
      const app = new App({ outdir: '.' });
      const results = files.map((f) => buildTeamModels(app, loadConfigFile(f)));
      const issues = results.flatMap((r) => r.issues);
      if (issues.length > 0) fail(issues, io);
      const found = results.map((r) => r.cascades.get(cascade)).filter((c) => c !== undefined);
      if (found.length === 0) {
        const names = results.flatMap((r) => [...r.cascades.keys()]).sort();
        throw new UsageError(
          `no cascade "${cascade}" in ${files.join(', ')}. Fix: use one of: ${names.join(', ') || '(the file defines no cascades)'}`,
        );
      }
      io.out(`${cascadeGraph(found[0]!)}\n`);
    });
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
    .action((o: BuildArgs & { output: string; exitCode?: boolean }) => {
      if (existsSync(o.output) && !statSync(o.output).isDirectory()) {
        throw new UsageError(`${o.output} is not a directory. Fix: pass the output directory of an earlier synth with -o, such as dist`);
      }
      const dir = synthToTempOrFail(o, io);
      try {
        const changes = diffOutputs(readOutput(o.output), readOutput(dir));
        for (const c of changes) {
          io.out(`${c.op} ${c.what}\n`);
          for (const f of c.fields ?? []) io.out(`    ${f}\n`);
        }
        const n = (op: string) => changes.filter((c) => c.op === op).length;
        io.out(`${n('+')} added, ${n('~')} changed, ${n('-')} removed\n`);
        if (o.exitCode && changes.length > 0) throw new Exit(EXIT.changes);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
}

/** `init`: scaffold a model repository. */
function addInit(program: Command, io: Io): void {
  program
    .command('init')
    .description(
      'Scaffold a model repository: package.json, modelplane.yaml with a cascade, the same pipeline for GitLab CI (.gitlab-ci.yml), GitHub Actions (.github/workflows/modelplane.yml) and Jenkins (Jenkinsfile), and the diff and apply scripts under ci/ they share.',
    )
    .argument('[DIR]', 'directory to scaffold (created if missing)', '.')
    .option('-t, --team <NAME>', 'team name (default: from the directory name)')
    .option(
      '--package-spec <SPEC>',
      `the modelplane dependency to write into package.json (default: the package this command runs from: ^${packageVersion()} when installed from a registry, otherwise file: and the path of its tarball or directory)`,
    )
    .option('--force', 'overwrite existing files')
    .addHelpText('after', EXAMPLES.init + EXIT_CODES_HELP)
    .action((dir: string, o: { team?: string; packageSpec?: string; force?: boolean }) => {
      const packageSpec = o.packageSpec ?? defaultPackageSpec();
      const files = scaffold({ dir, team: o.team, packageSpec, force: o.force });
      io.out(
        `Created in ${dir}: ${files.join(', ')}\nmodelplane dependency: ${packageSpec}\nNext: cd ${dir} && npm install, then npx modelplane validate\n`,
      );
    });
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function fail(issues: readonly ConfigIssue[], io: Io): never {
  const sorted = sortIssues(issues);
  for (const i of sorted) io.err(`${formatConfigIssue(i)}\n`);
  io.err(`${sorted.length} problem${sorted.length === 1 ? '' : 's'} found; nothing was written.\n`);
  throw new Exit(EXIT.invalid);
}

function synthToTempOrFail(o: BuildArgs, io: Io): string {
  // validate and diff synthesize into the system's temporary directory; nothing lands in the repository.
  const { dir, issues } = synthToTemp(join(tmpdir(), 'modelplane-check'), (app) => buildAll(app, o));
  if (!dir) fail(issues, io);
  return dir;
}

/** One team file and what was built from it, for the summary. */
interface BuiltTeam {
  readonly built: BuiltTeamModels;
  readonly models: readonly ModelConfig[];
}

/** The files a command reads: the platform file, then the team files (./modelplane.yaml by default). */
function inputFiles(o: BuildArgs): string[] {
  return [...(o.platform ? [o.platform] : []), ...(o.file ?? (o.platform ? [] : [DEFAULT_FILE]))];
}

/** Builds the platform (if any) and every team file into `app` (exported for tests). */
export function buildAll(app: App, o: BuildArgs): BuildOutcome & { summary: (c: OutputContent) => string } {
  const files = o.file ?? (o.platform ? [] : [DEFAULT_FILE]);
  const sources = inputFiles(o).join(', ');
  // Every team file is loaded (and checked for a team given twice) before any construct is created.
  const loaded = files.map((f) => loadConfigFile(f));
  const twice = sameTeamTwice(loaded);
  if (twice.length > 0) return { issues: [...loaded.flatMap((l) => l.issues), ...twice], summary: () => '', source: sources };
  const issues: ConfigIssue[] = [];
  let platform: Platform | undefined;
  if (o.platform) {
    const p = buildPlatformFile(app, o.platform);
    issues.push(...p.issues);
    platform = p.platform;
    if (!platform) return { issues, summary: () => '' };
  }
  const teams: BuiltTeam[] = [];
  for (const l of loaded) {
    const built = buildTeamModels(app, l, { platform });
    issues.push(...built.issues);
    teams.push({ built, models: l.config?.models ?? [] });
  }
  return { issues, summary: (content) => summaryText(sources, platform, teams, content), source: sources };
}

/** A problem at the `team:` of every file whose team an earlier file already describes. */
function sameTeamTwice(loaded: readonly LoadedConfig[]): ConfigIssue[] {
  const first = new Map<string, LoadedConfig>();
  const issues: ConfigIssue[] = [];
  for (const l of loaded) {
    const team = l.config?.team;
    if (typeof team !== 'string') continue;
    const earlier = first.get(team);
    if (!earlier) {
      first.set(team, l);
      continue;
    }
    if (resolve(earlier.file) === resolve(l.file)) {
      issues.push(l.issueAt(['team'], `= "${team}": the file ${earlier.file} is given twice`, 'pass each file once with -f'));
      continue;
    }
    const at = earlier.issueAt(['team'], '', '');
    issues.push(
      l.issueAt(
        ['team'],
        `= "${team}" is also the team of ${earlier.file} (${at.file}:${at.line}:${at.col}); a team is described by one file`,
        `merge the two files into one, or change \`team:\` in ${l.file}`,
      ),
    );
  }
  return issues;
}

/** The summary synth prints; `%OUT%` stands for the output directory. */
function summaryText(sources: string, platform: Platform | undefined, teams: readonly BuiltTeam[], content: OutputContent): string {
  const lines: string[] = [];
  lines.push(`Synthesized ${sources} into %OUT%/`);
  if (platform)
    lines.push(
      `  platform: namespace ${platform.context.platformNamespace}, teams ${[...platform.teams.keys()].join(', ') || 'none'}, GPU pools ${[...platform.gpuPools.keys()].join(', ') || 'none'}`,
    );
  for (const t of teams) {
    const chart = t.built.chart;
    const byType = (type: string) => t.models.filter((m) => m.type === type).length;
    const cascades = [...t.built.cascades.keys()];
    lines.push(
      `  team ${chart?.team}: ${t.models.length} model${t.models.length === 1 ? '' : 's'} (${byType('batch')} batch, ${byType('online')} online), ${cascades.length} cascade${cascades.length === 1 ? '' : 's'}${cascades.length ? ` (${cascades.join(', ')})` : ''}`,
    );
  }
  const kinds = countByKind(content);
  lines.push(`  objects: ${content.objects.size}`);
  const width = Math.max(0, ...kinds.map(([k]) => k.length));
  for (const [kind, n] of kinds) lines.push(`    ${kind.padEnd(width)}  ${n}`);
  const dags = [...content.files.keys()].filter((f) => f.startsWith('dags/') && f.endsWith('.py'));
  const shown = dags.slice(0, 4).map((d) => d.slice('dags/'.length));
  lines.push(
    `  dags: ${dags.length}${dags.length ? ` in %OUT%/dags (${shown.join(', ')}${dags.length > shown.length ? `, and ${dags.length - shown.length} more` : ''})` : ''}`,
  );
  return lines.join('\n');
}

function packageVersion(): string {
  return packageInfo().version;
}

if (require.main === module) {
  process.exitCode = run(process.argv.slice(2));
}
