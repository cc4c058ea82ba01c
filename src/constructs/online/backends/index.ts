/**
 * The registry of serving backends, keyed by the name `backend` gives: the one place that lists
 * them. OnlineModel and resolveOnlineModel look a backend up here and never branch on its name.
 */
import type { ServingBackend } from '../backend';
import { ONLINE_BACKENDS, OnlineBackend } from '../spec';
import { DEPLOYMENT_BACKEND } from './deployment';
import { KSERVE_BACKEND } from './kserve';
import { SELDON_BACKEND } from './seldon';

/** Every serving backend by name (in the order of {@link ONLINE_BACKENDS}). */
export const SERVING_BACKENDS: Readonly<Record<OnlineBackend, ServingBackend>> = {
  kserve: KSERVE_BACKEND,
  seldon: SELDON_BACKEND,
  deployment: DEPLOYMENT_BACKEND,
};

/** The backend named `name`, or undefined for a name that is not a serving backend. */
export function servingBackend(name: unknown): ServingBackend | undefined {
  const known = ONLINE_BACKENDS.find((b) => b === name);
  return known === undefined ? undefined : SERVING_BACKENDS[known];
}
