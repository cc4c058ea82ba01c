/** MlflowServer with its embedded stores (EmbeddedPostgres, EmbeddedObjectStore): output and every validation. */
import { Testing } from 'cdk8s';
import { EmbeddedMinio, EmbeddedObjectStore } from '../src/constructs/mlflow/embedded-object-store';
import { EmbeddedPostgres } from '../src/constructs/mlflow/embedded-postgres';
import { MLFLOW_IMAGE, MLFLOW_PORT, mlflowAllowedHosts, MlflowServer, MlflowServerProps } from '../src/constructs/mlflow/mlflow-server';
import { findObject } from './support/manifests';
import { restrictedViolations } from './support/policy';
import { scanForSecrets } from './support/secret-scan';
import { expectIssue } from './support/errors';

function synth(props: Partial<MlflowServerProps> = {}) {
  const chart = Testing.chart();
  const server = new MlflowServer(chart, 'mlflow', { namespace: 'mp', ...props });
  return { server, objs: Testing.synth(chart) };
}

/** The value following `flag` in a container's args. */
const arg = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('MlflowServer on embedded stores (defaults)', () => {
  const { server, objs } = synth();
  const dep = findObject(objs, 'Deployment', 'mlflow');
  const pod = dep.spec.template.spec;
  const main = pod.containers[0];

  test('snapshot', () => expect(objs).toMatchSnapshot());

  test('the pinned -full image, in both containers', () => {
    expect(MLFLOW_IMAGE).toMatch(/^ghcr\.io\/mlflow\/mlflow:v3\.\d+\.\d+-full$/);
    expect(main.image).toBe(MLFLOW_IMAGE);
    expect(pod.initContainers[0].image).toBe(MLFLOW_IMAGE);
  });

  test('server args: host, port, backend store from a Secret-fed env var, artifacts, metrics', () => {
    expect(main.command).toEqual(['mlflow', 'server']);
    expect(arg(main.args, '--host')).toBe('0.0.0.0');
    expect(arg(main.args, '--port')).toBe('5000');
    expect(arg(main.args, '--backend-store-uri')).toBe('$(MLFLOW_BACKEND_STORE_URI)');
    expect(arg(main.args, '--artifacts-destination')).toBe('s3://mlflow/mlflow');
    expect(main.args).toContain('--serve-artifacts');
    expect(arg(main.args, '--expose-prometheus')).toBe('/var/mlflow/metrics');
    // The password comes from the generated Secret; the URI refers to it, declared after it.
    const names = main.env.map((e: any) => e.name);
    expect(names.indexOf('DB_PASSWORD')).toBeLessThan(names.indexOf('MLFLOW_BACKEND_STORE_URI'));
    expect(main.env.find((e: any) => e.name === 'DB_PASSWORD').valueFrom.secretKeyRef).toEqual({
      name: 'mlflow-postgres',
      key: 'password',
    });
    expect(main.env.find((e: any) => e.name === 'MLFLOW_BACKEND_STORE_URI').value).toBe(
      'postgresql://mlflow:$(DB_PASSWORD)@mlflow-postgres.mp.svc.cluster.local:5432/mlflow',
    );
    expect(main.env.find((e: any) => e.name === 'AWS_SECRET_ACCESS_KEY').valueFrom.secretKeyRef).toEqual({
      name: 'modelplane-object-store',
      key: 'root-password',
    });
    expect(main.env.find((e: any) => e.name === 'MLFLOW_S3_ENDPOINT_URL').value).toBe('http://object-store.mp.svc.cluster.local:7070');
  });

  test('--allowed-hosts lists the Service DNS names with and without port, and localhost for probes', () => {
    const hosts = arg(main.args, '--allowed-hosts').split(',');
    for (const h of ['mlflow', 'mlflow.mp', 'mlflow.mp.svc', 'mlflow.mp.svc.cluster.local', 'localhost']) {
      expect(hosts).toContain(h);
      expect(hosts).toContain(`${h}:${MLFLOW_PORT}`);
    }
    expect(server.allowedHosts).toEqual(hosts);
    expect(arg(main.args, '--cors-allowed-origins')).toBe('http://mlflow.mp.svc.cluster.local:5000');
  });

  test('db upgrade runs in an init container before the server, with the same store env', () => {
    expect(pod.initContainers).toHaveLength(1);
    expect(pod.initContainers[0].name).toBe('db-upgrade');
    expect(pod.initContainers[0].command).toEqual(['mlflow', 'db', 'upgrade', '$(MLFLOW_BACKEND_STORE_URI)']);
    expect(pod.initContainers[0].env).toEqual(main.env);
  });

  test('probes on /health (startup, readiness) with a Host header MLflow accepts', () => {
    expect(main.startupProbe.httpGet.path).toBe('/health');
    expect(main.readinessProbe.httpGet.path).toBe('/health');
    expect(main.livenessProbe.httpGet.path).toBeDefined();
    const host = main.readinessProbe.httpGet.httpHeaders[0].value;
    expect(server.allowedHosts).toContain(host);
  });

  test('two replicas, zero-downtime rollout, spread, PDB', () => {
    expect(dep.spec.replicas).toBe(2);
    expect(dep.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(pod.topologySpreadConstraints[0].topologyKey).toBe('kubernetes.io/hostname');
    const pdb = findObject(objs, 'PodDisruptionBudget', 'mlflow');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(dep.spec.selector.matchLabels);
    expect(dep.spec.selector.matchLabels).toEqual(server.podLabels);
    expect(pdb.spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
  });

  test('service selects the pods', () => {
    const svc = findObject(objs, 'Service', 'mlflow');
    expect(svc.spec.selector).toEqual(server.podLabels);
    expect(svc.spec.ports[0].port).toBe(5000);
    expect(server.trackingUri).toBe('http://mlflow.mp.svc.cluster.local:5000');
  });

  test('NetworkPolicies: MLflow in from teams, clients and monitoring; out to DNS, its database and the object store only', () => {
    const np = findObject(objs, 'NetworkPolicy', 'mlflow');
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.ingress[0].from).toEqual(
      expect.arrayContaining([
        { namespaceSelector: { matchExpressions: [{ key: 'modelplane.dev/team', operator: 'Exists' }] } },
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
      ]),
    );
    expect(np.spec.ingress[0].ports).toEqual([{ port: 5000, protocol: 'TCP' }]);
    expect(np.spec.egress.map((e: any) => e.ports.map((p: any) => p.port))).toEqual([[53, 53], [5432], [7070]]);
    const pg = findObject(objs, 'NetworkPolicy', 'mlflow-postgres');
    expect(pg.spec.ingress[0].from).toEqual([{ podSelector: { matchLabels: server.podLabels } }]);
    expect(pg.spec.egress).toEqual([]);
    const store = findObject(objs, 'NetworkPolicy', 'object-store');
    expect(store.spec.ingress[0].ports).toEqual([{ port: 7070, protocol: 'TCP' }]);
    // MLflow, the bootstrap Job that provisions it, and the team namespaces; the store itself calls nothing.
    expect(store.spec.ingress[0].from).toEqual([
      { podSelector: { matchLabels: server.podLabels } },
      { podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'modelplane-secret-bootstrap' } } },
      { namespaceSelector: { matchExpressions: [{ key: 'modelplane.dev/team', operator: 'Exists' }] } },
    ]);
    expect(store.spec.egress).toEqual([]);
  });

  test('embedded PostgreSQL: StatefulSet + PVC + Service, password from the Secret', () => {
    const sts = findObject(objs, 'StatefulSet', 'mlflow-postgres');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('20Gi');
    expect(sts.spec.template.spec.containers[0].env.find((e: any) => e.name === 'POSTGRES_PASSWORD').valueFrom.secretKeyRef).toEqual({
      name: 'mlflow-postgres',
      key: 'password',
    });
    expect(sts.spec.template.spec.securityContext.runAsUser).toBe(10001);
    expect(findObject(objs, 'Service', 'mlflow-postgres').spec.ports[0].port).toBe(5432);
    expect(server.postgres).toBeInstanceOf(EmbeddedPostgres);
  });

  test('embedded object store: versitygw StatefulSet + PVC, root credentials from the Secret, no Job of its own', () => {
    const sts = findObject(objs, 'StatefulSet', 'object-store');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('50Gi');
    const c = sts.spec.template.spec.containers[0];
    expect(c.image).toBe('ghcr.io/versity/versitygw:v1.8.0');
    expect(c.args[0]).toContain('versitygw --port :7070 --health /_/health --iam-dir /data/iam posix /data/buckets');
    expect(c.env.filter((e: any) => e.valueFrom).map((e: any) => [e.name, e.valueFrom.secretKeyRef])).toEqual([
      ['ROOT_ACCESS_KEY_ID', { name: 'modelplane-object-store', key: 'root-user' }],
      ['ROOT_SECRET_ACCESS_KEY', { name: 'modelplane-object-store', key: 'root-password' }],
    ]);
    expect(c.readinessProbe.httpGet.path).toBe('/_/health');
    // Buckets, team users and policies are the bootstrap Job's (secret-bootstrap.test.ts, test/s3).
    expect(objs.filter((o) => o.kind === 'Job')).toEqual([]);
    expect(server.objectStore).toBeInstanceOf(EmbeddedObjectStore);
    // The deprecated names still work.
    expect(server.minio).toBe(server.objectStore);
    expect(EmbeddedMinio).toBe(EmbeddedObjectStore);
  });

  test('no Secret values, every pod restricted', () => {
    expect(objs.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(scanForSecrets(objs)).toEqual([]);
    expect(restrictedViolations(objs)).toEqual([]);
  });
});

