/**
 * How the online constructs learn where they run. Their constructors resolve the props before
 * `super()`, so there is no construct yet to start the search for the team's chart from; and the
 * resolve functions take plain data ({@link TeamContext}), never the chart.
 */
import type { Construct } from 'constructs';
import type { PlatformContext } from '../../core/context';
import { orThrow, Resolution } from '../../core/errors';
import { TeamModels } from '../team-models';

/** Where a team's model workload runs: plain data from its TeamModels chart. */
export interface TeamContext {
  /** The team, which is also the namespace. */
  readonly team: string;
  /** Facts about the platform: MLflow, the object store, the GPU pools. */
  readonly platform: PlatformContext;
}

/**
 * The TeamModels chart `scope` belongs to, for the construct `kind` "id" about to be created in it; a
 * scope outside any TeamModels chart is refused with TeamModels.find's message naming the new construct.
 */
export function teamModelsOf(scope: Construct, kind: string, id: string): TeamModels {
  return TeamModels.find(scope, kind, id);
}

/** The plain-data context of a TeamModels chart. */
export function teamContext(chart: TeamModels): TeamContext {
  return { team: chart.team, platform: chart.platform };
}

/** A resolved spec and the chart it belongs to. */
export interface InTeam<T> {
  /** The team's TeamModels chart. */
  readonly chart: TeamModels;
  /** The resolved spec. */
  readonly spec: T;
}

/**
 * Finds the chart of the construct `kind` "id" about to be created under `scope` and resolves its
 * props there; throws every problem, so a constructor calling it before `super()` creates nothing on bad input.
 */
export function resolveInTeam<P, T>(
  scope: Construct,
  kind: string,
  id: string,
  props: P,
  resolve: (id: string, props: P, context: TeamContext) => Resolution<T>,
): InTeam<T> {
  const chart = teamModelsOf(scope, kind, id);
  return { chart, spec: orThrow(resolve(id, props, teamContext(chart))) };
}
