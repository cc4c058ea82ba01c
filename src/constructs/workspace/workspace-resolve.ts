/**
 * A team's notebook workspace (beeline business's team workspaces): one JupyterHub per team, in the
 * team's namespace, spawning JupyterLab or VS Code sessions with the resources of the profile the user
 * picks. This file holds the props and the pure function that checks and defaults them; rendering is in
 * ./workspace-objects.ts (the team's own objects) and ./jupyterhub-values.ts (the Helm release).
 *
 * Why one hub per team rather than one hub with per-team profiles: the hub's ServiceAccount then needs
 * rights in its own namespace only (a Role, never a ClusterRole that can create pods in every team's
 * namespace), the notebooks count against the team's ResourceQuota and sit behind its default-deny
 * policies like its models, the OIDC client and its allowed groups are the team's own (`editorGroups`),
 * and one team's hub failing or being upgraded touches no other team. A hub and its proxy cost about
 * 0.2 CPU and 0.5 GiB per team.
 */
import type { PlatformContext } from '../../core/context';
import type { Validator } from '../../core/errors';
import type { GpuPoolSpec } from '../../core/gpu';
import { checkGpusFit } from '../../core/gpu';
import { duplicates, isRecord } from '../../core/records';
import type { SsoRef } from '../../core/sso';
import { checkImage, checkName, checkQuantity, compareQuantities } from '../../core/validate';
import { ssoUrlProblem } from '../sso/sso-url';

/** A kind of session a notebook pod runs. */
export type WorkspaceSession = 'jupyterlab' | 'vscode';

/** One choice on the hub's spawn page: the resources (and image) of a user's session. */
export interface WorkspaceProfile {
  /** The profile's name: a DNS-1123 label, shown on the spawn page and passed as `profile` to the hub's API. */
  readonly name: string;
  /** A sentence shown under the name. @default - the resources, e.g. "2 CPU, 8Gi memory, 1 GPU on pool gpu" */
  readonly description?: string;
  /** CPU guaranteed (the request). The limit is twice it. @default "1" */
  readonly cpu?: string;
  /** Memory guaranteed and limit (notebooks are killed above it, never slowed). @default "2Gi" */
  readonly memory?: string;
  /** GPUs per session (`nvidia.com/gpu`), on `gpuPool`. @default 0 */
  readonly gpus?: number;
  /** The platform GPU pool GPU sessions run on, with the pool's tolerations and node affinity (as models get). @default - the platform's only pool, when it has exactly one */
  readonly gpuPool?: string;
  /** The session image. @default - the workspace's `image` */
  readonly image?: string;
  /** The profile preselected on the spawn page. @default - the first profile */
  readonly default?: boolean;
}

/** Per-user storage: each user's home directory is a PersistentVolumeClaim that outlives their sessions. */
export interface WorkspaceStorage {
  /** Size of each user's volume. @default "10Gi" */
  readonly size?: string;
  /** StorageClass of the volumes. @default - the cluster's default StorageClass */
  readonly storageClass?: string;
}

/** Idle culling: sessions nobody used for a while are stopped (their volume stays). */
export interface WorkspaceCulling {
  /** Stop sessions idle this many seconds. @default 3600 */
  readonly idleSeconds?: number;
}

/** The `workspace` of a team: its JupyterHub and the sessions it spawns. */
export interface WorkspaceProps {
  /**
   * The hub's public URL (`https://...`), served by an Ingress of `ingressClassName` and registered as
   * the sign-on's redirect URI. @default - no Ingress: reach the hub with `kubectl port-forward svc/proxy-public`
   * (then single sign-on needs `url` all the same, for its redirect URI)
   */
  readonly url?: string;
  /** The IngressClass of the hub's Ingress, when `url` is set. @default "nginx" */
  readonly ingressClassName?: string;
  /** Namespaces of the ingress controller's pods, admitted to the hub's proxy. @default ["ingress-nginx"] */
  readonly ingressNamespaces?: readonly string[];
  /** What a session runs: JupyterLab, or VS Code in the browser (through jupyter-vscode-proxy, which `image` must carry). @default "jupyterlab" */
  readonly session?: WorkspaceSession;
  /**
   * The session image, pinned. Its user must be uid 1000, gid 100 (the Jupyter Docker Stacks convention).
   * @default "quay.io/jupyter/scipy-notebook:2025-03-17" (required for `session: vscode`: no Docker Stacks image carries code-server)
   */
  readonly image?: string;
  /** The profiles users choose from. @default - one profile "default": 1 CPU, 2Gi memory */
  readonly profiles?: readonly WorkspaceProfile[];
  /** Per-user storage. @default - see {@link WorkspaceStorage} */
  readonly storage?: WorkspaceStorage;
  /** Idle culling. @default - see {@link WorkspaceCulling} */
  readonly culling?: WorkspaceCulling;
}

