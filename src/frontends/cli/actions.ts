/**
 * What the `modelplane` commands do, loaded only when a command runs (main.ts defines the commands and
 * their help without loading cdk8s, the constructs or the schemas, so `--help` and `--version` start fast).
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { App } from 'cdk8s';
import YAML from 'yaml';
import { isRestorable, runIdProblem } from '../../constructs/dataset';
import type { Platform } from '../../constructs/platform/platform';
import { buildTeamModels, BuiltTeamModels } from '../config/build';
import { ConfigIssue, formatConfigIssue, sortIssues } from '../config/errors';
import { loadConfigFile } from '../config/load';
import { loadTeamFiles } from '../config/team-files';
import { cascadeGraph } from '../config/graph';
import { BuildOutcome, countByKind, diffOutputs, OutputContent, readOutput, synthToDirectory, synthToTemp } from '../config/synth';
import { UsageError } from '../config/usage-error';
import type { ModelConfig } from '../config/types';
import { defaultPackageSpec, dvcRemote, InitOptions, scaffold, scaffoldTeam } from './init';
import { buildPlatformFile } from '../config/platform-file';
import { setCommitContext } from '../config/commit';
import { DEFAULT_FILE, Exit, EXIT, Io } from './exit';

/** What the commands that build take: team files and a platform file. */
export interface BuildArgs {
  /** The team files (`-f`, repeatable). @default - ./modelplane.yaml when no platform file is given, else none */
  readonly file?: string[];
  /** The platform file (`--platform`). @default - no platform: the team files alone */
  readonly platform?: string;
  /** The Git commit of the synthesis (`--commit`, checked by the command), set as the context `modelplane:gitCommit` before anything is built. @default - none: the output names no commit */
  readonly commit?: string;
}

/** `validate`: synthesize into a temporary directory and throw it away; only the problems matter. */
export function validate(o: BuildArgs, io: Io): void {
  const dir = synthToTempOrFail(o, io);
  rmSync(dir, { recursive: true, force: true });
}

/** `synth`: replace the output directory with the synthesized files, then print a summary. */
export function synth(o: BuildArgs & { output: string; quiet?: boolean }, io: Io, cwd: string): void {
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
}

/** The team files built into one App (not synthesized), or every problem listed and exit 1. */
function buildTeamFilesOrFail(files: readonly string[], io: Io): BuiltTeamModels[] {
  const app = new App({ outdir: '.' });
  const results = files.map((f) => buildTeamModels(app, loadConfigFile(f)));
  const issues = results.flatMap((r) => r.issues);
  if (issues.length > 0) fail(issues, io);
  return results;
}

/** `graph`: print a cascade as Mermaid. */
export function graph(cascade: string, o: { file?: string[] }, io: Io): void {
  const files = o.file ?? [DEFAULT_FILE];
  const results = buildTeamFilesOrFail(files, io);
  const found = results.map((r) => r.cascades.get(cascade)).filter((c) => c !== undefined);
  if (found.length === 0) {
    const names = results.flatMap((r) => [...r.cascades.keys()]).sort();
    throw new UsageError(
      `no cascade "${cascade}" in ${files.join(', ')}. Fix: use one of: ${names.join(', ') || '(the file defines no cascades)'}`,
    );
  }
  io.out(`${cascadeGraph(found[0]!)}\n`);
}

/** `restore`: print the claims restoring the datasets of `model` as MLflow run `o.run` left them. */
export function restore(model: string, o: { run: string; file?: string[] }, io: Io): void {
  const problem = runIdProblem(o.run);
  if (problem)
    throw new UsageError(
      `--run ${JSON.stringify(o.run)} ${problem}. Fix: pass the run id MLflow shows for the training run, e.g. --run 0123456789abcdef0123456789abcdef`,
    );
  const files = o.file ?? [DEFAULT_FILE];
  const results = buildTeamFilesOrFail(files, io);
  const found = results.map((r) => r.models.get(model)).find((m) => m !== undefined);
  if (found === undefined) {
    const names = results.flatMap((r) => [...r.models.keys()]).sort();
    throw new UsageError(
      `no model "${model}" in ${files.join(', ')}. Fix: use one of: ${names.join(', ') || '(the file defines no models)'}`,
    );
  }
  const manifests = isRestorable(found) ? found.restoreManifests(o.run) : [];
  if (manifests.length === 0)
    throw new UsageError(
      `model "${model}" snapshots no datasets, so there is nothing to restore. Fix: mount a dataset (models[].datasets: [{ dataset: NAME, mountPath: /data }]) and set train.snapshot: true in its training`,
    );
  io.out(manifests.map((m) => YAML.stringify(m)).join('---\n'));
}

/** `diff`: what synth would change in the output directory. */
export function diff(o: BuildArgs & { output: string; exitCode?: boolean }, io: Io): void {
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
}

/** `init`: scaffold a model repository. */
export function init(dir: string, o: Omit<InitOptions, 'dir'>, io: Io): void {
  const packageSpec = o.packageSpec ?? defaultPackageSpec();
  const files = scaffold({ ...o, dir, packageSpec });
  const remote = dvcRemote(o.team ?? scaffoldTeam(dir), o);
  io.out(
    `Created in ${dir}: ${files.join(', ')}\nmodelplane dependency: ${packageSpec}\n` +
      `DVC remote ${remote.name} (default): ${remote.url} at ${remote.endpoint}; credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, never in a file\n` +
      `Next: cd ${dir} && npm install, then npx modelplane validate\n`,
  );
}

/** Prints every problem (sorted) and exits 1: nothing was written. */
export function fail(issues: readonly ConfigIssue[], io: Io): never {
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
  setCommitContext(app, o.commit); // before any construct: a construct reads the context when it renders
  const files = o.file ?? (o.platform ? [] : [DEFAULT_FILE]);
  const sources = inputFiles(o).join(', ');
  // Every team file is loaded (and checked for a team given twice) before any construct is created.
  const { loaded, issues: twice } = loadTeamFiles(files, 'pass each file once with -f');
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
