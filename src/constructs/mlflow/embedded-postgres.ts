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

/** The PostgreSQL image the embedded database pins (Debian-based; its entrypoint runs as any non-root uid). */
export const POSTGRES_IMAGE = 'docker.io/library/postgres:16.4';

/** User-facing properties of the embedded PostgreSQL. */
export interface EmbeddedPostgresProps {
  /** Volume size. @default "20Gi" */
  readonly storageSize?: string;
  /** StorageClass. @default - the cluster default */
  readonly storageClassName?: string;
  /** Image. @default {@link POSTGRES_IMAGE} */
  readonly image?: string;
  /**
   * Secret holding the database password under key `password`. modelplane's bootstrap Job creates
   * it with a random value when it does not exist. @default "mlflow-postgres"
   */
  readonly passwordSecretName?: string;
}

/** Internal props: where to run and who may connect. */
export interface EmbeddedPostgresInternalProps extends EmbeddedPostgresProps {
  /** Namespace. */
  readonly namespace: string;
  /** Labels of the pods allowed to connect. */
  readonly clientPodLabels: Readonly<Record<string, string>>;
}

/**
 * A single-instance PostgreSQL for MLflow's backend store (seed 002's "small team" default): a
 * StatefulSet with a PersistentVolumeClaim, a Service, and a NetworkPolicy letting only MLflow in.
 * For production, point MLflow at a managed database with `backendStore.external`.
 */
export class EmbeddedPostgres extends Construct {
  /** Service name. */
  public readonly serviceName: string;
  /** Database user. */
  public readonly user = 'mlflow';
  /** Database name. */
  public readonly database = 'mlflow';
  /** The password's Secret key. */
  public readonly passwordSecret: SecretKeyRef;
  /** Pod labels. */
  public readonly podLabels: Record<string, string>;
  /** The StatefulSet. */
  public readonly statefulSet: ApiObject;

  constructor(scope: Construct, id: string, props: EmbeddedPostgresInternalProps) {
    super(scope, id);
    const v = new Validator('EmbeddedPostgres', id);
    validateEmbeddedPostgres(v, '', props);
    checkName(v, 'namespace', props.namespace);
    v.done();
    const size = props.storageSize ?? '20Gi';
    const image = props.image ?? POSTGRES_IMAGE;
    const secretName = props.passwordSecretName ?? 'mlflow-postgres';

    const ns = props.namespace;
    const name = 'mlflow-postgres';
    this.serviceName = name;
    this.passwordSecret = { name: secretName, key: 'password' };
    const info = { name: 'postgresql', instance: name, component: 'database', version: image.split(':').pop() };
    const labels = standardLabels(info);
    this.podLabels = selectorLabels(info);
    // Not the image's own postgres user (999): a uid above 10000 cannot collide with a host account. The
    // entrypoint supports any uid; fsGroup makes the data volume writable for it.
    const uid = DEFAULT_UID;
    const pgReady: k8s.Probe = {
      exec: { command: ['pg_isready', '-h', '127.0.0.1', '-U', this.user, '-d', this.database] },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 6,
    };
    const scratch = [TMP_DIR, { name: 'run', mountPath: '/var/run/postgresql', sizeLimit: '16Mi' }];

    const governing = storeServices(this, name, ns, labels, this.podLabels, { name: 'postgres', port: 5432 });

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
                name: 'postgres',
                image,
                imagePullPolicy: IMAGE_PULL_POLICY,
                env: [
                  { name: 'POSTGRES_USER', value: this.user },
                  { name: 'POSTGRES_DB', value: this.database },
                  secretEnv('POSTGRES_PASSWORD', this.passwordSecret),
                  { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
                ],
                ports: [{ name: 'postgres', containerPort: 5432, protocol: 'TCP' }],
                startupProbe: { ...pgReady, failureThreshold: 30, periodSeconds: 5 },
                readinessProbe: pgReady,
                livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('postgres') }, periodSeconds: 20, failureThreshold: 3 },
                securityContext: restrictedContainerSecurityContext(uid),
                resources: resourceRequirements({ cpu: '250m', memory: '1Gi' }),
                volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }, ...scratchMounts(scratch)],
              },
            ],
            volumes: scratchVolumes(scratch),
          },
        },
        ...dataVolumeClaim(labels, size, props.storageClassName),
      },
    });

    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name, namespace: ns, labels },
      spec: {
        podSelector: { matchLabels: this.podLabels },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          {
            from: [{ podSelector: { matchLabels: { ...props.clientPodLabels } } }],
            ports: [{ port: k8s.IntOrString.fromNumber(5432), protocol: 'TCP' }],
          },
        ],
        egress: [],
      },
    });
  }
}

/**
 * Validates the user-facing props of an embedded PostgreSQL; `prefix` is the props' path in the
 * caller's props (e.g. `backendStore.embedded.`), so the owner can report the issues as its own.
 */
export function validateEmbeddedPostgres(v: Validator, prefix: string, props: unknown): void {
  if (
    !v.check(
      isRecord(props),
      prefix.replace(/\.$/, '') || 'props',
      props,
      'must be an object',
      'write e.g. { storageSize: "20Gi" }, or {} for the defaults',
    )
  )
    return;
  const p = props as EmbeddedPostgresProps & Record<string, unknown>;
  checkQuantity(v, `${prefix}storageSize`, p.storageSize ?? '20Gi', '20Gi');
  checkImage(v, `${prefix}image`, p.image ?? POSTGRES_IMAGE);
  checkName(v, `${prefix}passwordSecretName`, p.passwordSecretName ?? 'mlflow-postgres');
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
    ['storageSize', 'storageClassName', 'image', 'passwordSecretName'],
    "the embedded database's password is generated in the cluster into the Secret `passwordSecretName`; remove the field",
  );
}