/** The default session image: JupyterLab with the scientific Python stack, uid 1000, gid 100. */
export const DEFAULT_WORKSPACE_IMAGE = 'quay.io/jupyter/scipy-notebook:2025-03-17';

/** A profile with every default applied. */
export interface ResolvedProfile {
  /** The profile's name (its slug). */
  readonly name: string;
  /** Its description. */
  readonly description: string;
  /** CPU guaranteed. */
  readonly cpu: string;
  /** Memory guaranteed and limit. */
  readonly memory: string;
  /** GPUs per session. */
  readonly gpus: number;
  /** The pool GPU sessions run on (when `gpus` > 0). @default - none: a CPU profile */
  readonly pool?: GpuPoolSpec;
  /** The session image. */
  readonly image: string;
  /** Whether it is the preselected profile (exactly one is). */
  readonly default: boolean;
}

/** A team's workspace as plain data, every default applied. */
export interface ResolvedWorkspace {
  /** The team (its namespace). */
  readonly team: string;
  /** The hub's public URL, without a trailing slash. @default - none: no Ingress */
  readonly url?: string;
  /** The IngressClass of the hub's Ingress. */
  readonly ingressClassName: string;
  /** The ingress controller's namespaces. */
  readonly ingressNamespaces: readonly string[];
  /** What sessions run. */
  readonly session: WorkspaceSession;
  /** The workspace's session image. */
  readonly image: string;
  /** The profiles, exactly one marked default. */
  readonly profiles: readonly ResolvedProfile[];
  /** Per-user storage. */
  readonly storage: { readonly size: string; readonly storageClass?: string };
  /** Idle sessions are stopped after this many seconds. */
  readonly idleSeconds: number;
  /** The groups allowed to sign in: the team's `editorGroups`. */
  readonly allowedGroups: readonly string[];
  /** The platform's single sign-on. */
  readonly sso: SsoRef;
  /** The team's MLflow and object store, as its models see them. */
  readonly platform: PlatformContext;
}

/** What a workspace is checked against: its team. */
export interface WorkspaceTeam {
  /** The team's name (its namespace). */
  readonly name: string;
  /** Its quota, defaults applied. */
  readonly quota: { readonly cpu: string; readonly memory: string; readonly gpus: number; readonly storage?: string };
  /** Its editor groups, sorted: the groups allowed to sign in. */
  readonly editorGroups: readonly string[];
  /** The platform as the team sees it (API server checked, the team's object-store Secret). */
  readonly platform: PlatformContext;
}

const SESSIONS: readonly WorkspaceSession[] = ['jupyterlab', 'vscode'];

/** Checks and defaults a team's `workspace` (its fields at `workspace.*`); undefined when something is wrong (reported on `v`). */
export function resolveWorkspace(v: Validator, given: WorkspaceProps, team: WorkspaceTeam): ResolvedWorkspace | undefined {
  const before = v.found.length;
  if (
    !v.check(
      isRecord(given),
      'workspace',
      given,
      'must be a map',
      'write workspace: { profiles: [{ name: small, cpu: "1", memory: 2Gi }] }',
    )
  )
    return undefined;
  const { session, image } = checkSession(v, given);
  const url = checkUrl(v, given.url);
  const ingressNamespaces = given.ingressNamespaces ?? ['ingress-nginx'];
  checkNames(v, 'workspace.ingressNamespaces', ingressNamespaces, 'ingress-nginx');
  const ingressClassName = given.ingressClassName ?? 'nginx';
  checkName(v, 'workspace.ingressClassName', ingressClassName, 253);
  const storage = {
    size: given.storage?.size ?? '10Gi',
    ...(given.storage?.storageClass ? { storageClass: given.storage.storageClass } : {}),
  };
  checkStorage(v, given.storage, storage.size, team);
  const idleSeconds = given.culling?.idleSeconds ?? 3600;
  v.check(
    Number.isInteger(idleSeconds) && idleSeconds >= 300,
    'workspace.culling.idleSeconds',
    idleSeconds,
    'must be a whole number of seconds, at least 300 (the culler checks every 5 minutes)',
    'write idleSeconds: 3600',
  );
  const profiles = resolveProfiles(v, given.profiles, image, team);
  const sso = checkAccess(v, given, url, team);
  if (v.found.length > before) return undefined;
  return {
    team: team.name,
    ...(url ? { url } : {}),
    ingressClassName,
    ingressNamespaces: [...ingressNamespaces],
    session,
    image,
    profiles,
    storage,
    idleSeconds,
    allowedGroups: [...team.editorGroups],
    sso: sso!,
    platform: team.platform,
  };
}

