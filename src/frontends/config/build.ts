/**
 * Builds a loaded `modelplane.yaml` into the construct tree: one {@link TeamModels} chart with the
 * same constructs the TypeScript API uses (the mappings in `./map.ts` only translate fields).
 * Errors from the constructs' own validation are located back in the file.
 */
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { SparkBatchModel } from '../../constructs/batch/spark-batch-model';
import { Dataset } from '../../constructs/dataset';
import { GpuNodePool } from '../../constructs/gpu-node-pool';
import type { Platform } from '../../constructs/platform/platform';
import { teamQuotaIssues } from '../../constructs/quota';
import { TeamModels } from '../../constructs/team-models';
import { platformContext, PlatformContext } from '../../core/context';
import { ModelplaneValidationError, ValidationIssue, valueClause } from '../../core/errors';
import type { GpuPoolSpec } from '../../core/gpu';
import { isRecord } from '../../core/records';
import { ConfigIssue, sortIssues } from './errors';
import type { LoadedConfig } from './load';
import { CASCADE_MAPPING, DATASET_MAPPING, EntryMapping, MODEL_MAPPINGS, RETRO_TEST_MAPPING } from './map';
import { ExclusiveFields, exclusiveFieldsGiven } from './mapping';
import { FieldPath, parsePath } from './source';
import type { BatchModelConfig, GpuPoolConfig, ModelConfig } from './types';
import { EntryWords, issueWords } from './wording';

/** Options of {@link buildTeamModels}. */
export interface BuildOptions {
  /**
   * Put the models into this platform's team chart (`platform.models(team)`); the team and every
   * GPU pool the file names must exist on it. @default - a standalone TeamModels chart on the
   * platform's conventional names ({@link platformContext}) with the file's `gpuPools`
   */
  readonly platform?: Platform;
  /** Platform facts for a standalone chart. @default platformContext() */
  readonly context?: PlatformContext;
}

/** What {@link buildTeamModels} built. */
export interface BuiltTeamModels {
  /** The team's chart (undefined when the file was unusable). */
  readonly chart?: TeamModels;
  /** Model constructs by model name. */
  readonly models: ReadonlyMap<string, Construct>;
  /** Cascade constructs by cascade name. */
  readonly cascades: ReadonlyMap<string, Construct>;
  /** Every problem: the loader's and the constructs'. Nothing should be synthesized unless empty. */
  readonly issues: readonly ConfigIssue[];
}

/** What the build steps share: the file, the chart, the problems so far and the constructs built. */
interface BuildState {
  readonly loaded: LoadedConfig;
  readonly chart: TeamModels;
  readonly issues: ConfigIssue[];
  readonly models: Map<string, Construct>;
  readonly cascades: Map<string, Construct>;
  /** The file's datasets built, by name. */
  readonly datasets: Map<string, Dataset>;
  /** Models that were not built (a cascade naming one would only repeat its problem). */
  readonly failedModels: Set<string>;
}

/** Builds the models and cascades of a loaded file into `app`. */
export function buildTeamModels(app: App, loaded: LoadedConfig, options: BuildOptions = {}): BuiltTeamModels {
  const issues: ConfigIssue[] = [...loaded.issues];
  const models = new Map<string, Construct>();
  const cascades = new Map<string, Construct>();
  const cfg = loaded.config;
  const unbuilt = () => ({ models, cascades, issues: sortIssues(issues) });
  if (!cfg || typeof cfg.team !== 'string' || !Array.isArray(cfg.models)) return unbuilt();
  // Without a valid team there is no chart to build into; the team's problem is already reported.
  if (loaded.issues.some((i) => i.path === 'team')) return unbuilt();
  const chart = teamChart(app, loaded, options, issues);
  if (!chart) return unbuilt();

  const state: BuildState = { loaded, chart, issues, models, cascades, datasets: new Map(), failedModels: new Set() };
  buildDatasets(state);
  buildModels(state);
  checkTraining(state);
  if (options.platform && state.failedModels.size === 0) checkQuota(state, options.platform);
  buildCascades(state);
  buildRetroTests(state);
  return { chart, models, cascades, issues: sortIssues(issues) };
}

/** The file's datasets, before the models that mount them. */
function buildDatasets(s: BuildState): void {
  (s.loaded.config!.datasets ?? []).forEach((d, i) => {
    if (s.loaded.badDatasets.has(i)) return;
    const built = attempt(s, ['datasets', i], d, DATASET_MAPPING);
    if (built instanceof Dataset) s.datasets.set(d.name, built);
  });
}

