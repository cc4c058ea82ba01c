/**
 * How model tests find what they test: any construct that serves a model over the v2 protocol
 * ({@link OnlineModel} is one), linked by this interface rather than by its class.
 */
import { Construct, IConstruct } from 'constructs';
import type { OnlineEndpoint, ResolvedVariant } from './spec';

/** A model served in the cluster: what a {@link ModelTest} needs of its target. */
export interface IServedModel extends IConstruct {
  /** The model (service) name. */
  readonly name: string;
  /** The team (and namespace) serving it. */
  readonly team: string;
  /** The model versions behind the service; the first is the primary. */
  readonly variants: readonly ResolvedVariant[];
  /** Where a client inside the cluster reaches a variant (the primary when omitted); throws for a variant it has not. */
  endpoint(variant?: string): OnlineEndpoint;
}

/** True for a construct that serves a model ({@link IServedModel}). */
export function isServedModel(x: unknown): x is IServedModel {
  if (!Construct.isConstruct(x)) return false;
  const m = x as unknown as Record<string, unknown>;
  return typeof m.name === 'string' && typeof m.team === 'string' && Array.isArray(m.variants) && typeof m.endpoint === 'function';
}
