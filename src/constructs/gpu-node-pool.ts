import { ApiObject } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import {
  NodePool,
  NodePoolSpecDisruptionConsolidationPolicy,
  NodePoolSpecLimits,
  NodePoolSpecTemplateSpecRequirementsOperator,
  NodePoolSpecTemplateSpecTaintsEffect,
} from '../../imports/karpenter.sh';
import { orThrow, Resolution, Validator } from '../core/errors';
import { GpuPoolSpec, NVIDIA_GPU, placeOnPool, Taint, TAINT_EFFECTS, tolerationFor } from '../core/gpu';
import { LABELS, standardLabels } from '../core/labels';
import { IMAGE_PULL_POLICY, resourceRequirements } from '../core/security';
import { checkImage, checkName, INT32_MAX, labelKeyProblem, labelValueProblem, wholeNumberProblem } from '../core/validate';
import { isRecord } from '../core/records';

/** The NVIDIA device plugin image modelplane pins. */
export const DEVICE_PLUGIN_IMAGE = 'nvcr.io/nvidia/k8s-device-plugin:v0.20.0';

/** Karpenter provisioning for a GPU pool. */
export interface GpuKarpenterProps {
  /** The cloud NodeClass the nodes are built from, e.g. `{ group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'gpu' }`. */
  readonly nodeClassRef: { readonly group: string; readonly kind: string; readonly name: string };
  /** Instance types allowed, e.g. `['g5.xlarge', 'g5.2xlarge']`. @default - any type with an NVIDIA GPU */
  readonly instanceTypes?: readonly string[];
  /** Capacity types. @default ["on-demand"] */
  readonly capacityTypes?: readonly ('on-demand' | 'spot' | 'reserved')[];
  /** When Karpenter may remove nodes. @default "WhenEmpty" (GPU jobs are expensive to interrupt) */
  readonly consolidationPolicy?: 'WhenEmpty' | 'WhenEmptyOrUnderutilized';
  /** How long a node must be empty before removal. @default "5m" */
  readonly consolidateAfter?: string;
}

/** Properties of a {@link GpuNodePool}. */
export interface GpuNodePoolProps {
  /** Pool name (DNS-1123 label); nodes carry `modelplane.dev/gpu-pool=<name>`. @default - the construct id */
  readonly name?: string;
  /** The taint the pool's nodes carry. @default { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" } */
  readonly taint?: Taint;
  /** Extra labels the pool's nodes carry; workloads require them too. @default {} */
  readonly nodeLabels?: Readonly<Record<string, string>>;
  /** Most GPUs the pool may hold (1 to 2147483647): Karpenter's `limits` and the platform's quota check. @default - unbounded */
  readonly maxGpus?: number;
  /** Run the NVIDIA device plugin DaemonSet on the pool's nodes. @default true */
  readonly devicePlugin?: boolean;
  /** Device plugin image. @default {@link DEVICE_PLUGIN_IMAGE} */
  readonly devicePluginImage?: string;
  /** Namespace of the device plugin. @default "kube-system" (needed for the system-node-critical priority class) */
  readonly devicePluginNamespace?: string;
  /** Provision the pool with a Karpenter NodePool. @default - no NodePool (nodes come from your cloud's node groups) */
  readonly karpenter?: GpuKarpenterProps;
}

/** The GPU pool as plain data: what workloads need, and what the pool renders. */
export interface ResolvedGpuNodePool {
  /** The pool as workloads see it. */
  readonly pool: GpuPoolSpec;
  /** The device plugin's image and namespace. @default - no device plugin */
  readonly devicePlugin?: { readonly image: string; readonly namespace: string };
  /** Karpenter provisioning. @default - no NodePool */
  readonly karpenter?: GpuKarpenterProps;
}

/** The taint a pool's nodes carry unless another is given. */
export const DEFAULT_GPU_TAINT: Taint = { key: NVIDIA_GPU, value: 'present', effect: 'NoSchedule' };

