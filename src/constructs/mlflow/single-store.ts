/**
 * What the embedded single-instance stores (PostgreSQL, the object store) share: the checks and defaults of
 * their common props (volume size and class, image, the Secret their credentials are generated into),
 * a ClusterIP Service for clients and a headless governing Service, the StatefulSet with its retained
 * data volume claim, and the NetworkPolicy that lets only their clients in.
 */
import { ApiObject } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { Resolution, Validator } from '../../core/errors';
import { policyPort } from '../../core/network';
import { isRecord } from '../../core/records';
import { checkNoPlainCredentials } from '../../core/secrets';
import {
  DEFAULT_UID,
  RestrictedContainerInput,
  restrictedContainer,
  restrictedPodSecurityContext,
  ScratchDir,
  scratchMounts,
  scratchVolumes,
} from '../../core/security';
import { checkImage, checkName, checkQuantity, dnsSubdomainProblem } from '../../core/validate';
import { isolatingPolicy, ObjectMeta, workloadLabels } from './workload';

/** Where a single-instance store listens. */
export interface StorePort {
  /** Port name (also the container port's name). */
  readonly name: string;
  /** Port number. */
  readonly port: number;
}

/** How one kind of embedded store checks and defaults the props all stores have. */
export interface StoreRules {
  /** The default volume size, also the example in fixes. */
  readonly storageSize: string;
  /** The default image. */
  readonly image: string;
  /** The prop naming the Secret the store's credentials are generated into, e.g. `passwordSecretName`. */
  readonly secretField: string;
  /** That Secret's default name. */
  readonly secretName: string;
  /** Every prop the store declares (other credential-looking keys are refused). */
  readonly known: readonly string[];
  /** The fix for a credential given in plain text. */
  readonly credentialsFix: string;
  /** Checks of the store's own props, run after the image's. @default - none */
  readonly checkOwn?: (v: Validator, prefix: string, props: Record<string, unknown>) => void;
}

/**
 * Checks the props of an embedded store; `prefix` is the props' path in the caller's props (e.g.
 * `backendStore.embedded.`), so an owner can report the issues as its own. False if they are no object.
 */
export function checkStoreProps(v: Validator, prefix: string, props: unknown, rules: StoreRules): boolean {
  const isObject = v.check(
    isRecord(props),
    prefix.replace(/\.$/, '') || 'props',
    props,
    'must be an object',
    `write e.g. { storageSize: "${rules.storageSize}" }, or {} for the defaults`,
  );
  if (!isObject) return false;
  const p = props as Record<string, unknown>;
  checkQuantity(v, `${prefix}storageSize`, p.storageSize ?? rules.storageSize, rules.storageSize, 'bytes');
  checkImage(v, `${prefix}image`, p.image ?? rules.image);
  rules.checkOwn?.(v, prefix, p);
  checkName(v, `${prefix}${rules.secretField}`, p[rules.secretField] ?? rules.secretName);
  if (p.storageClassName !== undefined) {
    const problem = dnsSubdomainProblem(p.storageClassName);
    v.check(
      problem === undefined,
      `${prefix}storageClassName`,
      p.storageClassName,
      problem ?? '',
      'name a StorageClass of the cluster (kubectl get storageclass)',
    );
  }
  checkNoPlainCredentials(v, prefix, p, rules.known, rules.credentialsFix);
  return true;
}

/**
 * Resolves the props of an embedded store on their own (as the construct `kind` with id `id`): its
 * props and its namespace checked, then `spec` of the valid props, or every problem.
 */
export function resolveStore<P extends StoreInput, T>(
  kind: string,
  id: string,
  props: P,
  rules: StoreRules,
  spec: (valid: P) => T,
): Resolution<T> {
  const v = new Validator(kind, id);
  checkStoreProps(v, '', props, rules);
  checkName(v, 'namespace', props.namespace);
  return v.result(() => spec(props));
}

/** An embedded store as plain data: where it runs, its volume, image, credentials Secret and labels. */
export interface ResolvedStore extends ObjectMeta {
  /** The selector labels of its pods. */
  readonly podLabels: Record<string, string>;
  /** Labels of the pods allowed to connect. */
  readonly clientPodLabels: Readonly<Record<string, string>>;
  /** Volume size. */
  readonly storageSize: string;
  /** StorageClass. @default - the cluster default */
  readonly storageClassName?: string;
  /** Image. */
  readonly image: string;
  /** The Secret the credentials are generated into. */
  readonly secretName: string;
}

/** The props every embedded store takes. */
export interface EmbeddedStoreProps {
  /** Volume size. @default - "20Gi" for PostgreSQL, "50Gi" for the object store */
  readonly storageSize?: string;
  /** StorageClass. @default - the cluster default */
  readonly storageClassName?: string;
  /** Image. @default - the store's pinned image (POSTGRES_IMAGE or OBJECT_STORE_IMAGE) */
  readonly image?: string;
}

/** Where an embedded store runs and who may connect. */
export interface StorePlacement {
  /** Namespace. */
  readonly namespace: string;
  /** Labels of the pods allowed to connect. */
  readonly clientPodLabels: Readonly<Record<string, string>>;
}

