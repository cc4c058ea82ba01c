/**
 * The benchmark's baseline: the objects of the default platform (platform namespace, MLflow with
 * in-cluster PostgreSQL and object store (versitygw), the secret bootstrap Job (which also provisions the store), one GPU pool's device plugin, and N
 * team workspaces, and KServe's ClusterStorageContainer) written by hand the way a platform team would without modelplane: cdk8s-plus-28
 * high-level constructs for workloads, Services, ConfigMaps, ServiceAccounts and RBAC, and the k8s
 * L1 classes where cdk8s-plus-28 has no construct (ResourceQuota, LimitRange, PodDisruptionBudget)
 * or cannot express the object (NetworkPolicies whose peers combine a namespace and a pod selector,
 * StatefulSet volumeClaimTemplates). No validation beyond what cdk8s-plus does.
 */
import { ApiObject, App, Chart, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';

const NS = 'modelplane-system';
const LABELS = { 'app.kubernetes.io/part-of': 'modelplane', 'app.kubernetes.io/managed-by': 'modelplane' };
const pss = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'v1.28',
  'pod-security.kubernetes.io/warn': 'restricted',
  'pod-security.kubernetes.io/warn-version': 'v1.28',
  'pod-security.kubernetes.io/audit': 'restricted',
  'pod-security.kubernetes.io/audit-version': 'v1.28',
};

const podSec = (uid: number): kplus.PodSecurityContextProps => ({
  ensureNonRoot: true,
  user: uid,
  group: uid,
  fsGroup: uid,
  fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH,
});
const containerSec = (uid: number): kplus.ContainerSecurityContextProps => ({
  ensureNonRoot: true,
  user: uid,
  group: uid,
  allowPrivilegeEscalation: false,
  privileged: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: [kplus.Capability.ALL] },
  seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
});
const resources = (cpu: number, memGi: number): kplus.ContainerResources => ({
  cpu: { request: kplus.Cpu.millis(cpu), limit: kplus.Cpu.millis(cpu * 2) },
  memory: { request: Size.mebibytes(memGi * 1024), limit: Size.mebibytes(memGi * 1024) },
  ephemeralStorage: { request: Size.gibibytes(1), limit: Size.gibibytes(1) },
});
const importedSecrets = new WeakMap<Construct, Map<string, kplus.ISecret>>();
function secretEnv(scope: Construct, name: string, key: string): kplus.EnvValue {
  const known = importedSecrets.get(scope) ?? new Map<string, kplus.ISecret>();
  importedSecrets.set(scope, known);
  const secret = known.get(name) ?? kplus.Secret.fromSecretName(scope, `secret-${name}`, name);
  known.set(name, secret);
  return kplus.EnvValue.fromSecretValue({ secret, key });
}
const tmp = (scope: Construct, id: string) => kplus.Volume.fromEmptyDir(scope, id, 'tmp', { sizeLimit: Size.mebibytes(256) });
const withSeccomp = (workload: Construct) =>
  ApiObject.of(workload).addJsonPatch(JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }));
const port = (n: number, protocol = 'TCP') => ({ port: k8s.IntOrString.fromNumber(n), protocol });
const nsSel = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });

function networkPolicy(scope: Construct, id: string, name: string, namespace: string, spec: k8s.NetworkPolicySpec): void {
  new k8s.KubeNetworkPolicy(scope, id, { metadata: { name, namespace, labels: LABELS }, spec });
}

