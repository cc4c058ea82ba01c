import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { PlatformContext } from '../core/context';
import { Validator } from '../core/errors';
import { NVIDIA_GPU } from '../core/gpu';
import { LABELS, standardLabels } from '../core/labels';
import { checkName, checkQuantity, parseQuantity } from '../core/validate';
import { duplicates, isRecord } from '../core/records';

/** Resource totals a team may use. */
export interface TeamQuota {
  /** Total CPU requests. @default "16" */
  readonly cpu?: string;
  /** Total memory requests. @default "64Gi" */
  readonly memory?: string;
  /** Maximum number of pods. @default 200 */
  readonly pods?: number;
  /** Maximum number of GPUs requested (`requests.nvidia.com/gpu`). @default 0 */
  readonly gpus?: number;
}

/** Per-container defaults for containers that set no requests or limits. */
export interface TeamLimitDefaults {
  /** Default CPU request. @default "250m" */
  readonly cpuRequest?: string;
  /** Default memory request. @default "256Mi" */
  readonly memoryRequest?: string;
  /** Default CPU limit. @default "1" */
  readonly cpuLimit?: string;
  /** Default memory limit. @default "1Gi" */
  readonly memoryLimit?: string;
}

/** Properties of a {@link TeamSpace}. */
export interface TeamSpaceProps {
  /** The team's name; also its namespace. A DNS-1123 label of at most 40 characters (room for suffixes). */
  readonly name: string;
  /** The platform the team runs on. */
  readonly platform: PlatformContext;
  /** Resource quota. @default - see {@link TeamQuota} */
  readonly quota?: TeamQuota;
  /** LimitRange defaults. @default - see {@link TeamLimitDefaults} */
  readonly limits?: TeamLimitDefaults;
  /**
   * Groups (from the cluster's authentication) whose members may manage the team's workloads; each is
   * bound to the built-in `edit` ClusterRole in the team namespace only. @default [] (no human access granted here)
   */
  readonly editorGroups?: readonly string[];
  /**
   * CIDRs of an external object store (S3) the team's pods may reach on port 443.
   * @default [] (only the platform's in-cluster object store)
   */
  readonly objectStoreCidrs?: readonly string[];
}

/** Names of the ServiceAccounts every team namespace gets. */
export const TEAM_SERVICE_ACCOUNTS = {
  /** Model serving and batch workloads that do not call the API server. */
  workload: 'modelplane-workload',
  /** Spark drivers (create executor pods, services, configmaps). */
  spark: 'modelplane-spark',
} as const;

/**
 * A team's workspace (seed 004): its namespace with Pod Security "restricted" enforced, a
 * ResourceQuota for CPU, memory, pods and GPUs, LimitRange defaults, a default-deny NetworkPolicy
 * with the allows the platform needs, ServiceAccounts for workloads and Spark drivers, and the RBAC
 * that lets the platform's Airflow run the team's Spark jobs.
 */
export class TeamSpace extends Construct {
  /** The namespace name. */
  public readonly namespace: string;
  /** The Namespace object; everything namespaced for the team should depend on it. */
  public readonly namespaceObject: ApiObject;