/** Checks and defaults the props of a {@link GpuNodePool} (`id` names the pool unless `name` does): the resolved pool, or every problem. */
export function resolveGpuNodePool(id: string, props: GpuNodePoolProps = {}): Resolution<ResolvedGpuNodePool> {
  const v = new Validator('GpuNodePool', id);
  const name = props.name ?? id;
  checkName(v, 'name', name, 50);
  const taint = props.taint ?? DEFAULT_GPU_TAINT;
  validateTaint(v, taint);
  const extraLabels = props.nodeLabels ?? {};
  checkNodeLabels(v, extraLabels);
  if (props.maxGpus !== undefined) {
    const problem = wholeNumberProblem(props.maxGpus, 1, INT32_MAX);
    v.check(problem === undefined, 'maxGpus', props.maxGpus, problem ?? '', 'set e.g. 16, or leave it out for no limit');
  }
  const image = props.devicePluginImage ?? DEVICE_PLUGIN_IMAGE;
  checkImage(v, 'devicePluginImage', image);
  if (props.devicePluginNamespace !== undefined) checkName(v, 'devicePluginNamespace', props.devicePluginNamespace);
  if (props.karpenter) checkKarpenter(v, props.karpenter);
  return v.result(() => ({
    pool: { name, taint, nodeLabels: { [LABELS.gpuPool]: name, ...extraLabels }, maxGpus: props.maxGpus },
    devicePlugin: (props.devicePlugin ?? true) ? { image, namespace: props.devicePluginNamespace ?? 'kube-system' } : undefined,
    karpenter: props.karpenter,
  }));
}

const NODE_LABELS_EXAMPLE = 'write e.g. { "node.kubernetes.io/instance-type": "g5.xlarge" }';

