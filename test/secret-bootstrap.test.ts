/** SecretBootstrap: generates missing credentials in the cluster with the least RBAC; every validation. */
import { Testing } from 'cdk8s';
import { BOOTSTRAP_IMAGE, BOOTSTRAP_SCRIPT, SecretBootstrap, SecretBootstrapProps } from '../src/constructs/mlflow/secret-bootstrap';
import { expectIssue } from './support/errors';
import { findObject } from './support/manifests';
import { restrictedViolations } from './support/policy';
import { scanForSecrets } from './support/secret-scan';

function synth(props: Partial<SecretBootstrapProps> = {}) {
  const chart = Testing.chart();
  new SecretBootstrap(chart, 'boot', {
    namespace: 'mp',
    secrets: [
      { name: 'mlflow-postgres', keys: ['password'] },
      { name: 'minio', keys: ['root-user=modelplane', 'root-password'] },
    ],
    ...props,
  });
  return Testing.synth(chart);
}

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
    expect(BOOTSTRAP_SCRIPT).toMatch(/if call\("GET", path \+ "\/" \+ spec\["name"\]\) == 200:\n\s+print\("exists:"/);
    expect(BOOTSTRAP_SCRIPT).toContain('secrets.choice');
    expect(BOOTSTRAP_SCRIPT).not.toMatch(/\brandom\./);
    expect(BOOTSTRAP_SCRIPT).toContain('status not in (201, 409)');
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
