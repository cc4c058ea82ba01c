/**
 * The MLflow server's props and their resolution: every check and default, as plain data, with no
 * construct created. {@link MlflowServer} renders what {@link resolveMlflowServer} returns.
 */
import { Resolution, Validator } from '../../core/errors';
import { isRecord } from '../../core/records';
import { checkNoPlainCredentials, checkSecretRef, SecretKeyRef } from '../../core/secrets';
import { ResourceSpec } from '../../core/security';
import { checkImage, checkName, checkResourceSpec, dnsSubdomainProblem, textProblem } from '../../core/validate';
import {
  EmbeddedObjectStoreProps,
  embeddedObjectStoreSpec,
  isBucketName,
  ResolvedEmbeddedObjectStore,
  validateEmbeddedObjectStore,
} from './embedded-object-store';
import { EmbeddedPostgresProps, embeddedPostgresSpec, ResolvedEmbeddedPostgres, validateEmbeddedPostgres } from './embedded-postgres';
import { workloadLabels } from './workload';

/** The MLflow version modelplane pins (server image and the Python client in tests). 3.18.0 has no mlflow-skinny 3.18.0 on PyPI, so it cannot be installed: 3.17.2 is the newest that does. */
export const MLFLOW_VERSION = '3.17.2';
/** The `-full` image: the plain image has neither psycopg2 nor boto3. */
export const MLFLOW_IMAGE = `ghcr.io/mlflow/mlflow:v${MLFLOW_VERSION}-full`;
/** MLflow's container port. */
export const MLFLOW_PORT = 5000;

/** An S3-compatible artifact store. */
export interface MlflowS3Store {
  /** Bucket name. */
  readonly bucket: string;
  /** Key prefix inside the bucket. @default "mlflow" */
  readonly prefix?: string;
  /** Endpoint URL for S3-compatible stores. @default - AWS S3 */
  readonly endpoint?: string;
  /** Region. @default "us-east-1" */
  readonly region?: string;
  /** Secret keys with the access key id and secret. @default - none (use workload identity, e.g. IRSA) */
  readonly accessKeyId?: SecretKeyRef;
  /** Secret key with the secret access key. @default - none */
  readonly secretAccessKey?: SecretKeyRef;
}

/** Where MLflow keeps runs and the model registry. Give exactly one of `embedded` or `external`. */
export interface MlflowBackendStore {
  /** An in-cluster PostgreSQL StatefulSet (the embedded default). */
  readonly embedded?: EmbeddedPostgresProps;
  /** An external database: a Secret key holding the full SQLAlchemy URI, e.g. `postgresql://user:pw@host:5432/mlflow`. */
  readonly external?: { readonly uriSecret: SecretKeyRef; readonly port?: number };
}

/** Where MLflow keeps artifacts. Give exactly one of `embedded` or `s3`. */
export interface MlflowArtifactStore {
  /** An in-cluster versitygw StatefulSet (the embedded default; see docs/object-store.md). */
  readonly embedded?: EmbeddedObjectStoreProps;
  /** Any S3-compatible store. */
  readonly s3?: MlflowS3Store;
}

/** Properties of an {@link MlflowServer}. */
export interface MlflowServerProps {
  /** Namespace to run in. */
  readonly namespace: string;
  /** Name of the Deployment and Service. @default "mlflow" */
  readonly name?: string;
  /** Server image; must contain psycopg2 and boto3. @default {@link MLFLOW_IMAGE} */
  readonly image?: string;
  /** Replicas, 2 to 1000; at least 2 so upgrades and node drains never take tracking down. @default 2 */
  readonly replicas?: number;
  /** Server resources. @default { cpu: "500m", memory: "2Gi" } */
  readonly resources?: ResourceSpec;
  /** uvicorn workers per replica, 1 to 64. @default 4 */
  readonly workers?: number;
  /** Backend store. @default { embedded: {} } */
  readonly backendStore?: MlflowBackendStore;
  /** Artifact store (proxied through the server: clients need no S3 credentials). @default { embedded: {} } */
  readonly artifactStore?: MlflowArtifactStore;
  /** External host name (ingress); added to the allowed hosts and CORS origins. @default - none */
  readonly ingressHost?: string;
  /** IngressClass for `ingressHost`; when set with `ingressHost`, an Ingress is created. @default - no Ingress */
  readonly ingressClassName?: string;
  /** Extra CORS origins. @default [] */
  readonly corsAllowedOrigins?: readonly string[];
  /**
   * Basic auth: a Secret with keys `basic_auth.ini` (MLflow's auth config, including the admin
   * password and auth database URI) and `flask-secret-key`. @default - no auth
   */
  readonly basicAuthSecret?: string;
  /** Namespaces (besides team namespaces, which carry `modelplane.dev/team`) allowed to call MLflow. @default [] */
  readonly clientNamespaces?: readonly string[];
  /** Namespace of Prometheus, allowed to scrape `/metrics`. @default "monitoring" */
  readonly monitoringNamespace?: string;
}