/** The session kind and its image. */
function checkSession(v: Validator, given: WorkspaceProps): { session: WorkspaceSession; image: string } {
  const session = given.session ?? 'jupyterlab';
  v.check(
    SESSIONS.includes(session),
    'workspace.session',
    session,
    'is not a session kind',
    'write session: jupyterlab or session: vscode',
  );
  const image = given.image ?? DEFAULT_WORKSPACE_IMAGE;
  if (given.image !== undefined) checkImage(v, 'workspace.image', given.image);
  else
    v.check(
      session !== 'vscode',
      'workspace.session',
      session,
      'needs an image with code-server and jupyter-vscode-proxy, and the default image (Jupyter Docker Stacks) has neither',
      'set workspace.image to your VS Code image, pinned, e.g. registry.example.com/vscode-notebook:1.2.0',
    );
  return { session, image };
}

/** The sign-on the hub needs, the groups it lets in, and its URL for the redirect; the platform's sign-on. */
function checkAccess(v: Validator, given: WorkspaceProps, url: string | undefined, team: WorkspaceTeam): SsoRef | undefined {
  const sso = team.platform.sso;
  v.check(
    sso !== undefined,
    'workspace',
    given,
    "needs the platform's single sign-on: without it the hub would have nobody to ask who a user is (JupyterHub's default lets anyone in with any password)",
    "add sso: { issuerUrl: https://login.example.com/realms/modelplane } (your issuer) to the platform file, or the platform's own Keycloak (docs/cookbook/sso.md)",
  );
  v.check(
    team.editorGroups.length > 0,
    'workspace',
    given,
    "lets the members of the team's editorGroups sign in, and the team has none: nobody could use the hub",
    "add the team's group from your identity provider to editorGroups, e.g. editorGroups: [risk-editors]",
  );
  if (sso !== undefined)
    v.check(
      url !== undefined,
      'workspace.url',
      given.url,
      'is required with single sign-on: the issuer sends users back to <url>/hub/oauth_callback',
      'set url: https://<team>.notebooks.example.com',
    );
  return sso;
}

function checkUrl(v: Validator, url: unknown): string | undefined {
  if (url === undefined) return undefined;
  const bad = ssoUrlProblem(url);
  if (!v.check(bad === undefined, 'workspace.url', url, bad?.problem ?? '', bad?.fix ?? '')) return undefined;
  const path = new URL(url as string).pathname.replace(/\/+$/, '');
  if (
    !v.check(
      path === '',
      'workspace.url',
      url,
      'has a path: the hub is served at the root of its host',
      `write the host alone, e.g. "${new URL(url as string).origin}"`,
    )
  )
    return undefined;
  return (url as string).replace(/\/+$/, '');
}

function checkNames(v: Validator, field: string, names: unknown, example: string): void {
  if (!v.check(Array.isArray(names), field, names, 'must be a list of namespaces', `write ${field.split('.').pop()}: [${example}]`)) return;
  (names as unknown[]).forEach((n, i) => checkName(v, `${field}[${i}]`, n));
}

function checkStorage(v: Validator, given: WorkspaceStorage | undefined, size: string, team: WorkspaceTeam): void {
  if (given !== undefined && !v.check(isRecord(given), 'workspace.storage', given, 'must be a map', 'write storage: { size: 10Gi }'))
    return;
  if (!checkQuantity(v, 'workspace.storage.size', size, '10Gi', 'bytes')) return;
  if (given?.storageClass !== undefined) checkName(v, 'workspace.storage.storageClass', given.storageClass, 253);
  const total = team.quota.storage;
  if (total !== undefined && compareQuantities(size, total) > 0)
    v.fail(
      'workspace.storage.size',
      size,
      `is more than the team's whole storage quota (quota.storage: ${total}): no user's volume could be created`,
      `lower workspace.storage.size, or raise quota.storage`,
    );
}

function resolveProfiles(
  v: Validator,
  given: readonly WorkspaceProfile[] | undefined,
  image: string,
  team: WorkspaceTeam,
): ResolvedProfile[] {
  const list = given ?? [{ name: 'default' }];
  if (
    !v.check(
      Array.isArray(list) && list.length > 0,
      'workspace.profiles',
      given,
      'must be a non-empty list',
      'write profiles: [{ name: small, cpu: "1", memory: 2Gi }]',
    )
  )
    return [];
  const out: ResolvedProfile[] = [];
  list.forEach((p, i) => {
    const r = resolveProfile(v, `workspace.profiles[${i}]`, p, image, team);
    if (r) out.push(r);
  });
  for (const d of duplicates(list.map((p) => String(isRecord(p) ? p.name : p))))
    v.fail('workspace.profiles', d, 'names two profiles the same', 'give each profile its own name');
  const defaults = out.filter((p) => p.default);
  if (defaults.length > 1)
    v.fail(
      'workspace.profiles',
      defaults.map((p) => p.name),
      'marks more than one profile default: true',
      'mark one profile default: true (or none: the first is the default)',
    );
  if (defaults.length === 0 && out.length > 0) out[0] = { ...out[0], default: true };
  return out;
}

