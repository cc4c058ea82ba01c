import { ApiObject } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { checkTeamNamespace, PlatformContext } from '../core/context';
import { orThrow, Resolution, Validator } from '../core/errors';
import { NVIDIA_GPU } from '../core/gpu';
import { LABELS, standardLabels } from '../core/labels';
import { apiServerEgress, checkApiServer, dnsEgress, isEveryAddress, namespacePeer, policyPort } from '../core/network';
import { duplicates, isRecord } from '../core/records';
import { podSecurityLabels } from '../core/security';
import { operatorInstalled } from '../core/context';
import { checkName, checkQuantity, compareQuantities } from '../core/validate';
import { OBJECT_STORE_POD_LABELS, OBJECT_STORE_PORT } from './mlflow/embedded-object-store';
import { checkTeamObjectStore, TeamObjectStoreProps, workloadIdentityAnnotations } from './team-object-store';
import type { HelmChartRef } from './platform/operators/helm-addon';
import { jupyterHubRelease } from './workspace/jupyterhub-values';
import { renderWorkspaceObjects } from './workspace/workspace-objects';
import { ResolvedWorkspace, resolveWorkspace, WorkspaceProps } from './workspace/workspace-resolve';

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
  /**
   * Total storage requested by the team's PersistentVolumeClaims (`requests.storage`): its datasets, the
   * workspace's per-user volumes and the hub's database. @default - no storage total
   */
  readonly storage?: string;
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
   * bound to the built-in `edit` ClusterRole in the team namespace only, which lets them run pods and
   * read the namespace's Secrets. Kubernetes' own `system:` groups stand for whole classes of
   * identities (every authenticated user, anonymous requests, every ServiceAccount, nodes, ...) and
   * are refused unless `allowBroadEditorGroups` confirms them; only the namespace's own
   * ServiceAccounts (`system:serviceaccounts:<team>`) need no confirmation.
   * @default [] (no human access granted here)
   */
  readonly editorGroups?: readonly string[];
  /**
   * Confirms that the `system:` groups in `editorGroups` are meant: every member of each gets
   * `edit` in the team namespace and can read its Secrets. @default false
   */
  readonly allowBroadEditorGroups?: boolean;
  /**
   * CIDRs of an external object store (S3) the team's pods may reach on port 443.
   * @default [] (only the platform's in-cluster object store)
   */
  readonly objectStoreCidrs?: readonly string[];
  /**
   * The team's access to an external object store: the name of the Secret its workloads read, or a cloud
   * workload identity on its ServiceAccounts (see {@link TeamObjectStoreProps}). Not for the embedded
   * store, which creates the team's credentials itself. @default - the platform's Secret name, no workload identity
   */
  readonly objectStore?: TeamObjectStoreProps;
  /**
   * The team's notebook workspace: a JupyterHub in the team's namespace (the Zero to JupyterHub chart,
   * pinned) whose profiles start JupyterLab or VS Code sessions inside the team's quota, signed in through
   * the platform's `sso` for the members of `editorGroups`. See {@link WorkspaceProps}.
   * @default - no workspace
   */
  readonly workspace?: WorkspaceProps;
}

/** Names of the ServiceAccounts every team namespace gets. */
export const TEAM_SERVICE_ACCOUNTS = {
  /** Model serving and batch workloads that do not call the API server. */
  workload: 'modelplane-workload',
  /** Spark drivers (create executor pods, services, configmaps). */
  spark: 'modelplane-spark',
} as const;

/** The team's workspace as plain data: every default filled in. */
export interface ResolvedTeamSpace {
  /** The namespace (the team's name). */
  readonly namespace: string;
  /** The quota. */
  readonly quota: Required<Omit<TeamQuota, 'storage'>> & Pick<TeamQuota, 'storage'>;
  /** The LimitRange defaults. */
  readonly limits: Required<TeamLimitDefaults>;
  /** The notebook workspace, when the team has one. */
  readonly workspace?: ResolvedWorkspace;
  /** Groups bound to `edit`, sorted. */
  readonly editorGroups: readonly string[];
  /** CIDRs of an external object store. */
  readonly objectStoreCidrs: readonly string[];
  /** Annotations of the team's ServiceAccounts: its workload identity, if any. */
  readonly serviceAccountAnnotations: Readonly<Record<string, string>>;
  /**
   * The platform the team runs on, as its models see it: its `apiServer` checked (and filled when absent),
   * the team's object-store Secret as `objectStore.credentialsSecret`.
   */
  readonly platform: PlatformContext;
}

