/**
 * The pure resolve functions of the platform's constructs: MlflowServer and its embedded stores,
 * SecretBootstrap, TeamSpace, GpuNodePool, Platform and its operator add-ons. Each returns plain data
 * or every problem, and creates no construct.
 */
import { Testing } from 'cdk8s';
import { platformContext } from '../src/core/context';
import { ValidationIssue } from '../src/core/errors';
import { resolveGpuNodePool, DEFAULT_GPU_TAINT, DEVICE_PLUGIN_IMAGE } from '../src/constructs/gpu-node-pool';
import { OBJECT_STORE_IMAGE, resolveEmbeddedObjectStore } from '../src/constructs/mlflow/embedded-object-store';
import { POSTGRES_IMAGE, resolveEmbeddedPostgres } from '../src/constructs/mlflow/embedded-postgres';
import {
  artifactsDestination,
  MLFLOW_IMAGE,
  mlflowArgs,
  mlflowEnv,
  resolveMlflowServer,
  ResolvedMlflowServer,
} from '../src/constructs/mlflow/mlflow-server';
import { BOOTSTRAP_IMAGE, resolveSecretBootstrap } from '../src/constructs/mlflow/secret-bootstrap';
import {
  ADD_ONS,
  addOnNamespaces,
  addOnProvidedObjects,
  INSTALL_ORDER,
  KSERVE_ADD_ON,
  OPERATOR_DEFAULTS,
  operatorNamespaces,
  resolveAddOn,
  resolveOperators,
  SELDON_CORE_ADD_ON,
} from '../src/constructs/platform/operators';
import { isExactVersion, Platform, PlatformProps, resolvePlatform } from '../src/constructs/platform/platform';
import { resolveTeamSpace } from '../src/constructs/team-space';

/** The spec of a resolution that must have succeeded. */
function specOf<T>(r: { spec?: T; issues: readonly ValidationIssue[] }): T {
  expect(r.issues).toEqual([]);
  return r.spec as T;
}

/** Where each issue is and what it is about: `within` (if any), the construct and the field. */
const where = (issues: readonly ValidationIssue[]) => issues.map((i) => [i.within ?? '', i.construct, i.field]);

