/** Pure helpers in lib/: GPU placement, security defaults, labels, operator pins, platform context. */
import { Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { platformContext } from '../src/core/context';
import { gpuPlacement, GpuPoolSpec, mergePoolAffinity, placeOnPool, poolAffinity, tolerationFor } from '../src/core/gpu';
import { sanitizeLabelValue, selectorLabels, standardLabels } from '../src/core/labels';
import { helmInstallCommand, OPERATOR_DEFAULTS, resolveOperator } from '../src/constructs/platform/operators';
import { deepMerge } from '../src/core/records';
import {
  doubleCpu,
  resourceRequirements,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  scratchMounts,
  scratchVolumes,
  TMP_DIR,
} from '../src/core/security';

const pool: GpuPoolSpec = {
  name: 'a100',
  taint: { key: 'purpose', value: 'ml', effect: 'NoSchedule' },
  nodeLabels: { 'modelplane.dev/gpu-pool': 'a100', 'node.kubernetes.io/instance-type': 'p4d' },
};

/** Renders typed k8s values (Quantity, IntOrString) to JSON the way synthesis does. */
function render(spec: k8s.PodSpec): Record<string, any> {
  const chart = Testing.chart();
  new k8s.KubePod(chart, 'p', { spec });
  return Testing.synth(chart)[0].spec;
}

describe('GPU placement', () => {
  test('tolerations: Equal for valued taints, Exists otherwise, plus the conventional GPU taint', () => {
    expect(tolerationFor(pool.taint)).toEqual({ key: 'purpose', operator: 'Equal', value: 'ml', effect: 'NoSchedule' });
    expect(tolerationFor({ key: 'gpu', effect: 'NoExecute' })).toEqual({ key: 'gpu', operator: 'Exists', effect: 'NoExecute' });
    expect(gpuPlacement(pool, 2).tolerations).toEqual([
      { key: 'purpose', operator: 'Equal', value: 'ml', effect: 'NoSchedule' },
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    const nvidiaPool = { ...pool, taint: { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' as const } };
    expect(gpuPlacement(nvidiaPool, 1).tolerations).toHaveLength(1);
    expect(gpuPlacement(pool, 2).limits).toEqual({ 'nvidia.com/gpu': '2' });
  });

  test('required node affinity on every pool label, sorted', () => {
    expect(poolAffinity(pool).nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms).toEqual([
      {
        matchExpressions: [
          { key: 'modelplane.dev/gpu-pool', operator: 'In', values: ['a100'] },
          { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['p4d'] },
        ],
      },
    ]);
  });

  test('placeOnPool adds tolerations, affinity and GPU requests=limits to the named containers only', () => {
    const spec = placeOnPool(
      {
        tolerations: [{ key: 'x', operator: 'Exists' }],
        containers: [
          {
            name: 'model',
            resources: { requests: { cpu: k8s.Quantity.fromString('1') }, limits: { memory: k8s.Quantity.fromString('1Gi') } },
          },
          { name: 'sidecar' },
        ],
      },
      pool,
      2,
      ['model'],
    );
    const out = render(spec);
    expect(out.tolerations).toHaveLength(3);
    expect(out.containers[0].resources).toEqual({
      requests: { cpu: '1', 'nvidia.com/gpu': '2' },
      limits: { memory: '1Gi', 'nvidia.com/gpu': '2' },
    });
    expect(out.containers[1].resources).toBeUndefined();
    expect(
      render(placeOnPool({ containers: [{ name: 'a' }, { name: 'b' }] }, pool, 1)).containers.map(
        (c: any) => c.resources.limits['nvidia.com/gpu'],
      ),
    ).toEqual(['1', '1']);
  });

  test("placeOnPool keeps the pod's own node affinity: the pool is ANDed into each term, preferences kept", () => {
    const own: k8s.NodeAffinity = {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
          { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] },
        ],
      },
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 1, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } },
      ],
    };
    const merged = mergePoolAffinity(own, pool);
    const terms = merged.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms;
    expect(terms).toHaveLength(2);
    for (const t of terms)
      expect(t.matchExpressions!.map((e) => e.key)).toEqual(['zone', 'modelplane.dev/gpu-pool', 'node.kubernetes.io/instance-type']);
    expect(merged.preferredDuringSchedulingIgnoredDuringExecution).toEqual(own.preferredDuringSchedulingIgnoredDuringExecution);
    const placed = placeOnPool({ affinity: { nodeAffinity: own, podAntiAffinity: {} }, containers: [{ name: 'c' }] }, pool, 1);
    expect(placed.affinity!.podAntiAffinity).toEqual({});
    expect(placed.affinity!.nodeAffinity).toEqual(merged);
  });
});

