/**
 * Secure defaults for every pod modelplane owns: Pod Security "restricted" (non-root, no privilege
 * escalation, all capabilities dropped, RuntimeDefault seccomp), a read-only root filesystem with
 * writable emptyDirs where a program needs them, explicit requests and limits, and no service
 * account token unless the workload talks to the API server.
 */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { cpuMillicores } from './validate';

/** A numeric non-root user; used when an image's own USER is root or unknown. */
export const DEFAULT_UID = 10001;

/**
 * The pull policy of every container we own. `Always` makes the kubelet resolve the tag with the
 * registry (and the pod's pull secrets) on every start and reuse the cached layers when the digest
 * is unchanged: with `IfNotPresent`, a pod in one team's namespace could run a private image another
 * team already pulled onto the shared node without holding any credentials for it.
 */
export const IMAGE_PULL_POLICY = 'Always';

/** Requests and limits of one container. */
export interface ResourceSpec {
  /** CPU request, e.g. `500m`. */
  readonly cpu: string;
  /** Memory request and limit, e.g. `1Gi` (memory limit = request: no overcommit surprises). */
  readonly memory: string;
  /** CPU limit. @default - twice the request */
  readonly cpuLimit?: string;
  /** Ephemeral storage request and limit. @default "1Gi" */
  readonly ephemeralStorage?: string;
}

/** Pod-level security context for Pod Security "restricted". */
export function restrictedPodSecurityContext(uid: number = DEFAULT_UID, gid: number = uid): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level security context for Pod Security "restricted" with a read-only root filesystem. */
export function restrictedContainerSecurityContext(uid: number = DEFAULT_UID, gid: number = uid): k8s.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Turns a {@link ResourceSpec} into Kubernetes requests and limits. */
export function resourceRequirements(spec: ResourceSpec, extraLimits: Record<string, string> = {}): k8s.ResourceRequirements {
  const eph = spec.ephemeralStorage ?? '1Gi';
  const cpuLimit = spec.cpuLimit ?? doubleCpu(spec.cpu);
  const limits: Record<string, k8s.Quantity> = {
    cpu: k8s.Quantity.fromString(cpuLimit),
    memory: k8s.Quantity.fromString(spec.memory),
    'ephemeral-storage': k8s.Quantity.fromString(eph),
  };
  const requests: Record<string, k8s.Quantity> = {
    cpu: k8s.Quantity.fromString(spec.cpu),
    memory: k8s.Quantity.fromString(spec.memory),
    'ephemeral-storage': k8s.Quantity.fromString(eph),
  };
  for (const [k, val] of Object.entries(extraLimits)) {
    limits[k] = k8s.Quantity.fromString(val);
    requests[k] = k8s.Quantity.fromString(val);
  }
  return { requests, limits };
}

/**
 * Twice a CPU quantity, in whole millicores, computed exactly (no floating point: `"99999999999999999999999"`
 * does not become `1.9999999999999998e+26m`): rounded up as the API server rounds (so never below the
 * request after rounding, `"0.0001"` gives `1m`, not `0m`) and capped at what Kubernetes holds
 * (2^63-1 millicores). Text that is not a quantity is returned as given.
 */
export function doubleCpu(cpu: string): string {
  const millis = cpuMillicores(cpu, 2n);
  return millis === undefined ? cpu : `${millis}m`;
}

/** A writable scratch directory for a read-only root filesystem. */
export interface ScratchDir {
  /** Volume name. */
  readonly name: string;
  /** Where it is mounted. */
  readonly mountPath: string;
  /** Size limit. @default "256Mi" */
  readonly sizeLimit?: string;
}

/** emptyDir volumes for the given scratch directories. */
export function scratchVolumes(dirs: readonly ScratchDir[]): k8s.Volume[] {
  return dirs.map((d) => ({ name: d.name, emptyDir: { sizeLimit: k8s.Quantity.fromString(d.sizeLimit ?? '256Mi') } }));
}

/** Mounts for the given scratch directories. */
export function scratchMounts(dirs: readonly ScratchDir[]): k8s.VolumeMount[] {
  return dirs.map((d) => ({ name: d.name, mountPath: d.mountPath }));
}

/** The usual /tmp scratch directory. */
export const TMP_DIR: ScratchDir = { name: 'tmp', mountPath: '/tmp' };

/** The Pod Security level every namespace modelplane creates enforces, warns about and audits. */
export const POD_SECURITY_LEVEL = 'restricted';
/** The Pod Security Standards version the labels pin. */
export const POD_SECURITY_VERSION = 'v1.28';

/** Namespace labels that enforce, warn about and audit Pod Security "restricted" at a pinned version. */
export function podSecurityLabels(): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ['enforce', 'warn', 'audit']) {
    labels[`pod-security.kubernetes.io/${mode}`] = POD_SECURITY_LEVEL;
    labels[`pod-security.kubernetes.io/${mode}-version`] = POD_SECURITY_VERSION;
  }
  return labels;
}

/** What {@link restrictedContainer} adds to a container: everything but its security and resources. */
export type RestrictedContainerInput = Omit<k8s.Container, 'securityContext' | 'imagePullPolicy' | 'resources'> & {
  /** The numeric user (and group) the container runs as. @default {@link DEFAULT_UID} */
  readonly uid?: number;
  /** Requests and limits. */
  readonly resources: ResourceSpec;
};

/**
 * A container that passes Pod Security "restricted" with a read-only root filesystem: our pull policy,
 * the restricted security context for `uid`, and requests and limits from {@link resourceRequirements}.
 */
export function restrictedContainer(input: RestrictedContainerInput): k8s.Container {
  const { uid, resources, ...container } = input;
  return {
    ...container,
    imagePullPolicy: IMAGE_PULL_POLICY,
    securityContext: restrictedContainerSecurityContext(uid),
    resources: resourceRequirements(resources),
  };
}
