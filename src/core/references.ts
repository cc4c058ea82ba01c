/**
 * Objects the output relies on but does not write as manifests: what a construct creates inside the
 * cluster at run time (a Job that makes a Secret, an operator that makes its ServiceAccount), and what
 * the platform file declares as an external prerequisite. The synth-time reference check reads these
 * so that a pod's reference to such an object is not reported as dangling.
 */
import type { IConstruct } from 'constructs';

/** One Kubernetes object by kind, namespace and name. */
export interface ObjectRef {
  /** The object's kind, e.g. `Secret`, `ConfigMap`, `ServiceAccount`, `Namespace`. */
  readonly kind: string;
  /** Its namespace; absent for cluster-scoped kinds (Namespace, PriorityClass, StorageClass). @default - cluster-scoped */
  readonly namespace?: string;
  /** Its name. */
  readonly name: string;
}

/** An object created in the cluster by something other than a manifest of the output. */
export interface ProvidedObject extends ObjectRef {
  /** Who creates it, for messages and the prerequisites list, e.g. `the modelplane-secret-bootstrap Job`. */
  readonly providedBy: string;
}

/**
 * A construct that creates objects in the cluster at run time (not as manifests of the output).
 * Constructs are found by this interface, never by class name: see {@link isObjectProvider}.
 */
export interface IObjectProvider {
  /** The objects this construct makes exist in the cluster without writing them as manifests. */
  providedObjects(): readonly ProvidedObject[];
}

/** True when `c` implements {@link IObjectProvider}. */
export function isObjectProvider(c: IConstruct | object): c is IConstruct & IObjectProvider {
  return typeof (c as Partial<IObjectProvider>).providedObjects === 'function';
}

/** A stable key for an object reference: `Kind/namespace/name`, or `Kind//name` when cluster-scoped. */
export function refKey(ref: ObjectRef): string {
  return `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}