function buildModels(s: BuildState): void {
  s.loaded.config!.models.forEach((m, i) => {
    // A model with problems of its own may be no object at all (`- null`): it is not read further.
    if (s.loaded.badModels.has(i)) {
      if (isRecord(m) && typeof m.name === 'string') s.failedModels.add(m.name);
      return;
    }
    const built = attempt(s, ['models', i], m, MODEL_MAPPINGS[m.type] as EntryMapping<ModelConfig>);
    if (built) s.models.set(m.name, built);
    else s.failedModels.add(m.name);
  });
}

/**
 * The promotions of the team's trained models against the online models that serve them (known once every
 * model is built): each problem located in the batch model's entry, as its own problems are.
 */
function checkTraining(s: BuildState): void {
  s.loaded.config!.models.forEach((m, i) => {
    const built = s.loaded.badModels.has(i) || !isRecord(m) ? undefined : s.models.get(m.name);
    if (!(built instanceof SparkBatchModel)) return;
    const found = built.trainingIssues();
    if (found.length === 0) return;
    const mapping = MODEL_MAPPINGS.batch;
    const entry = m as BatchModelConfig;
    s.issues.push(
      ...constructIssues(s.loaded, ['models', i], new ModelplaneValidationError(found), (f) => mapping.toFilePathFor(entry, f), {
        table: mapping.table,
        entry,
      }),
    );
  });
}

/**
 * The team's models against the team's quota on the platform (the platform file's `teams[i].quota`):
 * every model at its most, summed (constructs/quota.ts says what is counted), reported at `team`.
 */
function checkQuota(s: BuildState, platform: Platform): void {
  const team = s.chart.team;
  const space = platform.teams.get(team);
  if (!space) return;
  const quotaField = `teams[${[...platform.teams.keys()].indexOf(team)}].quota`;
  const found = teamQuotaIssues(team, s.chart.quotaDemands(), space.quota, quotaField);
  if (found.length > 0) s.issues.push(...constructIssues(s.loaded, [], new ModelplaneValidationError(found)));
}

function buildCascades(s: BuildState): void {
  (s.loaded.config!.cascades ?? []).forEach((c, i) => {
    if (s.loaded.badCascades.has(i)) return;
    // A cascade naming a model that failed on its own would only repeat that model's problem.
    if ((c.blocks ?? []).some((b) => (b.models ?? []).some((n) => s.failedModels.has(n)))) return;
    const built = attempt(s, ['cascades', i], c, CASCADE_MAPPING);
    if (built) s.cascades.set(c.name, built);
  });
}

function buildRetroTests(s: BuildState): void {
  (s.loaded.config!.retroTests ?? []).forEach((r, i) => {
    if (!s.loaded.badRetroTests.has(i)) attempt(s, ['retroTests', i], r, RETRO_TEST_MAPPING);
  });
}

/** Creates an entry's construct and turns its errors into issues located in the entry; an entry setting fields its mapping reads instead of each other is refused first. */
function attempt<C>(s: BuildState, base: FieldPath, entry: C, mapping: EntryMapping<C>): Construct | undefined {
  const exclusive = exclusiveFieldsGiven(mapping.table, entry as never);
  if (exclusive.length > 0) {
    s.issues.push(...exclusive.map((x) => exclusiveIssue(s.loaded, base, x)));
    return undefined;
  }
  try {
    return mapping.create(s.chart, entry, { models: s.models, datasets: s.datasets });
  } catch (e) {
    s.issues.push(...constructIssues(s.loaded, base, e, (f) => mapping.toFilePathFor(entry, f), { table: mapping.table, entry }));
    return undefined;
  }
}

/** `variants` with `canary`: the mapping would read one and drop the other, so neither is guessed. */
function exclusiveIssue(loaded: LoadedConfig, base: FieldPath, x: ExclusiveFields): ConfigIssue {
  const code = (fields: readonly string[]) => fields.map((f) => `\`${f}\``).join(' and ');
  return loaded.issueAt(
    [...base, ...parsePath(x.field)],
    `is given together with ${code(x.with)}, which it replaces: only one of them would be read, and the other dropped`,
    `drop ${code(x.with)}, or drop \`${x.field}\``,
  );
}

/** The field of an issue in the props it was found in: `within` (a part validated by a larger construct) joined with `field`. */
function issueField(i: ValidationIssue): string {
  return i.within ? `${i.within}.${i.field}` : i.field;
}

