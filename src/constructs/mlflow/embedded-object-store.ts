/**
 * The embedded S3-compatible object store: versitygw (Apache-2.0, maintained, images published by its
 * project) on its POSIX backend over a PersistentVolumeClaim, with its internal IAM on the same volume.
 * Why versitygw and not SeaweedFS, Garage, Ceph RGW or MinIO: docs/object-store.md. Its buckets, the
 * per-team users and their bucket policies are created in the cluster by the `modelplane-secret-bootstrap`
 * Job (secret-bootstrap.ts, object-store-provision.ts), never written into the output.
 */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { orThrow, Resolution, Validator } from '../../core/errors';
import { duplicates } from '../../core/records';
import { SecretKeyRef, secretEnv } from '../../core/secrets';
import { TMP_DIR } from '../../core/security';
import {
  checkStoreProps,
  EmbeddedStore,
  EmbeddedStoreProps,
  StorePlacement,
  resolveStore,
  ResolvedStore,
  StoreRules,
  storeNetworkPolicy,
  storeSpec,
} from './single-store';
import { teamNamespacesPeer } from './workload';

/** The versitygw release the embedded object store runs; tools/s3/go.mod builds the same release for the tests. */
export const OBJECT_STORE_VERSION = 'v1.8.0';
/**
 * The versitygw image, as published by the project on ghcr.io (the registry its Helm chart uses). Pin it
 * by digest in production with `image` (`ghcr.io/versity/versitygw:v1.8.0@sha256:…`, read with
 * `crane digest ghcr.io/versity/versitygw:v1.8.0`).
 */
export const OBJECT_STORE_IMAGE = `ghcr.io/versity/versitygw:${OBJECT_STORE_VERSION}`;
/** The port of the store's S3 API (and of versitygw's admin API, served on the same port). */
export const OBJECT_STORE_PORT = 7070;
/** The object name of the store's Service and StatefulSet, and its `app.kubernetes.io/name` label. */
export const OBJECT_STORE_NAME = 'object-store';
/** The selector labels of the store's pods (the teams' egress policy and the bootstrap's use them). */
export const OBJECT_STORE_POD_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/name': OBJECT_STORE_NAME,
  'app.kubernetes.io/instance': OBJECT_STORE_NAME,
};
/** The buckets in which every team gets its own prefix `<team>/` by default. */
export const DEFAULT_TEAM_BUCKETS: readonly string[] = ['code', 'envs', 'data'];

/** @deprecated the embedded store is versitygw now: use {@link OBJECT_STORE_IMAGE}. */
export const MINIO_IMAGE = OBJECT_STORE_IMAGE;
/** @deprecated the embedded store is versitygw now: use {@link OBJECT_STORE_PORT}. */
export const MINIO_PORT = OBJECT_STORE_PORT;

/** User-facing properties of the embedded object store (volume size by default "50Gi", image {@link OBJECT_STORE_IMAGE}). */
export interface EmbeddedObjectStoreProps extends EmbeddedStoreProps {
  /** Bucket for MLflow artifacts (created in the cluster by the bootstrap Job). @default "mlflow" */
  readonly bucket?: string;
  /**
   * Buckets in which each team gets the prefix `<team>/`, readable and writable with the team's own
   * credentials only (Secret `modelplane-s3` in its namespace); created by the bootstrap Job.
   * @default ["code", "envs", "data"]
   */
  readonly teamBuckets?: readonly string[];
  /**
   * Secret with keys `root-user` and `root-password`: the store's root (admin) credentials. modelplane's
   * bootstrap Job creates it with random values when it does not exist. @default "modelplane-object-store"
   */
  readonly credentialsSecretName?: string;
}

/** @deprecated renamed: use {@link EmbeddedObjectStoreProps} (the same props). */
export type EmbeddedMinioProps = EmbeddedObjectStoreProps;

/** Internal props: where to run and which platform pods may connect (team namespaces are always allowed). */
export interface EmbeddedObjectStoreInternalProps extends EmbeddedObjectStoreProps, StorePlacement {}

