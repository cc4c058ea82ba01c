/**
 * `--platform FILE`: a platform engineer's configuration (the same {@link ModelplaneConfig} YAML that
 * `MODELPLANE_CONFIG` gives `cdk8s synth`), built into one Platform chart. Team files
 * given with it land in the platform's team charts.
 */
import { readFileSync } from 'node:fs';
import { App, Chart } from 'cdk8s';
import { TeamSpace } from '../../constructs/team-space';
import { platformContext } from '../../core/context';
import { ModelplaneValidationError, ValidationIssue } from '../../core/errors';
import { GpuNodePool } from '../../constructs/gpu-node-pool';
import { MlflowServer } from '../../constructs/mlflow/mlflow-server';
import { Platform, PlatformProps } from '../../constructs/platform/platform';
import { ConfigIssue, sortIssues } from './errors';
import { didYouMean } from './load';
import { constructIssues } from './build';
import { YamlSource } from './source';
import { isRecord } from '../../core/records';

/** Top-level keys of a platform file (PlatformProps). */
const PLATFORM_KEYS = ['platformNamespace', 'mlflow', 'teams', 'gpuPools', 'operators', 'monitoringNamespace'];

/** Builds the platform described by `file` into `app`; returns it, or the problems. */
export function buildPlatformFile(app: App, file: string): { platform?: Platform; issues: ConfigIssue[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return {
      issues: [
        {
          file,
          line: 0,
          col: 0,
          path: '',
          problem: `the platform file cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
          fix: 'check the path given to --platform',
        },
      ],
    };
  }
  const source = YamlSource.parse(file, text);
  if (source.issues.length > 0) return { issues: [...source.issues] };
  const data = source.data ?? {};
  if (!isRecord(data))
    return {
      issues: [
        source.issue([], 'must be a map of platform settings (teams, gpuPools, mlflow, ...)', 'see examples/small-team/platform.yaml'),
      ],
    };
  const issues: ConfigIssue[] = [];
  for (const key of Object.keys(data)) {
    if (PLATFORM_KEYS.includes(key)) continue;
    const guess = didYouMean(key, PLATFORM_KEYS);
    issues.push(
      source.issue(
        [key],
        `unknown field \`${key}\` in a platform file`,
        `${guess ? `did you mean \`${guess}\`? ` : ''}remove it or use one of: ${PLATFORM_KEYS.join(', ')}`,
        true,
      ),
    );
  }
  if (issues.length > 0) return { issues };
  const config = data as PlatformProps;
  try {
    const platform = new Platform(app, 'platform', config);
    return { platform, issues: [] };
  } catch (e) {
    const loc = { issueAt: (path: ReadonlyArray<string | number>, problem: string, fix: string) => source.issue(path, problem, fix) };
    if (!(e instanceof ModelplaneValidationError)) return { issues: constructIssues(loc, [], e) };
    // The platform stops at its first invalid part; check every part with its own construct (in a
    // scratch tree) so that every problem is listed, each under the section that configures it.
    const found: Array<[Array<string | number>, ValidationIssue]> = [
      ...e.issues.map((i) => [baseOf(i.construct, config), i] as [Array<string | number>, ValidationIssue]),
      ...partIssues(config),
    ];
    return {
      issues: sortIssues(found.flatMap(([base, i]) => constructIssues(loc, base, new ModelplaneValidationError([i])))),
    };
  }
}

/** Problems of each GPU pool, team and the MLflow server, each validated by its own construct, with where they are configured. */
function partIssues(config: PlatformProps): Array<[Array<string | number>, ValidationIssue]> {
  const out: Array<[Array<string | number>, ValidationIssue]> = [];
  const scratch = () => new Chart(new App(), 'scratch');
  const collect = (base: Array<string | number>, make: () => unknown) => {
    try {
      make();
    } catch (e) {
      if (e instanceof ModelplaneValidationError) out.push(...e.issues.map((i) => [base, i] as [Array<string | number>, ValidationIssue]));
    }
  };
  (Array.isArray(config.gpuPools) ? config.gpuPools : []).forEach((p, i) =>
    collect(['gpuPools', i], () => new GpuNodePool(scratch(), `gpu-${p?.name}`, p)),
  );
  (Array.isArray(config.teams) ? config.teams : []).forEach((t, i) =>
    collect(['teams', i], () => new TeamSpace(scratch(), String(t?.name), { ...t, platform: platformContext() })),
  );
  collect(
    ['mlflow'],
    () => new MlflowServer(scratch(), 'mlflow', { ...(config.mlflow ?? {}), namespace: config.platformNamespace ?? 'modelplane-system' }),
  );
  return out;
}

/** Where in a platform file the props of the construct named in an error are written. */
function baseOf(construct: string, config: PlatformProps): Array<string | number> {
  const name = /"([^"]*)"/.exec(construct)?.[1] ?? '';
  if (construct.startsWith('MlflowServer ')) return ['mlflow'];
  if (construct.startsWith('EmbeddedPostgres ')) return ['mlflow', 'backendStore', 'embedded'];
  if (construct.startsWith('EmbeddedMinio ')) return ['mlflow', 'artifactStore', 'embedded'];
  if (construct.startsWith('GpuNodePool ')) {
    const i = (config.gpuPools ?? []).findIndex((p) => `gpu-${p.name}` === name);
    return i >= 0 ? ['gpuPools', i] : ['gpuPools'];
  }
  if (construct.startsWith('TeamSpace ')) {
    const i = (config.teams ?? []).findIndex((t) => t?.name === name);
    return i >= 0 ? ['teams', i] : ['teams'];
  }
  return [];
}