function checkNodeLabels(v: Validator, labels: unknown): void {
  if (!v.check(isRecord(labels), 'nodeLabels', labels, 'must be a map of label keys to values', NODE_LABELS_EXAMPLE)) return;
  for (const [key, value] of Object.entries(labels as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) {
    const kp = labelKeyProblem(key);
    v.check(
      kp === undefined,
      'nodeLabels',
      key,
      `has a key that ${kp ?? ''}`,
      'use a label key such as "node.kubernetes.io/instance-type"',
    );
    const vp = labelValueProblem(value);
    v.check(vp === undefined, `nodeLabels["${key}"]`, value, vp ?? '', 'use a label value such as "g5.xlarge"');
    v.check(
      key !== LABELS.gpuPool,
      `nodeLabels["${key}"]`,
      value,
      'is set by modelplane to the pool name',
      `remove it; nodes of this pool carry ${LABELS.gpuPool}=<name>`,
    );
  }
}

/** The optional Karpenter settings checked against a list or a pattern: the field, its test, the problem and the fix. */
const KARPENTER_CHOICES: ReadonlyArray<readonly [keyof GpuKarpenterProps, (value: unknown) => boolean, string, string]> = [
  [
    'consolidationPolicy',
    (p) => ['WhenEmpty', 'WhenEmptyOrUnderutilized'].includes(p as string),
    'is not a consolidation policy',
    'use "WhenEmpty" or "WhenEmptyOrUnderutilized"',
  ],
  [
    'consolidateAfter',
    (d) => typeof d === 'string' && /^(Never|(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+)$/.test(d),
    'is not a duration',
    'write e.g. "5m", "1h30m" or "Never"',
  ],
];

function checkKarpenter(v: Validator, k: GpuKarpenterProps): void {
  const ref = k.nodeClassRef;
  v.check(
    isRecord(ref) && !!ref.group && !!ref.kind && !!ref.name,
    'karpenter.nodeClassRef',
    ref,
    'needs group, kind and name',
    "write e.g. { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'gpu' }",
  );
  for (const [i, t] of (k.instanceTypes ?? []).entries()) {
    const p = labelValueProblem(t);
    const field = `karpenter.instanceTypes[${i}]`;
    v.check(p === undefined && t !== '', field, t, p ?? 'must not be empty', 'name an instance type, e.g. "g5.xlarge"');
  }
  for (const [i, c] of (k.capacityTypes ?? []).entries()) {
    const known = ['on-demand', 'spot', 'reserved'].includes(c);
    v.check(known, `karpenter.capacityTypes[${i}]`, c, 'is not a Karpenter capacity type', 'use "on-demand", "spot" or "reserved"');
  }
  for (const [key, ok, problem, fix] of KARPENTER_CHOICES) {
    if (k[key] !== undefined) v.check(ok(k[key]), `karpenter.${key}`, k[key], problem, fix);
  }
}

/**
 * A pool of GPU nodes (the translation team's GPU pools): the nodes' labels and taint, the NVIDIA device
 * plugin that tolerates that taint (it does not tolerate a custom taint such as `purpose=ml` by itself), an
 * optional Karpenter NodePool, and {@link GpuNodePool.place} to put any workload on the pool.
 *
 * The device plugin is the one workload modelplane owns that cannot meet Pod Security "restricted":
 * it must mount the kubelet's device-plugins directory from the host. It drops all capabilities,
 * runs without privilege escalation, and lives in kube-system, which is not a team namespace.
 */
export class GpuNodePool extends Construct {
  /** The pool as plain data, for placing workloads. */
  public readonly spec: GpuPoolSpec;
  /** The device plugin DaemonSet, if any. */
  public readonly devicePlugin?: ApiObject;
  /** The Karpenter NodePool, if any. */
  public readonly nodePool?: ApiObject;

  constructor(scope: Construct, id: string, props: GpuNodePoolProps = {}) {
    const resolved = orThrow(resolveGpuNodePool(id, props));
    super(scope, id);
    this.spec = resolved.pool;
    if (resolved.devicePlugin) this.devicePlugin = this.renderDevicePlugin(resolved.devicePlugin.image, resolved.devicePlugin.namespace);
    if (resolved.karpenter) this.nodePool = this.renderNodePool(resolved.karpenter);
  }

  /** Returns a copy of `spec` placed on this pool with `count` GPUs for the named containers (all by default). */
  public place(spec: k8s.PodSpec, count = 1, containers?: readonly string[]): k8s.PodSpec {
    return placeOnPool(spec, this.spec, count, containers);
  }

  private renderDevicePlugin(image: string, namespace: string): ApiObject {
    const pool = this.spec.name;
    const labels = standardLabels({
      name: 'nvidia-device-plugin',
      instance: pool,
      component: 'device-plugin',
      version: image.split(':').pop(),
    });
    const selector = { 'app.kubernetes.io/name': 'nvidia-device-plugin', 'app.kubernetes.io/instance': pool };
    const metadata = { name: `nvidia-device-plugin-${pool}`, namespace, labels };
    const daemonSet = new k8s.KubeDaemonSet(this, 'DevicePlugin', {
      metadata,
      spec: {
        selector: { matchLabels: selector },
        updateStrategy: { type: 'RollingUpdate' },
        template: {
          metadata: { labels: { ...labels, ...selector } },
          spec: {
            priorityClassName: 'system-node-critical',
            automountServiceAccountToken: false,
            nodeSelector: { ...this.spec.nodeLabels },
            tolerations: [
              tolerationFor(this.spec.taint),
              { key: NVIDIA_GPU, operator: 'Exists', effect: 'NoSchedule' },
              { key: 'CriticalAddonsOnly', operator: 'Exists' },
            ],
            securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
            containers: [devicePluginContainer(image)],
            volumes: [{ name: 'device-plugin', hostPath: { path: DEVICE_PLUGIN_DIR, type: 'Directory' } }],
          },
        },
      },
    });
    // The plugin talks to the kubelet only through the Unix socket in the host directory: no network at all.
    new k8s.KubeNetworkPolicy(this, 'DevicePluginNetworkPolicy', {
      metadata,
      spec: { podSelector: { matchLabels: selector }, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] },
    });
    return daemonSet;
  }

  private renderNodePool(k: GpuKarpenterProps): ApiObject {
    const pool = this.spec.name;
    const t = this.spec.taint;
    const requirements = [
      // The GPU-manufacturer label exists on AWS only; other providers select GPUs by instance type.
      ...(k.nodeClassRef.group === 'karpenter.k8s.aws'
        ? [
            {
              key: 'karpenter.k8s.aws/instance-gpu-manufacturer',
              operator: NodePoolSpecTemplateSpecRequirementsOperator.IN,
              values: ['nvidia'],
            },
          ]
        : []),
      {
        key: 'karpenter.sh/capacity-type',
        operator: NodePoolSpecTemplateSpecRequirementsOperator.IN,
        values: [...(k.capacityTypes ?? ['on-demand'])],
      },
      ...(k.instanceTypes && k.instanceTypes.length > 0
        ? [
            {
              key: 'node.kubernetes.io/instance-type',
              operator: NodePoolSpecTemplateSpecRequirementsOperator.IN,
              values: [...k.instanceTypes],
            },
          ]
        : []),
    ];
    return new NodePool(this, 'NodePool', {
      metadata: { name: `gpu-${pool}`, labels: standardLabels({ name: 'gpu-node-pool', instance: pool, component: 'node-pool' }) },
      spec: {
        template: {
          metadata: { labels: { ...this.spec.nodeLabels } },
          spec: {
            nodeClassRef: { ...k.nodeClassRef },
            requirements,
            taints: [{ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect as NodePoolSpecTemplateSpecTaintsEffect }],
          },
        },
        disruption: {
          consolidationPolicy: (k.consolidationPolicy ?? 'WhenEmpty') as NodePoolSpecDisruptionConsolidationPolicy,
          consolidateAfter: k.consolidateAfter ?? '5m',
        },
        ...(this.spec.maxGpus !== undefined ? { limits: { [NVIDIA_GPU]: NodePoolSpecLimits.fromNumber(this.spec.maxGpus) } } : {}),
      },
    });
  }
}

/** The kubelet's directory for device plugin sockets, mounted from the host. */
const DEVICE_PLUGIN_DIR = '/var/lib/kubelet/device-plugins';

/** The device plugin container: no privilege escalation, no capabilities, a read-only root filesystem. */
function devicePluginContainer(image: string): k8s.Container {
  return {
    name: 'nvidia-device-plugin',
    image,
    imagePullPolicy: IMAGE_PULL_POLICY,
    env: [{ name: 'FAIL_ON_INIT_ERROR', value: 'false' }],
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
    resources: resourceRequirements({ cpu: '50m', cpuLimit: '200m', memory: '128Mi', ephemeralStorage: '64Mi' }),
    volumeMounts: [{ name: 'device-plugin', mountPath: DEVICE_PLUGIN_DIR }],
  };
}

/** Validates a taint on a validator, field `taint`. */
export function validateTaint(v: Validator, taint: unknown, field = 'taint'): boolean {
  if (
    !v.check(
      isRecord(taint),
      field,
      taint,
      'must be { key, value?, effect }',
      'write e.g. { key: "purpose", value: "ml", effect: "NoSchedule" }',
    )
  )
    return false;
  const t = taint as Record<string, unknown>;
  const keyProblem = labelKeyProblem(t.key);
  let ok = v.check(
    keyProblem === undefined,
    `${field}.key`,
    t.key,
    `is not a valid taint key: it ${keyProblem ?? ''}`,
    'use a label-style key such as "purpose" or "nvidia.com/gpu"',
  );
  if (t.value !== undefined) {
    const valueProblem = labelValueProblem(t.value);
    ok =
      v.check(
        valueProblem === undefined,
        `${field}.value`,
        t.value,
        `is not a valid taint value: it ${valueProblem ?? ''}`,
        'use letters, digits, "-", "_" or "." (at most 63)',
      ) && ok;
  }
  ok =
    v.check(
      (TAINT_EFFECTS as readonly unknown[]).includes(t.effect),
      `${field}.effect`,
      t.effect,
      `is not a taint effect`,
      `use one of ${TAINT_EFFECTS.join(', ')}`,
    ) && ok;
  return ok;
}