/**
 * An error without validation issues, as one problem at `base`. This is the exception: errors
 * cdk8s itself throws (a duplicate construct id, for instance) and the few a construct raises
 * outside its validation carry only a message. By the convention of every message ("problem. Fix:
 * fix"), the text after the first `Fix:` is the fix.
 */
function plainErrorIssue(loaded: Pick<LoadedConfig, 'issueAt'>, base: FieldPath, e: unknown): ConfigIssue {
  const message = (e as Error)?.message ?? String(e);
  const at = message.indexOf('Fix:');
  if (at < 0) return loaded.issueAt(base, message, 'correct this entry');
  const fix = message.slice(at + 'Fix:'.length).trimStart();
  const next = fix.indexOf('Fix:');
  return loaded.issueAt(base, message.slice(0, at).trimEnd(), next < 0 ? fix : fix.slice(0, next).trimEnd());
}

/**
 * Turns an error thrown by a construct into issues located in the file. Validation issues are
 * located by their fields: at `base` + `toFilePath(field)`, where `field` is the issue's `within`
 * joined with its `field` (see {@link ValidationIssue.within}), and worded in the file's terms: the
 * fields their problems and fixes name are translated with `own` (the entry and its mapping table)
 * and the other entries' tables (`./wording.ts`). Any other error is one issue at `base`.
 */
export function constructIssues(
  loaded: Pick<LoadedConfig, 'issueAt'>,
  base: FieldPath,
  e: unknown,
  toFilePath: (field: string) => FieldPath = parsePath,
  own?: EntryWords,
): ConfigIssue[] {
  if (!(e instanceof ModelplaneValidationError)) return [plainErrorIssue(loaded, base, e)];
  return e.issues.map((i) => {
    const said = issueWords(i, own);
    return loaded.issueAt([...base, ...toFilePath(issueField(i))], `${valueClause(i.value, said.problem)} (${i.construct})`, said.fix);
  });
}

/** The platform's team chart, or a standalone one on the file's GPU pools. */
function teamChart(app: App, loaded: LoadedConfig, options: BuildOptions, issues: ConfigIssue[]): TeamModels | undefined {
  if (options.platform) return platformTeamChart(options.platform, loaded, issues);
  const specs = gpuPoolSpecs(loaded, loaded.config!.gpuPools ?? [], issues);
  if (!specs) return undefined;
  try {
    return new TeamModels(app, loaded.config!.team, { platform: { ...(options.context ?? platformContext()), gpuPools: specs } });
  } catch (e) {
    issues.push(...constructIssues(loaded, [], e));
    return undefined;
  }
}

/** The platform's chart for the file's team; the team and every pool the file names must be the platform's. */
function platformTeamChart(platform: Platform, loaded: LoadedConfig, issues: ConfigIssue[]): TeamModels | undefined {
  const cfg = loaded.config!;
  (cfg.gpuPools ?? []).forEach((p, i) => {
    if (platform.gpuPools.has(p.name)) return;
    issues.push(
      loaded.issueAt(
        ['gpuPools', i, 'name'],
        `GPU pool "${p.name}" is not a pool of the platform`,
        `use one of the platform's pools: ${[...platform.gpuPools.keys()].join(', ') || 'none defined'}`,
      ),
    );
  });
  if (!platform.teams.has(cfg.team)) {
    issues.push(
      loaded.issueAt(
        ['team'],
        `team "${cfg.team}" is not a team of the platform`,
        `add it to the platform's teams, or use one of: ${[...platform.teams.keys()].join(', ') || 'none defined'}`,
      ),
    );
    return undefined;
  }
  return platform.models(cfg.team);
}

/**
 * The pools as workloads see them, computed by the GpuNodePool construct itself (in a scratch tree
 * that is never synthesized: the platform owns the pools, the team's output only places pods on them).
 */
function gpuPoolSpecs(loaded: LoadedConfig, pools: readonly GpuPoolConfig[], issues: ConfigIssue[]): GpuPoolSpec[] | undefined {
  const scratch = new App();
  const specs: GpuPoolSpec[] = [];
  let ok = true;
  pools.forEach((p, i) => {
    try {
      specs.push(new GpuNodePool(scratch, `pool-${i}`, { ...p, devicePlugin: false }).spec);
    } catch (e) {
      issues.push(...constructIssues(loaded, ['gpuPools', i], e));
      ok = false;
    }
  });
  return ok ? specs : undefined;
}