/** A single-replica store StatefulSet with a PVC, its Service and headless Service, and its NetworkPolicy. */
function store(
  chart: Chart,
  name: string,
  image: string,
  uid: number,
  portNumber: number,
  env: Record<string, kplus.EnvValue>,
  command: string[] | undefined,
  clientLabels: Record<string, string>,
  sizeGi: number,
): void {
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name };
  const headless = new kplus.Service(chart, `${name}-headless`, {
    metadata: { name: `${name}-headless`, namespace: NS, labels: { ...LABELS, ...labels } },
    clusterIP: 'None',
    ports: [{ port: portNumber, name: 'p' }],
  });
  const sts = new kplus.StatefulSet(chart, `${name}-sts`, {
    metadata: { name, namespace: NS, labels: { ...LABELS, ...labels } },
    service: headless,
    replicas: 1,
    podMetadata: { labels },
    automountServiceAccountToken: false,
    securityContext: podSec(uid),
    containers: [
      {
        name,
        image,
        command,
        portNumber,
        envVariables: env,
        securityContext: containerSec(uid),
        resources: resources(250, 1),
        readiness: kplus.Probe.fromTcpSocket({ port: portNumber }),
        liveness: kplus.Probe.fromTcpSocket({ port: portNumber }),
        volumeMounts: [{ volume: tmp(chart, `${name}-tmp`), path: '/tmp' }],
      },
    ],
  });
  withSeccomp(sts);
  ApiObject.of(sts).addJsonPatch(
    JsonPatch.add('/spec/volumeClaimTemplates', [
      { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: `${sizeGi}Gi` } } } },
    ]),
  );
  new kplus.Service(chart, `${name}-svc`, {
    metadata: { name, namespace: NS, labels: { ...LABELS, ...labels } },
    selector: sts,
    ports: [{ port: portNumber, targetPort: portNumber, name: 'p' }],
  });
  networkPolicy(chart, `${name}-np`, name, NS, {
    podSelector: { matchLabels: labels },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{ from: [{ podSelector: { matchLabels: clientLabels } }], ports: [port(portNumber)] }],
    egress: [],
  });
}

