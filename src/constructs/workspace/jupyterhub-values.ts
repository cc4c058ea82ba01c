/**
 * The Helm release of a team's JupyterHub: the Zero to JupyterHub chart, pinned, with values computed
 * from a {@link ResolvedWorkspace}. Pure data.
 *
 * Every spawner setting is written under `hub.config.KubeSpawner` rather than the chart's `singleuser.*`:
 * the chart applies `hub.config` last, over what it derives from `singleuser`, so these values are the
 * whole truth about the notebook pods — and the workspace tier (test/workspace) applies exactly them to a
 * real KubeSpawner. The chart parts a restricted, least-privilege team namespace cannot take are turned
 * off: its RBAC and hub ServiceAccount (the team's files carry ours, ./workspace-objects.ts), the
 * iptables init container that blocks the cloud metadata address (it needs NET_ADMIN; the team's
 * default-deny egress blocks that address already), the user scheduler, placeholders and image pullers
 * (cluster-wide objects and DaemonSets), and the chart's NetworkPolicies (the team's own apply).
 */
import type { HelmChartRef } from '../platform/operators/helm-addon';
import { cpuMillicores, quantityUnits } from '../../core/validate';
import { restrictedContainerSecurityContext } from '../../core/security';
import { NVIDIA_GPU, gpuPlacement } from '../../core/gpu';
import { LABELS, MANAGED_BY } from '../../core/labels';
import { jupyterHubAuth, JupyterHubAuth } from '../sso/jupyterhub-auth';
import type { ResolvedProfile, ResolvedWorkspace } from './workspace-resolve';
import { WORKSPACE_ACCOUNTS, WORKSPACE_LABELS } from './workspace-objects';

/** The pinned chart: Zero to JupyterHub 4.3.3 (JupyterHub 5.4.4, the version the workspace tier runs). */
export const JUPYTERHUB_CHART = {
  chart: 'jupyterhub',
  repo: 'https://hub.jupyter.org/helm-chart/',
  version: '4.3.3',
  note: 'Zero to JupyterHub 4.3.3 ships JupyterHub 5.4.4 (its security release); scripts/python/jupyterhub-requirements.txt pins the same',
} as const;

/** The uid and gid of the Jupyter Docker Stacks user (`jovyan`), which session images must use. */
export const NOTEBOOK_UID = 1000;
/** @see NOTEBOOK_UID */
export const NOTEBOOK_GID = 100;
/** Where each user's volume is mounted: the image user's home. */
export const NOTEBOOK_HOME = '/home/jovyan';

/** The container security context of every hub-side and notebook container: Pod Security "restricted". */
function restricted(uid: number, gid: number, readOnlyRoot: boolean): Record<string, unknown> {
  return { ...restrictedContainerSecurityContext(uid, gid), readOnlyRootFilesystem: readOnlyRoot };
}

/** A CPU quantity in cores (`"500m"` → `0.5`): KubeSpawner takes CPU as a float of cores. */
function cores(cpu: string): number {
  return Number(cpuMillicores(cpu)!) / 1000;
}

/**
 * A memory quantity in bytes (`"2Gi"` → `2147483648`): KubeSpawner's memory traits take only K, M, G and T
 * (binary) suffixes and refuse Kubernetes' `Gi`, so the values say bytes, which both read the same.
 */
function bytes(memory: string): number {
  return Number(quantityUnits(memory)!);
}

/** A profile's KubeSpawner overrides: its resources, image, and for GPUs the pool's placement (as models get it). */
function profileOverride(p: ResolvedProfile): Record<string, unknown> {
  const o: Record<string, unknown> = {
    cpu_guarantee: cores(p.cpu),
    cpu_limit: cores(p.cpu) * 2,
    mem_guarantee: bytes(p.memory),
    mem_limit: bytes(p.memory),
    image: p.image,
  };
  if (p.gpus > 0 && p.pool) {
    const placement = gpuPlacement(p.pool, p.gpus);
    o.extra_resource_guarantees = { [NVIDIA_GPU]: String(p.gpus) };
    o.extra_resource_limits = { [NVIDIA_GPU]: String(p.gpus) };
    o.tolerations = placement.tolerations;
    o.extra_pod_config = { affinity: placement.affinity };
  }
  return o;
}

/** The environment of every session: the team's MLflow and object store (keys by reference, never values). */
function sessionEnvironment(w: ResolvedWorkspace, keysFromSecret: boolean): Record<string, unknown> {
  const store = w.platform.objectStore;
  const env: Record<string, unknown> = {
    MLFLOW_TRACKING_URI: w.platform.mlflowTrackingUri,
    AWS_DEFAULT_REGION: store.region ?? 'us-east-1',
  };
  if (store.endpoint) {
    env.AWS_ENDPOINT_URL = store.endpoint;
    env.MLFLOW_S3_ENDPOINT_URL = store.endpoint;
  }
  if (keysFromSecret)
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])
      env[key] = { name: key, valueFrom: { secretKeyRef: { name: store.credentialsSecret, key } } };
  return env;
}

