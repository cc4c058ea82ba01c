/** SecretBootstrap: generates missing credentials in the cluster with the least RBAC; every validation. */
import { Testing } from 'cdk8s';
import fc from 'fast-check';
import { objectStoreProvisioning, PROVISION_SCRIPT, teamAccessKey } from '../src/constructs/mlflow/object-store-provision';
import {
  BOOTSTRAP_IMAGE,
  BOOTSTRAP_SCRIPT,
  renderBootstrapTeamAccess,
  SecretBootstrap,
  SecretBootstrapProps,
  teamSecrets,
} from '../src/constructs/mlflow/secret-bootstrap';
import { isObjectProvider } from '../src/core/references';
import { expectIssue } from './support/errors';
import { findObject } from './support/manifests';
import { restrictedViolations } from './support/policy';
import { scanForSecrets } from './support/secret-scan';

function synth(props: Partial<SecretBootstrapProps> = {}) {
  return synthWith(props).objs;
}

function synthWith(props: Partial<SecretBootstrapProps> = {}) {
  const chart = Testing.chart();
  const boot = new SecretBootstrap(chart, 'boot', {
    namespace: 'mp',
    secrets: [
      { name: 'mlflow-postgres', keys: ['password'] },
      { name: 'minio', keys: ['root-user=modelplane', 'root-password'] },
    ],
    ...props,
  });
  return { boot, objs: Testing.synth(chart) };
}

const STORE = objectStoreProvisioning(
  { endpoint: 'http://object-store.mp.svc.cluster.local:7070', rootSecret: 'minio', bucket: 'mlflow', teamBuckets: ['code', 'data'] },
  [
    { name: 'risk', namespace: 'risk' },
    { name: 'fraud', namespace: 'fraud' },
  ],
  'modelplane-s3',
);

