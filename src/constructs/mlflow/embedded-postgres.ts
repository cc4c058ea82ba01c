import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { orThrow, Resolution, Validator } from '../../core/errors';
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

/** The PostgreSQL image the embedded database pins (Debian-based; its entrypoint runs as any non-root uid). */
export const POSTGRES_IMAGE = 'docker.io/library/postgres:16.4';

/** The port PostgreSQL listens on. */
export const POSTGRES_PORT = 5432;

/** User-facing properties of the embedded PostgreSQL (volume size by default "20Gi", image {@link POSTGRES_IMAGE}). */
export interface EmbeddedPostgresProps extends EmbeddedStoreProps {
  /**
   * Secret holding the database password under key `password`. modelplane's bootstrap Job creates
   * it with a random value when it does not exist. @default "mlflow-postgres"
   */
  readonly passwordSecretName?: string;
}

/** Internal props: where to run and who may connect. */
export interface EmbeddedPostgresInternalProps extends EmbeddedPostgresProps, StorePlacement {}

/** The embedded PostgreSQL as plain data. */
export interface ResolvedEmbeddedPostgres extends ResolvedStore {
  /** Database user. */
  readonly user: string;
  /** Database name. */
  readonly database: string;
  /** The password's Secret key. */
  readonly passwordSecret: SecretKeyRef;
}

const RULES: StoreRules = {
  storageSize: '20Gi',
  image: POSTGRES_IMAGE,
  secretField: 'passwordSecretName',
  secretName: 'mlflow-postgres',
  known: ['storageSize', 'storageClassName', 'image', 'passwordSecretName'],
  credentialsFix: "the embedded database's password is generated in the cluster into the Secret `passwordSecretName`; remove the field",
};

/**
 * Validates the user-facing props of an embedded PostgreSQL; `prefix` is the props' path in the
 * caller's props (e.g. `backendStore.embedded.`), so the owner can report the issues as its own.
 */
export function validateEmbeddedPostgres(v: Validator, prefix: string, props: unknown): void {
  checkStoreProps(v, prefix, props, RULES);
}

/** The resolved database of props that passed {@link validateEmbeddedPostgres}. */
export function embeddedPostgresSpec(props: EmbeddedPostgresInternalProps): ResolvedEmbeddedPostgres {
  const store = storeSpec({ ...props, secretName: props.passwordSecretName }, RULES, 'mlflow-postgres', {
    name: 'postgresql',
    component: 'database',
  });
  return { ...store, user: 'mlflow', database: 'mlflow', passwordSecret: { name: store.secretName, key: 'password' } };
}

/** Checks and defaults the props of an {@link EmbeddedPostgres}: the resolved database, or every problem. */
export function resolveEmbeddedPostgres(id: string, props: EmbeddedPostgresInternalProps): Resolution<ResolvedEmbeddedPostgres> {
  return resolveStore('EmbeddedPostgres', id, props, RULES, embeddedPostgresSpec);
}

/**
 * A single-instance PostgreSQL for MLflow's backend store (the small team's default): a StatefulSet
 * with a PersistentVolumeClaim, a Service, and a NetworkPolicy letting only MLflow in.
 * For production, point MLflow at a managed database with `backendStore.external`.
 */
export class EmbeddedPostgres extends EmbeddedStore {
  /** Database user. */
  public readonly user: string;
  /** Database name. */
  public readonly database: string;
  /** The password's Secret key. */
  public readonly passwordSecret: SecretKeyRef;

  constructor(scope: Construct, id: string, props: EmbeddedPostgresInternalProps) {
    const spec = orThrow(resolveEmbeddedPostgres(id, props));
    super(scope, id, spec, postgresWorkload(spec));
    this.user = spec.user;
    this.database = spec.database;
    this.passwordSecret = spec.passwordSecret;
    storeNetworkPolicy(this, spec, POSTGRES_PORT, [{ podSelector: { matchLabels: { ...spec.clientPodLabels } } }]);
  }
}

/** The database container: not the image's own postgres user (999), any uid works with its entrypoint. */
function postgresWorkload(spec: ResolvedEmbeddedPostgres) {
  const pgReady: k8s.Probe = {
    exec: { command: ['pg_isready', '-h', '127.0.0.1', '-U', spec.user, '-d', spec.database] },
    periodSeconds: 10,
    timeoutSeconds: 5,
    failureThreshold: 6,
  };
  return {
    port: { name: 'postgres', port: POSTGRES_PORT },
    dataPath: '/var/lib/postgresql/data',
    scratch: [TMP_DIR, { name: 'run', mountPath: '/var/run/postgresql', sizeLimit: '16Mi' }],
    container: {
      name: 'postgres',
      image: spec.image,
      env: [
        { name: 'POSTGRES_USER', value: spec.user },
        { name: 'POSTGRES_DB', value: spec.database },
        secretEnv('POSTGRES_PASSWORD', spec.passwordSecret),
        { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
      ],
      startupProbe: { ...pgReady, failureThreshold: 30, periodSeconds: 5 },
      readinessProbe: pgReady,
      livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('postgres') }, periodSeconds: 20, failureThreshold: 3 },
      resources: { cpu: '250m', memory: '1Gi' },
    },
  };
}
