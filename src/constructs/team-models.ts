import { Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { platformContext, PlatformContext } from '../core/context';
import { Validator } from '../core/errors';
import { GpuPoolSpec } from '../core/gpu';
import { checkName } from '../core/validate';

/** Properties of a {@link TeamModels} chart. */
export interface TeamModelsProps extends ChartProps {
  /** The platform the models run on. @default platformContext() (modelplane's conventional names) */
  readonly platform?: PlatformContext;
}

const TEAM_MODELS_BRAND = Symbol.for('modelplane.TeamModels');

/** Where a chart sits in deployment order: operators, then platform, then teams, then models. */
export type ChartTier = 'platform' | 'team' | 'models';

/**
 * The chart holding one team's model workloads (a data-science repository's whole output):
 * everything in it lives in the team's namespace. Model constructs find their team, namespace and
 * platform facts through it, so a model is a few typed lines.
 */
export class TeamModels extends Chart {
  /** Finds the TeamModels chart a construct belongs to, or fails with a message naming the construct. */
  public static find(construct: Construct, kind: string): TeamModels {
    let c: Construct | undefined = construct;
    while (c) {
      if (TeamModels.isTeamModels(c)) return c;
      c = c.node.scope;
    }
    throw new Error(
      `${kind} "${construct.node.id}": must be created inside a TeamModels chart (new TeamModels(app, 'my-team')), which tells it its team and namespace. Fix: create the model with the TeamModels chart as its scope.`,
    );
  }

  /**
   * True for a TeamModels chart. (cdk8s's Chart overrides `instanceof` so that any Chart matches
   * any Chart subclass; a brand is the reliable test.)
   */
  public static isTeamModels(x: unknown): x is TeamModels {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[TEAM_MODELS_BRAND] === true;
  }

  /** Deployment order of this chart. */
  public readonly tier: ChartTier = 'models';
  /** The team (and namespace). */
  public readonly team: string;
  /** Platform facts. */
  public readonly platform: PlatformContext;
  private readonly names = new Map<string, string>();

  constructor(scope: Construct, team: string, props: TeamModelsProps = {}) {
    const v = new Validator(`TeamModels "${team}"`);
    checkName(v, 'team', team, 40);
    v.done();
    super(scope, `models-${team}`, { ...props, namespace: team, disableResourceNameHashes: true });
    this.team = team;
    this.platform = props.platform ?? platformContext();
    Object.defineProperty(this, TEAM_MODELS_BRAND, { value: true });
  }

  /** The GPU pool named `name`, or undefined. */
  public gpuPool(name: string): GpuPoolSpec | undefined {
    return this.platform.gpuPools.find((p) => p.name === name);
  }

  /**
   * Claims a workload name in the team namespace; a second claim of the same name by another
   * construct is an error naming both.
   */
  public claimName(name: string, owner: string): void {
    const prev = this.names.get(name);
    if (prev !== undefined && prev !== owner) {
      const v = new Validator(owner);
      v.fail('name', name, `is already used by ${prev} in team "${this.team}"`, 'give every model in a team a unique name');
      v.done();
    }
    this.names.set(name, owner);
  }
}