describe('security defaults', () => {
  test('restricted pod and container contexts', () => {
    expect(restrictedPodSecurityContext()).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(restrictedContainerSecurityContext(999)).toEqual({
      runAsNonRoot: true,
      runAsUser: 999,
      runAsGroup: 999,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });
  test('resource requirements: memory limit = request, CPU limit doubled, ephemeral storage, extra limits', () => {
    const chart = Testing.chart();
    new k8s.KubePod(chart, 'p', {
      spec: { containers: [{ name: 'c', resources: resourceRequirements({ cpu: '500m', memory: '2Gi' }, { 'nvidia.com/gpu': '1' }) }] },
    });
    expect(Testing.synth(chart)[0].spec.containers[0].resources).toEqual({
      requests: { cpu: '500m', memory: '2Gi', 'ephemeral-storage': '1Gi', 'nvidia.com/gpu': '1' },
      limits: { cpu: '1000m', memory: '2Gi', 'ephemeral-storage': '1Gi', 'nvidia.com/gpu': '1' },
    });
    expect(doubleCpu('2')).toBe('4000m');
    expect(doubleCpu('1.5')).toBe('3000m');
    expect(doubleCpu('weird')).toBe('weird');
  });
  test('scratch volumes and mounts', () => {
    expect(scratchMounts([TMP_DIR])).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(scratchVolumes([TMP_DIR, { name: 'x', mountPath: '/x', sizeLimit: '1Gi' }]).map((v) => v.emptyDir!.sizeLimit!.value)).toEqual([
      '256Mi',
      '1Gi',
    ]);
  });
});

describe('labels', () => {
  test('standard and selector labels', () => {
    expect(standardLabels({ name: 'mlflow', component: 'tracking-server', version: 'v3.18.0-full', team: 't', model: 'm' })).toEqual({
      'app.kubernetes.io/name': 'mlflow',
      'app.kubernetes.io/instance': 'mlflow',
      'app.kubernetes.io/part-of': 'modelplane',
      'app.kubernetes.io/managed-by': 'modelplane',
      'app.kubernetes.io/component': 'tracking-server',
      'app.kubernetes.io/version': 'v3.18.0-full',
      'modelplane.dev/team': 't',
      'modelplane.dev/model': 'm',
    });
    expect(selectorLabels({ name: 'n', instance: 'i', version: '1' })).toEqual({
      'app.kubernetes.io/name': 'n',
      'app.kubernetes.io/instance': 'i',
    });
  });
  test('label values are sanitized', () => {
    expect(sanitizeLabelValue('sha256:abc')).toBe('sha256_abc');
    expect(sanitizeLabelValue(`-${'a'.repeat(70)}`)).toHaveLength(62);
    expect(sanitizeLabelValue('_x_')).toBe('x');
  });
});

describe('operators', () => {
  test('every default is pinned to an exact version', () => {
    for (const ref of Object.values(OPERATOR_DEFAULTS)) expect(ref.version).toMatch(/^v?\d+\.\d+\.\d+$/);
    expect(OPERATOR_DEFAULTS.seldonCore.version).toBe('1.17.1');
    expect(OPERATOR_DEFAULTS.sparkOperator.version).toMatch(/^2\.5\./);
    expect(OPERATOR_DEFAULTS.airflow.version).toMatch(/^1\.22\./);
    expect(OPERATOR_DEFAULTS.kserve.version).toMatch(/^v0\.20\./);
    expect(OPERATOR_DEFAULTS.keda.version).toMatch(/^2\.20\./);
  });
  test('overrides merge over defaults and computed values', () => {
    const ref = resolveOperator(
      'sparkOperator',
      { spark: { jobNamespaces: ['a'] } },
      { version: '2.5.3', values: { webhook: { port: 9443 } }, namespace: 'so' },
    );
    expect(ref).toMatchObject({ version: '2.5.3', namespace: 'so', releaseName: 'spark-operator' });
    expect(ref.values).toEqual({
      webhook: { enable: true, port: 9443 },
      spark: { serviceAccount: { create: false }, rbac: { create: false }, jobNamespaces: ['a'] },
    });
    expect(OPERATOR_DEFAULTS.sparkOperator.values.webhook).toEqual({ enable: true });
  });
  test('deepMerge replaces arrays and scalars', () => {
    expect(deepMerge({ a: [1, 2], b: { c: 1, d: 2 } }, { a: [3], b: { d: 3 } })).toEqual({ a: [3], b: { c: 1, d: 3 } });
  });
  test('helm install commands', () => {
    expect(helmInstallCommand(resolveOperator('keda'), 'v.yaml')).toBe(
      'helm upgrade --install keda --repo https://kedacore.github.io/charts keda --version 2.20.2 --namespace keda --create-namespace -f v.yaml',
    );
    expect(helmInstallCommand(resolveOperator('kserve'), 'v.yaml')).toContain(
      'oci://ghcr.io/kserve/charts/kserve-resources --version v0.20.0',
    );
  });
});

test('platform context defaults and overrides', () => {
  const d = platformContext();
  expect(d.mlflowTrackingUri).toBe('http://mlflow.modelplane-system.svc.cluster.local:5000');
  expect(d.objectStore).toEqual({
    endpoint: 'http://object-store.modelplane-system.svc.cluster.local:7070',
    region: 'us-east-1',
    credentialsSecret: 'modelplane-s3',
  });
  expect(d.airflow).toEqual({ namespace: 'airflow', workerServiceAccount: 'airflow-worker', kubernetesConnId: 'kubernetes_default' });
  const o = platformContext({ platformNamespace: 'mp', airflow: { namespace: 'af' }, objectStore: { region: 'eu-west-1' } });
  expect(o.mlflowTrackingUri).toBe('http://mlflow.mp.svc.cluster.local:5000');
  expect(o.objectStore.endpoint).toBe('http://object-store.mp.svc.cluster.local:7070');
  expect(o.objectStore.region).toBe('eu-west-1');
  expect(o.airflow.workerServiceAccount).toBe('airflow-worker');
});