/** True for an IPv4 CIDR such as `52.216.0.0/15` (octets 0-255, prefix 0-32). */
export function isIpv4Cidr(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}

/** The quota with its defaults. */
function teamQuota(given?: TeamQuota): ResolvedTeamSpace['quota'] {
  const q = given ?? {};
  return {
    cpu: q.cpu ?? '16',
    memory: q.memory ?? '64Gi',
    pods: q.pods ?? 200,
    gpus: q.gpus ?? 0,
    ...(q.storage !== undefined ? { storage: q.storage } : {}),
  };
}

/** The LimitRange defaults with their defaults. */
function teamLimits(given?: TeamLimitDefaults): Required<TeamLimitDefaults> {
  const l = given ?? {};
  return {
    cpuRequest: l.cpuRequest ?? '250m',
    memoryRequest: l.memoryRequest ?? '256Mi',
    cpuLimit: l.cpuLimit ?? '1',
    memoryLimit: l.memoryLimit ?? '1Gi',
  };
}

/** Checks and defaults the props of a {@link TeamSpace}: the resolved workspace, or every problem at once. */
export function resolveTeamSpace(id: string, props: TeamSpaceProps): Resolution<ResolvedTeamSpace> {
  const v = new Validator('TeamSpace', id);
  checkName(v, 'name', props.name, 40);
  const quota = teamQuota(props.quota);
  checkQuota(v, quota);
  const limits = teamLimits(props.limits);
  checkLimitDefaults(v, limits);
  const groups = props.editorGroups ?? [];
  checkEditorGroups(v, groups, props);
  const cidrs = props.objectStoreCidrs ?? [];
  for (const [i, c] of cidrs.entries()) {
    if (!v.check(isIpv4Cidr(c), `objectStoreCidrs[${i}]`, c, 'is not an IPv4 CIDR', 'write it like "52.216.0.0/15"')) continue;
    v.check(
      !isEveryAddress(c),
      `objectStoreCidrs[${i}]`,
      c,
      'is every address: every pod of the team could reach the whole internet on 443',
      'list the object store\'s own ranges, e.g. "52.216.0.0/15"',
    );
  }
  if (props.objectStore !== undefined) checkTeamObjectStore(v, 'objectStore', props.objectStore);
  const platform = props.platform;
  const hasPlatform = v.check(isRecord(platform), 'platform', platform, 'is required', 'pass platform.context or platformContext()');
  if (hasPlatform && typeof props.name === 'string') checkTeamNamespace(v, 'name', props.name, platform);
  const apiServer = hasPlatform ? checkApiServer(v, 'platform.apiServer', platform.apiServer) : undefined;
  // The platform as the team's workloads see it: the API server checked, the team's object-store Secret.
  const teamPlatform = (): PlatformContext => ({
    ...platform,
    apiServer: apiServer!,
    objectStore: {
      ...platform.objectStore,
      credentialsSecret: props.objectStore?.credentialsSecret ?? platform.objectStore.credentialsSecret,
    },
  });
  const workspace =
    props.workspace !== undefined && hasPlatform && v.ok
      ? resolveWorkspace(v, props.workspace, { name: props.name, quota, editorGroups: [...groups].sort(), platform: teamPlatform() })
      : undefined;
  return v.result(() => ({
    namespace: props.name,
    quota,
    limits,
    editorGroups: [...groups].sort(),
    objectStoreCidrs: cidrs,
    serviceAccountAnnotations: workloadIdentityAnnotations(props.objectStore?.workloadIdentity),
    ...(workspace ? { workspace } : {}),
    platform: teamPlatform(),
  }));
}

/**
 * Who a group stands for when it is one of Kubernetes' own `system:` groups (a whole class of
 * identities, never a team from an identity provider), or undefined for any other group and for the
 * namespace's own ServiceAccounts (`system:serviceaccounts:<namespace>`), which its editors run anyway.
 */
export function broadGroupMembers(group: string, namespace: string): string | undefined {
  if (!group.startsWith('system:') || group === `system:serviceaccounts:${namespace}`) return undefined;
  const known: Record<string, string> = {
    'system:authenticated': 'every authenticated user and every ServiceAccount of the cluster',
    'system:unauthenticated': 'every anonymous (unauthenticated) request',
    'system:serviceaccounts': 'every ServiceAccount of every namespace',
    'system:nodes': "every node's kubelet",
    'system:bootstrappers': 'every holder of a node bootstrap token',
    'system:masters': 'the cluster administrators (who need no binding: they can do everything already)',
  };
  if (known[group]) return known[group];
  const sa = /^system:serviceaccounts:(.+)$/.exec(group);
  if (sa) return `every ServiceAccount of namespace "${sa[1]}" (so anyone who can run a pod there)`;
  if (group.startsWith('system:bootstrappers:')) return 'every holder of a node bootstrap token';
  return 'every identity of a group Kubernetes assigns to a whole class of clients, not a team';
}

