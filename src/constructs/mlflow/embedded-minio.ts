import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Validator } from '../../core/errors';
import { dataVolumeClaim, storeServices } from './single-store';
import { selectorLabels, standardLabels } from '../../core/labels';
import { SecretKeyRef, secretEnv } from '../../core/secrets';
import {
  DEFAULT_UID,
  IMAGE_PULL_POLICY,
  resourceRequirements,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  scratchMounts,
  scratchVolumes,
  TMP_DIR,
} from '../../core/security';
import { checkNoPlainCredentials } from '../../core/secrets';
import { checkImage, checkName, checkQuantity, dnsSubdomainProblem } from '../../core/validate';
import { isRecord } from '../../core/records';

/** The MinIO server image the embedded object store pins. */
export const MINIO_IMAGE = 'quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z';
/** The MinIO client image used to create buckets. */
export const MINIO_CLIENT_IMAGE = 'quay.io/minio/mc:RELEASE.2025-04-16T18-13-26Z';

/** User-facing properties of the embedded MinIO. */
export interface EmbeddedMinioProps {
  /** Volume size. @default "50Gi" */
  readonly storageSize?: string;
  /** StorageClass. @default - the cluster default */
  readonly storageClassName?: string;
  /** Bucket for MLflow artifacts (created by a Job). @default "mlflow" */
  readonly bucket?: string;
  /** Image. @default {@link MINIO_IMAGE} */
  readonly image?: string;
  /**
   * Secret with keys `root-user` and `root-password`. modelplane's bootstrap Job creates it with
   * random values when it does not exist. @default "modelplane-minio"
   */
  readonly credentialsSecretName?: string;
}

/** Internal props: where to run and who may connect. */
export interface EmbeddedMinioInternalProps extends EmbeddedMinioProps {
  /** Namespace. */
  readonly namespace: string;
  /** Labels of platform pods allowed to connect (team namespaces are always allowed). */
  readonly clientPodLabels: Readonly<Record<string, string>>;
}

/**
 * A single-node MinIO as the S3-compatible artifact store (the embedded default): a StatefulSet
 * with a PersistentVolumeClaim, a Service, a Job that creates the bucket, and a NetworkPolicy.
 */
export class EmbeddedMinio extends Construct {
  /** Service name. */
  public readonly serviceName = 'minio';
  /** In-cluster endpoint URL. */
  public readonly endpoint: string;
  /** The artifact bucket. */
  public readonly bucket: string;
  /** Root user Secret key. */
  public readonly rootUserSecret: SecretKeyRef;
  /** Root password Secret key. */
  public readonly rootPasswordSecret: SecretKeyRef;
  /** Pod labels. */
  public readonly podLabels: Record<string, string>;
  /** The StatefulSet. */
  public readonly statefulSet: ApiObject;

