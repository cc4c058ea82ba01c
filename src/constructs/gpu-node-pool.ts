import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  NodePool,
  NodePoolSpecDisruptionConsolidationPolicy,
  NodePoolSpecLimits,
  NodePoolSpecTemplateSpecRequirementsOperator,
  NodePoolSpecTemplateSpecTaintsEffect,
} from '../../imports/karpenter.sh';
import { Validator } from '../core/errors';
import { GpuPoolSpec, NVIDIA_GPU, placeOnPool, Taint, TAINT_EFFECTS, tolerationFor } from '../core/gpu';
import { LABELS, standardLabels } from '../core/labels';
import { IMAGE_PULL_POLICY } from '../core/security';
import { checkImage, checkName, labelKeyProblem, labelValueProblem } from '../core/validate';
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
  /** Most GPUs the pool may hold: Karpenter's `limits` and the platform's quota check. @default - unbounded */
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

/**
 * A pool of GPU nodes (seed 001): the nodes' labels and taint, the NVIDIA device plugin that
 * tolerates that taint (it does not tolerate a custom taint such as `purpose=ml` by itself), an
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
    super(scope, id);
    const v = new Validator('GpuNodePool', id);
    const name = props.name ?? id;
    checkName(v, 'name', name, 50);
    const taint: Taint = props.taint ?? { key: NVIDIA_GPU, value: 'present', effect: 'NoSchedule' };
    validateTaint(v, taint);
    const extraLabels = props.nodeLabels ?? {};
    if (
      v.check(
        isRecord(extraLabels),
        'nodeLabels',
        extraLabels,
        'must be a map of label keys to values',
        'write e.g. { "node.kubernetes.io/instance-type": "g5.xlarge" }',
      )
    ) {
      for (const [key, value] of Object.entries(extraLabels).sort(([a], [b]) => a.localeCompare(b))) {
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
    if (props.maxGpus !== undefined) {
      v.check(
        Number.isInteger(props.maxGpus) && props.maxGpus > 0,
        'maxGpus',
        props.maxGpus,
        'must be a positive whole number',
        'set e.g. 16, or leave it out for no limit',
      );
    }
    const image = props.devicePluginImage ?? DEVICE_PLUGIN_IMAGE;
    checkImage(v, 'devicePluginImage', image);
    if (props.devicePluginNamespace !== undefined) checkName(v, 'devicePluginNamespace', props.devicePluginNamespace);
    if (props.karpenter) {
      const k = props.karpenter;
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
        v.check(
          p === undefined && t !== '',
          `karpenter.instanceTypes[${i}]`,
          t,
          p ?? 'must not be empty',
          'name an instance type, e.g. "g5.xlarge"',
        );
      }
      for (const [i, c] of (k.capacityTypes ?? []).entries()) {
        v.check(
          ['on-demand', 'spot', 'reserved'].includes(c),
          `karpenter.capacityTypes[${i}]`,
          c,
          'is not a Karpenter capacity type',
          'use "on-demand", "spot" or "reserved"',
        );
      }
      if (k.consolidationPolicy !== undefined) {
        v.check(
          ['WhenEmpty', 'WhenEmptyOrUnderutilized'].includes(k.consolidationPolicy),
          'karpenter.consolidationPolicy',
          k.consolidationPolicy,
          'is not a consolidation policy',
          'use "WhenEmpty" or "WhenEmptyOrUnderutilized"',
        );
      }
      if (k.consolidateAfter !== undefined) {
        v.check(
          typeof k.consolidateAfter === 'string' && /^(Never|(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+)$/.test(k.consolidateAfter),
          'karpenter.consolidateAfter',
          k.consolidateAfter,
          'is not a duration',
          'write e.g. "5m", "1h30m" or "Never"',
        );
      }
    }
    v.done();

    const nodeLabels = { [LABELS.gpuPool]: name, ...extraLabels };
    this.spec = { name, taint, nodeLabels, maxGpus: props.maxGpus };

    if (props.devicePlugin ?? true) this.devicePlugin = this.renderDevicePlugin(name, image, props.devicePluginNamespace ?? 'kube-system');
    if (props.karpenter) this.nodePool = this.renderNodePool(name, props.karpenter);
  }

  /** Returns a copy of `spec` placed on this pool with `count` GPUs for the named containers (all by default). */
  public place(spec: k8s.PodSpec, count = 1, containers?: readonly string[]): k8s.PodSpec {
    return placeOnPool(spec, this.spec, count, containers);
  }

  private renderDevicePlugin(pool: string, image: string, namespace: string): ApiObject {
    const labels = standardLabels({
      name: 'nvidia-device-plugin',
      instance: pool,
      component: 'device-plugin',
      version: image.split(':').pop(),
    });
    const selector = { 'app.kubernetes.io/name': 'nvidia-device-plugin', 'app.kubernetes.io/instance': pool };
    const daemonSet = new k8s.KubeDaemonSet(this, 'DevicePlugin', {
      metadata: { name: `nvidia-device-plugin-${pool}`, namespace, labels },
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
            containers: [
              {
                name: 'nvidia-device-plugin',
                image,
                imagePullPolicy: IMAGE_PULL_POLICY,
                env: [{ name: 'FAIL_ON_INIT_ERROR', value: 'false' }],
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ['ALL'] },
                  readOnlyRootFilesystem: true,
                },
                resources: {
                  requests: {
                    cpu: k8s.Quantity.fromString('50m'),
                    memory: k8s.Quantity.fromString('128Mi'),
                    'ephemeral-storage': k8s.Quantity.fromString('64Mi'),
                  },
                  limits: {
                    cpu: k8s.Quantity.fromString('200m'),
                    memory: k8s.Quantity.fromString('128Mi'),
                    'ephemeral-storage': k8s.Quantity.fromString('64Mi'),
                  },
                },
                volumeMounts: [{ name: 'device-plugin', mountPath: '/var/lib/kubelet/device-plugins' }],
              },
            ],
            volumes: [{ name: 'device-plugin', hostPath: { path: '/var/lib/kubelet/device-plugins', type: 'Directory' } }],
          },
        },
      },
    });
    // The plugin talks to the kubelet only through the Unix socket in the host directory: no network at all.
    new k8s.KubeNetworkPolicy(this, 'DevicePluginNetworkPolicy', {
      metadata: { name: `nvidia-device-plugin-${pool}`, namespace, labels },
      spec: { podSelector: { matchLabels: selector }, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] },
    });
    return daemonSet;
  }

  private renderNodePool(pool: string, k: GpuKarpenterProps): ApiObject {
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
