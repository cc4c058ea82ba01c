/**
 * What every workload of the MLflow feature shares (the server, its embedded stores, the bucket and
 * secret setup Jobs): labels from one description, a NetworkPolicy that isolates the workload's pods,
 * the peer for every team namespace, and the one-shot setup Job.
 */
import { ApiObject } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { LabelInfo, LABELS, selectorLabels, standardLabels } from '../../core/labels';
import {
  RestrictedContainerInput,
  restrictedContainer,
  restrictedPodSecurityContext,
  scratchMounts,
  scratchVolumes,
  TMP_DIR,
} from '../../core/security';

/** The labels of a workload's objects and the stable subset its selectors use. */
export interface WorkloadLabels {
  /** Every label, for metadata. */
  readonly labels: Record<string, string>;
  /** The selector labels (no version), for Services, PodDisruptionBudgets and NetworkPolicies. */
  readonly podLabels: Record<string, string>;
}

/** The labels of a workload described by `info`, versioned by its image's tag. */
export function workloadLabels(info: Omit<LabelInfo, 'version'>, image: string): WorkloadLabels {
  const described = { ...info, version: image.split(':').pop() };
  return { labels: standardLabels(described), podLabels: selectorLabels(described) };
}

/** Where an object lives and how it is labelled. */
export interface ObjectMeta {
  /** Object name. */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** Labels. */
  readonly labels: Record<string, string>;
}

/** A peer selecting every pod of every team namespace (the namespaces that carry `modelplane.dev/team`). */
export function teamNamespacesPeer(): k8s.NetworkPolicyPeer {
  return { namespaceSelector: { matchExpressions: [{ key: LABELS.team, operator: 'Exists' }] } };
}

/** The allowed traffic of an isolated workload: nothing that is not listed. */
export interface IsolatedTraffic {
  /** Ingress rules. @default [] */
  readonly ingress?: k8s.NetworkPolicyIngressRule[];
  /** Egress rules. @default [] */
  readonly egress?: k8s.NetworkPolicyEgressRule[];
}

/** A NetworkPolicy denying the pods selected by `podLabels` everything but `traffic`, in and out. */
export function isolatingPolicy(
  scope: Construct,
  id: string,
  meta: ObjectMeta,
  podLabels: Record<string, string>,
  traffic: IsolatedTraffic,
): ApiObject {
  return new k8s.KubeNetworkPolicy(scope, id, {
    metadata: { ...meta },
    spec: {
      podSelector: { matchLabels: podLabels },
      policyTypes: ['Ingress', 'Egress'],
      ingress: traffic.ingress ?? [],
      egress: traffic.egress ?? [],
    },
  });
}

/** A one-shot setup Job: its container, the read-only volume it needs, and how it may talk to the API server. */
export interface SetupJobSpec extends ObjectMeta {
  /** Retries before the Job fails. */
  readonly backoffLimit: number;
  /** The container (a writable /tmp is added). */
  readonly container: RestrictedContainerInput;
  /** A volume mounted read-only at `mountPath` (a script, or credentials). */
  readonly readOnly: { readonly volume: k8s.Volume; readonly mountPath: string };
  /** The ServiceAccount, whose token is then mounted. @default - none, and no token */
  readonly serviceAccountName?: string;
}

/** A Job that runs once (restarted on failure) and is deleted a day after it finished. */
export function setupJob(scope: Construct, id: string, job: SetupJobSpec): ApiObject {
  const { name, namespace, labels, readOnly, container } = job;
  const account = job.serviceAccountName
    ? { serviceAccountName: job.serviceAccountName, automountServiceAccountToken: true }
    : { automountServiceAccountToken: false };
  const mount = { name: readOnly.volume.name, mountPath: readOnly.mountPath, readOnly: true };
  return new k8s.KubeJob(scope, id, {
    metadata: { name, namespace, labels },
    spec: {
      backoffLimit: job.backoffLimit,
      ttlSecondsAfterFinished: 86400,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'OnFailure',
          ...account,
          securityContext: restrictedPodSecurityContext(),
          containers: [restrictedContainer({ ...container, volumeMounts: [...scratchMounts([TMP_DIR]), mount] })],
          volumes: [...scratchVolumes([TMP_DIR]), readOnly.volume],
        },
      },
    },
  });
}