describe('resolveMlflowServer', () => {
  test('the embedded defaults: two replicas, four workers, in-cluster PostgreSQL and object store', () => {
    const s = specOf(resolveMlflowServer('mlflow', { namespace: 'mp' }));
    expect(s).toMatchObject({
      name: 'mlflow',
      namespace: 'mp',
      image: MLFLOW_IMAGE,
      replicas: 2,
      workers: 4,
      resources: { cpu: '500m', memory: '2Gi' },
      trackingUri: 'http://mlflow.mp.svc.cluster.local:5000',
      corsOrigins: ['http://mlflow.mp.svc.cluster.local:5000'],
      clientNamespaces: [],
      monitoringNamespace: 'monitoring',
      podLabels: {
        'app.kubernetes.io/name': 'mlflow',
        'app.kubernetes.io/instance': 'mlflow',
        'app.kubernetes.io/component': 'tracking-server',
      },
    });
    expect(s.backend.kind).toBe('embedded');
    expect(s.artifacts.kind).toBe('embedded');
    if (s.backend.kind !== 'embedded' || s.artifacts.kind !== 'embedded') throw new Error('embedded stores expected');
    expect(s.backend.postgres).toMatchObject({
      name: 'mlflow-postgres',
      user: 'mlflow',
      passwordSecret: { name: 'mlflow-postgres', key: 'password' },
    });
    expect(s.backend.postgres.clientPodLabels).toEqual(s.podLabels);
    expect(s.artifacts.store).toMatchObject({
      name: 'object-store',
      bucket: 'mlflow',
      teamBuckets: ['code', 'envs', 'data'],
      endpoint: 'http://object-store.mp.svc.cluster.local:7070',
    });
    expect(artifactsDestination(s)).toBe('s3://mlflow/mlflow');
  });

  test('external stores: the URI Secret and port, the S3 bucket with its prefix; env and args follow', () => {
    const s = specOf(
      resolveMlflowServer('mlflow', {
        namespace: 'mp',
        name: 'tracking',
        backendStore: { external: { uriSecret: { name: 'db', key: 'uri' } } },
        artifactStore: { s3: { bucket: 'ml-artifacts', prefix: 'team/mlflow', region: 'eu-west-1' } },
        ingressHost: 'mlflow.example.com',
        basicAuthSecret: 'auth',
      }),
    );
    expect(s.backend).toEqual({ kind: 'external', uriSecret: { name: 'db', key: 'uri' }, port: 5432 });
    expect(s.artifacts).toMatchObject({ kind: 's3', bucket: 'ml-artifacts', prefix: 'team/mlflow' });
    expect(artifactsDestination(s)).toBe('s3://ml-artifacts/team/mlflow');
    expect(s.corsOrigins).toEqual(['https://mlflow.example.com', 'http://tracking.mp.svc.cluster.local:5000']);
    expect(mlflowEnv(s).map((e) => e.name)).toEqual([
      'HOME',
      'MLFLOW_BACKEND_STORE_URI',
      'AWS_DEFAULT_REGION',
      'MLFLOW_AUTH_CONFIG_PATH',
      'MLFLOW_FLASK_SERVER_SECRET_KEY',
    ]);
    const args = mlflowArgs(s);
    expect(args.slice(-2)).toEqual(['--app-name', 'basic-auth']);
    expect(args[args.indexOf('--allowed-hosts') + 1].split(',')).toEqual(s.allowedHosts);
  });

  test('every problem, the embedded stores reported as the server own fields; no construct is created', () => {
    const chart = Testing.chart();
    const r = resolveMlflowServer('mlflow', {
      namespace: 'Bad',
      replicas: 1,
      backendStore: { embedded: { storageSize: 'x' } },
      artifactStore: { embedded: { bucket: 'B' } },
    });
    expect(r.spec).toBeUndefined();
    expect(where(r.issues)).toEqual([
      ['', 'MlflowServer "mlflow"', 'namespace'],
      ['', 'MlflowServer "mlflow"', 'replicas'],
      ['', 'MlflowServer "mlflow"', 'backendStore.embedded.storageSize'],
      ['', 'MlflowServer "mlflow"', 'artifactStore.embedded.bucket'],
    ]);
    expect(chart.node.children).toEqual([]);
  });
});

describe('the embedded stores on their own', () => {
  test('resolveEmbeddedPostgres: defaults, and its namespace checked too', () => {
    const s = specOf(resolveEmbeddedPostgres('pg', { namespace: 'mp', clientPodLabels: { a: 'b' } }));
    expect(s).toMatchObject({
      name: 'mlflow-postgres',
      namespace: 'mp',
      storageSize: '20Gi',
      image: POSTGRES_IMAGE,
      secretName: 'mlflow-postgres',
    });
    expect(s.clientPodLabels).toEqual({ a: 'b' });
    const bad = resolveEmbeddedPostgres('pg', { namespace: 'MP', clientPodLabels: {}, passwordSecretName: 'PG' });
    expect(where(bad.issues)).toEqual([
      ['', 'EmbeddedPostgres "pg"', 'passwordSecretName'],
      ['', 'EmbeddedPostgres "pg"', 'namespace'],
    ]);
  });

  test('resolveEmbeddedObjectStore: defaults and given values', () => {
    const s = specOf(
      resolveEmbeddedObjectStore('m', {
        namespace: 'mp',
        clientPodLabels: {},
        bucket: 'art',
        teamBuckets: ['teams'],
        credentialsSecretName: 'creds',
        storageClassName: 'fast',
      }),
    );
    expect(s).toMatchObject({
      storageSize: '50Gi',
      storageClassName: 'fast',
      image: OBJECT_STORE_IMAGE,
      bucket: 'art',
      teamBuckets: ['teams'],
      rootUserSecret: { name: 'creds', key: 'root-user' },
      rootPasswordSecret: { name: 'creds', key: 'root-password' },
    });
    expect(where(resolveEmbeddedObjectStore('m', { namespace: 'mp', clientPodLabels: {}, storageSize: 'big' }).issues)).toEqual([
      ['', 'EmbeddedObjectStore "m"', 'storageSize'],
    ]);
  });
});