/** The `hub.config.KubeSpawner` of a workspace: every setting of its notebook pods. */
export function kubeSpawnerConfig(w: ResolvedWorkspace, keysFromSecret = true): Record<string, unknown> {
  const first = w.profiles.find((p) => p.default) ?? w.profiles[0];
  return {
    namespace: w.team,
    service_account: WORKSPACE_ACCOUNTS.notebook,
    automount_service_account_token: false,
    image: first.image,
    image_pull_policy: 'IfNotPresent',
    uid: NOTEBOOK_UID,
    gid: NOTEBOOK_GID,
    fs_gid: NOTEBOOK_GID,
    pod_security_context: { runAsNonRoot: true, fsGroup: NOTEBOOK_GID, seccompProfile: { type: 'RuntimeDefault' } },
    container_security_context: restricted(NOTEBOOK_UID, NOTEBOOK_GID, false),
    ...Object.fromEntries(Object.entries(profileOverride(first)).filter(([k]) => k.startsWith('cpu_') || k.startsWith('mem_'))),
    profile_list: w.profiles.map((p) => ({
      display_name: p.name,
      slug: p.name,
      description: p.description,
      ...(p.default ? { default: true } : {}),
      kubespawner_override: profileOverride(p),
    })),
    default_url: w.session === 'vscode' ? '/vscode' : '/lab',
    storage_pvc_ensure: true,
    pvc_name_template: 'claim-{user_server}',
    storage_capacity: w.storage.size,
    ...(w.storage.storageClass ? { storage_class: w.storage.storageClass } : {}),
    storage_access_modes: ['ReadWriteOnce'],
    storage_extra_labels: { ...WORKSPACE_LABELS, [LABELS.team]: w.team },
    volumes: [{ name: 'home', persistentVolumeClaim: { claimName: '{pvc_name}' } }],
    volume_mounts: [{ name: 'home', mountPath: NOTEBOOK_HOME }],
    environment: sessionEnvironment(w, keysFromSecret),
    extra_labels: { ...WORKSPACE_LABELS, [LABELS.team]: w.team },
    start_timeout: 600,
    http_timeout: 120,
  };
}

/** The `hub.config` entries that sign users in through the platform's issuer (only the team's editor groups get in). */
export function oauthConfig(w: ResolvedWorkspace): Record<string, unknown> {
  const auth = hubAuth(w);
  return { JupyterHub: { authenticator_class: auth.authenticatorClass }, GenericOAuthenticator: { ...auth.config } };
}

/** The team hub's GenericOAuthenticator, as the SSO tier runs it against a real Keycloak. */
function hubAuth(w: ResolvedWorkspace): JupyterHubAuth {
  return jupyterHubAuth({ sso: w.sso, team: w.team, editorGroups: w.allowedGroups, hubUrl: w.url! });
}

/** The Helm values of a team's JupyterHub. */
export function jupyterHubValues(w: ResolvedWorkspace, keysFromSecret = true): Record<string, unknown> {
  const auth = hubAuth(w);
  const host = w.url ? new URL(w.url).host : undefined;
  return {
    hub: {
      serviceAccount: { create: false, name: WORKSPACE_ACCOUNTS.hub },
      networkPolicy: { enabled: false },
      containerSecurityContext: restricted(1000, 1000, false),
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      // The client secret, from its Secret (the variable GenericOAuthenticator reads when client_secret is unset).
      extraEnv: { [auth.env.name]: { valueFrom: auth.env.valueFrom } },
      labels: { [LABELS.managedBy]: MANAGED_BY, [LABELS.team]: w.team },
      config: { ...oauthConfig(w), KubeSpawner: kubeSpawnerConfig(w, keysFromSecret) },
    },
    proxy: {
      service: { type: 'ClusterIP' },
      https: { enabled: false },
      chp: {
        networkPolicy: { enabled: false },
        containerSecurityContext: restricted(65534, 65534, true),
        resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      },
    },
    singleuser: {
      networkPolicy: { enabled: false },
      cloudMetadata: { blockWithIptables: false },
      storage: { type: 'none' },
    },
    rbac: { create: false },
    scheduling: { userScheduler: { enabled: false }, podPriority: { enabled: false }, userPlaceholder: { enabled: false } },
    prePuller: { hook: { enabled: false }, continuous: { enabled: false } },
    cull: { enabled: true, timeout: w.idleSeconds, every: 300, users: false, removeNamedServers: false },
    ingress: host ? { enabled: true, ingressClassName: w.ingressClassName, hosts: [host] } : { enabled: false },
  };
}

/** The chart reference of a team's JupyterHub: release `jupyterhub-<team>` in the team's namespace. */
export function jupyterHubRelease(w: ResolvedWorkspace, keysFromSecret = true): HelmChartRef {
  return {
    releaseName: `jupyterhub-${w.team}`,
    chart: JUPYTERHUB_CHART.chart,
    repo: JUPYTERHUB_CHART.repo,
    version: JUPYTERHUB_CHART.version,
    namespace: w.team,
    values: jupyterHubValues(w, keysFromSecret),
    note: JUPYTERHUB_CHART.note,
  };
}
