import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Validator } from '../../core/errors';
import { selectorLabels, standardLabels } from '../../core/labels';
import { checkNoPlainCredentials, checkSecretRef, SecretKeyRef, secretEnv } from '../../core/secrets';
import {
  IMAGE_PULL_POLICY,
  resourceRequirements,
  ResourceSpec,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  scratchMounts,
  scratchVolumes,
  TMP_DIR,
} from '../../core/security';
import { checkImage, checkLimitAtLeastRequest, checkName, checkQuantity, dnsSubdomainProblem } from '../../core/validate';
import { isRecord } from '../../core/records';
import { EmbeddedMinio, EmbeddedMinioProps, isBucketName, validateEmbeddedMinio } from './embedded-minio';
import { EmbeddedPostgres, EmbeddedPostgresProps, validateEmbeddedPostgres } from './embedded-postgres';

/** The MLflow version modelplane pins (server image and the Python client in tests). 3.18.0 has no mlflow-skinny 3.18.0 on PyPI, so it cannot be installed: 3.17.2 is the newest that does. */
export const MLFLOW_VERSION = '3.17.2';
/** The `-full` image: the plain image has neither psycopg2 nor boto3. */
export const MLFLOW_IMAGE = `ghcr.io/mlflow/mlflow:v${MLFLOW_VERSION}-full`;
/** MLflow's container port. */
export const MLFLOW_PORT = 5000;

/** Where MLflow keeps runs and the model registry. Give exactly one of `embedded` or `external`. */
export interface MlflowBackendStore {
  /** An in-cluster PostgreSQL StatefulSet (the embedded default). */
  readonly embedded?: EmbeddedPostgresProps;
  /** An external database: a Secret key holding the full SQLAlchemy URI, e.g. `postgresql://user:pw@host:5432/mlflow`. */
  readonly external?: { readonly uriSecret: SecretKeyRef; readonly port?: number };
}

/** Where MLflow keeps artifacts. Give exactly one of `embedded` or `s3`. */
export interface MlflowArtifactStore {
  /** An in-cluster MinIO StatefulSet (the embedded default). */
  readonly embedded?: EmbeddedMinioProps;
  /** Any S3-compatible store. */
  readonly s3?: {
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
  };
}

/** Properties of an {@link MlflowServer}. */
export interface MlflowServerProps {
  /** Namespace to run in. */
  readonly namespace: string;
  /** Name of the Deployment and Service. @default "mlflow" */
  readonly name?: string;
  /** Server image; must contain psycopg2 and boto3. @default {@link MLFLOW_IMAGE} */
  readonly image?: string;
  /** Replicas; at least 2 so upgrades and node drains never take tracking down. @default 2 */
  readonly replicas?: number;
  /** Server resources. @default { cpu: "500m", memory: "2Gi" } */
  readonly resources?: ResourceSpec;
  /** uvicorn workers per replica. @default 4 */
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

/**
 * The MLflow tracking server and model registry (seeds 000/002/004): `mlflow db upgrade` in an init
 * container before the server starts, proxied artifacts, Prometheus metrics, the allowed-hosts list
 * MLflow ≥ 3.5 needs behind a Service, probes on `/health`, two or more replicas with a
 * PodDisruptionBudget, and NetworkPolicies. Stores are in-cluster PostgreSQL and MinIO by default,
 * or an external database and S3 given by Secret reference.
 */
export class MlflowServer extends Construct {
  /** The Service name. */
  public readonly serviceName: string;
  /** The tracking URI inside the cluster. */
  public readonly trackingUri: string;
  /** Labels selecting the server's pods. */
  public readonly podLabels: Record<string, string>;
  /** The hosts passed to `--allowed-hosts`. */
  public readonly allowedHosts: readonly string[];
  /** The Deployment. */
  public readonly deployment: ApiObject;
  /** The embedded database, if any. */
  public readonly postgres?: EmbeddedPostgres;
  /** The embedded object store, if any. */
  public readonly minio?: EmbeddedMinio;

