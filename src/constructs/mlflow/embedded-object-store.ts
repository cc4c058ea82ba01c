import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { orThrow, Resolution, Validator } from '../../core/errors';
import { standardLabels } from '../../core/labels';
import { dnsEgress, policyPort } from '../../core/network';
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
import { isolatingPolicy, setupJob, teamNamespacesPeer } from './workload';

/** The MinIO server image the embedded object store pins. */
export const MINIO_IMAGE = 'quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z';
/** The MinIO client image used to create buckets. */
export const MINIO_CLIENT_IMAGE = 'quay.io/minio/mc:RELEASE.2025-04-16T18-13-26Z';
/** The port MinIO's S3 API listens on. */
export const MINIO_PORT = 9000;

/** User-facing properties of the embedded MinIO (volume size by default "50Gi", image {@link MINIO_IMAGE}). */
export interface EmbeddedMinioProps extends EmbeddedStoreProps {
  /** Bucket for MLflow artifacts (created by a Job). @default "mlflow" */
  readonly bucket?: string;
  /**
   * Secret with keys `root-user` and `root-password`. modelplane's bootstrap Job creates it with
   * random values when it does not exist. @default "modelplane-minio"
   */
  readonly credentialsSecretName?: string;
}

/** Internal props: where to run and which platform pods may connect (team namespaces are always allowed). */
export interface EmbeddedMinioInternalProps extends EmbeddedMinioProps, StorePlacement {}

/** The embedded MinIO as plain data. */
export interface ResolvedEmbeddedMinio extends ResolvedStore {
  /** In-cluster endpoint URL. */
  readonly endpoint: string;
  /** The artifact bucket. */
  readonly bucket: string;
  /** Root user Secret key. */
  readonly rootUserSecret: SecretKeyRef;
  /** Root password Secret key. */
  readonly rootPasswordSecret: SecretKeyRef;
}

/** True for a valid S3 bucket name (3-63 lower-case letters, digits, "." and "-"). */
export function isBucketName(value: unknown): boolean {
  return typeof value === 'string' && /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) && !value.includes('..');
}

const RULES: StoreRules = {
  storageSize: '50Gi',
  image: MINIO_IMAGE,
  secretField: 'credentialsSecretName',
  secretName: 'modelplane-minio',
  known: ['storageSize', 'storageClassName', 'bucket', 'image', 'credentialsSecretName'],
  credentialsFix: "the embedded MinIO's credentials are generated in the cluster into the Secret `credentialsSecretName`; remove the field",
  checkOwn: (v, prefix, p) => {
    const bucket = p.bucket ?? 'mlflow';
    v.check(
      isBucketName(bucket),
      `${prefix}bucket`,
      bucket,
      'is not a valid bucket name',
      'use 3-63 lower-case letters, digits, "." and "-"',
    );
  },
};

/**
 * Validates the user-facing props of an embedded MinIO; `prefix` is the props' path in the caller's
 * props (e.g. `artifactStore.embedded.`), so the owner can report the issues as its own.
 */
export function validateEmbeddedMinio(v: Validator, prefix: string, props: unknown): void {
  checkStoreProps(v, prefix, props, RULES);
}

/** The resolved object store of props that passed {@link validateEmbeddedMinio}. */
export function embeddedMinioSpec(props: EmbeddedMinioInternalProps): ResolvedEmbeddedMinio {
  const store = storeSpec({ ...props, secretName: props.credentialsSecretName }, RULES, 'minio', {
    name: 'minio',
    component: 'object-store',
  });
  return {
    ...store,
    endpoint: `http://${store.name}.${store.namespace}.svc.cluster.local:${MINIO_PORT}`,
    bucket: props.bucket ?? 'mlflow',
    rootUserSecret: { name: store.secretName, key: 'root-user' },
    rootPasswordSecret: { name: store.secretName, key: 'root-password' },
  };
}

/** Checks and defaults the props of an {@link EmbeddedMinio}: the resolved object store, or every problem. */
export function resolveEmbeddedMinio(id: string, props: EmbeddedMinioInternalProps): Resolution<ResolvedEmbeddedMinio> {
  return resolveStore('EmbeddedMinio', id, props, RULES, embeddedMinioSpec);
}

/**
 * A single-node MinIO as the S3-compatible artifact store (the embedded default): a StatefulSet
 * with a PersistentVolumeClaim, a Service, a Job that creates the bucket, and a NetworkPolicy.
 */
