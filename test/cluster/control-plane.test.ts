/**
 * Proves that the local control plane is a real, complete one before other cluster-tier tests rely on it:
 * the pinned kube-apiserver version answers, every upstream CRD is established, CRD schemas validate
 * server-side, Pod Security admission enforces and warns, and namespaces are deleted completely.
 */
import * as fs from 'fs';
import * as path from 'path';
import { crdFiles, kubectl, kubectlOk, repoRoot, requireCluster, serverSideApply, uniqueName, waitFor } from './kube';

const namespaces: string[] = [];

function createNamespace(prefix: string, labels: Record<string, string> = {}): string {
  const name = uniqueName(prefix);
  kubectlOk(
    ['apply', '--server-side', '--field-manager=modelplane-test', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }),
  );
  namespaces.push(name);
  return name;
}

/** Pods need the namespace's "default" ServiceAccount, which kube-controller-manager creates. */
async function waitForDefaultServiceAccount(namespace: string): Promise<void> {
  await waitFor(
    `ServiceAccount default in ${namespace}`,
    () => kubectl(['get', 'serviceaccount', 'default', '-n', namespace, '-o', 'name']).status === 0,
  );
}

function sparkApplication(name: string, executorInstances: unknown): object {
  return {
    apiVersion: 'sparkoperator.k8s.io/v1beta2',
    kind: 'SparkApplication',
    metadata: { name },
    spec: {
      type: 'Scala',
      mode: 'cluster',
      image: 'registry.example/spark:3.5.1',
      mainClass: 'org.apache.spark.examples.SparkPi',
      mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples.jar',
      sparkVersion: '3.5.1',
      driver: { cores: 1, memory: '512m', serviceAccount: 'spark' },
      executor: { cores: 1, instances: executorInstances, memory: '512m' },
    },
  };
}

function pod(name: string, restricted: boolean): object {
  const container: Record<string, unknown> = { name: 'main', image: 'registry.example/app:1.0.0' };
  const spec: Record<string, unknown> = { containers: [container] };
  if (restricted) {
    spec.securityContext = { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } };
    container.securityContext = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
  }
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec };
}

beforeAll(() => {
  requireCluster();
});

afterAll(() => {
  if (namespaces.length > 0) {
    kubectl(['delete', 'namespace', '--wait=false', '--ignore-not-found', ...namespaces]);
  }
});