function resolveProfile(v: Validator, f: string, p: WorkspaceProfile, image: string, team: WorkspaceTeam): ResolvedProfile | undefined {
  if (!v.check(isRecord(p), f, p, 'must be a map', 'write { name: small, cpu: "1", memory: 2Gi }')) return undefined;
  let ok = checkName(v, `${f}.name`, p.name, 40);
  const cpu = p.cpu ?? '1';
  const memory = p.memory ?? '2Gi';
  ok = checkQuantity(v, `${f}.cpu`, cpu, '1', 'cpu') && ok;
  ok = checkQuantity(v, `${f}.memory`, memory, '2Gi', 'bytes') && ok;
  if (ok) ok = fitsQuota(v, f, cpu, memory, team) && ok;
  const gpus = p.gpus ?? 0;
  const pool = checkGpus(v, f, p, gpus, team);
  ok = (gpus === 0 || pool !== undefined) && ok;
  if (p.image !== undefined) ok = checkImage(v, `${f}.image`, p.image) && ok;
  if (p.default !== undefined)
    ok = v.check(typeof p.default === 'boolean', `${f}.default`, p.default, 'must be true or false', 'write default: true') && ok;
  if (p.description !== undefined)
    ok =
      v.check(
        typeof p.description === 'string',
        `${f}.description`,
        p.description,
        'must be text',
        'write description: "For model training"',
      ) && ok;
  if (!ok) return undefined;
  const described = `${cpu} CPU, ${memory} memory${gpus > 0 ? `, ${gpus} GPU${gpus > 1 ? 's' : ''} on pool ${pool!.name}` : ''}`;
  return {
    name: p.name,
    description: p.description ?? described,
    cpu,
    memory,
    gpus,
    ...(pool ? { pool } : {}),
    image: p.image ?? image,
    default: p.default ?? false,
  };
}

/** A session of the profile must fit the team's quota on its own (its CPU limit is twice the request, but quotas count requests). */
function fitsQuota(v: Validator, f: string, cpu: string, memory: string, team: WorkspaceTeam): boolean {
  let ok = v.check(
    compareQuantities(cpu, team.quota.cpu) <= 0,
    `${f}.cpu`,
    cpu,
    `is more than the team's whole CPU quota (quota.cpu: ${team.quota.cpu}): no session of this profile could start`,
    `lower ${f}.cpu, or raise quota.cpu`,
  );
  ok =
    v.check(
      compareQuantities(memory, team.quota.memory) <= 0,
      `${f}.memory`,
      memory,
      `is more than the team's whole memory quota (quota.memory: ${team.quota.memory}): no session of this profile could start`,
      `lower ${f}.memory, or raise quota.memory`,
    ) && ok;
  return ok;
}

/** The pool a GPU profile runs on, checked: whole GPUs, within the quota and the pool. Undefined for CPU profiles or on a problem. */
function checkGpus(v: Validator, f: string, p: WorkspaceProfile, gpus: number, team: WorkspaceTeam): GpuPoolSpec | undefined {
  if (!v.check(Number.isInteger(gpus) && gpus >= 0, `${f}.gpus`, gpus, 'must be a whole number, 0 or more', 'write gpus: 1'))
    return undefined;
  const pools = team.platform.gpuPools;
  if (gpus === 0) {
    if (p.gpuPool !== undefined)
      v.fail(`${f}.gpuPool`, p.gpuPool, 'is set on a profile without GPUs', `set ${f}.gpus: 1, or remove gpuPool`);
    return undefined;
  }
  if (
    !v.check(
      gpus <= team.quota.gpus,
      `${f}.gpus`,
      gpus,
      `is more than the team's GPU quota (quota.gpus: ${team.quota.gpus}): no session of this profile could start`,
      `raise the team's quota.gpus to at least ${gpus}, or lower ${f}.gpus`,
    )
  )
    return undefined;
  const names = pools.map((x) => x.name);
  const name = p.gpuPool ?? (pools.length === 1 ? pools[0].name : undefined);
  const pool = pools.find((x) => x.name === name);
  if (pool === undefined) {
    v.fail(
      `${f}.gpuPool`,
      p.gpuPool,
      pools.length === 0
        ? 'names no pool, and the platform has no GPU pools'
        : p.gpuPool === undefined
          ? 'is required: the platform has several GPU pools'
          : 'is not a GPU pool of the platform',
      pools.length === 0
        ? "add a pool to the platform file's gpuPools, or set gpus: 0"
        : `write gpuPool: ${names[0]} (the platform's pools are ${names.join(', ')})`,
    );
    return undefined;
  }
  return checkGpusFit(v, `${f}.gpus`, gpus, pool) ? pool : undefined;
}