describe('MlflowServer on external stores with basic auth and ingress', () => {
  const { server, objs } = synth({
    name: 'tracking',
    replicas: 3,
    backendStore: { external: { uriSecret: { name: 'mlflow-db', key: 'uri' }, port: 6432 } },
    artifactStore: {
      s3: {
        bucket: 'ml-artifacts',
        prefix: 'team/mlflow',
        endpoint: 'https://s3.eu-central-1.amazonaws.com',
        region: 'eu-central-1',
        accessKeyId: { name: 's3', key: 'id' },
        secretAccessKey: { name: 's3', key: 'secret' },
      },
    },
    basicAuthSecret: 'mlflow-auth',
    ingressHost: 'mlflow.example.com',
    ingressClassName: 'nginx',
    corsAllowedOrigins: ['https://notebooks.example.com'],
    clientNamespaces: ['jupyter'],
  });
  const main = findObject(objs, 'Deployment', 'tracking').spec.template.spec.containers[0];

  test('snapshot', () => expect(objs).toMatchSnapshot());

  test('no embedded stores; the URI comes straight from the Secret', () => {
    expect(server.postgres).toBeUndefined();
    expect(server.objectStore).toBeUndefined();
    expect(objs.filter((o) => o.kind === 'StatefulSet')).toEqual([]);
    expect(main.env.find((e: any) => e.name === 'MLFLOW_BACKEND_STORE_URI').valueFrom.secretKeyRef).toEqual({
      name: 'mlflow-db',
      key: 'uri',
    });
    expect(arg(main.args, '--artifacts-destination')).toBe('s3://ml-artifacts/team/mlflow');
    expect(main.env.find((e: any) => e.name === 'AWS_DEFAULT_REGION').value).toBe('eu-central-1');
  });

  test('allowed hosts and CORS include the ingress host', () => {
    const hosts = arg(main.args, '--allowed-hosts').split(',');
    expect(hosts).toEqual(
      expect.arrayContaining(['tracking.mp.svc.cluster.local:5000', 'tracking', 'mlflow.example.com', 'mlflow.example.com:443']),
    );
    expect(arg(main.args, '--cors-allowed-origins').split(',')).toEqual([
      'https://mlflow.example.com',
      'http://tracking.mp.svc.cluster.local:5000',
      'https://notebooks.example.com',
    ]);
    expect(mlflowAllowedHosts('a', 'b')).toHaveLength(10);
  });

  test('basic auth: app name, config file mounted from the Secret, flask key from the Secret', () => {
    expect(arg(main.args, '--app-name')).toBe('basic-auth');
    expect(main.env.find((e: any) => e.name === 'MLFLOW_FLASK_SERVER_SECRET_KEY').valueFrom.secretKeyRef).toEqual({
      name: 'mlflow-auth',
      key: 'flask-secret-key',
    });
    expect(main.volumeMounts).toContainEqual({ name: 'auth', mountPath: '/etc/mlflow/auth', readOnly: true });
  });

  test('egress to the external database port and S3 over 443; an Ingress; the client namespace may call', () => {
    const np = findObject(objs, 'NetworkPolicy', 'tracking');
    expect(np.spec.egress.map((e: any) => e.ports.map((p: any) => p.port))).toEqual([[53, 53], [6432], [443]]);
    expect(np.spec.ingress[0].from).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'jupyter' } } });
    const ing = findObject(objs, 'Ingress', 'tracking');
    expect(ing.spec.rules[0].host).toBe('mlflow.example.com');
    expect(ing.spec.ingressClassName).toBe('nginx');
    expect(findObject(objs, 'Deployment', 'tracking').spec.replicas).toBe(3);
    expect(scanForSecrets(objs)).toEqual([]);
    expect(restrictedViolations(objs)).toEqual([]);
  });
});