describe('local control plane', () => {
  test('answers with the kube-apiserver version pinned in tools/kube/go.mod', () => {
    const goMod = fs.readFileSync(path.join(repoRoot, 'tools/kube/go.mod'), 'utf8');
    const pinned = /^require k8s\.io\/kubernetes (v\S+)/m.exec(goMod)?.[1];
    expect(pinned).toMatch(/^v1\.\d+\.\d+$/);

    const version = JSON.parse(kubectlOk(['version', '-o', 'json']).stdout) as {
      clientVersion: { gitVersion: string };
      serverVersion: { gitVersion: string; major: string; minor: string };
    };
    expect(version.serverVersion.gitVersion).toBe(pinned);
    expect(version.clientVersion.gitVersion).toBe(pinned);
    // CEL validation rules in the CRDs (x-kubernetes-validations) need 1.29 or newer.
    expect(Number(version.serverVersion.minor)).toBeGreaterThanOrEqual(29);
  });

  test('every CRD from ../shared/crds (and those module-crds.sh adds from the Go module cache) is established with accepted names', () => {
    const expected = crdFiles();
    const fromModules = expected.filter((c) => !c.file.startsWith(path.resolve(repoRoot, '..', 'shared', 'crds')));
    expect(fromModules.map((c) => c.name)).toEqual(['clusterstoragecontainers.serving.kserve.io']);
    // One CRD per upstream file, minus Argo's minimal variants of the same CRDs (the folder grows:
    // the Gateway API and external-snapshotter CRDs were added to it after the first 22).
    const files = (dir: string): string[] =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    const upstream = files(path.join(repoRoot, '..', 'shared', 'crds')).filter(
      (f) => /\.ya?ml$/.test(f) && !f.includes(`${path.sep}minimal${path.sep}`),
    );
    expect(expected.length - fromModules.length).toBe(upstream.length);
    expect(expected.length).toBeGreaterThanOrEqual(22);

    const list = JSON.parse(kubectlOk(['get', 'customresourcedefinitions', '-o', 'json']).stdout) as {
      items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[];
    };
    const byName = new Map(list.items.map((crd) => [crd.metadata.name, crd]));
    const notReady: string[] = [];
    for (const { name, file } of expected) {
      const conditions = byName.get(name)?.status?.conditions ?? [];
      const isTrue = (type: string): boolean => conditions.some((c) => c.type === type && c.status === 'True');
      if (!isTrue('Established') || !isTrue('NamesAccepted')) {
        notReady.push(`${name} (${path.basename(file)}): ${JSON.stringify(conditions)}`);
      }
    }
    expect(notReady).toEqual([]);
  });

  describe('CRD schemas validate server-side', () => {
    let ns: string;
    beforeAll(() => {
      ns = createNamespace('crd-schema');
    });

    test('a valid SparkApplication passes a server-side dry-run', () => {
      const r = serverSideApply([sparkApplication('pi', 2)], { dryRun: true, namespace: ns });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('sparkapplication.sparkoperator.k8s.io/pi serverside-applied (server dry run)');
    });

    test('a SparkApplication with a string where the schema wants an integer is rejected', () => {
      const r = serverSideApply([sparkApplication('pi', 'two')], { dryRun: true, namespace: ns });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('Error from server');
      expect(r.stderr).toMatch(/Kind=SparkApplication\): \.spec\.executor\.instances: expected numeric \(int or float\), got string/);
    });

    test('a SparkApplication breaking the schema minimum is rejected', () => {
      const r = serverSideApply([sparkApplication('pi', 0)], { dryRun: true, namespace: ns });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(
        /The SparkApplication "pi" is invalid: spec\.executor\.instances: Invalid value: 0: spec\.executor\.instances in body should be greater than or equal to 1/,
      );
    });

    test('a SparkApplication with a value outside the schema enum is rejected', () => {
      const app = sparkApplication('pi', 2) as { spec: Record<string, unknown> };
      app.spec.type = 'Go';
      const r = serverSideApply([app], { dryRun: true, namespace: ns });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('The SparkApplication "pi" is invalid: spec.type: Unsupported value: "Go"');
    });

    test('CEL validation rules (x-kubernetes-validations) are enforced: Karpenter NodePool', () => {
      const nodePool = (values: string[]): object => ({
        apiVersion: 'karpenter.sh/v1',
        kind: 'NodePool',
        metadata: { name: uniqueName('gpu') },
        spec: {
          template: {
            spec: {
              nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
              requirements: [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values }],
            },
          },
        },
      });
      const ok = serverSideApply([nodePool(['g5.xlarge'])], { dryRun: true });
      expect(ok.stderr).toBe('');
      expect(ok.status).toBe(0);
      const bad = serverSideApply([nodePool([])], { dryRun: true });
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toContain(
        'spec.template.spec.requirements: Invalid value: "array": requirements with operator \'In\' must have a value defined',
      );
    });

    test('a SparkApplication with an unknown field is rejected (strict field validation)', () => {
      const app = sparkApplication('pi', 2) as { spec: Record<string, unknown> };
      app.spec.executorz = { instances: 2 };
      const r = serverSideApply([app], { dryRun: true, namespace: ns });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('Error from server');
      expect(r.stderr).toMatch(/\.spec\.executorz: field not declared in schema/);
    });

    test('a valid SparkApplication is stored and a second identical apply changes nothing', () => {
      const first = serverSideApply([sparkApplication('stored', 2)], { namespace: ns });
      expect(first.stderr).toBe('');
      expect(first.status).toBe(0);
      const get = (): string =>
        kubectlOk(['get', 'sparkapplication', 'stored', '-n', ns, '-o', 'jsonpath={.metadata.resourceVersion}']).stdout;
      const before = get();
      expect(before).not.toBe('');
      expect(serverSideApply([sparkApplication('stored', 2)], { namespace: ns }).status).toBe(0);
      expect(get()).toBe(before);
    });
  });

  describe('Pod Security admission', () => {
    test('rejects a pod violating "restricted" in a namespace that enforces it, and admits a compliant one', async () => {
      const ns = createNamespace('pss-enforce', {
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
      });
      await waitForDefaultServiceAccount(ns);

      const bad = serverSideApply([pod('bad', false)], { namespace: ns });
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toContain('pods "bad" is forbidden: violates PodSecurity "restricted:latest"');
      expect(bad.stderr).toContain('allowPrivilegeEscalation != false');
      expect(bad.stderr).toContain('unrestricted capabilities');
      expect(bad.stderr).toContain('runAsNonRoot != true');
      expect(bad.stderr).toContain('seccompProfile');
      expect(kubectl(['get', 'pod', 'bad', '-n', ns]).status).not.toBe(0);

      const good = serverSideApply([pod('good', true)], { namespace: ns });
      expect(good.stderr).toBe('');
      expect(good.status).toBe(0);
    });

    test('returns a warning (and admits) for a violating pod in a namespace that only warns', async () => {
      const ns = createNamespace('pss-warn', { 'pod-security.kubernetes.io/warn': 'restricted' });
      await waitForDefaultServiceAccount(ns);

      const r = serverSideApply([pod('loose', false)], { dryRun: true, namespace: ns });
      expect(r.status).toBe(0);
      expect(r.stderr).toContain('Warning: would violate PodSecurity "restricted:latest"');
    });
  });

  test('a namespace with objects in it is deleted completely', async () => {
    const ns = createNamespace('deletion');
    expect(kubectl(['create', 'configmap', 'settings', '-n', ns, '--from-literal=a=b']).status).toBe(0);
    expect(serverSideApply([sparkApplication('to-delete', 1)], { namespace: ns }).status).toBe(0);

    kubectlOk(['delete', 'namespace', ns, '--wait=false']);
    await waitFor(
      `namespace ${ns} to disappear`,
      () => {
        const r = kubectl(['get', 'namespace', ns, '-o', 'name']);
        return r.status !== 0 && r.stderr.includes('NotFound');
      },
      90000,
    );
  });
});