  constructor(scope: Construct, id: string, props: TeamSpaceProps) {
    super(scope, id);
    const v = new Validator('TeamSpace', id);
    checkName(v, 'name', props.name, 40);
    const q = props.quota ?? {};
    const quota = { cpu: q.cpu ?? '16', memory: q.memory ?? '64Gi', pods: q.pods ?? 200, gpus: q.gpus ?? 0 };
    checkQuantity(v, 'quota.cpu', quota.cpu, '16');
    checkQuantity(v, 'quota.memory', quota.memory, '64Gi');
    v.check(Number.isInteger(quota.pods) && quota.pods > 0, 'quota.pods', quota.pods, 'must be a positive whole number', 'set e.g. 200');
    v.check(
      Number.isInteger(quota.gpus) && quota.gpus >= 0,
      'quota.gpus',
      quota.gpus,
      'must be a whole number, 0 or more',
      'set e.g. 4, or 0 for no GPUs',
    );
    const l = props.limits ?? {};
    const limits = {
      cpuRequest: l.cpuRequest ?? '250m',
      memoryRequest: l.memoryRequest ?? '256Mi',
      cpuLimit: l.cpuLimit ?? '1',
      memoryLimit: l.memoryLimit ?? '1Gi',
    };
    const limitsOk = Object.entries(limits)
      .map(([k, val]) => checkQuantity(v, `limits.${k}`, val, k.startsWith('cpu') ? '500m' : '512Mi'))
      .every(Boolean);
    // The API server rejects a LimitRange whose default request exceeds its default limit.
    if (limitsOk) {
      v.check(
        parseQuantity(limits.cpuRequest) <= parseQuantity(limits.cpuLimit),
        'limits.cpuRequest',
        limits.cpuRequest,
        `is more than limits.cpuLimit (${limits.cpuLimit})`,
        'make the default CPU request at most the default CPU limit',
      );
      v.check(
        parseQuantity(limits.memoryRequest) <= parseQuantity(limits.memoryLimit),
        'limits.memoryRequest',
        limits.memoryRequest,
        `is more than limits.memoryLimit (${limits.memoryLimit})`,
        'make the default memory request at most the default memory limit',
      );
    }
    for (const [i, g] of (props.editorGroups ?? []).entries()) {
      v.check(
        typeof g === 'string' && g.trim().length > 0,
        `editorGroups[${i}]`,
        g,
        'must be a non-empty group name',
        'name a group from your identity provider',
      );
    }
    for (const d of duplicates((props.editorGroups ?? []).map(String)))
      v.fail('editorGroups', d, 'names the same group twice', 'list each group once');
    for (const [i, c] of (props.objectStoreCidrs ?? []).entries()) {
      v.check(isIpv4Cidr(c), `objectStoreCidrs[${i}]`, c, 'is not an IPv4 CIDR', 'write it like "52.216.0.0/15"');
    }
    v.check(isRecord(props.platform), 'platform', props.platform, 'is required', 'pass platform.context or platformContext()');
    v.done();

    const ns = props.name;
    this.namespace = ns;
    const labels = (name: string, component: string) => standardLabels({ name, instance: ns, component, team: ns });

    this.namespaceObject = new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name: ns,
        labels: {
          ...labels('team-space', 'namespace'),
          [LABELS.team]: ns,
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'v1.28',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': 'v1.28',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': 'v1.28',
        },
      },
    });
    const inNs = (obj: ApiObject) => obj.addDependency(this.namespaceObject);

    inNs(
      new k8s.KubeResourceQuota(this, 'Quota', {
        metadata: { name: 'team-quota', namespace: ns, labels: labels('team-space', 'quota') },
        spec: {
          hard: {
            'requests.cpu': k8s.Quantity.fromString(quota.cpu),
            'requests.memory': k8s.Quantity.fromString(quota.memory),
            pods: k8s.Quantity.fromNumber(quota.pods),
            [`requests.${NVIDIA_GPU}`]: k8s.Quantity.fromNumber(quota.gpus),
          },
        },
      }),
    );

    inNs(
      new k8s.KubeLimitRange(this, 'Limits', {
        metadata: { name: 'team-defaults', namespace: ns, labels: labels('team-space', 'limits') },
        spec: {
          limits: [
            {
              type: 'Container',
              defaultRequest: { cpu: k8s.Quantity.fromString(limits.cpuRequest), memory: k8s.Quantity.fromString(limits.memoryRequest) },
              default: { cpu: k8s.Quantity.fromString(limits.cpuLimit), memory: k8s.Quantity.fromString(limits.memoryLimit) },
            },
          ],
        },
      }),
    );

    this.networkPolicies(ns, props, labels('team-space', 'network-policy')).forEach(inNs);
    this.serviceAccounts(ns, props, labels).forEach(inNs);
  }

  private networkPolicies(ns: string, props: TeamSpaceProps, labels: Record<string, string>): ApiObject[] {
    const p = props.platform;
    const nsSel = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
    const port = (n: number, protocol = 'TCP') => ({ port: k8s.IntOrString.fromNumber(n), protocol });
    const policy = (id: string, name: string, spec: k8s.NetworkPolicySpec) =>
      new k8s.KubeNetworkPolicy(this, id, { metadata: { name, namespace: ns, labels }, spec });

    return [
      policy('DefaultDeny', 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
      policy('AllowDns', 'allow-dns', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [nsSel('kube-system')], ports: [port(53, 'UDP'), port(53, 'TCP')] }],
      }),
      policy('AllowSameNamespace', 'allow-same-namespace', {
        // Spark drivers and executors talk to each other; serving pods to their sidecars.
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: {} }] }],
        egress: [{ to: [{ podSelector: {} }] }],
      }),
      policy('AllowPlatformIngress', 'allow-platform-ingress', {
        // The platform (Airflow workers, model tests, gateways) and Prometheus reach team workloads.
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{ from: [nsSel(p.platformNamespace), nsSel(p.airflow.namespace), nsSel(p.monitoringNamespace)] }],
      }),
      policy('AllowPlatformEgress', 'allow-platform-egress', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          { to: [{ ...nsSel(p.platformNamespace), podSelector: { matchLabels: { ...p.mlflowPodLabels } } }], ports: [port(p.mlflowPort)] },
          {
            to: [{ ...nsSel(p.platformNamespace), podSelector: { matchLabels: { 'app.kubernetes.io/name': 'minio' } } }],
            ports: [port(9000)],
          },
          ...((props.objectStoreCidrs ?? []).length > 0
            ? [{ to: (props.objectStoreCidrs ?? []).map((cidr) => ({ ipBlock: { cidr } })), ports: [port(443)] }]
            : []),
        ],
      }),
      policy('AllowApiServer', 'allow-spark-apiserver', {
        // Spark drivers create their executors through the Kubernetes API.
        podSelector: { matchLabels: { 'spark-role': 'driver' } },
        policyTypes: ['Egress'],
        egress: [{ ports: [port(443), port(6443)] }],
      }),
    ];
  }

  private serviceAccounts(ns: string, props: TeamSpaceProps, labels: (n: string, c: string) => Record<string, string>): ApiObject[] {
    const out: ApiObject[] = [];
    const sa = (id: string, name: string) =>
      new k8s.KubeServiceAccount(this, id, {
        metadata: { name, namespace: ns, labels: labels('team-space', 'service-account') },
        automountServiceAccountToken: false,
      });
    out.push(sa('WorkloadSa', TEAM_SERVICE_ACCOUNTS.workload), sa('SparkSa', TEAM_SERVICE_ACCOUNTS.spark));

    // Spark drivers: exactly what spark-submit's Kubernetes backend needs for executors.
    out.push(
      new k8s.KubeRole(this, 'SparkRole', {
        metadata: { name: 'modelplane-spark-driver', namespace: ns, labels: labels('team-space', 'rbac') },
        rules: [
          {
            apiGroups: [''],
            resources: ['pods', 'services', 'configmaps', 'persistentvolumeclaims'],
            verbs: ['create', 'get', 'list', 'watch', 'update', 'patch', 'delete', 'deletecollection'],
          },
        ],
      }),
    );
    out.push(
      new k8s.KubeRoleBinding(this, 'SparkBinding', {
        metadata: { name: 'modelplane-spark-driver', namespace: ns, labels: labels('team-space', 'rbac') },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'modelplane-spark-driver' },
        subjects: [{ kind: 'ServiceAccount', name: TEAM_SERVICE_ACCOUNTS.spark, namespace: ns }],
      }),
    );

    // The platform's Airflow workers submit SparkApplications here and poll their state: exactly the
    // calls the generated DAGs make (create, get). Reading the templates is granted by name by TeamDags.
    out.push(
      new k8s.KubeRole(this, 'AirflowRole', {
        metadata: { name: 'modelplane-airflow-runner', namespace: ns, labels: labels('team-space', 'rbac') },
        rules: [{ apiGroups: ['sparkoperator.k8s.io'], resources: ['sparkapplications'], verbs: ['create', 'get'] }],
      }),
    );
    out.push(
      new k8s.KubeRoleBinding(this, 'AirflowBinding', {
        metadata: { name: 'modelplane-airflow-runner', namespace: ns, labels: labels('team-space', 'rbac') },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'modelplane-airflow-runner' },
        subjects: [
          { kind: 'ServiceAccount', name: props.platform.airflow.workerServiceAccount, namespace: props.platform.airflow.namespace },
        ],
      }),
    );

    const groups = [...(props.editorGroups ?? [])].sort();
    if (groups.length > 0) {
      out.push(
        new k8s.KubeRoleBinding(this, 'Editors', {
          metadata: { name: 'modelplane-team-editors', namespace: ns, labels: labels('team-space', 'rbac') },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
          subjects: groups.map((name) => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name })),
        }),
      );
    }
    return out;
  }
}

/** True for an IPv4 CIDR such as `52.216.0.0/15` (octets 0-255, prefix 0-32). */
export function isIpv4Cidr(value: unknown): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(String(value));
  return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}
