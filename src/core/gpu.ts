/**
 * Pure GPU placement: how a workload lands on a GPU node pool. A pool is described by plain data
 * ({@link GpuPoolSpec}), so model repositories can place workloads on a pool the platform owns
 * without synthesizing the pool itself.
 */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import type { Validator } from './errors';
import { prop, words } from './words';

/** The extended resource the NVIDIA device plugin advertises. */
export const NVIDIA_GPU = 'nvidia.com/gpu';

/** Effects a taint may have. */
export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

/** A node taint. */
export interface Taint {
  /** Taint key, e.g. `purpose` or `nvidia.com/gpu`. */
  readonly key: string;
  /** Taint value, e.g. `ml`. @default - no value (tolerated with `Exists`) */
  readonly value?: string;
  /** `NoSchedule`, `PreferNoSchedule` or `NoExecute`. */
  readonly effect: (typeof TAINT_EFFECTS)[number];
}

/** What a workload needs to know about a GPU pool to run on it. */
export interface GpuPoolSpec {
  /** Pool name (DNS-1123 label). */
  readonly name: string;
  /** The taint the pool's nodes carry. */
  readonly taint: Taint;
  /** The labels the pool's nodes carry; workloads require all of them. */
  readonly nodeLabels: Readonly<Record<string, string>>;
  /** Upper bound on GPUs in the pool (used for quotas and Karpenter limits). @default - unbounded */
  readonly maxGpus?: number;
}

/**
 * Checks that `count` GPUs (for one pod, at `field`) fit on the pool: a pool whose `maxGpus` is known
 * never has more, so a pod asking for more would never be scheduled. True when they fit (or the pool
 * is unbounded).
 */
export function checkGpusFit(v: Validator, field: string, count: number, pool: GpuPoolSpec): boolean {
  if (pool.maxGpus === undefined) return true;
  return v.check(
    count <= pool.maxGpus,
    field,
    count,
    `is more than GPU pool "${pool.name}" ever has (maxGpus: ${pool.maxGpus}); a pod asking for ${count} GPUs would never be scheduled`,
    words`lower ${prop(field)} to at most ${pool.maxGpus}, or raise the pool's maxGpus`,
  );
}

/** The toleration matching a taint. */
export function tolerationFor(taint: Taint): k8s.Toleration {
  return taint.value === undefined || taint.value === ''
    ? { key: taint.key, operator: 'Exists', effect: taint.effect }
    : { key: taint.key, operator: 'Equal', value: taint.value, effect: taint.effect };
}

/** Required node affinity selecting every node label of the pool. */
export function poolAffinity(pool: GpuPoolSpec): k8s.Affinity {
  const keys = Object.keys(pool.nodeLabels).sort();
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: keys.map((key) => ({ key, operator: 'In', values: [pool.nodeLabels[key]] })) }],
      },
    },
  };
}

/** The scheduling fields and limits that place a pod on a pool with `count` GPUs per container. */
export interface GpuPlacement {
  /** Tolerations to add to the pod. */
  readonly tolerations: k8s.Toleration[];
  /** Affinity to merge into the pod. */
  readonly affinity: k8s.Affinity;
  /** Extended-resource limits (and equal requests) for the GPU container. */
  readonly limits: Record<string, string>;
}

/** Computes the placement of a workload on a pool. */
export function gpuPlacement(pool: GpuPoolSpec, count: number): GpuPlacement {
  const tolerations = [tolerationFor(pool.taint)];
  // The ExtendedResourceToleration admission plugin is missing on some clusters (e.g. AKS):
  // tolerate the conventional GPU taint too, so a pod requesting nvidia.com/gpu always fits.
  if (pool.taint.key !== NVIDIA_GPU) tolerations.push({ key: NVIDIA_GPU, operator: 'Exists', effect: 'NoSchedule' });
  return { tolerations, affinity: poolAffinity(pool), limits: { [NVIDIA_GPU]: String(count) } };
}

/**
 * Node affinity requiring the pool, merged with the affinity a pod already has: node selector terms
 * are ORed, so the pool's expressions are added to EVERY existing term (the pod must land on the
 * pool whichever term matches); preferred terms are kept.
 */
export function mergePoolAffinity(existing: k8s.NodeAffinity | undefined, pool: GpuPoolSpec): k8s.NodeAffinity {
  const poolTerm = poolAffinity(pool).nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms[0];
  const terms = existing?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const merged =
    terms.length === 0
      ? [poolTerm]
      : terms.map((t) => ({ ...t, matchExpressions: [...(t.matchExpressions ?? []), ...(poolTerm.matchExpressions ?? [])] }));
  return { ...(existing ?? {}), requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: merged } };
}

/**
 * Returns a copy of a pod spec placed on a pool: tolerations and required node affinity added
 * (merged with any affinity the pod already has), and `count` GPUs given to the named containers
 * (all containers when none are named).
 */
export function placeOnPool(spec: k8s.PodSpec, pool: GpuPoolSpec, count: number, containers?: readonly string[]): k8s.PodSpec {
  const placement = gpuPlacement(pool, count);
  const gpu = k8s.Quantity.fromString(String(count));
  return {
    ...spec,
    tolerations: [...(spec.tolerations ?? []), ...placement.tolerations],
    affinity: { ...(spec.affinity ?? {}), nodeAffinity: mergePoolAffinity(spec.affinity?.nodeAffinity, pool) },
    containers: spec.containers.map((c) =>
      containers && !containers.includes(c.name)
        ? c
        : {
            ...c,
            resources: {
              ...(c.resources ?? {}),
              requests: { ...(c.resources?.requests ?? {}), [NVIDIA_GPU]: gpu },
              limits: { ...(c.resources?.limits ?? {}), [NVIDIA_GPU]: gpu },
            },
          },
    ),
  };
}