describe('resolveSecretBootstrap', () => {
  test('its name, labels and image; the Secrets as given', () => {
    const secrets = [
      { name: 'b', keys: ['k'] },
      { name: 'a', keys: ['user=x', 'password'] },
    ];
    expect(specOf(resolveSecretBootstrap('boot', { namespace: 'mp', secrets }))).toMatchObject({
      name: 'modelplane-secret-bootstrap',
      namespace: 'mp',
      image: BOOTSTRAP_IMAGE,
      secrets,
    });
  });
  test('every problem', () => {
    const r = resolveSecretBootstrap('boot', {
      namespace: 'mp',
      image: 'python',
      secrets: [
        { name: 'a', keys: ['k', 'k=v'] },
        { name: 'a', keys: [] },
      ],
    });
    expect(where(r.issues).map(([, , f]) => f)).toEqual(['image', 'secrets[0].keys', 'secrets[1].keys', 'secrets']);
  });
});

describe('resolveTeamSpace', () => {
  const platform = platformContext();
  test('defaults; editor groups sorted', () => {
    const s = specOf(resolveTeamSpace('risk', { name: 'risk', platform, editorGroups: ['b', 'a'] }));
    expect(s).toEqual({
      namespace: 'risk',
      quota: { cpu: '16', memory: '64Gi', pods: 200, gpus: 0 },
      limits: { cpuRequest: '250m', memoryRequest: '256Mi', cpuLimit: '1', memoryLimit: '1Gi' },
      editorGroups: ['a', 'b'],
      objectStoreCidrs: [],
      serviceAccountAnnotations: {},
      platform,
    });
  });
  test('every problem at once', () => {
    const r = resolveTeamSpace('risk', {
      name: 'Risk',
      platform,
      quota: { pods: 0 },
      limits: { memoryRequest: '2Gi' },
      objectStoreCidrs: ['10.0.0.0/40'],
    });
    expect(where(r.issues).map(([, , f]) => f)).toEqual(['name', 'quota.pods', 'limits.memoryRequest', 'objectStoreCidrs[0]']);
  });
});

describe('resolveGpuNodePool', () => {
  test('the default taint, the pool label, the device plugin in kube-system, no Karpenter', () => {
    expect(specOf(resolveGpuNodePool('a100'))).toEqual({
      pool: { name: 'a100', taint: DEFAULT_GPU_TAINT, nodeLabels: { 'modelplane.dev/gpu-pool': 'a100' }, maxGpus: undefined },
      devicePlugin: { image: DEVICE_PLUGIN_IMAGE, namespace: 'kube-system' },
      karpenter: undefined,
    });
  });
  test('a named pool without device plugin, extra node labels', () => {
    const s = specOf(resolveGpuNodePool('gpu-ml', { name: 'ml', devicePlugin: false, nodeLabels: { zone: 'a' }, maxGpus: 4 }));
    expect(s.pool).toMatchObject({ name: 'ml', nodeLabels: { 'modelplane.dev/gpu-pool': 'ml', zone: 'a' }, maxGpus: 4 });
    expect(s.devicePlugin).toBeUndefined();
  });
  test('every problem at once', () => {
    const r = resolveGpuNodePool('a100', {
      maxGpus: 0,
      karpenter: { nodeClassRef: { group: 'g', kind: 'k', name: 'n' }, consolidationPolicy: 'Always' as never, consolidateAfter: 'soon' },
    });
    expect(where(r.issues).map(([, , f]) => f)).toEqual(['maxGpus', 'karpenter.consolidationPolicy', 'karpenter.consolidateAfter']);
  });
});

