import { ChartProps } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { checkTeamNamespace, platformContext, PlatformContext } from '../core/context';
import { constructLabel, Validator } from '../core/errors';
import { GpuPoolSpec } from '../core/gpu';
import { checkName } from '../core/validate';
import { isQuotaDemanding, QuotaDemand } from './quota';
import { TieredChart } from './tiered-chart';

/** Properties of a {@link TeamModels} chart. */
export interface TeamModelsProps extends ChartProps {
  /** The platform the models run on. @default platformContext() (modelplane's conventional names) */
  readonly platform?: PlatformContext;
}

const TEAM_MODELS_BRAND = Symbol.for('modelplane.TeamModels');

export type { ChartTier } from './tiered-chart';

/** Who claims a name in the team namespace: a construct kind and id, as messages name them. */
export interface NameOwner {
  /** The construct kind, e.g. `OnlineModel`. */
  readonly kind: string;
  /** The construct id. */
  readonly id: string;
}

/** A model of the team, as its chart records it: cascades and tests find models here, by name. */
export interface TeamModel extends NameOwner {
  /** The model's name, unique in the team. */
  readonly name: string;
  /** The model construct. */
  readonly construct: IConstruct;
}

/**
 * The chart holding one team's model workloads (a data-science repository's whole output):
 * everything in it lives in the team's namespace. Model constructs find their team, namespace and
 * platform facts through it, so a model is a few typed lines.
 */
export class TeamModels extends TieredChart {
  /**
   * Finds the TeamModels chart a construct belongs to, or fails with a message naming the construct.
   * @param construct where the search starts: the construct, or the scope a new construct is about to be created in
   * @param kind the construct kind, for the message
   * @param id the id of the construct the message names @default construct.node.id
   */
  public static find(construct: Construct, kind: string, id: string = construct.node.id): TeamModels {
    let c: Construct | undefined = construct;
    while (c) {
      if (TeamModels.isTeamModels(c)) return c;
      c = c.node.scope;
    }
    throw new Error(
      `${kind} "${id}": must be created inside a TeamModels chart (new TeamModels(app, 'my-team')), which tells it its team and namespace. Fix: create the model with the TeamModels chart as its scope.`,
    );
  }

  /**
   * True for a TeamModels chart. (cdk8s's Chart overrides `instanceof` so that any Chart matches
   * any Chart subclass; a brand is the reliable test.)
   */
  public static isTeamModels(x: unknown): x is TeamModels {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[TEAM_MODELS_BRAND] === true;
  }

  /** The team (and namespace). */
  public readonly team: string;
  /** Platform facts. */
  public readonly platform: PlatformContext;
  private readonly names = new Map<string, NameOwner>();
  private readonly registered = new Map<string, TeamModel>();
  private readonly listeners: Array<(model: TeamModel) => void> = [];

  /**
   * @param scope the App
   * @param team the team name (also the namespace); the chart id is `models-<team>`. Never a reserved
   *   namespace: Kubernetes' own (`default`, any `kube-*`), nor the platform's, Airflow's, monitoring's or
   *   an operator's on `props.platform` (see `reservedNamespaces` in core/context.ts)
   * @param props the platform the models run on, and cdk8s chart props
   */
  constructor(scope: Construct, team: string, props: TeamModelsProps = {}) {
    const platform = props.platform ?? platformContext();
    const v = new Validator('TeamModels', team);
    if (checkName(v, 'team', team, 40)) checkTeamNamespace(v, 'team', team, platform);
    v.done();
    super(scope, `models-${team}`, 'models', { ...props, namespace: team, disableResourceNameHashes: true });
    this.team = team;
    this.platform = platform;
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
  public claimName(name: string, owner: NameOwner): void {
    const prev = this.names.get(name);
    if (prev !== undefined && (prev.kind !== owner.kind || prev.id !== owner.id)) {
      const v = new Validator(owner.kind, owner.id);
      v.fail(
        'name',
        name,
        `is already used by ${constructLabel(prev.kind, prev.id)} in team "${this.team}"`,
        'give every model in a team a unique name',
      );
      v.done();
    }
    this.names.set(name, owner);
  }

  /** Records a model of the team (and claims its name), so cascades and tests can find it by name. */
  public registerModel(model: TeamModel): void {
    this.claimName(model.name, model);
    this.registered.set(model.name, model);
    for (const listener of [...this.listeners]) listener(model);
  }

  /**
   * Calls `listener` with every model of the team: at once for those registered so far (in order), then
   * for each one registered later, when it registers (a trained model learns so of the online models
   * that serve it, whichever is created first).
   */
  public onModel(listener: (model: TeamModel) => void): void {
    this.listeners.push(listener);
    for (const m of [...this.registered.values()]) listener(m);
  }

  /** The model named `name`, or undefined. */
  public model(name: string): TeamModel | undefined {
    return this.registered.get(name);
  }

  /** What each model of the team requests at its most, in the order they were created (see ./quota.ts). */
  public quotaDemands(): QuotaDemand[] {
    return this.models.map((m) => m.construct).flatMap((c) => (isQuotaDemanding(c) ? [c.quotaDemand()] : []));
  }

  /** Every model of the team, in the order they were created. */
  public get models(): readonly TeamModel[] {
    return [...this.registered.values()];
  }
}