/** The backend store, resolved: the embedded database (with the props it is created from), or an external one. */
export type ResolvedBackendStore =
  | { readonly kind: 'embedded'; readonly props: EmbeddedPostgresProps; readonly postgres: ResolvedEmbeddedPostgres }
  | { readonly kind: 'external'; readonly uriSecret: SecretKeyRef; readonly port: number };

/** The artifact store, resolved: the embedded object store (with the props it is created from), or S3. */
export type ResolvedArtifactStore =
  | { readonly kind: 'embedded'; readonly props: EmbeddedObjectStoreProps; readonly store: ResolvedEmbeddedObjectStore }
  | ({ readonly kind: 's3' } & MlflowS3Store);

/** The MLflow server as plain data: every default filled in, every name and host computed. */
export interface ResolvedMlflowServer {
  /** Name of the Deployment, Service, PodDisruptionBudget, NetworkPolicy and Ingress. */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** Server image. */
  readonly image: string;
  /** Replicas. */
  readonly replicas: number;
  /** uvicorn workers per replica. */
  readonly workers: number;
  /** Server resources. */
  readonly resources: ResourceSpec;
  /** Labels of every object. */
  readonly labels: Record<string, string>;
  /** Labels selecting the server's pods. */
  readonly podLabels: Record<string, string>;
  /** The tracking URI inside the cluster. */
  readonly trackingUri: string;
  /** The hosts passed to `--allowed-hosts`. */
  readonly allowedHosts: readonly string[];
  /** The origins passed to `--cors-allowed-origins`. */
  readonly corsOrigins: readonly string[];
  /** Where runs and the registry are kept. */
  readonly backend: ResolvedBackendStore;
  /** Where artifacts are kept. */
  readonly artifacts: ResolvedArtifactStore;
  /** External host name. @default - none */
  readonly ingressHost?: string;
  /** IngressClass; an Ingress is rendered when both it and the host are given. @default - no Ingress */
  readonly ingressClassName?: string;
  /** The basic-auth Secret. @default - no auth */
  readonly basicAuthSecret?: string;
  /** Namespaces allowed to call the server besides the team namespaces. */
  readonly clientNamespaces: readonly string[];
  /** Namespace of Prometheus. */
  readonly monitoringNamespace: string;
}

/**
 * The hosts MLflow must accept: the Service's DNS names with and without the port (MLflow ≥ 3.5
 * compares the Host header exactly), `localhost` for the kubelet's probes, and the ingress host.
 */
export function mlflowAllowedHosts(name: string, ns: string, ingressHost?: string): string[] {
  const names = [name, `${name}.${ns}`, `${name}.${ns}.svc`, `${name}.${ns}.svc.cluster.local`, 'localhost'];
  const hosts = names.flatMap((n) => [n, `${n}:${MLFLOW_PORT}`]);
  if (ingressHost) hosts.push(ingressHost, `${ingressHost}:443`);
  return hosts;
}

/** Checks and defaults the props of an {@link MlflowServer}: the resolved server, or every problem at once. */
export function resolveMlflowServer(id: string, props: MlflowServerProps): Resolution<ResolvedMlflowServer> {
  const v = new Validator('MlflowServer', id);
  checkServer(v, props);
  const backend = props.backendStore ?? { embedded: {} };
  const artifacts = props.artifactStore ?? { embedded: {} };
  const backendOk = onlyOne(v, 'backendStore', backend, ['embedded', 'external']);
  const artifactsOk = onlyOne(v, 'artifactStore', artifacts, ['embedded', 's3']);
  if (backendOk && backend.embedded !== undefined) validateEmbeddedPostgres(v, 'backendStore.embedded.', backend.embedded);
  if (backendOk && backend.external !== undefined) checkExternalBackend(v, backend.external);
  if (artifactsOk && artifacts.embedded !== undefined) validateEmbeddedObjectStore(v, 'artifactStore.embedded.', artifacts.embedded);
  if (artifactsOk && artifacts.s3 !== undefined) checkS3(v, artifacts.s3);
  checkAccess(v, props);
  return v.result(() => serverSpec(props, backend, artifacts));
}

/** The most MLflow replicas (as for an OnlineModel). */
const MAX_REPLICAS = 1000;