/** Names given, none twice, and no broad `system:` group unless confirmed. */
function checkEditorGroups(v: Validator, groups: readonly string[], props: TeamSpaceProps): void {
  const allow = props.allowBroadEditorGroups ?? false;
  v.check(
    typeof allow === 'boolean',
    'allowBroadEditorGroups',
    allow,
    'must be true or false',
    'write allowBroadEditorGroups: true, or leave it out',
  );
  for (const [i, g] of groups.entries()) {
    const named = typeof g === 'string' && g.trim().length > 0;
    if (!v.check(named, `editorGroups[${i}]`, g, 'must be a non-empty group name', 'name a group from your identity provider')) continue;
    const who = broadGroupMembers(g, String(props.name));
    if (who === undefined || allow === true) continue;
    v.fail(
      `editorGroups[${i}]`,
      g,
      `would give ${who} \`edit\` in namespace "${props.name}": they could run pods there and read the namespace's Secrets`,
      "name the team's own group from your identity provider, or, if everyone it covers is meant, confirm it with allowBroadEditorGroups: true in the team's entry",
    );
  }
  for (const d of duplicates(groups.map(String))) v.fail('editorGroups', d, 'names the same group twice', 'list each group once');
}

function checkQuota(v: Validator, quota: ResolvedTeamSpace['quota']): void {
  checkQuantity(v, 'quota.cpu', quota.cpu, '16');
  checkQuantity(v, 'quota.memory', quota.memory, '64Gi');
  if (quota.storage !== undefined) checkQuantity(v, 'quota.storage', quota.storage, '500Gi', 'bytes');
  v.check(Number.isInteger(quota.pods) && quota.pods > 0, 'quota.pods', quota.pods, 'must be a positive whole number', 'set e.g. 200');
  v.check(
    Number.isInteger(quota.gpus) && quota.gpus >= 0,
    'quota.gpus',
    quota.gpus,
    'must be a whole number, 0 or more',
    'set e.g. 4, or 0 for no GPUs',
  );
}

/** Each default request with the default limit it must not exceed: the API server rejects such a LimitRange. */
const REQUEST_LIMIT_PAIRS = [
  ['cpuRequest', 'cpuLimit', 'CPU'],
  ['memoryRequest', 'memoryLimit', 'memory'],
] as const;

/** Checks the LimitRange defaults: quantities, and no default request above its default limit. */
function checkLimitDefaults(v: Validator, limits: Required<TeamLimitDefaults>): void {
  const quantitiesOk = Object.entries(limits)
    .map(([k, val]) => checkQuantity(v, `limits.${k}`, val, k.startsWith('cpu') ? '500m' : '512Mi'))
    .every(Boolean);
  if (!quantitiesOk) return;
  for (const [request, limit, what] of REQUEST_LIMIT_PAIRS) {
    v.check(
      compareQuantities(limits[request], limits[limit]) <= 0,
      `limits.${request}`,
      limits[request],
      `is more than limits.${limit} (${limits[limit]})`,
      `make the default ${what} request at most the default ${what} limit`,
    );
  }
}

/**
 * A team's workspace (beeline business's team workspaces): its namespace with Pod Security "restricted"
 * enforced, a ResourceQuota for CPU, memory, pods and GPUs, LimitRange defaults, a default-deny
 * NetworkPolicy with the allows the platform needs, ServiceAccounts for workloads and Spark drivers, and
 * the RBAC that lets the platform's Airflow run the team's Spark jobs.
 *
 * Every egress rule names its destination. The Spark drivers (`spark-role: driver`, a label any team
 * editor can set) reach the API server only at the platform's `apiServer` addresses
 * (`platform.apiServer`). Synthesis cannot know them: the default, `DEFAULT_API_SERVER` (core/context.ts), is the
 * private address ranges on 443 and 6443, which closes the hole to the internet but still allows any
 * private address on those ports and misses a public endpoint. Set the platform's `apiServer.cidrs` to
 * the endpoints of `kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes`.
 *
 * The name must not be a reserved namespace (Kubernetes' own, any `kube-*`, the platform's, Airflow's,
 * monitoring's or an operator's: `reservedNamespaces` in core/context.ts).
 */
