/**
 * The objects of a team's workspace that live in the team's own files (the JupyterHub chart runs with its
 * RBAC turned off, see ./jupyterhub-values.ts): the hub's ServiceAccount with a Role that can do exactly
 * what KubeSpawner does in the team's namespace, the notebooks' ServiceAccount (no token), and the
 * NetworkPolicies the hub needs beyond the team's defaults: the API server, the sign-on issuer, and the
 * ingress controller reaching the hub's proxy. Notebooks reach MLflow and the object store through the
 * team's own policies; hub, proxy and notebooks talk inside the namespace.
 */
import { ApiObject } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { apiServerEgress, namespacePeer, policyPort } from '../../core/network';
import { LABELS, MANAGED_BY, standardLabels } from '../../core/labels';
import type { ObjectReference } from '../../core/references';
import { ssoClient, type SsoEgress } from '../../core/sso';
import type { HelmChartRef } from '../platform/operators/helm-addon';
import type { ResolvedWorkspace } from './workspace-resolve';

/** The ServiceAccounts of a team's workspace. */
export const WORKSPACE_ACCOUNTS = {
  /** The hub: it creates and deletes the notebook pods and volumes. */
  hub: 'modelplane-jupyterhub',
  /** The notebook pods: no API token. */
  notebook: 'modelplane-notebook',
} as const;

/** Labels every notebook pod and volume carries, besides KubeSpawner's own. */
export const WORKSPACE_LABELS: Readonly<Record<string, string>> = {
  [LABELS.partOf]: MANAGED_BY,
  [LABELS.component]: 'notebook',
};

/**
 * What the hub may do in its team's namespace: exactly KubeSpawner's calls — notebook pods and their
 * volumes created, watched and deleted, events read for the spawn progress. No Secrets (no internal TLS),
 * no Services (sessions are reached by pod IP), nothing outside the namespace.
 */
export const HUB_ROLE_RULES: readonly k8s.PolicyRule[] = [
  { apiGroups: [''], resources: ['pods', 'persistentvolumeclaims'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  { apiGroups: [''], resources: ['events'], verbs: ['get', 'list', 'watch'] },
];

/** The pod labels the Zero to JupyterHub chart gives its hub and its proxy. */
export const CHART_POD_LABELS = {
  hub: { app: 'jupyterhub', component: 'hub' },
  proxy: { app: 'jupyterhub', component: 'proxy' },
} as const;

/** The proxy's HTTP port (the chart's `proxy-public` Service sends there). */
export const PROXY_PORT = 8000;

/** The egress rule to the sign-on issuer, in the cluster or outside. */
export function issuerEgress(egress: SsoEgress): k8s.NetworkPolicyEgressRule {
  if (egress.kind === 'in-cluster')
    return {
      to: [{ ...namespacePeer(egress.namespace), podSelector: { matchLabels: { ...egress.podLabels } } }],
      ports: [policyPort(egress.port)],
    };
  return { to: egress.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: egress.ports.map((p) => policyPort(p)) };
}

/** Renders a workspace's objects into the team's scope; returns them (each should depend on the namespace). */
export function renderWorkspaceObjects(
  scope: Construct,
  w: ResolvedWorkspace,
  notebookAnnotations: Readonly<Record<string, string>>,
): ApiObject[] {
  const ns = w.team;
  const meta = (name: string, component: string) => ({
    name,
    namespace: ns,
    labels: standardLabels({ name: 'workspace', instance: ns, component, team: ns }),
  });
  const policy = (id: string, name: string, spec: k8s.NetworkPolicySpec) =>
    new k8s.KubeNetworkPolicy(scope, id, { metadata: meta(name, 'network-policy'), spec });
  const hubPods = { matchLabels: { ...CHART_POD_LABELS.hub } };
  return [
    new k8s.KubeServiceAccount(scope, 'WorkspaceHubSa', {
      metadata: meta(WORKSPACE_ACCOUNTS.hub, 'hub'),
      automountServiceAccountToken: true,
    }),
    new k8s.KubeServiceAccount(scope, 'WorkspaceNotebookSa', {
      metadata: {
        ...meta(WORKSPACE_ACCOUNTS.notebook, 'notebook'),
        ...(Object.keys(notebookAnnotations).length > 0 ? { annotations: { ...notebookAnnotations } } : {}),
      },
      automountServiceAccountToken: false,
    }),
    new k8s.KubeRole(scope, 'WorkspaceHubRole', { metadata: meta(WORKSPACE_ACCOUNTS.hub, 'rbac'), rules: [...HUB_ROLE_RULES] }),
    new k8s.KubeRoleBinding(scope, 'WorkspaceHubBinding', {
      metadata: meta(WORKSPACE_ACCOUNTS.hub, 'rbac'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: WORKSPACE_ACCOUNTS.hub },
      subjects: [{ kind: 'ServiceAccount', name: WORKSPACE_ACCOUNTS.hub, namespace: ns }],
    }),
    // KubeSpawner calls the API server; the authenticator calls the issuer's token and userinfo endpoints.
    policy('WorkspaceHubEgress', 'allow-jupyterhub-egress', {
      podSelector: hubPods,
      policyTypes: ['Egress'],
      egress: [apiServerEgress(w.platform.apiServer), issuerEgress(w.sso.egress)],
    }),
    // Browsers reach the hub through the ingress controller and the proxy, nothing else from outside.
    policy('WorkspaceProxyIngress', 'allow-jupyterhub-ingress', {
      podSelector: { matchLabels: { ...CHART_POD_LABELS.proxy } },
      policyTypes: ['Ingress'],
      ingress: [{ from: w.ingressNamespaces.map(namespacePeer), ports: [policyPort(PROXY_PORT)] }],
    }),
  ];
}

/**
 * What a team's JupyterHub release refers to, for the reference check: the hub's and the notebooks'
 * ServiceAccounts (the team's files), the OIDC client's Secret and, unless a workload identity replaces
 * them, the team's object-store Secret whose keys the sessions get.
 */
export function workspaceReferences(w: ResolvedWorkspace, release: HelmChartRef): ObjectReference[] {
  const from = { kind: 'HelmRelease', namespace: w.team, name: release.releaseName };
  const at = (field: string, kind: string, name: string): ObjectReference => ({
    from,
    field: `values.${field}`,
    target: { kind, namespace: w.team, name },
  });
  const spawner = ((release.values.hub as Record<string, unknown>).config as Record<string, Record<string, unknown>>).KubeSpawner;
  const env = spawner.environment as Record<string, unknown>;
  return [
    at('hub.serviceAccount.name', 'ServiceAccount', WORKSPACE_ACCOUNTS.hub),
    at('hub.config.KubeSpawner.service_account', 'ServiceAccount', WORKSPACE_ACCOUNTS.notebook),
    at('hub.extraEnv.OAUTH_CLIENT_SECRET', 'Secret', ssoClient('jupyterhub', w.team).secretName),
    ...('AWS_ACCESS_KEY_ID' in env
      ? [at('hub.config.KubeSpawner.environment.AWS_ACCESS_KEY_ID', 'Secret', w.platform.objectStore.credentialsSecret)]
      : []),
  ];
}