describe('MlflowServer validation', () => {
  const C = 'MlflowServer "mlflow"';
  const bad = (props: Record<string, unknown>) => () => synth(props as Partial<MlflowServerProps>);

  test.each([
    ['name', { name: 'MLflow' }, 'MLflow'],
    ['name', { name: 'm'.repeat(41) }, 'm'.repeat(41)],
    ['namespace', { namespace: 'Platform NS' }, 'Platform NS'],
    ['namespace', { namespace: 'n'.repeat(64) }, 'n'.repeat(64)],
    ['image', { image: 'ghcr.io/mlflow/mlflow:latest' }, 'ghcr.io/mlflow/mlflow:latest'],
    ['image', { image: 'ghcr.io/mlflow/mlflow' }, 'ghcr.io/mlflow/mlflow'],
    ['replicas', { replicas: 1 }, 1],
    ['replicas', { replicas: 2.5 }, 2.5],
    ['workers', { workers: 0 }, 0],
    ['resources.cpu', { resources: { cpu: 'half', memory: '1Gi' } }, 'half'],
    ['resources.memory', { resources: { cpu: '1', memory: '2GB' } }, '2GB'],
    ['resources.cpuLimit', { resources: { cpu: '1', memory: '1Gi', cpuLimit: 'max' } }, 'max'],
    ['resources.ephemeralStorage', { resources: { cpu: '1', memory: '1Gi', ephemeralStorage: '1 GB' } }, '1 GB'],
    ['backendStore.embedded.storageSize', { backendStore: { embedded: { storageSize: '20 GB' } } }, '20 GB'],
    ['backendStore.embedded.image', { backendStore: { embedded: { image: 'postgres' } } }, 'postgres'],
    ['backendStore.embedded.passwordSecretName', { backendStore: { embedded: { passwordSecretName: 'PG_SECRET' } } }, 'PG_SECRET'],
    ['backendStore.embedded.storageClassName', { backendStore: { embedded: { storageClassName: 'Fast SSD' } } }, 'Fast SSD'],
    ['backendStore.embedded', { backendStore: { embedded: 'yes' } }, 'yes'],
    ['artifactStore.embedded', { artifactStore: { embedded: true } }, true],
    ['backendStore.external', { backendStore: { external: ['db'] } }, ['db']],
    ['backendStore.external.port', { backendStore: { external: { uriSecret: { name: 'db', key: 'uri' }, port: 70000 } } }, 70000],
    ['backendStore.external.uriSecret.name', { backendStore: { external: { uriSecret: { name: 'DB', key: 'uri' } } } }, 'DB'],
    ['backendStore.external.uriSecret.key', { backendStore: { external: { uriSecret: { name: 'db', key: 'a/b' } } } }, 'a/b'],
    ['artifactStore.embedded.storageSize', { artifactStore: { embedded: { storageSize: 'big' } } }, 'big'],
    ['artifactStore.embedded.bucket', { artifactStore: { embedded: { bucket: 'My_Bucket' } } }, 'My_Bucket'],
    ['artifactStore.embedded.image', { artifactStore: { embedded: { image: 'versity/versitygw:latest' } } }, 'versity/versitygw:latest'],
    ['artifactStore.embedded.credentialsSecretName', { artifactStore: { embedded: { credentialsSecretName: 'Store' } } }, 'Store'],
    ['artifactStore.embedded.teamBuckets', { artifactStore: { embedded: { teamBuckets: 'code' } } }, 'code'],
    ['artifactStore.embedded.teamBuckets[1]', { artifactStore: { embedded: { teamBuckets: ['code', 'Envs'] } } }, 'Envs'],
    ['artifactStore.embedded.teamBuckets', { artifactStore: { embedded: { teamBuckets: ['code', 'code'] } } }, 'code'],
    ['artifactStore.embedded.teamBuckets', { artifactStore: { embedded: { teamBuckets: ['mlflow'] } } }, 'mlflow'],
    ['artifactStore.embedded.storageClassName', { artifactStore: { embedded: { storageClassName: '_' } } }, '_'],
    ['artifactStore.s3.bucket', { artifactStore: { s3: { bucket: 'ab' } } }, 'ab'],
    ['artifactStore.s3.prefix', { artifactStore: { s3: { bucket: 'abc', prefix: '/mlflow/' } } }, '/mlflow/'],
    ['artifactStore.s3.endpoint', { artifactStore: { s3: { bucket: 'abc', endpoint: 's3.amazonaws.com' } } }, 's3.amazonaws.com'],
    ['artifactStore.s3.region', { artifactStore: { s3: { bucket: 'abc', region: 'EU Central' } } }, 'EU Central'],
    [
      'artifactStore.s3.accessKeyId',
      { artifactStore: { s3: { bucket: 'abc', accessKeyId: { name: 's', key: 'k' } } } },
      { name: 's', key: 'k' },
    ],
    [
      'artifactStore.s3.secretAccessKey.name',
      { artifactStore: { s3: { bucket: 'abc', accessKeyId: { name: 's', key: 'k' }, secretAccessKey: { name: 'S', key: 'k' } } } },
      'S',
    ],
    ['ingressHost', { ingressHost: 'https://mlflow.example.com' }, 'https://mlflow.example.com'],
    ['ingressClassName', { ingressHost: 'm.example.com', ingressClassName: 'Nginx Class' }, 'Nginx Class'],
    ['ingressClassName', { ingressClassName: 'nginx' }, 'nginx'],
    ['basicAuthSecret', { basicAuthSecret: 'Auth Secret' }, 'Auth Secret'],
    ['corsAllowedOrigins[1]', { corsAllowedOrigins: ['https://ok.example.com', 'ok.example.com'] }, 'ok.example.com'],
    ['clientNamespaces[0]', { clientNamespaces: ['Jupyter'] }, 'Jupyter'],
    ['monitoringNamespace', { monitoringNamespace: 'monitoring!' }, 'monitoring!'],
  ])('%s (%j)', (field, props, value) => {
    expectIssue(bad(props), { construct: C, field, value });
  });

  test('both embedded and external stores are rejected, naming the keys given but no value', () => {
    const issue = expectIssue(bad({ backendStore: { embedded: {}, external: { uriSecret: { name: 'db', key: 'uri' } } } }), {
      construct: C,
      field: 'backendStore',
      value: ['embedded', 'external'],
      says: /gives both embedded and external.*exactly one/,
    });
    expect(issue.fix).toContain('`backendStore.embedded` or `backendStore.external`');
    expectIssue(bad({ artifactStore: { embedded: {}, s3: { bucket: 'abc' } } }), {
      construct: C,
      field: 'artifactStore',
      value: ['embedded', 's3'],
      says: /gives both/,
    });
    expectIssue(bad({ artifactStore: {} }), { construct: C, field: 'artifactStore', value: [], says: /names none/ });
  });

  test('a plain-text database URI or password where a Secret reference is required', () => {
    const secretUri = 'postgresql://mlflow:hunter2@db.internal:5432/mlflow';
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ backendStore: { external: { uriSecret: secretUri } } }, 'backendStore.external.uriSecret'],
      [{ backendStore: { external: { uri: secretUri, uriSecret: { name: 'db', key: 'uri' } } } }, 'backendStore.external.uri'],
      [{ backendStore: { external: { password: 'hunter2', uriSecret: { name: 'db', key: 'uri' } } } }, 'backendStore.external.password'],
      [{ backendStore: { embedded: { password: 'hunter2' } } }, 'backendStore.embedded.password'],
      [{ backendStore: secretUri }, 'backendStore'],
      [{ artifactStore: { embedded: { rootPassword: 'hunter2' } } }, 'artifactStore.embedded.rootPassword'],
      [
        { artifactStore: { s3: { bucket: 'abc', accessKeyId: 'AKIAABCDEFGHIJKLMNOP', secretAccessKey: 'hunter2' } } },
        'artifactStore.s3.secretAccessKey',
      ],
      [{ artifactStore: { s3: { bucket: 'abc', secretKey: 'hunter2' } } }, 'artifactStore.s3.secretKey'],
    ];
    for (const [props, field] of cases) {
      let message = '';
      try {
        synth(props as Partial<MlflowServerProps>);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).not.toContain('hunter2');
      expect(message).not.toContain('AKIA');
      expectIssue(bad(props), { construct: C, field, value: '<redacted>', says: /Secret/ });
    }
  });

  test('every problem is reported at once, and nothing is added to the tree', () => {
    const chart = Testing.chart();
    let err: any;
    try {
      new MlflowServer(chart, 'mlflow', {
        namespace: 'Bad',
        replicas: 1,
        image: 'x:latest',
        backendStore: { embedded: { storageSize: 'x' } },
      });
    } catch (e) {
      err = e;
    }
    expect(err.issues.map((i: any) => i.field)).toEqual(['namespace', 'image', 'replicas', 'backendStore.embedded.storageSize']);
    expect(Testing.synth(chart)).toEqual([]);
  });

  test('the embedded stores validate on their own too', () => {
    expectIssue(() => new EmbeddedPostgres(Testing.chart(), 'pg', { namespace: 'mp', clientPodLabels: {}, storageSize: 'lots' }), {
      construct: 'EmbeddedPostgres "pg"',
      field: 'storageSize',
      value: 'lots',
    });
    expectIssue(() => new EmbeddedPostgres(Testing.chart(), 'pg', { namespace: 'MP', clientPodLabels: {} }), {
      construct: 'EmbeddedPostgres "pg"',
      field: 'namespace',
      value: 'MP',
    });
    expectIssue(() => new EmbeddedObjectStore(Testing.chart(), 'm', { namespace: 'mp', clientPodLabels: {}, bucket: 'a..b' }), {
      construct: 'EmbeddedObjectStore "m"',
      field: 'bucket',
      value: 'a..b',
    });
    expectIssue(() => new EmbeddedObjectStore(Testing.chart(), 'm', { namespace: 'mp!', clientPodLabels: {} }), {
      construct: 'EmbeddedObjectStore "m"',
      field: 'namespace',
      value: 'mp!',
    });
  });
});