export class TeamSpace extends Construct {
  /** The namespace name. */
  public readonly namespace: string;
  /** The ResourceQuota it renders (every default applied). */
  public readonly quota: ResolvedTeamSpace['quota'];
  /** The team's notebook workspace, as resolved, when it has one. */
  public readonly workspace?: ResolvedWorkspace;
  /**
   * The Helm releases of the team's own (its JupyterHub), installed in its namespace after its objects are
   * applied (the hub's ServiceAccount and Role are among them). @default [] when the team has no workspace
   */
  public readonly releases: readonly HelmChartRef[];
  /** The Namespace object; everything namespaced for the team should depend on it. */
  public readonly namespaceObject: ApiObject;
  /** The platform as the team's models see it (the team's object-store Secret as `objectStore.credentialsSecret`). */
  public readonly context: PlatformContext;

  constructor(scope: Construct, id: string, props: TeamSpaceProps) {
    const spec = orThrow(resolveTeamSpace(id, props));
    super(scope, id);
    this.namespace = spec.namespace;
    this.quota = spec.quota;
    this.context = spec.platform;
    if (spec.workspace) this.workspace = spec.workspace;
    // With a workload identity the notebooks' ServiceAccount carries it, and no keys come from a Secret.
    const identity = Object.keys(spec.serviceAccountAnnotations).length > 0;
    this.releases = spec.workspace ? [jupyterHubRelease(spec.workspace, !identity)] : [];
    const r = new TeamRenderer(this, spec);
    this.namespaceObject = r.namespaceObject();
    const workspace = spec.workspace ? renderWorkspaceObjects(this, spec.workspace, spec.serviceAccountAnnotations) : [];
    const inNamespace = [...r.quotaAndLimits(), ...r.networkPolicies(), ...r.serviceAccounts(), ...r.rbac(), ...workspace];
    for (const obj of inNamespace) obj.addDependency(this.namespaceObject);
  }
}

/** Renders a {@link ResolvedTeamSpace} into a scope. */
class TeamRenderer {
  private readonly ns: string;

  constructor(
    private readonly scope: Construct,
    private readonly spec: ResolvedTeamSpace,
  ) {
    this.ns = spec.namespace;
  }

  private labels(component: string): Record<string, string> {
    return standardLabels({ name: 'team-space', instance: this.ns, component, team: this.ns });
  }

  private meta(name: string, component: string) {
    return { name, namespace: this.ns, labels: this.labels(component) };
  }

  public namespaceObject(): ApiObject {
    return new k8s.KubeNamespace(this.scope, 'Namespace', {
      metadata: { name: this.ns, labels: { ...this.labels('namespace'), [LABELS.team]: this.ns, ...podSecurityLabels() } },
    });
  }

  public quotaAndLimits(): ApiObject[] {
    const { quota, limits } = this.spec;
    const q = k8s.Quantity.fromString;
    return [
      new k8s.KubeResourceQuota(this.scope, 'Quota', {
        metadata: this.meta('team-quota', 'quota'),
        spec: {
          hard: {
            'requests.cpu': q(quota.cpu),
            'requests.memory': q(quota.memory),
            pods: k8s.Quantity.fromNumber(quota.pods),
            [`requests.${NVIDIA_GPU}`]: k8s.Quantity.fromNumber(quota.gpus),
            ...(quota.storage !== undefined ? { 'requests.storage': q(quota.storage) } : {}),
          },
        },
      }),
      new k8s.KubeLimitRange(this.scope, 'Limits', {
        metadata: this.meta('team-defaults', 'limits'),
        spec: {
          limits: [
            {
              type: 'Container',
              defaultRequest: { cpu: q(limits.cpuRequest), memory: q(limits.memoryRequest) },
              default: { cpu: q(limits.cpuLimit), memory: q(limits.memoryLimit) },
            },
          ],
        },
      }),
    ];
  }

