/**
 * Renders a {@link ResolvedMlflowServer}: the Deployment (with `mlflow db upgrade` in an init
 * container), Service, PodDisruptionBudget, NetworkPolicy and, with a host and class, the Ingress.
 */
import { ApiObject } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { dnsEgress, namespacePeer, policyPort } from '../../core/network';
import { secretEnv } from '../../core/secrets';
import { restrictedContainer, restrictedPodSecurityContext, scratchMounts, scratchVolumes, TMP_DIR } from '../../core/security';
import { OBJECT_STORE_PORT } from './embedded-object-store';
import { POSTGRES_PORT } from './embedded-postgres';
import { MLFLOW_PORT, ResolvedMlflowServer } from './mlflow-resolve';
import { isolatingPolicy, ObjectMeta, teamNamespacesPeer } from './workload';

/** The server's environment: the backend store URI, the artifact store's credentials, the auth secret key. */
export function mlflowEnv(s: ResolvedMlflowServer): k8s.EnvVar[] {
  const env: k8s.EnvVar[] = [{ name: 'HOME', value: '/tmp' }];
  const b = s.backend;
  if (b.kind === 'embedded') {
    const pg = b.postgres;
    env.push(secretEnv('DB_PASSWORD', pg.passwordSecret), {
      name: 'MLFLOW_BACKEND_STORE_URI',
      value: `postgresql://${pg.user}:$(DB_PASSWORD)@${pg.name}.${s.namespace}.svc.cluster.local:${POSTGRES_PORT}/${pg.database}`,
    });
  } else {
    env.push(secretEnv('MLFLOW_BACKEND_STORE_URI', b.uriSecret));
  }
  const a = s.artifacts;
  if (a.kind === 'embedded') {
    env.push(
      secretEnv('AWS_ACCESS_KEY_ID', a.store.rootUserSecret),
      secretEnv('AWS_SECRET_ACCESS_KEY', a.store.rootPasswordSecret),
      { name: 'MLFLOW_S3_ENDPOINT_URL', value: a.store.endpoint },
      { name: 'AWS_DEFAULT_REGION', value: 'us-east-1' },
    );
  } else {
    if (a.accessKeyId) env.push(secretEnv('AWS_ACCESS_KEY_ID', a.accessKeyId));
    if (a.secretAccessKey) env.push(secretEnv('AWS_SECRET_ACCESS_KEY', a.secretAccessKey));
    if (a.endpoint) env.push({ name: 'MLFLOW_S3_ENDPOINT_URL', value: a.endpoint });
    env.push({ name: 'AWS_DEFAULT_REGION', value: a.region ?? 'us-east-1' });
  }
  if (s.basicAuthSecret) {
    env.push(
      { name: 'MLFLOW_AUTH_CONFIG_PATH', value: '/etc/mlflow/auth/basic_auth.ini' },
      secretEnv('MLFLOW_FLASK_SERVER_SECRET_KEY', { name: s.basicAuthSecret, key: 'flask-secret-key' }),
    );
  }
  return env;
}

/** Where the server writes artifacts: the embedded bucket's `mlflow/`, or the S3 bucket's prefix. */
export function artifactsDestination(s: ResolvedMlflowServer): string {
  const a = s.artifacts;
  return a.kind === 'embedded' ? `s3://${a.store.bucket}/mlflow` : `s3://${a.bucket}/${a.prefix ?? 'mlflow'}`;
}

/** `mlflow server`'s arguments: proxied artifacts, Prometheus metrics, the allowed hosts and CORS origins. */
export function mlflowArgs(s: ResolvedMlflowServer): string[] {
  return [
    '--host',
    '0.0.0.0',
    '--port',
    String(MLFLOW_PORT),
    '--workers',
    String(s.workers),
    '--backend-store-uri',
    '$(MLFLOW_BACKEND_STORE_URI)',
    '--artifacts-destination',
    artifactsDestination(s),
    '--serve-artifacts',
    '--expose-prometheus',
    '/var/mlflow/metrics',
    '--allowed-hosts',
    s.allowedHosts.join(','),
    '--cors-allowed-origins',
    s.corsOrigins.join(','),
    ...(s.basicAuthSecret ? ['--app-name', 'basic-auth'] : []),
  ];
}

/** The server's scratch directories and, with basic auth, its config file from the Secret. */
function serverVolumes(s: ResolvedMlflowServer): { volumes: k8s.Volume[]; mounts: k8s.VolumeMount[] } {
  const scratch = [TMP_DIR, { name: 'metrics', mountPath: '/var/mlflow/metrics' }];
  const volumes = scratchVolumes(scratch);
  const mounts = scratchMounts(scratch);
  if (s.basicAuthSecret) {
    volumes.push({ name: 'auth', secret: { secretName: s.basicAuthSecret, items: [{ key: 'basic_auth.ini', path: 'basic_auth.ini' }] } });
    mounts.push({ name: 'auth', mountPath: '/etc/mlflow/auth', readOnly: true });
  }
  return { volumes, mounts };
}

