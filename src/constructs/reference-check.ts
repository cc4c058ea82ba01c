/**
 * The synth-time reference check over a whole App: every object of every chart, with what the construct
 * tree's {@link IObjectProvider}s (found by interface, never by class) make exist in the cluster and the
 * platform's declared prerequisites. The decisions are core's pure {@link danglingReferences}; this module
 * only gathers the App's objects and sources.
 */
import { ApiObject, App } from 'cdk8s';
import type { IConstruct } from 'constructs';
import {
  danglingMessage,
  danglingReferences,
  isObjectProvider,
  Manifest,
  ObjectRef,
  ObjectReference,
  ProvidedObject,
} from '../core/references';

/** Every object of the App's charts, as JSON (without running the App's validations). */
export function appManifests(app: IConstruct): Manifest[] {
  return app.node
    .findAll()
    .filter((c): c is ApiObject => c instanceof ApiObject)
    .map((o) => o.toJson() as Manifest);
}

/** What every {@link IObjectProvider} of the tree provides. */
export function treeProvidedObjects(root: IConstruct): ProvidedObject[] {
  return root.node.findAll().flatMap((c) => (isObjectProvider(c) ? [...c.providedObjects()] : []));
}

/** The references of the App's objects that nothing creates (see {@link danglingReferences}). */
export function appDanglingReferences(
  app: IConstruct,
  prerequisites: readonly ObjectRef[],
  extra: readonly ObjectReference[] = [],
): ObjectReference[] {
  return danglingReferences(appManifests(app), { provided: treeProvidedObjects(app), prerequisites }, extra);
}

const checked = new WeakSet<App>();

/**
 * Adds the reference check to `holder`'s validations (once per App): `app.synth()`, `chart.toJson()` and
 * so every front end fail before anything is written, one message per dangling reference.
 *
 * @param prerequisites the platform's declared prerequisites, read when the check runs
 * @param extra references from outside the output's manifests (e.g. the Helm values of the platform's
 *   operators), read when the check runs @default - none
 */
export function addReferenceCheck(
  app: App,
  holder: IConstruct,
  prerequisites: () => readonly ObjectRef[],
  extra: () => readonly ObjectReference[] = () => [],
): void {
  if (checked.has(app)) return;
  checked.add(app);
  let memo: { size: number; messages: string[] } | undefined;
  holder.node.addValidation({
    validate: () => {
      // chart.toJson() validates the whole App each time: check once per tree.
      const size = app.node.findAll().length;
      if (memo?.size !== size) memo = { size, messages: appDanglingReferences(app, prerequisites(), extra()).map(danglingMessage) };
      return memo.messages;
    },
  });
}