/** What {@link storeSpec} needs: the store's props, where it runs and its credentials Secret. */
export interface StoreInput extends EmbeddedStoreProps, StorePlacement {
  /** The Secret the credentials are generated into. @default - the store's default */
  readonly secretName?: string;
}

/** The resolved store of valid props: defaults filled in, labels made (`name` is the store's object name). */
export function storeSpec(
  input: StoreInput,
  rules: StoreRules,
  name: string,
  describe: { readonly name: string; readonly component: string },
): ResolvedStore {
  const image = input.image ?? rules.image;
  return {
    name,
    namespace: input.namespace,
    ...workloadLabels({ ...describe, instance: name }, image),
    clientPodLabels: input.clientPodLabels,
    storageSize: input.storageSize ?? rules.storageSize,
    storageClassName: input.storageClassName,
    image,
    secretName: input.secretName ?? rules.secretName,
  };
}

/** The store's one container and its volumes. */
export interface StoreWorkload {
  /** Where it listens. */
  readonly port: StorePort;
  /** Where the data volume is mounted. */
  readonly dataPath: string;
  /** Writable scratch directories besides the data volume. */
  readonly scratch: readonly ScratchDir[];
  /** The container, without its port and mounts. */
  readonly container: Omit<RestrictedContainerInput, 'ports' | 'volumeMounts' | 'uid'>;
}

/**
 * What every embedded store construct has: its Services and its StatefulSet, rendered from the
 * resolved store by the constructor (each store renders the rest: its Jobs, its NetworkPolicy).
 */
export abstract class EmbeddedStore extends Construct {
  /** Service name. */
  public readonly serviceName: string;
  /** Pod labels. */
  public readonly podLabels: Record<string, string>;
  /** The StatefulSet. */
  public readonly statefulSet: ApiObject;

  /**
   * @param scope the scope
   * @param id the construct id
   * @param store the resolved store (resolve it before calling: invalid props create nothing)
   * @param workload its container and volumes
   */
  protected constructor(scope: Construct, id: string, store: ResolvedStore, workload: StoreWorkload) {
    super(scope, id);
    this.serviceName = store.name;
    this.podLabels = store.podLabels;
    this.statefulSet = storeStatefulSet(this, store, workload);
  }
}

/**
 * The store's Services (client `<name>`, headless `<name>-headless` so the pod has a stable DNS name)
 * and its single-replica StatefulSet, run as {@link DEFAULT_UID}: a uid above 10000 collides with no
 * host account, and fsGroup makes the data volume writable for it.
 */
export function storeStatefulSet(scope: Construct, store: ResolvedStore, workload: StoreWorkload): ApiObject {
  const { name, namespace, labels, podLabels } = store;
  const { port, scratch } = workload;
  const ports = [{ name: port.name, port: port.port, targetPort: k8s.IntOrString.fromString(port.name), protocol: 'TCP' }];
  new k8s.KubeService(scope, 'Service', { metadata: { name, namespace, labels }, spec: { type: 'ClusterIP', selector: podLabels, ports } });
  const headless = `${name}-headless`;
  new k8s.KubeService(scope, 'HeadlessService', {
    metadata: { name: headless, namespace, labels },
    spec: { clusterIp: 'None', publishNotReadyAddresses: true, selector: podLabels, ports },
  });
  const container = restrictedContainer({
    ...workload.container,
    uid: DEFAULT_UID,
    ports: [{ name: port.name, containerPort: port.port, protocol: 'TCP' }],
    volumeMounts: [{ name: 'data', mountPath: workload.dataPath }, ...scratchMounts(scratch)],
  });
  return new k8s.KubeStatefulSet(scope, 'StatefulSet', {
    metadata: { name, namespace, labels },
    spec: {
      serviceName: headless,
      replicas: 1,
      selector: { matchLabels: podLabels },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: restrictedPodSecurityContext(DEFAULT_UID),
          containers: [container],
          volumes: scratchVolumes(scratch),
        },
      },
      ...dataVolumeClaim(labels, store.storageSize, store.storageClassName),
    },
  });
}

/** The store's `data` volume claim template; PVCs are retained when the StatefulSet is deleted or scaled. */
function dataVolumeClaim(labels: Record<string, string>, size: string, storageClassName?: string) {
  return {
    volumeClaimTemplates: [
      {
        metadata: { name: 'data', labels },
        spec: {
          accessModes: ['ReadWriteOnce'],
          ...(storageClassName ? { storageClassName } : {}),
          resources: { requests: { storage: k8s.Quantity.fromString(size) } },
        },
      },
    ],
    persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
  };
}

/** The store's NetworkPolicy: `from` may reach its port; the store itself calls nothing. */
export function storeNetworkPolicy(scope: Construct, store: ResolvedStore, port: number, from: k8s.NetworkPolicyPeer[]): ApiObject {
  const { name, namespace, labels } = store;
  return isolatingPolicy(scope, 'NetworkPolicy', { name, namespace, labels }, store.podLabels, {
    ingress: [{ from, ports: [policyPort(port)] }],
  });
}