/** An HTTP probe with a Host header MLflow accepts. */
function probe(path: string, period: number, failures: number): k8s.Probe {
  return {
    httpGet: { path, port: k8s.IntOrString.fromString('http'), httpHeaders: [{ name: 'Host', value: `localhost:${MLFLOW_PORT}` }] },
    periodSeconds: period,
    failureThreshold: failures,
    timeoutSeconds: 5,
  };
}

/** Scheduling that spreads the replicas over nodes, preferably one per node. */
function spreadOverNodes(podLabels: Record<string, string>): Pick<k8s.PodSpec, 'topologySpreadConstraints' | 'affinity'> {
  const labelSelector = { matchLabels: podLabels };
  return {
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector }],
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector } },
        ],
      },
    },
  };
}

/** The server's pod: the schema upgrade first, then the server, both with the store environment. */
function serverPod(s: ResolvedMlflowServer): k8s.PodSpec {
  const env = mlflowEnv(s);
  const { volumes, mounts } = serverVolumes(s);
  const upgrade = restrictedContainer({
    name: 'db-upgrade',
    image: s.image,
    command: ['mlflow', 'db', 'upgrade', '$(MLFLOW_BACKEND_STORE_URI)'],
    env,
    resources: { cpu: '200m', memory: '512Mi' },
    volumeMounts: scratchMounts([TMP_DIR]),
  });
  const server = restrictedContainer({
    name: 'mlflow',
    image: s.image,
    command: ['mlflow', 'server'],
    args: mlflowArgs(s),
    env,
    ports: [{ name: 'http', containerPort: MLFLOW_PORT, protocol: 'TCP' }],
    startupProbe: probe('/health', 5, 60),
    readinessProbe: probe('/health', 10, 3),
    livenessProbe: probe('/version', 20, 3),
    resources: s.resources,
    volumeMounts: mounts,
  });
  return {
    automountServiceAccountToken: false,
    securityContext: restrictedPodSecurityContext(),
    ...spreadOverNodes(s.podLabels),
    initContainers: [upgrade],
    containers: [server],
    volumes,
  };
}

function meta(s: ResolvedMlflowServer): ObjectMeta {
  return { name: s.name, namespace: s.namespace, labels: s.labels };
}

/** The Deployment: rolling updates that never take a replica away before its successor is ready. */
export function renderDeployment(scope: Construct, s: ResolvedMlflowServer): ApiObject {
  return new k8s.KubeDeployment(scope, 'Deployment', {
    metadata: meta(s),
    spec: {
      replicas: s.replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: s.podLabels },
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) },
      },
      template: { metadata: { labels: s.labels }, spec: serverPod(s) },
    },
  });
}

/** The ClusterIP Service and the PodDisruptionBudget keeping one replica up. */
export function renderServiceAndBudget(scope: Construct, s: ResolvedMlflowServer): void {
  new k8s.KubeService(scope, 'Service', {
    metadata: meta(s),
    spec: {
      type: 'ClusterIP',
      selector: s.podLabels,
      ports: [{ name: 'http', port: MLFLOW_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
    },
  });
  new k8s.KubePodDisruptionBudget(scope, 'Pdb', {
    metadata: meta(s),
    spec: {
      minAvailable: k8s.IntOrString.fromNumber(1),
      selector: { matchLabels: s.podLabels },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  });
}

/** Egress to DNS and the stores: the embedded pods by label, an external database's port, S3 over 443. */
function storeEgress(s: ResolvedMlflowServer): k8s.NetworkPolicyEgressRule[] {
  const egress = [dnsEgress()];
  const b = s.backend;
  if (b.kind === 'embedded')
    egress.push({ to: [{ podSelector: { matchLabels: b.postgres.podLabels } }], ports: [policyPort(POSTGRES_PORT)] });
  else egress.push({ ports: [policyPort(b.port)] });
  const a = s.artifacts;
  if (a.kind === 'embedded')
    egress.push({ to: [{ podSelector: { matchLabels: a.store.podLabels } }], ports: [policyPort(OBJECT_STORE_PORT)] });
  else egress.push({ ports: [policyPort(443)] });
  return egress;
}

/** The server may be called by its own namespace, the teams, its client namespaces and Prometheus. */
export function renderNetworkPolicy(scope: Construct, s: ResolvedMlflowServer): ApiObject {
  const from = [{ podSelector: {} }, teamNamespacesPeer(), ...[...s.clientNamespaces, s.monitoringNamespace].map(namespacePeer)];
  return isolatingPolicy(scope, 'NetworkPolicy', meta(s), s.podLabels, {
    ingress: [{ from, ports: [policyPort(MLFLOW_PORT)] }],
    egress: storeEgress(s),
  });
}

/** The Ingress, when both the host and the IngressClass are given. */
export function renderIngress(scope: Construct, s: ResolvedMlflowServer): ApiObject | undefined {
  if (!s.ingressHost || !s.ingressClassName) return undefined;
  const backend = { service: { name: s.name, port: { number: MLFLOW_PORT } } };
  return new k8s.KubeIngress(scope, 'Ingress', {
    metadata: meta(s),
    spec: {
      ingressClassName: s.ingressClassName,
      rules: [{ host: s.ingressHost, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }],
    },
  });
}