  constructor(scope: Construct, id: string, props: EmbeddedMinioInternalProps) {
    super(scope, id);
    const v = new Validator('EmbeddedMinio', id);
    validateEmbeddedMinio(v, '', props);
    checkName(v, 'namespace', props.namespace);
    v.done();
    const size = props.storageSize ?? '50Gi';
    const image = props.image ?? MINIO_IMAGE;
    this.bucket = props.bucket ?? 'mlflow';
    const secretName = props.credentialsSecretName ?? 'modelplane-minio';

    const ns = props.namespace;
    const name = this.serviceName;
    this.endpoint = `http://${name}.${ns}.svc.cluster.local:9000`;
    this.rootUserSecret = { name: secretName, key: 'root-user' };
    this.rootPasswordSecret = { name: secretName, key: 'root-password' };
    const info = { name: 'minio', instance: name, component: 'object-store', version: image.split(':').pop() };
    const labels = standardLabels(info);
    this.podLabels = selectorLabels(info);
    const credsEnv = [secretEnv('MINIO_ROOT_USER', this.rootUserSecret), secretEnv('MINIO_ROOT_PASSWORD', this.rootPasswordSecret)];
    const credsDir = '/etc/modelplane/minio';
    const health = (path: string): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromString('s3') },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 6,
    });
    const uid = DEFAULT_UID; // MinIO and mc run as any uid; above 10000 none collides with a host account

    const governing = storeServices(this, name, ns, labels, this.podLabels, { name: 's3', port: 9000 });

    this.statefulSet = new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: { name, namespace: ns, labels },
      spec: {
        serviceName: governing,
        replicas: 1,
        selector: { matchLabels: this.podLabels },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(uid),
            containers: [
              {
                name: 'minio',
                image,
                imagePullPolicy: IMAGE_PULL_POLICY,
                command: ['minio', 'server', '/data', '--address', ':9000', '--console-address', ':9001'],
                env: [...credsEnv, { name: 'HOME', value: '/tmp' }, { name: 'MINIO_BROWSER', value: 'off' }],
                ports: [{ name: 's3', containerPort: 9000, protocol: 'TCP' }],
                startupProbe: { ...health('/minio/health/live'), failureThreshold: 30, periodSeconds: 5 },
                readinessProbe: health('/minio/health/ready'),
                livenessProbe: { ...health('/minio/health/live'), periodSeconds: 20 },
                securityContext: restrictedContainerSecurityContext(uid),
                resources: resourceRequirements({ cpu: '250m', memory: '1Gi' }),
                volumeMounts: [{ name: 'data', mountPath: '/data' }, ...scratchMounts([TMP_DIR])],
              },
            ],
            volumes: scratchVolumes([TMP_DIR]),
          },
        },
        ...dataVolumeClaim(labels, size, props.storageClassName),
      },
    });

    const jobLabels = standardLabels({ name: 'minio', instance: 'minio-buckets', component: 'bucket-setup' });
    new k8s.KubeJob(this, 'Buckets', {
      metadata: { name: 'minio-buckets', namespace: ns, labels: jobLabels },
      spec: {
        backoffLimit: 20,
        ttlSecondsAfterFinished: 86400,
        template: {
          metadata: { labels: jobLabels },
          spec: {
            restartPolicy: 'OnFailure',
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(uid),
            containers: [
              {
                name: 'mc',
                image: MINIO_CLIENT_IMAGE,
                imagePullPolicy: IMAGE_PULL_POLICY,
                command: ['/bin/sh', '-ec'],
                // The credentials are read from the mounted Secret files, so they are never in the container's environment.
                args: [
                  `user="$(cat ${credsDir}/root-user)"; password="$(cat ${credsDir}/root-password)"; ` +
                    `mc alias set local http://${name}:9000 "$user" "$password" && mc mb --ignore-existing local/${this.bucket}`,
                ],
                env: [
                  { name: 'HOME', value: '/tmp' },
                  { name: 'MC_CONFIG_DIR', value: '/tmp/.mc' },
                ],
                securityContext: restrictedContainerSecurityContext(uid),
                resources: resourceRequirements({ cpu: '50m', memory: '64Mi' }),
                volumeMounts: [...scratchMounts([TMP_DIR]), { name: 'credentials', mountPath: credsDir, readOnly: true }],
              },
            ],
            volumes: [
              ...scratchVolumes([TMP_DIR]),
              {
                name: 'credentials',
                projected: {
                  defaultMode: 0o440,
                  sources: [
                    { secret: { name: this.rootUserSecret.name, items: [{ key: this.rootUserSecret.key, path: 'root-user' }] } },
                    {
                      secret: { name: this.rootPasswordSecret.name, items: [{ key: this.rootPasswordSecret.key, path: 'root-password' }] },
                    },
                  ],
                },
              },
            ],
          },
        },
      },
    });

    const port = { port: k8s.IntOrString.fromNumber(9000), protocol: 'TCP' };
    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name, namespace: ns, labels },
      spec: {
        podSelector: { matchLabels: this.podLabels },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          {
            from: [
              { podSelector: { matchLabels: { ...props.clientPodLabels } } },
              { podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'minio-buckets' } } },
              { namespaceSelector: { matchExpressions: [{ key: 'modelplane.dev/team', operator: 'Exists' }] } },
            ],
            ports: [port],
          },
        ],
        egress: [],
      },
    });

    new k8s.KubeNetworkPolicy(this, 'BucketsNetworkPolicy', {
      metadata: { name: 'minio-buckets', namespace: ns, labels: jobLabels },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'minio-buckets' } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [],
        egress: [
          { to: [{ podSelector: { matchLabels: this.podLabels } }], ports: [port] },
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
            ports: [
              { port: k8s.IntOrString.fromNumber(53), protocol: 'UDP' },
              { port: k8s.IntOrString.fromNumber(53), protocol: 'TCP' },
            ],
          },
        ],
      },
    });
  }
}

/** True for a valid S3 bucket name (3-63 lower-case letters, digits, "." and "-"). */
export function isBucketName(value: unknown): boolean {
  return typeof value === 'string' && /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) && !value.includes('..');
}

/**
 * Validates the user-facing props of an embedded MinIO; `prefix` is the props' path in the caller's
 * props (e.g. `artifactStore.embedded.`), so the owner can report the issues as its own.
 */
export function validateEmbeddedMinio(v: Validator, prefix: string, props: unknown): void {
  if (
    !v.check(
      isRecord(props),
      prefix.replace(/\.$/, '') || 'props',
      props,
      'must be an object',
      'write e.g. { storageSize: "50Gi" }, or {} for the defaults',
    )
  )
    return;
  const p = props as EmbeddedMinioProps & Record<string, unknown>;
  checkQuantity(v, `${prefix}storageSize`, p.storageSize ?? '50Gi', '50Gi');
  checkImage(v, `${prefix}image`, p.image ?? MINIO_IMAGE);
  const bucket = p.bucket ?? 'mlflow';
  v.check(
    isBucketName(bucket),
    `${prefix}bucket`,
    bucket,
    'is not a valid bucket name',
    'use 3-63 lower-case letters, digits, "." and "-"',
  );
  checkName(v, `${prefix}credentialsSecretName`, p.credentialsSecretName ?? 'modelplane-minio');
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
  checkNoPlainCredentials(
    v,
    prefix,
    p,
    ['storageSize', 'storageClassName', 'bucket', 'image', 'credentialsSecretName'],
    "the embedded MinIO's credentials are generated in the cluster into the Secret `credentialsSecretName`; remove the field",
  );
}
