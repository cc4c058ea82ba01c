/**
 * Builds a loaded `modelplane.yaml` into the construct tree: one {@link TeamModels} chart with the
 * same constructs the TypeScript API uses (the mappings in `./map.ts` only translate fields).
 * Errors from the constructs' own validation are located back in the file.
 */
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { GpuNodePool } from '../../constructs/gpu-node-pool';
import type { Platform } from '../../constructs/platform/platform';
import { TeamModels } from '../../constructs/team-models';
import { platformContext, PlatformContext } from '../../core/context';
import { ModelplaneValidationError, renderValue } from '../../core/errors';
import type { GpuPoolSpec } from '../../core/gpu';
import { ConfigIssue, sortIssues } from './errors';
import type { LoadedConfig } from './load';
import { CASCADE_MAPPING, EntryMapping, MODEL_MAPPINGS, RETRO_TEST_MAPPING } from './map';
import { FieldPath, parsePath } from './source';
import type { CascadeConfig, GpuPoolConfig, ModelConfig } from './types';

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

/** Builds the models and cascades of a loaded file into `app`. */
export function buildTeamModels(app: App, loaded: LoadedConfig, options: BuildOptions = {}): BuiltTeamModels {
  const issues: ConfigIssue[] = [...loaded.issues];
  const models = new Map<string, Construct>();
  const cascades = new Map<string, Construct>();
  const cfg = loaded.config;
  if (!cfg || typeof cfg.team !== 'string' || !Array.isArray(cfg.models)) return { models, cascades, issues: sortIssues(issues) };
  // Without a valid team there is no chart to build into; the team's problem is already reported.
  if (loaded.issues.some((i) => i.path === 'team')) return { models, cascades, issues: sortIssues(issues) };

  const chart = teamChart(app, loaded, options, issues);
  if (!chart) return { models, cascades, issues: sortIssues(issues) };

  const failedModels = new Set<string>();
  (cfg.models as readonly ModelConfig[]).forEach((m, i) => {
    if (loaded.badModels.has(i)) {
      failedModels.add(m.name);
      return;
    }
    const mapping = MODEL_MAPPINGS[m.type] as EntryMapping<ModelConfig> | undefined;
    if (!mapping) {
      issues.push(
        loaded.issueAt(['models', i, 'type'], `model type "${m.type}" cannot be built by this version of modelplane`, 'upgrade modelplane'),
      );
      failedModels.add(m.name);
      return;
    }
    const built = attempt(loaded, ['models', i], m, mapping, issues, () => mapping.create(chart, m, { models }));
    if (built) models.set(m.name, built);
    else failedModels.add(m.name);
  });

  (cfg.cascades ?? []).forEach((c: CascadeConfig, i) => {
    if (loaded.badCascades.has(i)) return;
    // A cascade naming a model that failed on its own would only repeat that model's problem.
    if ((c.blocks ?? []).some((b) => (b.models ?? []).some((n) => failedModels.has(n)))) return;
    if (!CASCADE_MAPPING) {
      issues.push(loaded.issueAt(['cascades', i], 'cascades cannot be built by this version of modelplane', 'upgrade modelplane'));
      return;
    }
    const built = attempt(loaded, ['cascades', i], c, CASCADE_MAPPING, issues, () => CASCADE_MAPPING!.create(chart, c, { models }));
    if (built) cascades.set(c.name, built);
  });

  (cfg.retroTests ?? []).forEach((r, i) => {
    if (loaded.badRetroTests.has(i)) return;
    attempt(loaded, ['retroTests', i], r, RETRO_TEST_MAPPING, issues, () => RETRO_TEST_MAPPING.create(chart, r, { models }));
  });

  return { chart, models, cascades, issues: sortIssues(issues) };
}

/** Runs a construct constructor and turns its validation errors into located issues. */
function attempt<C>(
  loaded: LoadedConfig,
  base: FieldPath,
  entry: C,
  mapping: EntryMapping<C>,
  issues: ConfigIssue[],
  create: () => Construct,
): Construct | undefined {
  try {
    return create();
  } catch (e) {
    issues.push(...constructIssues(loaded, base, e, (f) => mapping.toFilePathFor?.(entry, f) ?? parsePath(f)));
    return undefined;
  }
}

/** Turns an error thrown by a construct into issues located at `base` + the translated field path. */
export function constructIssues(
  loaded: Pick<LoadedConfig, 'issueAt'>,
  base: FieldPath,
  e: unknown,
  toFilePath: (field: string) => FieldPath = parsePath,
): ConfigIssue[] {
  if (e instanceof ModelplaneValidationError) {
    return e.issues.map((i) =>
      loaded.issueAt([...base, ...toFilePath(i.field)], `= ${renderValue(i.value)} ${i.problem} (${i.construct})`, i.fix),
    );
  }
  const message = (e as Error)?.message ?? String(e);
  const [problem, fix] = message.split(/\s*Fix:\s*/);
  return [loaded.issueAt(base, problem, fix ?? 'correct this entry')];
}

function teamChart(app: App, loaded: LoadedConfig, options: BuildOptions, issues: ConfigIssue[]): TeamModels | undefined {
  const cfg = loaded.config!;
  const pools = cfg.gpuPools ?? [];
  if (options.platform) {
    const platform = options.platform;
    pools.forEach((p, i) => {
      if (!platform.gpuPools.has(p.name)) {
        issues.push(
          loaded.issueAt(
            ['gpuPools', i, 'name'],
            `GPU pool "${p.name}" is not a pool of the platform`,
            `use one of the platform's pools: ${[...platform.gpuPools.keys()].join(', ') || 'none defined'}`,
          ),
        );
      }
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
  const specs = gpuPoolSpecs(loaded, pools, issues);
  if (!specs) return undefined;
  try {
    return new TeamModels(app, cfg.team, { platform: { ...(options.context ?? platformContext()), gpuPools: specs } });
  } catch (e) {
    issues.push(...constructIssues(loaded, [], e));
    return undefined;
  }
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