/** The platform chart, by hand. */
function platformChart(app: App, teams: readonly string[]): Chart {
  const chart = new Chart(app, 'platform', { disableResourceNameHashes: true });
  new kplus.Namespace(chart, 'ns', { metadata: { name: NS, labels: { ...LABELS, ...pss, 'modelplane.dev/platform': 'true' } } });
  networkPolicy(chart, 'deny', 'default-deny', NS, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  // Airflow's namespace, which the teams' DAG ConfigMaps go into.
  new kplus.Namespace(chart, 'airflow-ns', { metadata: { name: 'airflow', labels: { ...LABELS, ...pss } } });

  // NVIDIA device plugin for one pool.
  const dp = new kplus.DaemonSet(chart, 'device-plugin', {
    metadata: { name: 'nvidia-device-plugin-gpu', namespace: 'kube-system', labels: LABELS },
    podMetadata: { labels: { 'app.kubernetes.io/name': 'nvidia-device-plugin', 'app.kubernetes.io/instance': 'gpu' } },
    automountServiceAccountToken: false,
    securityContext: { ensureNonRoot: false },
    containers: [
      {
        name: 'nvidia-device-plugin',
        image: 'nvcr.io/nvidia/k8s-device-plugin:v0.20.0',
        envVariables: { FAIL_ON_INIT_ERROR: kplus.EnvValue.fromValue('false') },
        securityContext: {
          ensureNonRoot: false,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: [kplus.Capability.ALL] },
        },
        resources: {
          cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(200) },
          memory: { request: Size.mebibytes(128), limit: Size.mebibytes(128) },
        },
        volumeMounts: [
          {
            volume: kplus.Volume.fromHostPath(chart, 'dp-vol', 'device-plugin', {
              path: '/var/lib/kubelet/device-plugins',
              type: kplus.HostPathVolumeType.DIRECTORY,
            }),
            path: '/var/lib/kubelet/device-plugins',
          },
        ],
      },
    ],
  });
  ApiObject.of(dp).addJsonPatch(
    JsonPatch.add('/spec/template/spec/tolerations', [
      { key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' },
      { key: 'CriticalAddonsOnly', operator: 'Exists' },
    ]),
    JsonPatch.add('/spec/template/spec/nodeSelector', { 'modelplane.dev/gpu-pool': 'gpu' }),
    JsonPatch.add('/spec/template/spec/priorityClassName', 'system-node-critical'),
  );
  withSeccomp(dp);
  networkPolicy(chart, 'dp-np', 'nvidia-device-plugin-gpu', 'kube-system', {
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'nvidia-device-plugin' } },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [],
    egress: [],
  });

  const mlflowLabels = {
    'app.kubernetes.io/name': 'mlflow',
    'app.kubernetes.io/instance': 'mlflow',
    'app.kubernetes.io/component': 'tracking-server',
  };
  store(
    chart,
    'mlflow-postgres',
    'docker.io/library/postgres:16.4',
    999,
    5432,
    {
      POSTGRES_USER: kplus.EnvValue.fromValue('mlflow'),
      POSTGRES_DB: kplus.EnvValue.fromValue('mlflow'),
      POSTGRES_PASSWORD: secretEnv(chart, 'mlflow-postgres', 'password'),
      PGDATA: kplus.EnvValue.fromValue('/var/lib/postgresql/data/pgdata'),
    },
    undefined,
    mlflowLabels,
    20,
  );
  store(
    chart,
    'object-store',
    'ghcr.io/versity/versitygw:v1.8.0',
    10001,
    7070,
    {
      ROOT_ACCESS_KEY_ID: secretEnv(chart, 'modelplane-object-store', 'root-user'),
      ROOT_SECRET_ACCESS_KEY: secretEnv(chart, 'modelplane-object-store', 'root-password'),
    },
    ['/bin/sh', '-ec', 'mkdir -p /data/buckets /data/iam && exec versitygw --port :7070 --iam-dir /data/iam posix /data/buckets'],
    mlflowLabels,
    50,
  );

  // MLflow.
  const env: Record<string, kplus.EnvValue> = {
    HOME: kplus.EnvValue.fromValue('/tmp'),
    DB_PASSWORD: secretEnv(chart, 'mlflow-postgres', 'password'),
    MLFLOW_BACKEND_STORE_URI: kplus.EnvValue.fromValue(
      `postgresql://mlflow:$(DB_PASSWORD)@mlflow-postgres.${NS}.svc.cluster.local:5432/mlflow`,
    ),
    AWS_ACCESS_KEY_ID: secretEnv(chart, 'modelplane-object-store', 'root-user'),
    AWS_SECRET_ACCESS_KEY: secretEnv(chart, 'modelplane-object-store', 'root-password'),
    MLFLOW_S3_ENDPOINT_URL: kplus.EnvValue.fromValue(`http://object-store.${NS}.svc.cluster.local:7070`),
  };
  const hosts = ['mlflow', `mlflow.${NS}`, `mlflow.${NS}.svc`, `mlflow.${NS}.svc.cluster.local`, 'localhost'].flatMap((h) => [
    h,
    `${h}:5000`,
  ]);
  const image = 'ghcr.io/mlflow/mlflow:v3.17.2-full';
  const mlflowTmp = tmp(chart, 'mlflow-tmp');
  const mlflow = new kplus.Deployment(chart, 'mlflow', {
    metadata: { name: 'mlflow', namespace: NS, labels: { ...LABELS, ...mlflowLabels } },
    replicas: 2,
    podMetadata: { labels: mlflowLabels },
    automountServiceAccountToken: false,
    securityContext: podSec(10001),
    strategy: kplus.DeploymentStrategy.rollingUpdate({
      maxSurge: kplus.PercentOrAbsolute.absolute(1),
      maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
    }),
    initContainers: [
      {
        name: 'db-upgrade',
        image,
        command: ['mlflow', 'db', 'upgrade', '$(MLFLOW_BACKEND_STORE_URI)'],
        envVariables: env,
        securityContext: containerSec(10001),
        resources: resources(200, 0.5),
        volumeMounts: [{ volume: mlflowTmp, path: '/tmp' }],
      },
    ],
    containers: [
      {
        name: 'mlflow',
        image,
        command: ['mlflow', 'server'],
        portNumber: 5000,
        envVariables: env,
        args: [
          '--host',
          '0.0.0.0',
          '--port',
          '5000',
          '--workers',
          '4',
          '--backend-store-uri',
          '$(MLFLOW_BACKEND_STORE_URI)',
          '--artifacts-destination',
          's3://mlflow/mlflow',
          '--serve-artifacts',
          '--expose-prometheus',
          '/var/mlflow/metrics',
          '--allowed-hosts',
          hosts.join(','),
          '--cors-allowed-origins',
          `http://mlflow.${NS}.svc.cluster.local:5000`,
        ],
        securityContext: containerSec(10001),
        resources: resources(500, 2),
        startup: kplus.Probe.fromHttpGet('/health', { port: 5000, failureThreshold: 60 }),
        readiness: kplus.Probe.fromHttpGet('/health', { port: 5000 }),
        liveness: kplus.Probe.fromHttpGet('/version', { port: 5000 }),
        volumeMounts: [
          { volume: mlflowTmp, path: '/tmp' },
          { volume: kplus.Volume.fromEmptyDir(chart, 'metrics', 'metrics'), path: '/var/mlflow/metrics' },
        ],
      },
    ],
  });
  withSeccomp(mlflow);
  new kplus.Service(chart, 'mlflow-svc', {
    metadata: { name: 'mlflow', namespace: NS, labels: LABELS },
    selector: mlflow,
    ports: [{ port: 5000, targetPort: 5000, name: 'http' }],
  });
  new k8s.KubePodDisruptionBudget(chart, 'mlflow-pdb', {
    metadata: { name: 'mlflow', namespace: NS, labels: LABELS },
    spec: { minAvailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: mlflowLabels } },
  });
  networkPolicy(chart, 'mlflow-np', 'mlflow', NS, {
    podSelector: { matchLabels: mlflowLabels },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [
      {
        from: [
          { podSelector: {} },
          { namespaceSelector: { matchExpressions: [{ key: 'modelplane.dev/team', operator: 'Exists' }] } },
          nsSel('airflow'),
          nsSel('monitoring'),
        ],
        ports: [port(5000)],
      },
    ],
    egress: [{ to: [nsSel('kube-system')], ports: [port(53, 'UDP'), port(53)] }, { ports: [port(5432)] }, { ports: [port(9000)] }],
  });

  // Secret bootstrap.
  const sa = new kplus.ServiceAccount(chart, 'boot-sa', {
    metadata: { name: 'modelplane-secret-bootstrap', namespace: NS, labels: LABELS },
    automountToken: false,
  });
  const role = new kplus.Role(chart, 'boot-role', { metadata: { name: 'modelplane-secret-bootstrap', namespace: NS, labels: LABELS } });
  role.allow(['create'], kplus.ApiResource.SECRETS);
  const binding = new kplus.RoleBinding(chart, 'boot-binding', {
    metadata: { name: 'modelplane-secret-bootstrap', namespace: NS, labels: LABELS },
    role,
  });
  binding.addSubjects(sa);
  const script = new kplus.ConfigMap(chart, 'boot-cm', {
    metadata: { name: 'modelplane-secret-bootstrap', namespace: NS, labels: LABELS },
    data: { 'bootstrap.py': 'print("bootstrap")', 'secrets.json': '[]' },
  });
  const boot = new kplus.Job(chart, 'boot', {
    metadata: { name: 'modelplane-secret-bootstrap', namespace: NS, labels: LABELS },
    serviceAccount: sa,
    automountServiceAccountToken: true,
    securityContext: podSec(10001),
    backoffLimit: 10,
    ttlAfterFinished: Duration.days(1),
    containers: [
      {
        name: 'bootstrap',
        image: 'docker.io/library/python:3.12.7-slim',
        command: ['python3', '/opt/bootstrap/bootstrap.py'],
        securityContext: containerSec(10001),
        resources: resources(50, 0.0625),
        volumeMounts: [
          { volume: tmp(chart, 'boot-tmp'), path: '/tmp' },
          { volume: kplus.Volume.fromConfigMap(chart, 'boot-script', script), path: '/opt/bootstrap' },
        ],
      },
    ],
  });
  withSeccomp(boot);
  networkPolicy(chart, 'boot-np', 'modelplane-secret-bootstrap', NS, {
    podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'modelplane-secret-bootstrap' } },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [],
    egress: [{ ports: [port(443), port(6443)] }, { ports: [port(7070)] }],
  });
  // KServe's storage initializer, restricted (the kserve-resources chart's is turned off), as a plain object: no binding.
  new ApiObject(chart, 'kserve-storage', {
    apiVersion: 'serving.kserve.io/v1alpha1',
    kind: 'ClusterStorageContainer',
    metadata: { name: 'default' },
    spec: {
      container: {
        name: 'storage-initializer',
        image: 'docker.io/kserve/storage-initializer:v0.20.0',
        imagePullPolicy: 'Always',
        resources: { requests: { cpu: '100m', memory: '100Mi' }, limits: { cpu: '1', memory: '1Gi' } },
        securityContext: {
          allowPrivilegeEscalation: false,
          privileged: false,
          capabilities: { drop: ['ALL'] },
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          seccompProfile: { type: 'RuntimeDefault' },
        },
      },
      supportedUriFormats: [{ prefix: 's3://' }],
      workloadType: 'initContainer',
    },
  });
  void teams;
  return chart;
}

