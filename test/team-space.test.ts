/** TeamSpace: namespace, quota, limits, network policies, service accounts, RBAC; every validation. */
import { Testing } from 'cdk8s';
import { platformContext } from '../src/core/context';
import { isIpv4Cidr, TEAM_SERVICE_ACCOUNTS, TeamSpace, TeamSpaceProps } from '../src/constructs/team-space';
import { expectIssue } from './support/errors';
import { findObject } from './support/manifests';

const platform = platformContext();

function synth(props: Partial<TeamSpaceProps> = {}) {
  const chart = Testing.chart();
  const space = new TeamSpace(chart, 'risk', { name: 'risk', platform, ...props });
  return { space, objs: Testing.synth(chart) };
}

describe('TeamSpace defaults', () => {
  const { space, objs } = synth();

  test('snapshot', () => expect(objs).toMatchSnapshot());

  test('the namespace comes first, and everything else is in it', () => {
    expect(objs[0].kind).toBe('Namespace');
    expect(space.namespace).toBe('risk');
    for (const o of objs.slice(1)) expect(o.metadata.namespace).toBe('risk');
  });

  test('Pod Security labels: enforce, warn and audit restricted', () => {
    const labels = findObject(objs, 'Namespace', 'risk').metadata.labels;
    expect(labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
      'modelplane.dev/team': 'risk',
    });
    expect(labels['pod-security.kubernetes.io/enforce-version']).toMatch(/^v1\.\d+$/);
  });

  test('quota on CPU, memory, pods and GPUs (none by default)', () => {
    expect(findObject(objs, 'ResourceQuota', 'team-quota').spec.hard).toEqual({
      'requests.cpu': '16',
      'requests.memory': '64Gi',
      pods: 200,
      'requests.nvidia.com/gpu': 0,
    });
  });

  test('LimitRange defaults for containers that set none', () => {
    expect(findObject(objs, 'LimitRange', 'team-defaults').spec.limits).toEqual([
      { type: 'Container', defaultRequest: { cpu: '250m', memory: '256Mi' }, default: { cpu: '1', memory: '1Gi' } },
    ]);
  });

  test('network policies: default deny, DNS, same namespace, platform in, MLflow and the object store out, API server for drivers', () => {
    const nps = objs.filter((o) => o.kind === 'NetworkPolicy');
    expect(nps.map((n) => n.metadata.name)).toEqual([
      'default-deny',
      'allow-dns',
      'allow-same-namespace',
      'allow-platform-ingress',
      'allow-platform-egress',
      'allow-spark-apiserver',
    ]);
    expect(findObject(objs, 'NetworkPolicy', 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const dns = findObject(objs, 'NetworkPolicy', 'allow-dns').spec.egress[0];
    expect(dns.to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }]);
    expect(dns.ports).toEqual([
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ]);
    const ingress = findObject(objs, 'NetworkPolicy', 'allow-platform-ingress').spec.ingress[0].from.map(
      (f: any) => f.namespaceSelector.matchLabels['kubernetes.io/metadata.name'],
    );
    expect(ingress).toEqual(['modelplane-system', 'airflow', 'monitoring']);
    const egress = findObject(objs, 'NetworkPolicy', 'allow-platform-egress').spec.egress;
    expect(egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'modelplane-system' } },
            podSelector: { matchLabels: platform.mlflowPodLabels },
          },
        ],
        ports: [{ port: 5000, protocol: 'TCP' }],
      },
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'modelplane-system' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'object-store', 'app.kubernetes.io/instance': 'object-store' } },
          },
        ],
        ports: [{ port: 7070, protocol: 'TCP' }],
      },
    ]);
    expect(findObject(objs, 'NetworkPolicy', 'allow-spark-apiserver').spec.podSelector).toEqual({
      matchLabels: { 'spark-role': 'driver' },
    });
  });

  test('service accounts without auto-mounted tokens', () => {
    const sas = objs.filter((o) => o.kind === 'ServiceAccount');
    expect(sas.map((s) => s.metadata.name)).toEqual([TEAM_SERVICE_ACCOUNTS.workload, TEAM_SERVICE_ACCOUNTS.spark]);
    for (const sa of sas) expect(sa.automountServiceAccountToken).toBe(false);
  });

  test('RBAC is least privilege: namespaced Roles only, no wildcards, no Secrets, no escalation verbs', () => {
    expect(objs.filter((o) => /^Cluster/.test(o.kind))).toEqual([]);
    const roles = objs.filter((o) => o.kind === 'Role');
    expect(roles.map((r) => r.metadata.name)).toEqual(['modelplane-spark-driver', 'modelplane-airflow-runner']);
    for (const role of roles) {
      for (const rule of role.rules) {
        expect(rule.apiGroups).not.toContain('*');
        expect(rule.resources).not.toContain('*');
        expect(rule.verbs).not.toContain('*');
        expect(rule.resources).not.toContain('secrets');
        for (const verb of ['escalate', 'bind', 'impersonate']) expect(rule.verbs).not.toContain(verb);
        expect(rule.resources.some((r: string) => ['roles', 'rolebindings', 'pods/exec', 'pods/attach'].includes(r))).toBe(false);
      }
    }
    const spark = findObject(objs, 'Role', 'modelplane-spark-driver');
    expect(spark.rules).toEqual([
      {
        apiGroups: [''],
        resources: ['pods', 'services', 'configmaps', 'persistentvolumeclaims'],
        verbs: ['create', 'get', 'list', 'watch', 'update', 'patch', 'delete', 'deletecollection'],
      },
    ]);
    const airflow = findObject(objs, 'Role', 'modelplane-airflow-runner');
    // Airflow may only create and poll SparkApplications: no pods, no deletes, nothing else.
    expect(airflow.rules).toEqual([{ apiGroups: ['sparkoperator.k8s.io'], resources: ['sparkapplications'], verbs: ['create', 'get'] }]);
    expect(findObject(objs, 'RoleBinding', 'modelplane-spark-driver').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'modelplane-spark', namespace: 'risk' },
    ]);
    expect(findObject(objs, 'RoleBinding', 'modelplane-airflow-runner').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'airflow-worker', namespace: 'airflow' },
    ]);
    expect(objs.filter((o) => o.metadata.name === 'modelplane-team-editors')).toEqual([]);
  });
});

