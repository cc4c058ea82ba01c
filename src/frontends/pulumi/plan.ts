/**
 * The engine-neutral deployment plan of a construct tree: which Helm releases and which groups of
 * objects, in which order. `cdk8s synth` and the Pulumi program both start from the same App; the
 * Pulumi bridge (./deploy.ts, wrapped as a component in ./component.ts) turns this plan into
 * resources. Pure, so it is unit-tested without any engine.
 */
import { App, Chart } from 'cdk8s';
import { synthesizeCharts } from '../../core/synth-charts';
import { ChartTier, TieredChart } from '../../constructs/tiered-chart';
import type { HelmChartRef } from '../../constructs/platform/operators';

/** One chart's objects, deployed as one group. */
export interface PlannedGroup {
  /** The chart id (also the dist/ file name without `.k8s.yaml`). */
  readonly name: string;
  /** Its tier. */
  readonly tier: ChartTier;
  /** The objects, in cdk8s's dependency order. */
  readonly objs: readonly Record<string, unknown>[];
}

/** Everything to deploy, in order. */
export interface DeploymentPlan {
  /** Helm releases, in installation order (before any group). */
  readonly releases: readonly HelmChartRef[];
  /** Object groups, ordered platform → team → models, then by name. */
  readonly groups: readonly PlannedGroup[];
  /** The teams' own releases (their JupyterHubs), each installed after its team's group (`team-<namespace>`). @default [] */
  readonly teamReleases?: readonly HelmChartRef[];
}

const TIER_ORDER: Record<ChartTier, number> = { platform: 0, team: 1, models: 2 };

/** The tier of a chart: modelplane charts say theirs; any other chart counts as models. */
export function tierOf(chart: Chart): ChartTier {
  return TieredChart.tierOf(chart);
}

/** Builds the plan of an App. Runs every construct's validation (through `toJson`). */
export function planDeployment(
  app: App,
  releases: readonly HelmChartRef[] = [],
  teamReleases: readonly HelmChartRef[] = [],
): DeploymentPlan {
  // Every chart rendered with the app resolved and validated once (chart.toJson() per chart repeats both for the whole app).
  const groups = synthesizeCharts(app)
    .map(({ chart, objects }) => ({ name: chart.node.id, tier: tierOf(chart), objs: [...objects] }))
    .filter((g) => g.objs.length > 0)
    .sort((a, b) => TIER_ORDER[a.tier] - TIER_ORDER[b.tier] || a.name.localeCompare(b.name));
  return { releases, groups, ...(teamReleases.length > 0 ? { teamReleases } : {}) };
}