export class EmbeddedMinio extends EmbeddedStore {
  /** In-cluster endpoint URL. */
  public readonly endpoint: string;
  /** The artifact bucket. */
  public readonly bucket: string;
  /** Root user Secret key. */
  public readonly rootUserSecret: SecretKeyRef;
  /** Root password Secret key. */
  public readonly rootPasswordSecret: SecretKeyRef;

  constructor(scope: Construct, id: string, props: EmbeddedMinioInternalProps) {
    const spec = orThrow(resolveEmbeddedMinio(id, props));
    super(scope, id, spec, minioWorkload(spec));
    this.endpoint = spec.endpoint;
    this.bucket = spec.bucket;
    this.rootUserSecret = spec.rootUserSecret;
    this.rootPasswordSecret = spec.rootPasswordSecret;
    const jobLabels = renderBucketJob(this, spec);
    storeNetworkPolicy(this, spec, MINIO_PORT, [
      { podSelector: { matchLabels: { ...spec.clientPodLabels } } },
      { podSelector: { matchLabels: BUCKET_JOB_SELECTOR } },
      teamNamespacesPeer(),
    ]);
    isolatingPolicy(this, 'BucketsNetworkPolicy', { name: BUCKET_JOB, namespace: spec.namespace, labels: jobLabels }, BUCKET_JOB_SELECTOR, {
      egress: [{ to: [{ podSelector: { matchLabels: spec.podLabels } }], ports: [policyPort(MINIO_PORT)] }, dnsEgress()],
    });
  }
}

/** The MinIO server container (MinIO runs as any uid). */
function minioWorkload(spec: ResolvedEmbeddedMinio) {
  const health = (path: string): k8s.Probe => ({
    httpGet: { path, port: k8s.IntOrString.fromString('s3') },
    periodSeconds: 10,
    timeoutSeconds: 5,
    failureThreshold: 6,
  });
  return {
    port: { name: 's3', port: MINIO_PORT },
    dataPath: '/data',
    scratch: [TMP_DIR],
    container: {
      name: 'minio',
      image: spec.image,
      command: ['minio', 'server', '/data', '--address', `:${MINIO_PORT}`, '--console-address', ':9001'],
      env: [
        secretEnv('MINIO_ROOT_USER', spec.rootUserSecret),
        secretEnv('MINIO_ROOT_PASSWORD', spec.rootPasswordSecret),
        { name: 'HOME', value: '/tmp' },
        { name: 'MINIO_BROWSER', value: 'off' },
      ],
      startupProbe: { ...health('/minio/health/live'), failureThreshold: 30, periodSeconds: 5 },
      readinessProbe: health('/minio/health/ready'),
      livenessProbe: { ...health('/minio/health/live'), periodSeconds: 20 },
      resources: { cpu: '250m', memory: '1Gi' },
    },
  };
}

const BUCKET_JOB = 'minio-buckets';
const BUCKET_JOB_SELECTOR = { 'app.kubernetes.io/instance': BUCKET_JOB };

/** The Job creating the bucket; it reads the credentials from mounted Secret files, never from its environment. */
function renderBucketJob(scope: Construct, spec: ResolvedEmbeddedMinio): Record<string, string> {
  const labels = standardLabels({ name: 'minio', instance: BUCKET_JOB, component: 'bucket-setup' });
  const credsDir = '/etc/modelplane/minio';
  const file = (ref: SecretKeyRef, path: string) => ({ secret: { name: ref.name, items: [{ key: ref.key, path }] } });
  setupJob(scope, 'Buckets', {
    name: BUCKET_JOB,
    namespace: spec.namespace,
    labels,
    backoffLimit: 20,
    container: {
      name: 'mc',
      image: MINIO_CLIENT_IMAGE,
      command: ['/bin/sh', '-ec'],
      args: [
        `user="$(cat ${credsDir}/root-user)"; password="$(cat ${credsDir}/root-password)"; ` +
          `mc alias set local http://${spec.name}:${MINIO_PORT} "$user" "$password" && mc mb --ignore-existing local/${spec.bucket}`,
      ],
      env: [
        { name: 'HOME', value: '/tmp' },
        { name: 'MC_CONFIG_DIR', value: '/tmp/.mc' },
      ],
      resources: { cpu: '50m', memory: '64Mi' },
    },
    readOnly: {
      volume: {
        name: 'credentials',
        projected: {
          defaultMode: 0o440,
          sources: [file(spec.rootUserSecret, 'root-user'), file(spec.rootPasswordSecret, 'root-password')],
        },
      },
      mountPath: credsDir,
    },
  });
  return labels;
}