describe('SecretBootstrap', () => {
  const objs = synth();
  const name = 'modelplane-secret-bootstrap';

  test('snapshot', () => expect(objs).toMatchSnapshot());

  test('RBAC: create Secrets, and get only the named ones; nothing else', () => {
    expect(findObject(objs, 'Role', name).rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['minio', 'mlflow-postgres'], verbs: ['get'] },
    ]);
    expect(findObject(objs, 'RoleBinding', name).subjects).toEqual([{ kind: 'ServiceAccount', name, namespace: 'mp' }]);
    expect(objs.filter((o) => /^Cluster/.test(o.kind))).toEqual([]);
  });

  test('the Job: the only pod that mounts a token, restricted, pinned, script from a ConfigMap', () => {
    const pod = findObject(objs, 'Job', name).spec.template.spec;
    expect(pod.serviceAccountName).toBe(name);
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(findObject(objs, 'ServiceAccount', name).automountServiceAccountToken).toBe(false);
    expect(pod.containers[0].image).toBe(BOOTSTRAP_IMAGE);
    expect(restrictedViolations(objs)).toEqual([]);
    const cm = findObject(objs, 'ConfigMap', name);
    expect(cm.data['bootstrap.py']).toBe(BOOTSTRAP_SCRIPT);
    expect(JSON.parse(cm.data['secrets.json'])).toEqual([
      { name: 'mlflow-postgres', keys: ['password'] },
      { name: 'minio', keys: ['root-user=modelplane', 'root-password'] },
    ]);
  });

  test('the script never overwrites an existing Secret and uses a CSPRNG', () => {
    expect(BOOTSTRAP_SCRIPT).toMatch(
      /status, existing = call\("GET", path \+ "\/" \+ spec\["name"\]\)\n\s+if status == 200:\n\s+print\("exists:"/,
    );
    expect(BOOTSTRAP_SCRIPT).toContain('secrets.choice');
    expect(BOOTSTRAP_SCRIPT).not.toMatch(/\brandom\./);
    // A Secret created meanwhile (409) is read, never replaced; nothing else is taken for success.
    expect(BOOTSTRAP_SCRIPT).toMatch(/if status == 409:\n\s+status, existing = call\("GET"/);
    expect(BOOTSTRAP_SCRIPT).toContain('elif status != 201:');
    // No PUT, PATCH or DELETE of Secrets: it never changes one that exists.
    expect(BOOTSTRAP_SCRIPT).not.toMatch(/call\("(PUT|PATCH|DELETE)"/);
    // It prints names, never values.
    expect(BOOTSTRAP_SCRIPT).not.toMatch(/print\([^)]*(data|values|value)\b/);
  });

  test('no secret values; the network policy lets it reach the API server only', () => {
    expect(scanForSecrets(objs)).toEqual([]);
    expect(findObject(objs, 'NetworkPolicy', name).spec.egress).toEqual([
      {
        // The API server by its addresses (the default: the private ranges), never any address.
        to: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((cidr) => ({ ipBlock: { cidr } })),
        ports: [
          { port: 443, protocol: 'TCP' },
          { port: 6443, protocol: 'TCP' },
        ],
      },
    ]);
  });
});

describe('SecretBootstrap validation', () => {
  const C = 'SecretBootstrap "boot"';
  const bad = (props: Record<string, unknown>) => () => synth(props as Partial<SecretBootstrapProps>);
  test.each([
    ['namespace', { namespace: 'MP' }, 'MP'],
    ['image', { image: 'python' }, 'python'],
    ['secrets', { secrets: [] }, []],
    ['secrets[0].name', { secrets: [{ name: 'Bad_Name', keys: ['k'] }] }, 'Bad_Name'],
    ['secrets[0].keys', { secrets: [{ name: 'ok', keys: [] }] }, []],
    ['secrets[0].keys[1]', { secrets: [{ name: 'ok', keys: ['a', 'b c=x'] }] }, 'b c'],
    ['secrets[0].keys', { secrets: [{ name: 'ok', keys: ['a', 'a=fixed'] }] }, 'a'],
    [
      'secrets',
      {
        secrets: [
          { name: 'ok', keys: ['a'] },
          { name: 'ok', keys: ['b'] },
        ],
      },
      'ok',
    ],
  ])('%s (%j)', (field, props, value) => {
    expectIssue(bad(props), { construct: C, field, value });
  });
});

describe('SecretBootstrap with the embedded object store', () => {
  const { boot, objs } = synthWith({ objectStore: STORE });
  const name = 'modelplane-secret-bootstrap';

  test('snapshot', () => expect(objs).toMatchSnapshot());

  test("each team's Secret is created in its namespace: a fixed access key id, a generated secret key", () => {
    const cm = findObject(objs, 'ConfigMap', name);
    expect(JSON.parse(cm.data['secrets.json']).slice(2)).toEqual([
      { name: 'modelplane-s3', namespace: 'fraud', keys: ['AWS_ACCESS_KEY_ID=modelplane-fraud', 'AWS_SECRET_ACCESS_KEY'] },
      { name: 'modelplane-s3', namespace: 'risk', keys: ['AWS_ACCESS_KEY_ID=modelplane-risk', 'AWS_SECRET_ACCESS_KEY'] },
    ]);
    expect(cm.data['objectstore.py']).toBe(PROVISION_SCRIPT);
    expect(JSON.parse(cm.data['objectstore.json'])).toEqual(STORE);
    expect(findObject(objs, 'Job', name).spec.template.spec.containers[0].command).toEqual([
      'python3',
      '/opt/bootstrap/bootstrap.py',
      '/opt/bootstrap/secrets.json',
      '/opt/bootstrap/objectstore.json',
    ]);
  });

  test('its Role in its own namespace names only its own Secrets; the teams get a Role of their own', () => {
    expect(findObject(objs, 'Role', name).rules[1].resourceNames).toEqual(['minio', 'mlflow-postgres']);
    const chart = Testing.chart();
    renderBootstrapTeamAccess(chart, { namespace: 'risk', secretName: 'modelplane-s3', bootstrapNamespace: 'mp' });
    const team = Testing.synth(chart);
    expect(findObject(team, 'Role', name)).toMatchObject({
      metadata: { namespace: 'risk' },
      rules: [
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
        { apiGroups: [''], resources: ['secrets'], resourceNames: ['modelplane-s3'], verbs: ['get'] },
      ],
    });
    expect(findObject(team, 'RoleBinding', name).subjects).toEqual([{ kind: 'ServiceAccount', name, namespace: 'mp' }]);
  });

  test('the network policy adds the object store on its port, nothing else', () => {
    expect(findObject(objs, 'NetworkPolicy', name).spec.egress[1]).toEqual({
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'object-store', 'app.kubernetes.io/instance': 'object-store' } } }],
      ports: [{ port: 7070, protocol: 'TCP' }],
    });
    expect(scanForSecrets(objs)).toEqual([]);
    expect(restrictedViolations(objs)).toEqual([]);
  });

  test('it provides every Secret it creates to the reference check', () => {
    expect(isObjectProvider(boot)).toBe(true);
    expect(boot.providedObjects().map((o) => `${o.kind}/${o.namespace}/${o.name}`)).toEqual([
      'Secret/mp/mlflow-postgres',
      'Secret/mp/minio',
      'Secret/fraud/modelplane-s3',
      'Secret/risk/modelplane-s3',
    ]);
    expect(boot.providedObjects()[0].providedBy).toBe('the modelplane-secret-bootstrap Job (namespace mp)');
  });

  test('the provisioning script: SigV4 signed, idempotent, each team confined to its prefix', () => {
    expect(PROVISION_SCRIPT).toContain('AWS4-HMAC-SHA256');
    expect(PROVISION_SCRIPT).toContain('"arn:aws:s3:::%s/%s/*" % (bucket, t["prefix"])');
    expect(PROVISION_SCRIPT).toContain('"s3:prefix": ["%s/*" % t["prefix"]]');
    expect(PROVISION_SCRIPT).toContain('BucketAlreadyOwnedByYou');
    expect(PROVISION_SCRIPT).toContain('/update-user');
    // A team or root Secret without its keys stops the Job with the Secret's name and the fix, not a traceback.
    expect(BOOTSTRAP_SCRIPT).toContain('lacks AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY: delete it and re-run this Job');
    // Printed lines name buckets and teams, never a key.
    expect(PROVISION_SCRIPT).not.toMatch(/print\([^)]*secret/);
  });

  const C = 'SecretBootstrap "boot"';
  test.each([
    ['objectStore.endpoint', { objectStore: { ...STORE, endpoint: 'object-store:7070' } }, 'object-store:7070'],
    ['objectStore.rootSecret', { objectStore: { ...STORE, rootSecret: 'other' } }, 'other'],
    ['objectStore.bucket', { objectStore: { ...STORE, bucket: 'A' } }, 'A'],
    ['objectStore.teamBuckets[1]', { objectStore: { ...STORE, teamBuckets: ['code', 'x'] } }, 'x'],
    ['objectStore.teams[0].namespace', { objectStore: { ...STORE, teams: [{ ...STORE.teams[0], namespace: 'Risk' }] } }, 'Risk'],
    ['objectStore.teams', { objectStore: { ...STORE, teams: [STORE.teams[0], STORE.teams[0]] } }, 'fraud'],
  ])('%s (%j)', (field, props, value) => {
    expectIssue(() => synth(props as Partial<SecretBootstrapProps>), { construct: C, field, value });
  });
});