  public networkPolicies(): ApiObject[] {
    const p = this.spec.platform;
    const policy = (id: string, name: string, spec: k8s.NetworkPolicySpec) =>
      new k8s.KubeNetworkPolicy(this.scope, id, { metadata: this.meta(name, 'network-policy'), spec });
    const inPlatform = (matchLabels: Record<string, string>) => ({ ...namespacePeer(p.platformNamespace), podSelector: { matchLabels } });
    const cidrs = this.spec.objectStoreCidrs;
    return [
      policy('DefaultDeny', 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
      policy('AllowDns', 'allow-dns', { podSelector: {}, policyTypes: ['Egress'], egress: [dnsEgress()] }),
      policy('AllowSameNamespace', 'allow-same-namespace', {
        // Spark drivers and executors talk to each other; serving pods to their sidecars.
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: {} }] }],
        egress: [{ to: [{ podSelector: {} }] }],
      }),
      policy('AllowPlatformIngress', 'allow-platform-ingress', {
        // The platform (Airflow workers, model tests), the gateway's proxies and Prometheus reach team workloads.
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              p.platformNamespace,
              p.airflow.namespace,
              p.monitoringNamespace,
              ...(p.gatewayNamespace ? [p.gatewayNamespace] : []),
            ].map(namespacePeer),
          },
        ],
      }),
      policy('AllowPlatformEgress', 'allow-platform-egress', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          { to: [inPlatform({ ...p.mlflowPodLabels })], ports: [policyPort(p.mlflowPort)] },
          { to: [inPlatform({ ...OBJECT_STORE_POD_LABELS })], ports: [policyPort(OBJECT_STORE_PORT)] },
          ...(cidrs.length > 0 ? [{ to: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [policyPort(443)] }] : []),
        ],
      }),
      policy('AllowApiServer', 'allow-spark-apiserver', {
        // Spark drivers create their executors through the Kubernetes API. Any team editor can set the
        // label, so the rule goes to the API server's addresses only, never to any address.
        podSelector: { matchLabels: { 'spark-role': 'driver' } },
        policyTypes: ['Egress'],
        egress: [apiServerEgress(this.spec.platform.apiServer)],
      }),
    ];
  }

  public serviceAccounts(): ApiObject[] {
    // A workload identity, if the team has one, on both ServiceAccounts.
    const a = this.spec.serviceAccountAnnotations;
    const annotations = Object.keys(a).length > 0 ? { annotations: { ...a } } : {};
    const sa = (id: string, name: string) =>
      new k8s.KubeServiceAccount(this.scope, id, {
        metadata: { ...this.meta(name, 'service-account'), ...annotations },
        automountServiceAccountToken: false,
      });
    return [sa('WorkloadSa', TEAM_SERVICE_ACCOUNTS.workload), sa('SparkSa', TEAM_SERVICE_ACCOUNTS.spark)];
  }

  /** A Role and its RoleBinding for `subjects`. */
  private grant(id: string, name: string, rules: k8s.PolicyRule[], subjects: k8s.Subject[]): ApiObject[] {
    return [
      new k8s.KubeRole(this.scope, `${id}Role`, { metadata: this.meta(name, 'rbac'), rules }),
      new k8s.KubeRoleBinding(this.scope, `${id}Binding`, {
        metadata: this.meta(name, 'rbac'),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects,
      }),
    ];
  }

  public rbac(): ApiObject[] {
    const { airflow } = this.spec.platform;
    const groups = this.spec.editorGroups;
    return [
      // Spark drivers: exactly what spark-submit's Kubernetes backend needs for executors.
      ...this.grant(
        'Spark',
        'modelplane-spark-driver',
        [
          {
            apiGroups: [''],
            resources: ['pods', 'services', 'configmaps', 'persistentvolumeclaims'],
            verbs: ['create', 'get', 'list', 'watch', 'update', 'patch', 'delete', 'deletecollection'],
          },
        ],
        [{ kind: 'ServiceAccount', name: TEAM_SERVICE_ACCOUNTS.spark, namespace: this.ns }],
      ),
      // The platform's Airflow workers submit SparkApplications here and poll their state: exactly the
      // calls the generated DAGs make (create, get). Reading the templates is granted by name by TeamDags.
      // No grant to a ServiceAccount that does not exist on a platform without Airflow.
      ...(operatorInstalled(this.spec.platform, 'airflow')
        ? this.grant(
            'Airflow',
            'modelplane-airflow-runner',
            [{ apiGroups: ['sparkoperator.k8s.io'], resources: ['sparkapplications'], verbs: ['create', 'get'] }],
            [{ kind: 'ServiceAccount', name: airflow.workerServiceAccount, namespace: airflow.namespace }],
          )
        : []),
      ...(groups.length > 0
        ? [
            new k8s.KubeRoleBinding(this.scope, 'Editors', {
              metadata: this.meta('modelplane-team-editors', 'rbac'),
              roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
              subjects: groups.map((name) => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name })),
            }),
          ]
        : []),
    ];
  }
}