describe('resolvePlatform', () => {
  test('the same context and operators as the Platform it renders', () => {
    const props: PlatformProps = { teams: [{ name: 'b' }, { name: 'a' }], gpuPools: [{ name: 'gpu', maxGpus: 8 }] };
    const s = specOf(resolvePlatform('platform', props));
    const platform = new Platform(Testing.app(), 'platform', props);
    expect(s.context).toEqual(platform.context);
    expect(s.operators).toEqual(platform.operators);
    expect(s.mlflow.clientNamespaces).toEqual(['airflow']);
    expect(s.teams.map((t) => [t.name, t.platform])).toEqual([
      ['b', s.context],
      ['a', s.context],
    ]);
    expect(s.generatedSecrets.map((g) => g.name)).toEqual(['mlflow-postgres', 'modelplane-object-store']);
    // Each team owns its prefix in the team buckets, with its own Secret (created by the bootstrap Job).
    expect(s.objectStore?.teams.map((t) => [t.name, t.namespace, t.secretName, t.prefix])).toEqual([
      ['a', 'a', 'modelplane-s3', 'a'],
      ['b', 'b', 'modelplane-s3', 'b'],
    ]);
  });

  test('external stores: no generated Secrets; the context points at the S3 endpoint', () => {
    const s = specOf(
      resolvePlatform('platform', {
        mlflow: {
          backendStore: { external: { uriSecret: { name: 'db', key: 'uri' } } },
          artifactStore: { s3: { bucket: 'abc', endpoint: 'https://s3.example.com' } },
        },
      }),
    );
    expect(s.generatedSecrets).toEqual([]);
    expect(s.context.objectStore.endpoint).toBe('https://s3.example.com');
  });

  test('every problem of every part, each marked with where its props sit', () => {
    const r = resolvePlatform('platform', {
      teams: [{ name: 'ok' }, { name: 'risk', quota: { cpu: 'lots' } }],
      gpuPools: [{ name: 'a100', taint: { key: 'purpose', effect: 'Sometimes' as never } }],
      mlflow: { replicas: 1, clientNamespaces: ['Jupyter'], backendStore: { embedded: { storageSize: 'big' } } },
      operators: { keda: { version: '2.20' } },
    });
    expect(where(r.issues)).toEqual([
      ['', 'Platform "platform"', 'operators.keda.version'],
      ['gpuPools[0]', 'GpuNodePool "gpu-a100"', 'taint.effect'],
      ['mlflow', 'MlflowServer "mlflow"', 'replicas'],
      ['mlflow', 'MlflowServer "mlflow"', 'backendStore.embedded.storageSize'],
      // The index is the one in the `mlflow` section (the platform adds Airflow's namespace in front when it renders).
      ['mlflow', 'MlflowServer "mlflow"', 'clientNamespaces[0]'],
      ['teams[1]', 'TeamSpace "risk"', 'quota.cpu'],
    ]);
  });

  test('a problem the platform reports itself is not repeated by the part', () => {
    const r = resolvePlatform('platform', { platformNamespace: 'Bad', teams: [{ name: 'Risk' }], gpuPools: [{ name: 'A100' }] });
    expect(where(r.issues)).toEqual([
      ['', 'Platform "platform"', 'platformNamespace'],
      ['', 'Platform "platform"', 'teams[0].name'],
      ['', 'Platform "platform"', 'gpuPools[0].name'],
    ]);
  });

  test('the generated Secrets must have distinct names', () => {
    const r = resolvePlatform('platform', {
      mlflow: {
        backendStore: { embedded: { passwordSecretName: 'same' } },
        artifactStore: { embedded: { credentialsSecretName: 'same' } },
      },
    });
    expect(where(r.issues)).toEqual([['mlflow', 'SecretBootstrap "secret-bootstrap"', 'secrets']]);
  });

  test('isExactVersion', () => {
    expect(['2.5.2', 'v0.20.0', '1.0.0-rc.1'].map(isExactVersion)).toEqual([true, true, true]);
    expect(['2.5', '^1.22.0', '2.5.x', 'latest', 2].map(isExactVersion)).toEqual([false, false, false, false, false]);
  });
});