/** One team workspace chart, by hand. */
function teamChart(app: App, team: string, platform: Chart): void {
  const chart = new Chart(app, `team-${team}`, { disableResourceNameHashes: true });
  chart.addDependency(platform);
  new kplus.Namespace(chart, 'ns', { metadata: { name: team, labels: { ...LABELS, ...pss, 'modelplane.dev/team': team } } });
  new k8s.KubeResourceQuota(chart, 'quota', {
    metadata: { name: 'team-quota', namespace: team, labels: LABELS },
    spec: {
      hard: {
        'requests.cpu': k8s.Quantity.fromString('16'),
        'requests.memory': k8s.Quantity.fromString('64Gi'),
        pods: k8s.Quantity.fromNumber(200),
        'requests.nvidia.com/gpu': k8s.Quantity.fromNumber(0),
      },
    },
  });
  new k8s.KubeLimitRange(chart, 'limits', {
    metadata: { name: 'team-defaults', namespace: team, labels: LABELS },
    spec: {
      limits: [
        {
          type: 'Container',
          defaultRequest: { cpu: k8s.Quantity.fromString('250m'), memory: k8s.Quantity.fromString('256Mi') },
          default: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromString('1Gi') },
        },
      ],
    },
  });
  networkPolicy(chart, 'deny', 'default-deny', team, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  networkPolicy(chart, 'dns', 'allow-dns', team, {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [{ to: [nsSel('kube-system')], ports: [port(53, 'UDP'), port(53)] }],
  });
  networkPolicy(chart, 'same', 'allow-same-namespace', team, {
    podSelector: {},
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{ from: [{ podSelector: {} }] }],
    egress: [{ to: [{ podSelector: {} }] }],
  });
  networkPolicy(chart, 'in', 'allow-platform-ingress', team, {
    podSelector: {},
    policyTypes: ['Ingress'],
    ingress: [{ from: [nsSel(NS), nsSel('airflow'), nsSel('monitoring')] }],
  });
  networkPolicy(chart, 'out', 'allow-platform-egress', team, {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [
      { to: [{ ...nsSel(NS), podSelector: { matchLabels: { 'app.kubernetes.io/name': 'mlflow' } } }], ports: [port(5000)] },
      { to: [{ ...nsSel(NS), podSelector: { matchLabels: { 'app.kubernetes.io/name': 'object-store' } } }], ports: [port(7070)] },
    ],
  });
  networkPolicy(chart, 'api', 'allow-spark-apiserver', team, {
    podSelector: { matchLabels: { 'spark-role': 'driver' } },
    policyTypes: ['Egress'],
    egress: [{ ports: [port(443), port(6443)] }],
  });
  new kplus.ServiceAccount(chart, 'workload', {
    metadata: { name: 'modelplane-workload', namespace: team, labels: LABELS },
    automountToken: false,
  });
  const spark = new kplus.ServiceAccount(chart, 'spark', {
    metadata: { name: 'modelplane-spark', namespace: team, labels: LABELS },
    automountToken: false,
  });
  const sparkRole = new kplus.Role(chart, 'spark-role', { metadata: { name: 'modelplane-spark-driver', namespace: team, labels: LABELS } });
  sparkRole.allow(
    ['create', 'get', 'list', 'watch', 'update', 'patch', 'delete', 'deletecollection'],
    kplus.ApiResource.PODS,
    kplus.ApiResource.SERVICES,
    kplus.ApiResource.CONFIG_MAPS,
    kplus.ApiResource.PERSISTENT_VOLUME_CLAIMS,
  );
  new kplus.RoleBinding(chart, 'spark-binding', {
    metadata: { name: 'modelplane-spark-driver', namespace: team, labels: LABELS },
    role: sparkRole,
  }).addSubjects(spark);
  const airflowRole = new kplus.Role(chart, 'airflow-role', {
    metadata: { name: 'modelplane-airflow-runner', namespace: team, labels: LABELS },
  });
  const sparkApps = kplus.ApiResource.custom({ apiGroup: 'sparkoperator.k8s.io', resourceType: 'sparkapplications' });
  airflowRole.allow(['create', 'get', 'list', 'watch', 'delete', 'patch'], sparkApps);
  airflowRole.allow(['get'], kplus.ApiResource.custom({ apiGroup: 'sparkoperator.k8s.io', resourceType: 'sparkapplications/status' }));
  airflowRole.allow(
    ['get', 'list', 'watch'],
    kplus.ApiResource.PODS,
    kplus.ApiResource.custom({ apiGroup: '', resourceType: 'pods/log' }),
    kplus.ApiResource.EVENTS,
  );
  const worker = kplus.ServiceAccount.fromServiceAccountName(chart, 'worker', 'airflow-worker', { namespaceName: 'airflow' });
  new kplus.RoleBinding(chart, 'airflow-binding', {
    metadata: { name: 'modelplane-airflow-runner', namespace: team, labels: LABELS },
    role: airflowRole,
  }).addSubjects(worker);
  // The bootstrap Job creates the team's object-store Secret here.
  const bootRole = new kplus.Role(chart, 'boot-role', {
    metadata: { name: 'modelplane-secret-bootstrap', namespace: team, labels: LABELS },
  });
  bootRole.allow(['create'], kplus.ApiResource.SECRETS);
  const bootSa = kplus.ServiceAccount.fromServiceAccountName(chart, 'boot-sa', 'modelplane-secret-bootstrap', { namespaceName: NS });
  new kplus.RoleBinding(chart, 'boot-binding', {
    metadata: { name: 'modelplane-secret-bootstrap', namespace: team, labels: LABELS },
    role: bootRole,
  }).addSubjects(bootSa);
}

/** The default platform with `teams` team workspaces, written directly with cdk8s-plus-28. */
export function baselinePlatform(app: App, teams: readonly string[]): void {
  const platform = platformChart(app, teams);
  for (const t of teams) teamChart(app, t, platform);
}