function checkServer(v: Validator, props: MlflowServerProps): void {
  checkName(v, 'name', props.name ?? 'mlflow', 40);
  checkName(v, 'namespace', props.namespace);
  checkImage(v, 'image', props.image ?? MLFLOW_IMAGE);
  const replicas = props.replicas ?? 2;
  v.check(
    Number.isInteger(replicas) && replicas >= 2 && replicas <= MAX_REPLICAS,
    'replicas',
    replicas,
    `must be a whole number from 2 (one replica means downtime on every upgrade or drain) to ${MAX_REPLICAS}`,
    'set replicas to 2 or more, e.g. 2',
  );
  const workers = props.workers ?? 4;
  const workersOk = Number.isInteger(workers) && workers >= 1 && workers <= 64;
  v.check(workersOk, 'workers', workers, 'must be a whole number from 1 to 64', 'set e.g. 4');
  checkResources(v, props.resources ?? DEFAULT_RESOURCES);
}

const DEFAULT_RESOURCES: ResourceSpec = { cpu: '500m', memory: '2Gi' };

function checkResources(v: Validator, resources: ResourceSpec): void {
  checkResourceSpec(v, 'resources', resources, { cpu: '500m', memory: '2Gi', ephemeralStorage: '1Gi' });
}

/** True for a TCP port number. */
function isTcpPort(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;
}

function checkExternalBackend(v: Validator, external: unknown): void {
  const isObject = v.check(
    isRecord(external),
    'backendStore.external',
    external,
    'must be { uriSecret: { name, key } }',
    'pass a Secret reference to the full database URI',
  );
  if (!isObject) return;
  const e = external as Record<string, unknown>;
  checkNoPlainCredentials(
    v,
    'backendStore.external.',
    e,
    ['uriSecret', 'port'],
    'put the URI in a Secret (kubectl create secret generic mlflow-db --from-literal=uri=postgresql://...) and pass `backendStore.external.uriSecret: { name: "mlflow-db", key: "uri" }`',
  );
  checkSecretRef(v, 'backendStore.external.uriSecret', e.uriSecret);
  if (e.port !== undefined)
    v.check(isTcpPort(e.port), 'backendStore.external.port', e.port, 'is not a TCP port', 'set the database port, e.g. 5432');
}

/** The optional S3 fields checked by pattern: the field, its test, the problem and the fix. */
const S3_PATTERNS: ReadonlyArray<readonly [keyof MlflowS3Store, RegExp, string, string]> = [
  [
    'prefix',
    /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/,
    'is not a key prefix (no leading or trailing "/", no spaces)',
    'write e.g. "mlflow" or "ml/mlflow"',
  ],
  [
    'endpoint',
    /^https?:\/\/[^\s/@]+(\/\S*)?$/,
    'is not an http(s) URL without credentials',
    'write e.g. "https://s3.eu-central-1.amazonaws.com"',
  ],
  ['region', /^[a-z0-9-]+$/, 'is not a region name', 'write e.g. "eu-central-1"'],
];

function checkS3(v: Validator, s3: MlflowS3Store): void {
  const f = (key: string) => `artifactStore.s3.${key}`;
  v.check(
    isBucketName(s3.bucket),
    f('bucket'),
    s3.bucket,
    'is not a valid S3 bucket name',
    'use 3-63 lower-case letters, digits, "." and "-"',
  );
  for (const [key, pattern, problem, fix] of S3_PATTERNS) {
    const value = s3[key];
    const text = textProblem(value);
    if (value !== undefined) v.check(text === undefined && pattern.test(value as string), f(key), value, text ?? problem, fix);
  }
  v.check(
    (s3.accessKeyId === undefined) === (s3.secretAccessKey === undefined),
    f('accessKeyId'),
    s3.accessKeyId,
    'accessKeyId and secretAccessKey must be given together',
    'give both Secret references, or neither to use workload identity',
  );
  if (s3.accessKeyId !== undefined) checkSecretRef(v, f('accessKeyId'), s3.accessKeyId);
  if (s3.secretAccessKey !== undefined) checkSecretRef(v, f('secretAccessKey'), s3.secretAccessKey);
  checkNoPlainCredentials(
    v,
    'artifactStore.s3.',
    s3 as unknown as Record<string, unknown>,
    ['bucket', 'prefix', 'endpoint', 'region', 'accessKeyId', 'secretAccessKey'],
    'put the keys in a Secret and pass `accessKeyId` and `secretAccessKey` as { name, key } references',
  );
}

function checkSubdomain(v: Validator, field: string, value: unknown, fix: string): void {
  const problem = dnsSubdomainProblem(value);
  v.check(problem === undefined, field, value, problem ?? '', fix);
}