  constructor(scope: Construct, id: string, props: MlflowServerProps) {
    super(scope, id);
    const v = new Validator('MlflowServer', id);
    const name = props.name ?? 'mlflow';
    checkName(v, 'name', name, 40);
    checkName(v, 'namespace', props.namespace);
    const image = props.image ?? MLFLOW_IMAGE;
    checkImage(v, 'image', image);
    const replicas = props.replicas ?? 2;
    v.check(
      Number.isInteger(replicas) && replicas >= 2,
      'replicas',
      replicas,
      'must be a whole number of at least 2 (one replica means downtime on every upgrade or drain)',
      'set replicas to 2 or more',
    );
    const workers = props.workers ?? 4;
    v.check(
      Number.isInteger(workers) && workers >= 1 && workers <= 64,
      'workers',
      workers,
      'must be a whole number from 1 to 64',
      'set e.g. 4',
    );
    const resources = props.resources ?? { cpu: '500m', memory: '2Gi' };
    checkQuantity(v, 'resources.cpu', resources.cpu, '500m');
    checkQuantity(v, 'resources.memory', resources.memory, '2Gi');
    if (resources.cpuLimit !== undefined)
      checkQuantity(v, 'resources.cpuLimit', resources.cpuLimit, '2') &&
        checkLimitAtLeastRequest(v, 'resources.cpuLimit', resources.cpuLimit, 'resources.cpu', resources.cpu);
    if (resources.ephemeralStorage !== undefined) checkQuantity(v, 'resources.ephemeralStorage', resources.ephemeralStorage, '1Gi');
    const backend = props.backendStore ?? { embedded: {} };
    const artifacts = props.artifactStore ?? { embedded: {} };
    const backendOk = onlyOne(v, 'backendStore', backend, ['embedded', 'external']);
    const artifactsOk = onlyOne(v, 'artifactStore', artifacts, ['embedded', 's3']);
    if (backendOk && backend.embedded !== undefined) validateEmbeddedPostgres(v, 'backendStore.embedded.', backend.embedded);
    if (backendOk && backend.external !== undefined) {
      const ext = backend.external as unknown;
      if (
        v.check(
          isRecord(ext),
          'backendStore.external',
          ext,
          'must be { uriSecret: { name, key } }',
          'pass a Secret reference to the full database URI',
        )
      ) {
        const e = ext as Record<string, unknown>;
        checkNoPlainCredentials(
          v,
          'backendStore.external.',
          e,
          ['uriSecret', 'port'],
          'put the URI in a Secret (kubectl create secret generic mlflow-db --from-literal=uri=postgresql://...) and pass `backendStore.external.uriSecret: { name: "mlflow-db", key: "uri" }`',
        );
        checkSecretRef(v, 'backendStore.external.uriSecret', e.uriSecret);
        if (e.port !== undefined)
          v.check(
            Number.isInteger(e.port) && (e.port as number) >= 1 && (e.port as number) <= 65535,
            'backendStore.external.port',
            e.port,
            'is not a TCP port',
            'set the database port, e.g. 5432',
          );
      }
    }
    if (artifactsOk && artifacts.embedded !== undefined) validateEmbeddedMinio(v, 'artifactStore.embedded.', artifacts.embedded);
    if (artifactsOk && artifacts.s3 !== undefined) {
      const s3 = artifacts.s3;
      v.check(
        isBucketName(s3.bucket),
        'artifactStore.s3.bucket',
        s3.bucket,
        'is not a valid S3 bucket name',
        'use 3-63 lower-case letters, digits, "." and "-"',
      );
      if (s3.prefix !== undefined)
        v.check(
          typeof s3.prefix === 'string' && /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/.test(s3.prefix),
          'artifactStore.s3.prefix',
          s3.prefix,
          'is not a key prefix (no leading or trailing "/", no spaces)',
          'write e.g. "mlflow" or "ml/mlflow"',
        );
      if (s3.endpoint !== undefined)
        v.check(
          typeof s3.endpoint === 'string' && /^https?:\/\/[^\s/@]+(\/\S*)?$/.test(s3.endpoint),
          'artifactStore.s3.endpoint',
          s3.endpoint,
          'is not an http(s) URL without credentials',
          'write e.g. "https://s3.eu-central-1.amazonaws.com"',
        );
      if (s3.region !== undefined)
        v.check(
          typeof s3.region === 'string' && /^[a-z0-9-]+$/.test(s3.region),
          'artifactStore.s3.region',
          s3.region,
          'is not a region name',
          'write e.g. "eu-central-1"',
        );
      v.check(
        (s3.accessKeyId === undefined) === (s3.secretAccessKey === undefined),
        'artifactStore.s3.accessKeyId',
        s3.accessKeyId,
        'accessKeyId and secretAccessKey must be given together',
        'give both Secret references, or neither to use workload identity',
      );
      if (s3.accessKeyId !== undefined) checkSecretRef(v, 'artifactStore.s3.accessKeyId', s3.accessKeyId);
      if (s3.secretAccessKey !== undefined) checkSecretRef(v, 'artifactStore.s3.secretAccessKey', s3.secretAccessKey);
      checkNoPlainCredentials(
        v,
        'artifactStore.s3.',
        s3 as unknown as Record<string, unknown>,
        ['bucket', 'prefix', 'endpoint', 'region', 'accessKeyId', 'secretAccessKey'],
        'put the keys in a Secret and pass `accessKeyId` and `secretAccessKey` as { name, key } references',
      );
    }
    if (props.ingressHost !== undefined) {
      const p = dnsSubdomainProblem(props.ingressHost);
      v.check(p === undefined, 'ingressHost', props.ingressHost, p ?? '', 'give a host name such as "mlflow.example.com"');
    }
    if (props.ingressClassName !== undefined) {
      const p = dnsSubdomainProblem(props.ingressClassName);
      v.check(p === undefined, 'ingressClassName', props.ingressClassName, p ?? '', 'name an IngressClass of the cluster, e.g. "nginx"');
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
    if (props.basicAuthSecret !== undefined) {
      const p = dnsSubdomainProblem(props.basicAuthSecret);
      v.check(
        p === undefined,
        'basicAuthSecret',
        props.basicAuthSecret,
        p ?? '',
        'name an existing Secret with keys basic_auth.ini and flask-secret-key',
      );
    }
    for (const [i, o] of (props.corsAllowedOrigins ?? []).entries()) {
      v.check(
        /^https?:\/\/[^\s/]+$/.test(String(o)),
        `corsAllowedOrigins[${i}]`,
        o,
        'is not an origin (scheme://host[:port])',
        'write e.g. "https://mlflow.example.com"',
      );
    }
    v.done();

    const ns = props.namespace;
    this.serviceName = name;
    this.trackingUri = `http://${name}.${ns}.svc.cluster.local:${MLFLOW_PORT}`;
    const info = { name: 'mlflow', instance: name, component: 'tracking-server', version: image.split(':').pop() };
    const labels = standardLabels(info);
    this.podLabels = selectorLabels(info);

    // Stores first: the server's env refers to their Services and Secrets.
    if (backend.embedded)
      this.postgres = new EmbeddedPostgres(this, 'Postgres', { ...backend.embedded, namespace: ns, clientPodLabels: this.podLabels });
    if (artifacts.embedded)
      this.minio = new EmbeddedMinio(this, 'Minio', { ...artifacts.embedded, namespace: ns, clientPodLabels: this.podLabels });

    const env: k8s.EnvVar[] = [{ name: 'HOME', value: '/tmp' }];
    if (this.postgres) {
      env.push(secretEnv('DB_PASSWORD', this.postgres.passwordSecret));
      env.push({
        name: 'MLFLOW_BACKEND_STORE_URI',
        value: `postgresql://${this.postgres.user}:$(DB_PASSWORD)@${this.postgres.serviceName}.${ns}.svc.cluster.local:5432/${this.postgres.database}`,
      });
    } else if (backend.external) {
      env.push(secretEnv('MLFLOW_BACKEND_STORE_URI', backend.external.uriSecret));
    }
    let destination: string;
    if (this.minio) {
      destination = `s3://${this.minio.bucket}/mlflow`;
      env.push(secretEnv('AWS_ACCESS_KEY_ID', this.minio.rootUserSecret));
      env.push(secretEnv('AWS_SECRET_ACCESS_KEY', this.minio.rootPasswordSecret));
      env.push({ name: 'MLFLOW_S3_ENDPOINT_URL', value: this.minio.endpoint });
      env.push({ name: 'AWS_DEFAULT_REGION', value: 'us-east-1' });
    } else {
      const s3 = artifacts.s3!;
      destination = `s3://${s3.bucket}/${s3.prefix ?? 'mlflow'}`;
      if (s3.accessKeyId) env.push(secretEnv('AWS_ACCESS_KEY_ID', s3.accessKeyId));
      if (s3.secretAccessKey) env.push(secretEnv('AWS_SECRET_ACCESS_KEY', s3.secretAccessKey));
      if (s3.endpoint) env.push({ name: 'MLFLOW_S3_ENDPOINT_URL', value: s3.endpoint });
      env.push({ name: 'AWS_DEFAULT_REGION', value: s3.region ?? 'us-east-1' });
    }
    if (props.basicAuthSecret) {
      env.push({ name: 'MLFLOW_AUTH_CONFIG_PATH', value: '/etc/mlflow/auth/basic_auth.ini' });
      env.push(secretEnv('MLFLOW_FLASK_SERVER_SECRET_KEY', { name: props.basicAuthSecret, key: 'flask-secret-key' }));
    }

    this.allowedHosts = mlflowAllowedHosts(name, ns, props.ingressHost);
    const origins = [
      ...(props.ingressHost ? [`https://${props.ingressHost}`] : []),
      `http://${name}.${ns}.svc.cluster.local:${MLFLOW_PORT}`,
      ...(props.corsAllowedOrigins ?? []),
    ];
    const args = [
      '--host',
      '0.0.0.0',
      '--port',
      String(MLFLOW_PORT),
      '--workers',
      String(workers),
      '--backend-store-uri',
      '$(MLFLOW_BACKEND_STORE_URI)',
      '--artifacts-destination',
      destination,
      '--serve-artifacts',
      '--expose-prometheus',
      '/var/mlflow/metrics',
      '--allowed-hosts',
      this.allowedHosts.join(','),
      '--cors-allowed-origins',
      origins.join(','),
      ...(props.basicAuthSecret ? ['--app-name', 'basic-auth'] : []),
    ];

    const scratch = [TMP_DIR, { name: 'metrics', mountPath: '/var/mlflow/metrics' }];
    const volumes = scratchVolumes(scratch);
    const mounts = scratchMounts(scratch);
    if (props.basicAuthSecret) {
      volumes.push({
        name: 'auth',
        secret: { secretName: props.basicAuthSecret, items: [{ key: 'basic_auth.ini', path: 'basic_auth.ini' }] },
      });
      mounts.push({ name: 'auth', mountPath: '/etc/mlflow/auth', readOnly: true });
    }
    const probe = (path: string, period: number, failures: number): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromString('http'), httpHeaders: [{ name: 'Host', value: `localhost:${MLFLOW_PORT}` }] },
      periodSeconds: period,
      failureThreshold: failures,
      timeoutSeconds: 5,
    });
    const secCtx = restrictedContainerSecurityContext();

    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name, namespace: ns, labels },
      spec: {
        replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.podLabels },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) },
        },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(),
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: 'kubernetes.io/hostname',
                whenUnsatisfiable: 'ScheduleAnyway',
                labelSelector: { matchLabels: this.podLabels },
              },
            ],
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  {
                    weight: 100,
                    podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: this.podLabels } },
                  },
                ],
              },
            },
            initContainers: [
              {
                name: 'db-upgrade',
                image,
                imagePullPolicy: IMAGE_PULL_POLICY,
                command: ['mlflow', 'db', 'upgrade', '$(MLFLOW_BACKEND_STORE_URI)'],
                env,
                securityContext: secCtx,
                resources: resourceRequirements({ cpu: '200m', memory: '512Mi' }),
                volumeMounts: scratchMounts([TMP_DIR]),
              },
            ],
            containers: [
              {
                name: 'mlflow',
                image,
                imagePullPolicy: IMAGE_PULL_POLICY,
                command: ['mlflow', 'server'],
                args,
                env,
                ports: [{ name: 'http', containerPort: MLFLOW_PORT, protocol: 'TCP' }],
                startupProbe: probe('/health', 5, 60),
                readinessProbe: probe('/health', 10, 3),
                livenessProbe: probe('/version', 20, 3),
                securityContext: secCtx,
                resources: resourceRequirements(resources),
                volumeMounts: mounts,
              },
            ],
            volumes,
          },
        },
      },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { name, namespace: ns, labels },
      spec: {
        type: 'ClusterIP',
        selector: this.podLabels,
        ports: [{ name: 'http', port: MLFLOW_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });

    new k8s.KubePodDisruptionBudget(this, 'Pdb', {
      metadata: { name, namespace: ns, labels },
      spec: {
        minAvailable: k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: this.podLabels },
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });

    const nsSel = (n: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': n } } });
    const port = (n: number) => ({ port: k8s.IntOrString.fromNumber(n), protocol: 'TCP' });
    const egress: k8s.NetworkPolicyEgressRule[] = [
      { to: [nsSel('kube-system')], ports: [{ port: k8s.IntOrString.fromNumber(53), protocol: 'UDP' }, port(53)] },
    ];
    if (this.postgres) egress.push({ to: [{ podSelector: { matchLabels: this.postgres.podLabels } }], ports: [port(5432)] });
    if (backend.external) egress.push({ ports: [port(backend.external.port ?? 5432)] });
    if (this.minio) egress.push({ to: [{ podSelector: { matchLabels: this.minio.podLabels } }], ports: [port(9000)] });
    if (artifacts.s3) egress.push({ ports: [port(443)] });
    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name, namespace: ns, labels },
      spec: {
        podSelector: { matchLabels: this.podLabels },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          {
            from: [
              { podSelector: {} },
              { namespaceSelector: { matchExpressions: [{ key: 'modelplane.dev/team', operator: 'Exists' }] } },
              ...[...(props.clientNamespaces ?? []), props.monitoringNamespace ?? 'monitoring'].map(nsSel),
            ],
            ports: [port(MLFLOW_PORT)],
          },
        ],
        egress,
      },
    });

    if (props.ingressHost && props.ingressClassName) {
      new k8s.KubeIngress(this, 'Ingress', {
        metadata: { name, namespace: ns, labels },
        spec: {
          ingressClassName: props.ingressClassName,
          rules: [
            {
              host: props.ingressHost,
              http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { number: MLFLOW_PORT } } } }] },
            },
          ],
        },
      });
    }
  }
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

function onlyOne(v: Validator, field: string, value: unknown, keys: readonly string[]): boolean {
  if (typeof value === 'string') {
    // Most likely a connection string with a password in it: never echo it.
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