/** The embedded object store as plain data. */
export interface ResolvedEmbeddedObjectStore extends ResolvedStore {
  /** In-cluster endpoint URL. */
  readonly endpoint: string;
  /** The artifact bucket. */
  readonly bucket: string;
  /** The buckets holding one prefix per team. */
  readonly teamBuckets: readonly string[];
  /** Root user Secret key. */
  readonly rootUserSecret: SecretKeyRef;
  /** Root password Secret key. */
  readonly rootPasswordSecret: SecretKeyRef;
}

/** True for a valid S3 bucket name (3-63 lower-case letters, digits, "." and "-"). */
export function isBucketName(value: unknown): boolean {
  return typeof value === 'string' && /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) && !value.includes('..');
}

const BUCKET_FIX = 'use 3-63 lower-case letters, digits, "." and "-"';

const RULES: StoreRules = {
  storageSize: '50Gi',
  image: OBJECT_STORE_IMAGE,
  secretField: 'credentialsSecretName',
  secretName: 'modelplane-object-store',
  known: ['storageSize', 'storageClassName', 'bucket', 'teamBuckets', 'image', 'credentialsSecretName'],
  credentialsFix:
    "the embedded object store's credentials are generated in the cluster (root: Secret `credentialsSecretName`; each team's: Secret `modelplane-s3` in its namespace); remove the field",
  checkOwn: (v, prefix, p) => {
    const bucket = p.bucket ?? 'mlflow';
    v.check(isBucketName(bucket), `${prefix}bucket`, bucket, 'is not a valid bucket name', BUCKET_FIX);
    const teamBuckets = p.teamBuckets ?? DEFAULT_TEAM_BUCKETS;
    if (
      !v.check(
        Array.isArray(teamBuckets),
        `${prefix}teamBuckets`,
        teamBuckets,
        'must be a list of bucket names',
        'write e.g. ["code", "envs", "data"]',
      )
    )
      return;
    (teamBuckets as unknown[]).forEach((b, i) =>
      v.check(isBucketName(b), `${prefix}teamBuckets[${i}]`, b, 'is not a valid bucket name', BUCKET_FIX),
    );
    for (const d of duplicates(teamBuckets as string[]))
      v.fail(`${prefix}teamBuckets`, d, 'names the same bucket twice', 'list each bucket once');
    if ((teamBuckets as unknown[]).includes(bucket))
      v.fail(
        `${prefix}teamBuckets`,
        bucket,
        'includes the MLflow artifact bucket `bucket`, which only the MLflow server may use',
        'give the teams buckets of their own, e.g. ["code", "envs", "data"]',
      );
  },
};

/**
 * Validates the user-facing props of an embedded object store; `prefix` is the props' path in the caller's
 * props (e.g. `artifactStore.embedded.`), so the owner can report the issues as its own.
 */
export function validateEmbeddedObjectStore(v: Validator, prefix: string, props: unknown): void {
  checkStoreProps(v, prefix, props, RULES);
}

/** The resolved object store of props that passed {@link validateEmbeddedObjectStore}. */
export function embeddedObjectStoreSpec(props: EmbeddedObjectStoreInternalProps): ResolvedEmbeddedObjectStore {
  const store = storeSpec({ ...props, secretName: props.credentialsSecretName }, RULES, OBJECT_STORE_NAME, {
    name: OBJECT_STORE_NAME,
    component: 'object-store',
  });
  return {
    ...store,
    endpoint: `http://${store.name}.${store.namespace}.svc.cluster.local:${OBJECT_STORE_PORT}`,
    bucket: props.bucket ?? 'mlflow',
    teamBuckets: [...(props.teamBuckets ?? DEFAULT_TEAM_BUCKETS)],
    rootUserSecret: { name: store.secretName, key: 'root-user' },
    rootPasswordSecret: { name: store.secretName, key: 'root-password' },
  };
}