/** Who reaches the server: ingress, client and monitoring namespaces, basic auth, CORS origins. */
function checkAccess(v: Validator, props: MlflowServerProps): void {
  if (props.ingressHost !== undefined) checkSubdomain(v, 'ingressHost', props.ingressHost, 'give a host name such as "mlflow.example.com"');
  if (props.ingressClassName !== undefined) {
    checkSubdomain(v, 'ingressClassName', props.ingressClassName, 'name an IngressClass of the cluster, e.g. "nginx"');
    v.check(
      props.ingressHost !== undefined,
      'ingressClassName',
      props.ingressClassName,
      'creates an Ingress only together with `ingressHost`',
      'set `ingressHost` too, or remove `ingressClassName`',
    );
  }
  for (const [i, n] of (props.clientNamespaces ?? []).entries()) checkName(v, `clientNamespaces[${i}]`, n);
  if (props.monitoringNamespace !== undefined) checkName(v, 'monitoringNamespace', props.monitoringNamespace);
  if (props.basicAuthSecret !== undefined)
    checkSubdomain(v, 'basicAuthSecret', props.basicAuthSecret, 'name an existing Secret with keys basic_auth.ini and flask-secret-key');
  for (const [i, o] of (props.corsAllowedOrigins ?? []).entries()) {
    const text = textProblem(o);
    v.check(
      text === undefined && /^https?:\/\/[^\s/]+$/.test(o),
      `corsAllowedOrigins[${i}]`,
      o,
      text ?? 'is not an origin (scheme://host[:port])',
      'write e.g. "https://mlflow.example.com"',
    );
  }
}

/** Exactly one of `keys` is given under `field`; a plain string (likely a connection string) is never echoed. */
function onlyOne(v: Validator, field: string, value: unknown, keys: readonly string[]): boolean {
  if (typeof value === 'string') {
    v.fail(
      field,
      '<redacted>',
      `is a plain string; it must be an object with one of ${keys.join(' or ')}, and credentials are taken only by Secret reference`,
      `write { ${keys[0]}: {} } for the in-cluster default, or put the connection details in a Secret and reference it under \`${field}.${keys[1]}\``,
    );
    return false;
  }
  if (!v.check(isRecord(value), field, value, `must be an object with one of ${keys.join(' or ')}`, `write e.g. { ${keys[0]}: {} }`))
    return false;
  const given = keys.filter((k) => (value as Record<string, unknown>)[k] !== undefined);
  // Report the keys given, never the value: it may hold a credential.
  return v.check(
    given.length === 1,
    field,
    Object.keys(value as object),
    given.length === 0 ? `names none of ${keys.join(', ')}` : `gives both ${given.join(' and ')}`,
    `give exactly one of \`${field}.${keys[0]}\` or \`${field}.${keys[1]}\``,
  );
}

/** The resolved server of valid props. */
function serverSpec(props: MlflowServerProps, backend: MlflowBackendStore, artifacts: MlflowArtifactStore): ResolvedMlflowServer {
  const name = props.name ?? 'mlflow';
  const ns = props.namespace;
  const image = props.image ?? MLFLOW_IMAGE;
  const { labels, podLabels } = workloadLabels({ name: 'mlflow', instance: name, component: 'tracking-server' }, image);
  const trackingUri = `http://${name}.${ns}.svc.cluster.local:${MLFLOW_PORT}`;
  const store = { namespace: ns, clientPodLabels: podLabels };
  return {
    name,
    namespace: ns,
    image,
    replicas: props.replicas ?? 2,
    workers: props.workers ?? 4,
    resources: props.resources ?? DEFAULT_RESOURCES,
    labels,
    podLabels,
    trackingUri,
    allowedHosts: mlflowAllowedHosts(name, ns, props.ingressHost),
    corsOrigins: [...(props.ingressHost ? [`https://${props.ingressHost}`] : []), trackingUri, ...(props.corsAllowedOrigins ?? [])],
    backend: backend.embedded
      ? { kind: 'embedded', props: backend.embedded, postgres: embeddedPostgresSpec({ ...backend.embedded, ...store }) }
      : { kind: 'external', uriSecret: backend.external!.uriSecret, port: backend.external!.port ?? 5432 },
    artifacts: artifacts.embedded
      ? { kind: 'embedded', props: artifacts.embedded, store: embeddedObjectStoreSpec({ ...artifacts.embedded, ...store }) }
      : { kind: 's3', ...artifacts.s3! },
    ingressHost: props.ingressHost,
    ingressClassName: props.ingressClassName,
    basicAuthSecret: props.basicAuthSecret,
    clientNamespaces: props.clientNamespaces ?? [],
    monitoringNamespace: props.monitoringNamespace ?? 'monitoring',
  };
}