describe('objectStoreProvisioning (pure)', () => {
  const team = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/);
  test("property: independent of the teams' order; each team owns exactly its own name as prefix; Secrets follow", () => {
    fc.assert(
      fc.property(fc.uniqueArray(team, { maxLength: 6 }), (names) => {
        const store = {
          endpoint: 'http://object-store.mp.svc.cluster.local:7070',
          rootSecret: 'root',
          bucket: 'mlflow',
          teamBuckets: ['code'],
        };
        const given = names.map((n) => ({ name: n, namespace: n }));
        const p = objectStoreProvisioning(store, given, 'modelplane-s3');
        expect(objectStoreProvisioning(store, [...given].reverse(), 'modelplane-s3')).toEqual(p);
        expect(p.teams.map((t) => t.name)).toEqual([...names].sort());
        for (const t of p.teams) expect(t).toEqual({ name: t.name, namespace: t.name, secretName: 'modelplane-s3', prefix: t.name });
        // No prefix is a prefix of another's path: "<team>/" never starts another team's "<team>/".
        for (const a of p.teams) for (const b of p.teams) if (a !== b) expect(`${b.prefix}/`.startsWith(`${a.prefix}/`)).toBe(false);
        expect(teamSecrets(p).map((s) => [s.namespace, s.name, s.keys[0]])).toEqual(
          p.teams.map((t) => [t.name, 'modelplane-s3', `AWS_ACCESS_KEY_ID=${teamAccessKey(t.name)}`]),
        );
      }),
    );
  });
});
