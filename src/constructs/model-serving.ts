/**
 * How a trained model's promotion finds what to roll: any construct of the team that serves models
 * through registry URIs ({@link OnlineModel} is one) says, per variant, which URI it serves and which
 * object a promotion patches so that its pods restart and resolve the moved alias. Constructs are linked
 * by this interface, never by their classes.
 */
import type { IConstruct } from 'constructs';
import type { Wording } from '../core/words';
import type { RolloutPatch } from './batch/airflow/training-spec';

/** Why a promotion cannot roll a variant (its backend has no object whose patch restarts just its pods). */
export interface RolloutRefusal {
  /** What is wrong, after "serves <uri> on its variant <name>, but". */
  readonly problem: string;
  /** What to do instead (names the serving construct's props). */
  readonly fix: Wording;
}

/** One variant of a serving construct, as a promotion sees it. */
export interface ServedVariant {
  /** The variant's name. */
  readonly variant: string;
  /** The model URI it serves (`models:/name@alias`, `models:/name/3`, `s3://…`). */
  readonly modelUri: string;
  /** The object a promotion patches to roll the variant's pods, or why it cannot. */
  readonly rollout: RolloutPatch | RolloutRefusal;
}

/** A construct that serves models of the registry: what a promotion needs of it. */
export interface IModelServing extends IConstruct {
  /** The model (service) name, unique in the team. */
  readonly name: string;
  /** The team (and namespace) serving it. */
  readonly team: string;
  /** Its variants with their model URIs and rollout patches, in the construct's own order. */
  servedVariants(): readonly ServedVariant[];
}

/** True for a construct that serves models ({@link IModelServing}). */
export function isModelServing(x: unknown): x is IModelServing {
  const m = x as Partial<Record<keyof IModelServing, unknown>> | null;
  return typeof m === 'object' && m !== null && typeof m.name === 'string' && typeof m.servedVariants === 'function';
}

/** True for a refusal rather than a patch. */
export function isRolloutRefusal(r: RolloutPatch | RolloutRefusal): r is RolloutRefusal {
  return 'problem' in r;
}