/** Checks and defaults the props of an {@link EmbeddedObjectStore}: the resolved object store, or every problem. */
export function resolveEmbeddedObjectStore(id: string, props: EmbeddedObjectStoreInternalProps): Resolution<ResolvedEmbeddedObjectStore> {
  return resolveStore('EmbeddedObjectStore', id, props, RULES, embeddedObjectStoreSpec);
}

/** Labels of the bootstrap Job's pods, which provision the store (buckets, team users, bucket policies). */
export const PROVISIONER_POD_LABELS: Readonly<Record<string, string>> = { 'app.kubernetes.io/instance': 'modelplane-secret-bootstrap' };

/**
 * A single-node versitygw as the S3-compatible artifact store (the embedded default): a StatefulSet
 * with a PersistentVolumeClaim (objects and the internal IAM), a Service and a NetworkPolicy letting in
 * only MLflow, the team namespaces and the bootstrap Job that provisions it.
 */
export class EmbeddedObjectStore extends EmbeddedStore {
  /** In-cluster endpoint URL. */
  public readonly endpoint: string;
  /** The artifact bucket. */
  public readonly bucket: string;
  /** The buckets holding one prefix per team. */
  public readonly teamBuckets: readonly string[];
  /** Root user Secret key. */
  public readonly rootUserSecret: SecretKeyRef;
  /** Root password Secret key. */
  public readonly rootPasswordSecret: SecretKeyRef;

  constructor(scope: Construct, id: string, props: EmbeddedObjectStoreInternalProps) {
    const spec = orThrow(resolveEmbeddedObjectStore(id, props));
    super(scope, id, spec, objectStoreWorkload(spec));
    this.endpoint = spec.endpoint;
    this.bucket = spec.bucket;
    this.teamBuckets = spec.teamBuckets;
    this.rootUserSecret = spec.rootUserSecret;
    this.rootPasswordSecret = spec.rootPasswordSecret;
    storeNetworkPolicy(this, spec, OBJECT_STORE_PORT, [
      { podSelector: { matchLabels: { ...spec.clientPodLabels } } },
      { podSelector: { matchLabels: { ...PROVISIONER_POD_LABELS } } },
      teamNamespacesPeer(),
    ]);
  }
}

/** @deprecated renamed: use {@link EmbeddedObjectStore} (the embedded store is versitygw now). */
export const EmbeddedMinio = EmbeddedObjectStore;

/**
 * The versitygw container: the POSIX backend in `/data/buckets`, the internal IAM (the team users) in
 * `/data/iam`, both on the data volume; the root credentials from the Secret.
 */
function objectStoreWorkload(spec: ResolvedEmbeddedObjectStore) {
  const health = {
    httpGet: { path: HEALTH_PATH, port: k8s.IntOrString.fromString('s3') },
    periodSeconds: 10,
    timeoutSeconds: 5,
    failureThreshold: 6,
  };
  return {
    port: { name: 's3', port: OBJECT_STORE_PORT },
    dataPath: '/data',
    scratch: [TMP_DIR],
    container: {
      name: 'versitygw',
      image: spec.image,
      command: ['/bin/sh', '-ec'],
      args: [
        `mkdir -p /data/buckets /data/iam && exec versitygw --port :${OBJECT_STORE_PORT} --health ${HEALTH_PATH} --iam-dir /data/iam posix /data/buckets`,
      ],
      env: [
        secretEnv('ROOT_ACCESS_KEY_ID', spec.rootUserSecret),
        secretEnv('ROOT_SECRET_ACCESS_KEY', spec.rootPasswordSecret),
        { name: 'HOME', value: '/tmp' },
        { name: 'TMPDIR', value: '/tmp' },
      ],
      startupProbe: { ...health, failureThreshold: 30, periodSeconds: 5 },
      readinessProbe: health,
      // versitygw has one health endpoint: liveness asks only that the port accepts connections, so a slow
      // health answer makes the pod unready before it restarts it.
      livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('s3') }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
      resources: { cpu: '250m', memory: '512Mi' },
    },
  };
}

/** The health path versitygw answers on (`--health`). */
export const HEALTH_PATH = '/_/health';