describe('operator add-ons', () => {
  const ctx = { teamNamespaces: ['a', 'b'], platform: platformContext() };
  test('every chart of OPERATOR_DEFAULTS belongs to one add-on', () => {
    const charts = Object.values(ADD_ONS).flatMap((a) => a.charts.map((c) => c.defaultProps));
    expect(charts.map((c) => c.releaseName).sort()).toEqual(
      Object.values(OPERATOR_DEFAULTS)
        .map((d) => d.releaseName)
        .sort(),
    );
    expect([...INSTALL_ORDER].sort()).toEqual(Object.keys(ADD_ONS).sort());
  });
  test('enabled by default or not; an explicit enabled wins', () => {
    expect(resolveAddOn(SELDON_CORE_ADD_ON, {}, ctx)).toEqual([]);
    expect(resolveAddOn(SELDON_CORE_ADD_ON, { enabled: true }, ctx).map((r) => r.releaseName)).toEqual(['seldon-core']);
    expect(resolveAddOn(KSERVE_ADD_ON, { enabled: false }, ctx)).toEqual([]);
  });
  test('the KServe CRD chart takes only the version of KServe overrides, the runtimes chart its version and namespace', () => {
    const [crd, kserve, runtimes] = resolveAddOn(KSERVE_ADD_ON, { version: 'v0.20.1', namespace: 'ks', values: { a: 1 } }, ctx);
    expect(crd).toMatchObject({ releaseName: 'kserve-crd', version: 'v0.20.1', namespace: 'kserve', values: {} });
    expect(kserve).toMatchObject({ releaseName: 'kserve', version: 'v0.20.1', namespace: 'ks', values: { a: 1 } });
    expect(runtimes).toEqual({
      releaseName: 'kserve-runtime-configs',
      chart: 'oci://ghcr.io/kserve/charts/kserve-runtime-configs',
      repo: '',
      version: 'v0.20.1',
      namespace: 'ks',
      values: { kserve: { servingruntime: { enabled: true } } },
      note: expect.any(String),
    });
    // For reserving team names, every chart of the add-on counts in the namespace it is given.
    expect(addOnNamespaces(KSERVE_ADD_ON, { namespace: 'ks' })).toEqual(['ks', 'ks', 'ks']);
  });
  test("KServe's CRDs (ClusterStorageContainer's too, for the platform's storage initializer) are named after the kserve release", () => {
    const provided = addOnProvidedObjects(KSERVE_ADD_ON, resolveAddOn(KSERVE_ADD_ON, {}, ctx), ctx);
    expect(provided.map((o) => o.name)).toContain('clusterstoragecontainers.serving.kserve.io');
    for (const o of provided)
      expect(o.providedBy).toBe('the Helm release kserve (chart oci://ghcr.io/kserve/charts/kserve-resources v0.20.0)');
  });
  test('computed values come from the platform: Spark job namespaces, KEDA everywhere, Airflow DAG volumes', () => {
    const refs = resolveOperators({}, ctx);
    expect(refs.map((r) => r.releaseName)).toEqual(['keda', 'spark-operator', 'kserve-crd', 'kserve', 'kserve-runtime-configs', 'airflow']);
    const values = (name: string) => refs.find((r) => r.releaseName === name)!.values as Record<string, any>;
    expect(values('spark-operator').spark.jobNamespaces).toEqual(['a', 'b']);
    expect(values('keda')).toEqual({ watchNamespace: '' });
    expect(values('airflow').volumes.map((v: any) => v.configMap.name)).toEqual(['modelplane-dags-a', 'modelplane-dags-b']);
  });
  test('operatorNamespaces lists every add-on in declaration order', () => {
    expect(operatorNamespaces({ airflow: { namespace: 'orchestration' } })).toEqual([
      'spark-operator',
      'orchestration',
      'kserve',
      'kserve',
      'kserve',
      'seldon-system',
      'keda',
      'monitoring',
      'argo',
      'envoy-gateway-system',
    ]);
  });
});

test('a resolved server is plain data', () => {
  const s: ResolvedMlflowServer = specOf(resolveMlflowServer('mlflow', { namespace: 'mp' }));
  expect(JSON.parse(JSON.stringify(s))).toEqual(s);
});
