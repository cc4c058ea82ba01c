/** GpuNodePool: taint, labels, device plugin, Karpenter NodePool, placement; every validation. */
import { Testing } from 'cdk8s';
import { DEVICE_PLUGIN_IMAGE, GpuNodePool, GpuNodePoolProps, validateTaint } from '../src/constructs/gpu-node-pool';
import { Validator } from '../src/core/errors';
import { expectIssue } from './support/errors';
import { findObject } from './support/manifests';
import { restrictedViolations } from './support/policy';

function synth(props: GpuNodePoolProps = {}, id = 'a100') {
  const chart = Testing.chart();
  const pool = new GpuNodePool(chart, id, props);
  return { pool, chart, objs: Testing.synth(chart) };
}

const karpenter = { nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'gpu' } };

describe('GpuNodePool defaults', () => {
  const { pool, objs } = synth();
  const ds = findObject(objs, 'DaemonSet', 'nvidia-device-plugin-a100');

  test('snapshot', () => expect(objs).toMatchSnapshot());

  test('the default taint is nvidia.com/gpu=present:NoSchedule, the pool label is set', () => {
    expect(pool.spec).toEqual({
      name: 'a100',
      taint: { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
      nodeLabels: { 'modelplane.dev/gpu-pool': 'a100' },
      maxGpus: undefined,
    });
  });

  test('the device plugin: pinned image, kube-system, on the pool nodes only, tolerating the pool taint', () => {
    expect(DEVICE_PLUGIN_IMAGE).toMatch(/^nvcr\.io\/nvidia\/k8s-device-plugin:v\d+\.\d+\.\d+$/);
    expect(ds.metadata.namespace).toBe('kube-system');
    const spec = ds.spec.template.spec;
    expect(spec.containers[0].image).toBe(DEVICE_PLUGIN_IMAGE);
    expect(spec.nodeSelector).toEqual({ 'modelplane.dev/gpu-pool': 'a100' });
    expect(spec.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' });
    expect(spec.priorityClassName).toBe('system-node-critical');
    expect(spec.volumes).toEqual([{ name: 'device-plugin', hostPath: { path: '/var/lib/kubelet/device-plugins', type: 'Directory' } }]);
  });

  test('no Karpenter NodePool unless asked', () => {
    expect(objs.filter((o) => o.kind === 'NodePool')).toEqual([]);
    expect(pool.nodePool).toBeUndefined();
  });

  test('the device plugin breaks restricted only where the allowlist says', () => {
    expect(restrictedViolations(objs)).toEqual([]);
    expect(
      restrictedViolations(objs, [])
        .map((v) => v.rule)
        .sort(),
    ).toEqual(['host-path', 'run-as-non-root', 'volume-types']);
  });
});

describe("GpuNodePool with a custom taint (the translation team's purpose=ml:NoSchedule) and Karpenter", () => {
  const { pool, objs } = synth({
    name: 'ml',
    taint: { key: 'purpose', value: 'ml', effect: 'NoSchedule' },
    nodeLabels: { 'node.kubernetes.io/instance-type': 'g5.xlarge' },
    maxGpus: 16,
    karpenter: { ...karpenter, instanceTypes: ['g5.xlarge', 'g5.2xlarge'], capacityTypes: ['on-demand', 'spot'], consolidateAfter: '10m' },
  });

  test('snapshot', () => expect(objs).toMatchSnapshot());

  test('the device plugin tolerates the custom taint (it would not by itself)', () => {
    const tol = findObject(objs, 'DaemonSet', 'nvidia-device-plugin-ml').spec.template.spec.tolerations;
    expect(tol).toContainEqual({ key: 'purpose', operator: 'Equal', value: 'ml', effect: 'NoSchedule' });
    expect(findObject(objs, 'DaemonSet', 'nvidia-device-plugin-ml').spec.template.spec.nodeSelector).toEqual({
      'modelplane.dev/gpu-pool': 'ml',
      'node.kubernetes.io/instance-type': 'g5.xlarge',
    });
  });

  test('the Karpenter NodePool: labels, taint, requirements, GPU limit, conservative disruption', () => {
    const np = findObject(objs, 'NodePool', 'gpu-ml');
    expect(np.apiVersion).toBe('karpenter.sh/v1');
    expect(np.spec.template.metadata.labels).toEqual({ 'modelplane.dev/gpu-pool': 'ml', 'node.kubernetes.io/instance-type': 'g5.xlarge' });
    expect(np.spec.template.spec.taints).toEqual([{ key: 'purpose', value: 'ml', effect: 'NoSchedule' }]);
    expect(np.spec.template.spec.nodeClassRef).toEqual(karpenter.nodeClassRef);
    expect(np.spec.template.spec.requirements).toEqual([
      { key: 'karpenter.k8s.aws/instance-gpu-manufacturer', operator: 'In', values: ['nvidia'] },
      { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand', 'spot'] },
      { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['g5.xlarge', 'g5.2xlarge'] },
    ]);
    expect(np.spec.limits).toEqual({ 'nvidia.com/gpu': 16 });
    expect(np.spec.disruption).toEqual({ consolidationPolicy: 'WhenEmpty', consolidateAfter: '10m' });
  });

  test('place(): tolerations for the pool taint and the GPU taint, required affinity, GPU limits', () => {
    const placed = pool.place({ containers: [{ name: 'model' }] }, 2);
    expect(placed.tolerations).toEqual([
      { key: 'purpose', operator: 'Equal', value: 'ml', effect: 'NoSchedule' },
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    expect(
      placed.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms[0].matchExpressions!.map(
        (e) => e.key,
      ),
    ).toEqual(['modelplane.dev/gpu-pool', 'node.kubernetes.io/instance-type']);
    expect(placed.containers[0].resources!.limits!['nvidia.com/gpu'].value).toBe('2');
  });
});

describe('GpuNodePool variants', () => {
  test('a non-AWS NodeClass gets no AWS-only requirement', () => {
    const { objs } = synth({ karpenter: { nodeClassRef: { group: 'karpenter.azure.com', kind: 'AKSNodeClass', name: 'gpu' } } });
    const np = findObject(objs, 'NodePool', 'gpu-a100');
    expect(np.spec.template.spec.requirements.map((r: any) => r.key)).toEqual(['karpenter.sh/capacity-type']);
    expect(np.spec.limits).toBeUndefined();
  });
  test('a value-less taint is tolerated with Exists; no device plugin when disabled; other namespace', () => {
    const { pool, objs } = synth({ taint: { key: 'gpu', effect: 'NoExecute' }, devicePlugin: false });
    expect(pool.devicePlugin).toBeUndefined();
    expect(objs.filter((o) => o.kind === 'DaemonSet')).toEqual([]);
    expect(pool.place({ containers: [{ name: 'c' }] }).tolerations![0]).toEqual({ key: 'gpu', operator: 'Exists', effect: 'NoExecute' });
    const other = synth({ devicePluginNamespace: 'gpu-system' }).objs;
    expect(findObject(other, 'DaemonSet', 'nvidia-device-plugin-a100').metadata.namespace).toBe('gpu-system');
  });
});

describe('GpuNodePool validation', () => {
  const C = 'GpuNodePool "a100"';
  const bad = (props: Record<string, unknown>) => () => synth(props as GpuNodePoolProps);
  test.each([
    ['name', { name: 'A100' }, 'A100'],
    ['name', { name: 'g'.repeat(51) }, 'g'.repeat(51)],
    ['taint.effect', { taint: { key: 'purpose', value: 'ml', effect: 'NoScheduleEver' } }, 'NoScheduleEver'],
    ['taint.effect', { taint: { key: 'purpose', value: 'ml', effect: 'noschedule' } }, 'noschedule'],
    ['taint.key', { taint: { key: 'Purpose Key', effect: 'NoSchedule' } }, 'Purpose Key'],
    ['taint.key', { taint: { key: 'UPPER.example.com/x', effect: 'NoSchedule' } }, 'UPPER.example.com/x'],
    ['taint.key', { taint: { key: `p/${'k'.repeat(64)}`, effect: 'NoSchedule' } }, `p/${'k'.repeat(64)}`],
    ['taint.value', { taint: { key: 'purpose', value: 'ml only', effect: 'NoSchedule' } }, 'ml only'],
    ['taint.value', { taint: { key: 'purpose', value: 'v'.repeat(64), effect: 'NoSchedule' } }, 'v'.repeat(64)],
    ['taint', { taint: 'purpose=ml:NoSchedule' }, 'purpose=ml:NoSchedule'],
    ['nodeLabels', { nodeLabels: ['a'] }, ['a']],
    ['nodeLabels', { nodeLabels: { 'bad key!': 'x' } }, 'bad key!'],
    ['nodeLabels["zone"]', { nodeLabels: { zone: 'eu west' } }, 'eu west'],
    ['nodeLabels["modelplane.dev/gpu-pool"]', { nodeLabels: { 'modelplane.dev/gpu-pool': 'other' } }, 'other'],
    ['maxGpus', { maxGpus: 0 }, 0],
    ['maxGpus', { maxGpus: 2.5 }, 2.5],
    ['devicePluginImage', { devicePluginImage: 'nvcr.io/nvidia/k8s-device-plugin:latest' }, 'nvcr.io/nvidia/k8s-device-plugin:latest'],
    ['devicePluginNamespace', { devicePluginNamespace: 'Kube_System' }, 'Kube_System'],
    [
      'karpenter.nodeClassRef',
      { karpenter: { nodeClassRef: { kind: 'EC2NodeClass', name: 'gpu' } } },
      { kind: 'EC2NodeClass', name: 'gpu' },
    ],
    ['karpenter.instanceTypes[1]', { karpenter: { ...karpenter, instanceTypes: ['g5.xlarge', 'g5 xlarge'] } }, 'g5 xlarge'],
    ['karpenter.capacityTypes[0]', { karpenter: { ...karpenter, capacityTypes: ['preemptible'] } }, 'preemptible'],
    ['karpenter.consolidationPolicy', { karpenter: { ...karpenter, consolidationPolicy: 'Always' } }, 'Always'],
    ['karpenter.consolidateAfter', { karpenter: { ...karpenter, consolidateAfter: '5 minutes' } }, '5 minutes'],
  ])('%s (%j)', (field, props, value) => {
    expectIssue(bad(props), { construct: C, field, value });
  });

  test('an invalid taint effect names the allowed ones; nothing is synthesized', () => {
    const chart = Testing.chart();
    expect(() => new GpuNodePool(chart, 'a100', { taint: { key: 'purpose', value: 'ml', effect: 'Sometimes' as never } })).toThrow(
      'GpuNodePool "a100": `taint.effect` = "Sometimes": is not a taint effect. Fix: use one of NoSchedule, PreferNoSchedule, NoExecute',
    );
    expect(Testing.synth(chart)).toEqual([]);
  });

  test('validateTaint can be used on any field path', () => {
    const v = new Validator('X', 'x');
    expect(validateTaint(v, { key: 'a', effect: 'NoSchedule' }, 'pool.taint')).toBe(true);
    expect(validateTaint(v, { key: 'a', effect: 'Bad' }, 'pool.taint')).toBe(false);
    expect(v.found.map((i) => i.field)).toEqual(['pool.taint.effect']);
  });
});
