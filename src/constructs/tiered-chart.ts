/**
 * Charts that say where they sit in deployment order. The Pulumi bridge and any other deployer read
 * the tier through {@link TieredChart.tierOf}; nothing is bolted onto a plain chart.
 */
import { App, Chart, ChartProps } from 'cdk8s';
import { recordSynthOutput } from './output-files';
import { Construct } from 'constructs';

/** Where a chart sits in deployment order: operators, then platform, then teams, then models. */
export type ChartTier = 'platform' | 'team' | 'models';

/** Deployment order of the tiers, lowest first. */
export const CHART_TIERS: readonly ChartTier[] = ['platform', 'team', 'models'];

const TIER = Symbol.for('modelplane.ChartTier');

/**
 * A chart with a deployment tier. cdk8s's `Chart` overrides `instanceof` (any chart matches any
 * subclass), so the tier is read through a symbol the constructor sets, never by class name.
 */
export abstract class TieredChart extends Chart {
  /**
   * The tier of any chart: a TieredChart says its own; any other chart (a user's own) counts as models,
   * deployed after everything modelplane owns.
   */
  public static tierOf(chart: Chart): ChartTier {
    const tier = (chart as unknown as Record<symbol, unknown>)[TIER];
    return typeof tier === 'string' && (CHART_TIERS as readonly string[]).includes(tier) ? (tier as ChartTier) : 'models';
  }

  /** Deployment order of this chart. */
  public readonly tier: ChartTier;

  /**
   * @param scope the App (or a stage)
   * @param id the chart id; also the `dist/` file name
   * @param tier where the chart sits in deployment order
   * @param props cdk8s chart props
   */
  protected constructor(scope: Construct, id: string, tier: ChartTier, props: ChartProps = {}) {
    super(scope, id, props);
    // The App synthesizes in linear time and records what it wrote (a model repository's own app too, like the CLI).
    if (this.node.root instanceof App) recordSynthOutput(this.node.root);
    this.tier = tier;
    Object.defineProperty(this, TIER, { value: tier });
  }
}

/** A team's workspace chart (namespace, quota, policies, RBAC): tier `team`, deployed before the team's models. */
export class TeamChart extends TieredChart {
  /**
   * @param scope the App
   * @param id the chart id, `team-<name>`
   * @param props cdk8s chart props
   */
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, 'team', props);
  }
}