describe('TeamSpace with options', () => {
  const { objs } = synth({
    quota: { cpu: '64', memory: '256Gi', pods: 500, gpus: 8 },
    limits: { cpuRequest: '100m', memoryRequest: '128Mi', cpuLimit: '2', memoryLimit: '4Gi' },
    editorGroups: ['risk-leads', 'risk-ds'],
    objectStoreCidrs: ['52.216.0.0/15'],
  });

  test('snapshot', () => expect(objs).toMatchSnapshot());

  test('quota and limits as given', () => {
    expect(findObject(objs, 'ResourceQuota', 'team-quota').spec.hard).toEqual({
      'requests.cpu': '64',
      'requests.memory': '256Gi',
      pods: 500,
      'requests.nvidia.com/gpu': 8,
    });
    expect(findObject(objs, 'LimitRange', 'team-defaults').spec.limits[0].default).toEqual({ cpu: '2', memory: '4Gi' });
  });

  test('editors get the built-in edit role in the namespace only, groups sorted', () => {
    const rb = findObject(objs, 'RoleBinding', 'modelplane-team-editors');
    expect(rb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' });
    expect(rb.subjects.map((s: any) => s.name)).toEqual(['risk-ds', 'risk-leads']);
  });

  test('an external object store is reachable on 443 from its CIDRs only', () => {
    const egress = findObject(objs, 'NetworkPolicy', 'allow-platform-egress').spec.egress;
    expect(egress[2]).toEqual({ to: [{ ipBlock: { cidr: '52.216.0.0/15' } }], ports: [{ port: 443, protocol: 'TCP' }] });
  });
});

describe('TeamSpace validation', () => {
  const C = 'TeamSpace "risk"';
  const bad = (props: Record<string, unknown>) => () => synth(props as Partial<TeamSpaceProps>);
  test.each([
    ['name', { name: 'Risk Team' }, 'Risk Team'],
    ['name', { name: 'risk_team' }, 'risk_team'],
    ['name', { name: 'r'.repeat(41) }, 'r'.repeat(41)],
    ['name', { name: '' }, ''],
    ['quota.cpu', { quota: { cpu: '16 cores' } }, '16 cores'],
    ['quota.memory', { quota: { memory: '64GB' } }, '64GB'],
    ['quota.pods', { quota: { pods: 0 } }, 0],
    ['quota.gpus', { quota: { gpus: -1 } }, -1],
    ['quota.gpus', { quota: { gpus: 1.5 } }, 1.5],
    ['limits.cpuRequest', { limits: { cpuRequest: 'a lot' } }, 'a lot'],
    ['limits.memoryLimit', { limits: { memoryLimit: '1 Gi' } }, '1 Gi'],
    ['limits.cpuRequest', { limits: { cpuRequest: '2', cpuLimit: '1' } }, '2'],
    ['limits.memoryRequest', { limits: { memoryRequest: '2Gi', memoryLimit: '1Gi' } }, '2Gi'],
    ['editorGroups[1]', { editorGroups: ['ok', ' '] }, ' '],
    ['editorGroups', { editorGroups: ['a', 'a'] }, 'a'],
    ['objectStoreCidrs[0]', { objectStoreCidrs: ['s3.amazonaws.com'] }, 's3.amazonaws.com'],
    ['objectStoreCidrs[0]', { objectStoreCidrs: ['300.1.1.1/8'] }, '300.1.1.1/8'],
    ['objectStoreCidrs[0]', { objectStoreCidrs: ['10.0.0.0/40'] }, '10.0.0.0/40'],
    ['platform', { platform: undefined }, undefined],
  ])('%s (%j)', (field, props, value) => {
    expectIssue(bad(props), { construct: C, field, value });
  });

  test('no partial output', () => {
    const chart = Testing.chart();
    expect(() => new TeamSpace(chart, 'risk', { name: 'Risk', platform })).toThrow(/TeamSpace "risk": `name` = "Risk".*Fix: .*"risk"/);
    expect(Testing.synth(chart)).toEqual([]);
  });

  test('isIpv4Cidr', () => {
    expect(isIpv4Cidr('0.0.0.0/0')).toBe(true);
    expect(isIpv4Cidr('255.255.255.255/32')).toBe(true);
    expect(isIpv4Cidr('10.0.0.0/33')).toBe(false);
    expect(isIpv4Cidr('10.0.0/8')).toBe(false);
  });
});

test("with Envoy Gateway installed, the gateway's proxies (its namespace) reach team workloads; without, they do not", () => {
  const { App } = require('cdk8s') as typeof import('cdk8s');
  const { Platform } = require('../src/constructs/platform/platform') as typeof import('../src/constructs/platform/platform');
  const ingressOf = (operators: Record<string, unknown>) => {
    const p = new Platform(new App(), 'platform', { teams: [{ name: 'risk' }], operators });
    return findObject(p.teamChart('risk').toJson(), 'NetworkPolicy', 'allow-platform-ingress').spec.ingress[0].from.map(
      (f: any) => f.namespaceSelector.matchLabels['kubernetes.io/metadata.name'],
    );
  };
  expect(ingressOf({})).toEqual(['modelplane-system', 'airflow', 'monitoring']);
  expect(ingressOf({ envoyGateway: { enabled: true } })).toEqual(['modelplane-system', 'airflow', 'monitoring', 'envoy-gateway-system']);
  expect(ingressOf({ envoyGateway: { enabled: true, namespace: 'edge' } })).toContain('edge');
});
