/**
 * The platform's props and their resolution. {@link resolvePlatform} checks the platform's own fields
 * and resolves every part (each GPU pool, the MLflow server with its embedded stores, each team space)
 * with the part's own resolve function, so that every problem of every part is reported at once, each
 * marked with where the part's props sit in the PlatformProps (`within`, e.g. `teams[2]`).
 */
import { SSO_CLIENT_SECRET_KEY, ssoClient } from '../../core/sso';
import { ssoUrlProblem } from '../sso/sso-url';
import { ChartProps } from 'cdk8s';
import {
  ApiServerRef,
  checkTeamNamespace,
  DEFAULT_API_SERVER,
  DEFAULT_PLATFORM_NAMESPACE,
  KUBERNETES_NAMESPACES,
  platformContext,
  PlatformContext,
  PlatformContextOverrides,
} from '../../core/context';
import { Resolution, Validator } from '../../core/errors';
import { checkApiServer } from '../../core/network';
import { duplicates, isRecord } from '../../core/records';
import { checkName, dnsSubdomainProblem } from '../../core/validate';
import { GpuNodePoolProps, ResolvedGpuNodePool, resolveGpuNodePool } from '../gpu-node-pool';
import { MlflowServerProps, ResolvedMlflowServer, resolveMlflowServer } from '../mlflow/mlflow-server';
import { ObjectStoreProvisioning, objectStoreProvisioning } from '../mlflow/object-store-provision';
import { GeneratedSecret, resolveSecretBootstrap } from '../mlflow/secret-bootstrap';
import { resolveTeamSpace, TeamSpaceProps } from '../team-space';
import { ResolvedSso, resolveSso, SsoProps } from '../sso/sso-resolve';
import type { SsoRef } from '../../core/sso';
import { keycloakGeneratedSecrets, ResolvedKeycloak } from '../sso/keycloak-resolve';
import { COOKIE_SECRET_KEY, MLFLOW_PROXY_COOKIE_SECRET, MlflowProxySpec, mlflowProxySpec } from '../sso/mlflow-proxy';
import {
  ENVOY_GATEWAY_DEFAULTS,
  HelmChartRef,
  KSERVE_DEFAULTS,
  isAddOnName,
  installedAddOns,
  operatorNamespaces,
  OperatorOverrides,
  PlatformOperators,
  resolveOperators,
  ADD_ONS,
  AddOnName,
  operatorProvidedObjects,
  resolvedAddOns,
} from './operators';
import { isClusterScoped, ObjectRef, Prerequisite, ProvidedObject, REFERENCED_KINDS, refKey } from '../../core/references';

/** A team of the platform. */
export type PlatformTeamProps = Omit<TeamSpaceProps, 'platform'>;

/** A GPU pool of the platform; `name` is required here. */
export interface PlatformGpuPoolProps extends GpuNodePoolProps {
  /** Pool name. */
  readonly name: string;
}

/** Properties of a {@link Platform}. */
export interface PlatformProps extends ChartProps {
  /** Namespace of the platform's own services. @default "modelplane-system" */
  readonly platformNamespace?: string;
  /** The MLflow server. @default - in-cluster PostgreSQL and object store (versitygw), 2 replicas */
  readonly mlflow?: Omit<MlflowServerProps, 'namespace'>;
  /** Teams. Each gets a namespace and its own chart `team-<name>`. @default [] */
  readonly teams?: readonly PlatformTeamProps[];
  /** GPU node pools. @default [] */
  readonly gpuPools?: readonly PlatformGpuPoolProps[];
  /** Operators. @default - see {@link PlatformOperators} */
  readonly operators?: PlatformOperators;
  /** Namespace of Prometheus. @default "monitoring" */
  readonly monitoringNamespace?: string;
  /**
   * Where pods reach the Kubernetes API server: the addresses and ports of its endpoints as
   * NetworkPolicy sees them (after the `kubernetes` Service's DNAT, so not its ClusterIP). The Spark
   * drivers of every team and the secret-bootstrap Job may reach these and nothing else on those
   * ports. Read them with `kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes`
   * and set them: synthesis cannot know them, and the default (the private ranges 10.0.0.0/8,
   * 172.16.0.0/12 and 192.168.0.0/16 on 443 and 6443) still allows any private address on those
   * ports, and does not reach a public endpoint (public GKE or AKS clusters).
   * @default - `DEFAULT_API_SERVER` (core/context.ts): the private address ranges on 443 and 6443
   */
  readonly apiServer?: Partial<ApiServerRef>;
  /**
   * Objects the platform's workloads need that neither the output, the platform's constructs nor its
   * operators create: the operator provides them before applying the output (`modelplane prerequisites`
   * prints how). Synthesis fails on any reference to an object that is none of these.
   * @example [{ kind: 'Secret', namespace: 'risk', name: 'warehouse-credentials', keys: ['password'] }]
   * @default []
   */
  readonly prerequisites?: readonly Prerequisite[];
  /**
   * Single sign-on: the OIDC issuer the teams' notebooks, MLflow's proxy and the Airflow UI sign users in
   * through, its groups claim matched against each team's `editorGroups`.
   * @default - no single sign-on
   */
  readonly sso?: SsoProps;
}

/** The platform as plain data: the props of every part as the platform creates it, its context and its operators. */
export interface ResolvedPlatform {
  /** Namespace of the platform's own services. */
  readonly namespace: string;
  /** The GPU pools, each created as `gpu-<name>`. */
  readonly gpuPools: readonly PlatformGpuPoolProps[];
  /** The MLflow server's props: the `mlflow` section with the platform's namespaces. */
  readonly mlflow: MlflowServerProps;
  /** The embedded stores' Secrets the bootstrap Job generates (none with external stores). */
  readonly generatedSecrets: readonly GeneratedSecret[];
  /**
   * The embedded object store's provisioning (buckets, one user and Secret per team, bucket policies), run by
   * the bootstrap Job. @default - none: the artifact store is external
   */
  readonly objectStore?: ObjectStoreProvisioning;
  /** Facts model workloads need. */
  readonly context: PlatformContext;
  /** The team spaces' props, each with the platform's context. */
  readonly teams: readonly TeamSpaceProps[];
  /** Operators to install, in installation order. */
  readonly operators: readonly HelmChartRef[];
  /** The enabled add-ons by name, each with its charts, in installation order. */
  readonly addOns: readonly { readonly name: AddOnName; readonly charts: readonly HelmChartRef[] }[];
  /** What the operators make exist in the cluster (their CRDs, the objects they create). */
  readonly operatorObjects: readonly ProvidedObject[];
  /**
   * The declared prerequisites, the Secrets the MLflow settings name, and with an external object store
   * each team's object-store Secret (see {@link teamStorePrerequisites}).
   */
  readonly prerequisites: readonly Prerequisite[];
  /** Airflow's namespace when the platform installs Airflow (the output creates it). */
  readonly airflowNamespace?: string;
  /** Whether the platform writes the GatewayClass and Gateway `modelplane` (Envoy Gateway enabled). */
  readonly gateway: boolean;
  /** The platform's Keycloak (`sso.keycloak`). @default - none */
  readonly keycloak?: ResolvedKeycloak;
  /** The authenticating proxy in front of MLflow (`sso.keycloak.clients.mlflow`). @default - none */
  readonly mlflowProxy?: MlflowProxySpec;
  /**
   * The KServe version whose storage initializer the platform writes as the ClusterStorageContainer `default`
   * (KServe enabled; see kserveStorageContainer). @default - none: KServe is not installed
   */
  readonly kserveVersion?: string;
}

/** The version of the KServe release when the platform installs KServe (the storage initializer's image follows it). */
function kserveVersionOf(addOns: ResolvedPlatform['addOns']): Pick<ResolvedPlatform, 'kserveVersion'> {
  const kserve = addOns.find((a) => a.name === 'kserve')?.charts.find((c) => c.releaseName === KSERVE_DEFAULTS.releaseName);
  return kserve ? { kserveVersion: kserve.version } : {};
}

/**
 * Fields of a part that the platform checks as its own (a team's name is `teams[i].name`, checked with
 * the reserved namespaces) or sets itself (MLflow's namespaces are the platform's): the part reports the
 * same problem again, so its issue is left out.
 */
const CHECKED_BY_PLATFORM = {
  team: ['name'],
  gpuPool: ['name'],
  mlflow: ['namespace', 'monitoringNamespace'],
  secretBootstrap: ['namespace'],
} as const;

/** Checks and defaults the props of a {@link Platform} and of every part: the resolved platform, or every problem at once. */
export function resolvePlatform(id: string, props: PlatformProps = {}): Resolution<ResolvedPlatform> {
  const v = new Validator('Platform', id);
  const ns = props.platformNamespace ?? DEFAULT_PLATFORM_NAMESPACE;
  if (checkName(v, 'platformNamespace', ns)) checkPlatformNamespace(v, ns);
  const apiServer = checkApiServer(v, 'apiServer', props.apiServer);
  const teams = listOf(v, 'teams', props.teams, 'write teams: [{ name: "risk" }]');
  checkTeamNames(v, teams, ns, props);
  const pools = listOf(v, 'gpuPools', props.gpuPools, 'write gpuPools: [{ name: "gpu" }]');
  pools.forEach((p, i) => checkName(v, `gpuPools[${i}].name`, p.name, 50));
  for (const d of duplicates(pools.map((p) => p.name)))
    v.fail('gpuPools', d, 'names the same GPU pool twice', 'give each pool a unique name');
  const ops = props.operators ?? {};
  checkOperators(v, ops);
  const sso = resolveSsoPart(v, ns, teams, props);
  const parts = resolveParts(v, { ns, apiServer, pools, teams, sso: sso?.ref }, props);
  const declared = checkPrerequisites(v, props.prerequisites);
  return v.result(() => {
    const context = parts.context!;
    const proxy = sso?.keycloak ? mlflowProxyOf(sso.keycloak, context, parts.server!, teams) : undefined;
    const ctx = { teamNamespaces: teams.map((t) => t.name).sort(), platform: context };
    const installed = installedAddOns(ops);
    const addOns = resolvedAddOns(ops, ctx);
    return {
      addOns,
      operatorObjects: operatorProvidedObjects(ops, ctx),
      prerequisites: withoutRepeats([
        ...declared,
        ...namedSecrets(parts.server!, ns),
        ...teamStorePrerequisites(teams, context, parts.server!.artifacts.kind === 'embedded', declared),
        ...workspaceClientPrerequisites(teams, context, declared),
        ...(sso?.keycloak ? [keycloakDatabasePrerequisite(sso.keycloak)] : []),
      ]),
      ...(sso?.keycloak ? { keycloak: sso.keycloak } : {}),
      ...(proxy ? { mlflowProxy: proxy } : {}),
      airflowNamespace: installed.includes('airflow') ? parts.airflowNamespace : undefined,
      gateway: installed.includes('envoyGateway'),
      ...kserveVersionOf(addOns),
      namespace: ns,
      gpuPools: pools,
      mlflow: { ...parts.mlflow, clientNamespaces: [parts.airflowNamespace, ...(props.mlflow?.clientNamespaces ?? [])] },
      generatedSecrets: [
        ...parts.secrets,
        ...(sso?.keycloak ? keycloakGeneratedSecrets(sso.keycloak, parts.airflowNamespace) : []),
        ...(proxy ? [{ name: MLFLOW_PROXY_COOKIE_SECRET, keys: [COOKIE_SECRET_KEY] }] : []),
      ],
      ...(parts.objectStore ? { objectStore: parts.objectStore } : {}),
      context,
      teams: teams.map((t) => ({ ...t, platform: context })),
      operators: resolveOperators(ops, { teamNamespaces: teams.map((t) => t.name).sort(), platform: context }),
    };
  });
}

/** The `sso` section, resolved with the platform's namespace, teams (their editor groups) and Airflow's namespace. */
function resolveSsoPart(v: Validator, ns: string, teams: readonly PlatformTeamProps[], props: PlatformProps): ResolvedSso | undefined {
  if (props.sso === undefined) return undefined;
  const named = teams
    .filter((t) => typeof t.name === 'string' && t.name !== '')
    .map((t) => ({
      name: t.name,
      editorGroups: Array.isArray(t.editorGroups) ? t.editorGroups.filter((g) => typeof g === 'string') : [],
      // The team's hub gets a client at its URL (the URL itself is checked as the team's workspace.url).
      ...(isRecord(t.workspace) && typeof t.workspace.url === 'string' && ssoUrlProblem(t.workspace.url) === undefined
        ? { hubUrl: t.workspace.url }
        : {}),
    }));
  const airflowNamespace = props.operators?.airflow?.namespace ?? 'airflow';
  const airflowClient =
    isRecord(props.sso) && isRecord(props.sso.keycloak) && isRecord(props.sso.keycloak.clients)
      ? props.sso.keycloak.clients.airflow
      : undefined;
  const mlflowClient =
    isRecord(props.sso) && isRecord(props.sso.keycloak) && isRecord(props.sso.keycloak.clients)
      ? props.sso.keycloak.clients.mlflow
      : undefined;
  if (mlflowClient !== undefined && props.mlflow?.ingressHost !== undefined)
    v.fail(
      'mlflow.ingressHost',
      props.mlflow.ingressHost,
      'is an Ingress straight to MLflow, around the single sign-on proxy that sso.keycloak.clients.mlflow puts in front of it',
      "remove mlflow.ingressHost: with sso.keycloak.ingressClassName the proxy gets the Ingress for the mlflow client's host",
    );
  if (airflowClient !== undefined)
    v.check(
      installedAddOns(props.operators ?? {}).includes('airflow'),
      'sso.keycloak.clients.airflow',
      airflowClient,
      'is a client for the Airflow UI, but the platform does not install Airflow (operators.airflow.enabled is off)',
      'remove it, or set operators.airflow.enabled: true',
    );
  return resolvePart(v, 'sso', resolveSso('sso', props.sso, { namespace: ns, teams: named, airflowNamespace }), []);
}

/** The proxy in front of MLflow, when Keycloak has an `mlflow` client: every team's editor groups let in. */
function mlflowProxyOf(
  k: ResolvedKeycloak,
  context: PlatformContext,
  server: ResolvedMlflowServer,
  teams: readonly PlatformTeamProps[],
): MlflowProxySpec | undefined {
  const client = k.clients.find((c) => c.application === 'mlflow');
  if (!client) return undefined;
  return mlflowProxySpec({
    namespace: k.namespace,
    sso: context.sso!,
    url: client.url,
    upstream: server.trackingUri,
    mlflowPodLabels: server.podLabels,
    mlflowPort: context.mlflowPort,
    groups: teams.flatMap((t) => t.editorGroups ?? []),
    ingressNamespaces: k.ingressNamespaces,
    ...(k.ingressClassName ? { ingressClassName: k.ingressClassName } : {}),
  });
}

/** Keycloak's database Secret: the operator's, named by `sso.keycloak.database.secret`. */
function keycloakDatabasePrerequisite(k: ResolvedKeycloak): Prerequisite {
  const d = k.database;
  return {
    kind: 'Secret',
    namespace: k.namespace,
    name: d.secret,
    keys: [...new Set([d.urlKey, d.usernameKey, d.passwordKey])],
    description: `Keycloak's database (JDBC URL, user, password), named by \`sso.keycloak.database.secret\``,
  };
}

/** What the platform's parts resolve to. */
interface ResolvedParts {
  /** The `mlflow` section with the platform's namespaces, as checked. */
  readonly mlflow: MlflowServerProps;
  /** Airflow's namespace (MLflow's first client). */
  readonly airflowNamespace: string;
  /** The Secrets the bootstrap Job generates. */
  readonly secrets: readonly GeneratedSecret[];
  /** The embedded object store's provisioning. @default - none */
  readonly objectStore?: ObjectStoreProvisioning;
  /** The context, when the pools and the server resolved. */
  readonly context?: PlatformContext;
  /** The MLflow server, when it resolved. */
  readonly server?: ResolvedMlflowServer;
}

/** What the platform checked itself, which its parts are resolved with. */
interface PlatformOwn {
  /** The platform namespace. */
  readonly ns: string;
  /** Where pods reach the API server (the defaults when the setting is invalid). */
  readonly apiServer: ApiServerRef;
  /** The GPU pools' props. */
  readonly pools: readonly PlatformGpuPoolProps[];
  /** The teams' props. */
  readonly teams: readonly PlatformTeamProps[];
  /** The single sign-on issuer, when set and valid. @default - none */
  readonly sso?: SsoRef;
}

/**
 * Resolves each GPU pool, the MLflow server (with its stores and their generated Secrets) and each
 * team space, adding their issues as parts: at `gpuPools[i]`, `mlflow` and `teams[i]`.
 */
function resolveParts(v: Validator, own: PlatformOwn, props: PlatformProps): ResolvedParts {
  const { ns, apiServer, pools, teams } = own;
  const poolSpecs = pools.map((p, i) =>
    resolvePart(v, `gpuPools[${i}]`, resolveGpuNodePool(`gpu-${p.name}`, p), CHECKED_BY_PLATFORM.gpuPool),
  );
  const mlflow = { ...(props.mlflow ?? {}), namespace: ns, monitoringNamespace: props.monitoringNamespace ?? 'monitoring' };
  const server = resolvePart(v, 'mlflow', resolveMlflowServer('mlflow', mlflow), CHECKED_BY_PLATFORM.mlflow);
  const secrets = server ? generatedSecrets(server) : [];
  const objectStore = server ? provisioningOf(server, teams) : undefined;
  if (server?.artifacts.kind === 'embedded') checkNoTeamStores(v, teams);
  if (secrets.length > 0) {
    const bootstrap = resolveSecretBootstrap('secret-bootstrap', { namespace: ns, secrets, apiServer, objectStore });
    // The teams of the object-store provisioning are the platform's: their names are checked at teams[i].name.
    const own: Resolution<unknown> = { issues: bootstrap.issues.filter((i) => !i.field.startsWith('objectStore.teams')) };
    resolvePart(v, 'mlflow', own, CHECKED_BY_PLATFORM.secretBootstrap);
  }
  const airflowNamespace = props.operators?.airflow?.namespace ?? 'airflow';
  const resolvedPools = poolSpecs.filter((p): p is ResolvedGpuNodePool => p !== undefined);
  const context =
    server && resolvedPools.length === pools.length ? platformContextOf(own, airflowNamespace, server, resolvedPools, props) : undefined;
  // A team's checks do not depend on the rest of the context: while another part is invalid, the
  // platform's namespaces and API server with default names for the rest stand in.
  const teamContext = context ?? platformContext(namespacesOf(ns, props, apiServer));
  teams.forEach((t, i) => {
    // A team without a usable name (reported at teams[i].name) is still checked, under its position.
    const id = typeof t.name === 'string' && t.name !== '' ? t.name : `teams[${i}]`;
    const team = resolveTeamSpace(id, { ...t, platform: teamContext });
    resolvePart(v, `teams[${i}]`, team, CHECKED_BY_PLATFORM.team);
  });
  return { mlflow, airflowNamespace, secrets, context, server, ...(objectStore ? { objectStore } : {}) };
}

/** With the embedded object store, a team's `objectStore` (an external store's settings) has no effect: refused. */
function checkNoTeamStores(v: Validator, teams: readonly PlatformTeamProps[]): void {
  teams.forEach((t, i) => {
    if (t.objectStore === undefined) return;
    v.fail(
      `teams[${i}].objectStore`,
      t.objectStore,
      "is for an external object store; the embedded store creates the team's credentials itself (Secret modelplane-s3, confined to <team>/ in the team buckets)",
      'remove it, or set mlflow.artifactStore.s3 to use an external store',
    );
  });
}

/**
 * The embedded object store's provisioning: every team (its namespace is its name) owns `<team>/` in every
 * team bucket, with its own credentials in the Secret the model workloads read (`modelplane-s3`).
 */
function provisioningOf(server: ResolvedMlflowServer, teams: readonly PlatformTeamProps[]): ObjectStoreProvisioning | undefined {
  const a = server.artifacts;
  if (a.kind !== 'embedded') return undefined;
  const named = teams.filter((t) => typeof t.name === 'string' && t.name !== '');
  return objectStoreProvisioning(
    { endpoint: a.store.endpoint, rootSecret: a.store.rootUserSecret.name, bucket: a.store.bucket, teamBuckets: a.store.teamBuckets },
    named.map((t) => ({ name: t.name, namespace: t.name })),
    platformContext().objectStore.credentialsSecret,
  );
}

/** Adds a part's issues (but those the platform reports itself) at `within`; returns the part's spec, if it resolved. */
function resolvePart<T>(v: Validator, within: string, r: Resolution<T>, checked: readonly string[]): T | undefined {
  v.addPart(
    within,
    r.issues.filter((i) => !checked.includes(i.field)),
  );
  return r.spec;
}

/** The entries of a list prop (YAML and JavaScript callers can pass any shape), or none when it is no list of objects. */
function listOf<T>(v: Validator, field: string, value: readonly T[] | undefined, fix: string): readonly T[] {
  const list = value ?? [];
  const ok = v.check(Array.isArray(list) && list.every(isRecord), field, list, 'must be a list of objects', fix);
  return ok ? list : [];
}

/** The platform's namespaces (its own, Airflow's, monitoring's, the operators'), as context overrides. */
function namespacesOf(ns: string, props: PlatformProps, apiServer: ApiServerRef): PlatformContextOverrides {
  const ops: PlatformOperators = props.operators ?? {};
  return {
    platformNamespace: ns,
    airflow: { namespace: ops.airflow?.namespace ?? 'airflow' },
    monitoringNamespace: props.monitoringNamespace ?? 'monitoring',
    operatorNamespaces: operatorNamespaces(ops),
    installedOperators: installedAddOns(ops),
    // Envoy Gateway's proxies run in its namespace and forward routed traffic to the team's models.
    ...(installedAddOns(ops).includes('envoyGateway')
      ? { gatewayNamespace: ops.envoyGateway?.namespace ?? ENVOY_GATEWAY_DEFAULTS.namespace }
      : {}),
    apiServer,
  };
}

/**
 * Team names are namespaces: checked here so the error names the team's entry. A team namespace gets
 * default-deny policies, restricted Pod Security and the team's editors: it must never be a namespace
 * of Kubernetes, the platform or an operator (the one list of core/context.ts, which TeamSpace and
 * TeamModels check too).
 */
function checkTeamNames(v: Validator, teams: readonly PlatformTeamProps[], ns: string, props: PlatformProps): void {
  const names = teams.map((t) => t.name);
  names.forEach((t, i) => checkName(v, `teams[${i}].name`, t, 40));
  for (const d of duplicates(names)) v.fail('teams', d, 'names the same team twice', 'give each team one entry; merge their settings');
  if (props.monitoringNamespace !== undefined) checkName(v, 'monitoringNamespace', props.monitoringNamespace);
  const context = platformContext(namespacesOf(ns, props, DEFAULT_API_SERVER));
  names.forEach((t, i) => {
    if (typeof t === 'string') checkTeamNamespace(v, `teams[${i}].name`, t, context);
  });
}

/** The platform namespace gets default-deny policies and restricted Pod Security: never one of Kubernetes' own. */
function checkPlatformNamespace(v: Validator, ns: string): void {
  v.check(
    !ns.startsWith('kube-') && !KUBERNETES_NAMESPACES.includes(ns),
    'platformNamespace',
    ns,
    'is a namespace of Kubernetes itself: the platform would put its default-deny policy and restricted Pod Security there',
    'choose a namespace of its own, e.g. "modelplane-system" (the default)',
  );
}

/** An exact chart version such as `2.5.2` or `v0.20.0` (ranges and partial versions change under you). */
export function isExactVersion(value: unknown): boolean {
  return typeof value === 'string' && /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(value);
}

function checkOperators(v: Validator, ops: PlatformOperators): void {
  for (const [key, o] of Object.entries(ops) as [string, OperatorOverrides | undefined][]) {
    const known = isAddOnName(key);
    if (!v.check(known, `operators.${key}`, key, 'is not an operator modelplane installs', `use one of ${Object.keys(ADD_ONS).join(', ')}`))
      continue;
    const f = (name: string) => `operators.${key}.${name}`;
    if (o?.version !== undefined)
      v.check(
        isExactVersion(o.version),
        f('version'),
        o.version,
        'is not an exact chart version (ranges and partial versions change under you)',
        'pin an exact version such as "2.5.2"',
      );
    if (o?.namespace !== undefined) checkName(v, f('namespace'), o.namespace);
    if (o?.values !== undefined)
      v.check(isRecord(o.values), f('values'), o.values, 'must be a map of Helm values', 'write e.g. { replicas: 2 }');
  }
}

/** The embedded stores' Secrets, generated in the cluster by the bootstrap Job. */
function generatedSecrets(server: ResolvedMlflowServer): GeneratedSecret[] {
  const out: GeneratedSecret[] = [];
  if (server.backend.kind === 'embedded') out.push({ name: server.backend.postgres.passwordSecret.name, keys: ['password'] });
  if (server.artifacts.kind === 'embedded')
    out.push({ name: server.artifacts.store.rootUserSecret.name, keys: ['root-user=modelplane', 'root-password'] });
  return out;
}

function platformContextOf(
  own: PlatformOwn,
  airflowNamespace: string,
  server: ResolvedMlflowServer,
  pools: readonly ResolvedGpuNodePool[],
  props: PlatformProps,
): PlatformContext {
  const a = server.artifacts;
  return platformContext({
    ...namespacesOf(own.ns, props, own.apiServer),
    mlflowTrackingUri: server.trackingUri,
    mlflowPodLabels: server.podLabels,
    objectStore: a.kind === 'embedded' ? { endpoint: a.store.endpoint } : { endpoint: a.endpoint, region: a.region },
    airflow: { namespace: airflowNamespace },
    gpuPools: pools.map((p) => p.pool),
    ...(own.sso ? { sso: own.sso } : {}),
  });
}

/**
 * With an external object store, each team's object-store Secret is the cluster operator's to create: the
 * team's `objectStore.credentialsSecret`, or `modelplane-s3` (keys `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`), which its Spark drivers and executors and its deployment-backend models read.
 * With the embedded store the secret-bootstrap Job creates them (an {@link IObjectProvider}), so there are
 * none. One declared in the platform file replaces the entry.
 */
export function teamStorePrerequisites(
  teams: readonly PlatformTeamProps[],
  context: PlatformContext,
  embedded: boolean,
  declared: readonly ObjectRef[],
): Prerequisite[] {
  if (embedded) return [];
  const have = new Set(declared.map(refKey));
  return teams
    .filter((t) => typeof t.name === 'string' && t.name !== '')
    .map((t) => ({
      kind: 'Secret',
      namespace: t.name,
      name: t.objectStore?.credentialsSecret ?? context.objectStore.credentialsSecret,
      keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'],
      description: `object-store credentials of team ${t.name} for the external store (read by its Spark drivers and executors and its deployment-backend models)`,
    }))
    .sort((a, b) => a.namespace.localeCompare(b.namespace))
    .filter((p) => !have.has(refKey(p)));
}

/**
 * With an issuer of your own (`sso.issuerUrl`), the client secret of each team hub's OIDC client
 * (`jupyterhub-<team>`, registered at your issuer) is yours to put in the Secret `modelplane-sso-jupyterhub`
 * of the team's namespace, which the hub reads. (The platform's Keycloak generates them in the cluster.)
 */
export function workspaceClientPrerequisites(
  teams: readonly PlatformTeamProps[],
  context: PlatformContext,
  declared: readonly ObjectRef[],
): Prerequisite[] {
  if (context.sso === undefined || context.sso.egress.kind === 'in-cluster') return [];
  const have = new Set(declared.map(refKey));
  return teams
    .filter((t) => t.workspace !== undefined && typeof t.name === 'string' && t.name !== '')
    .map((t) => {
      const client = ssoClient('jupyterhub', t.name);
      return {
        kind: 'Secret',
        namespace: t.name,
        name: client.secretName,
        keys: [SSO_CLIENT_SECRET_KEY],
        description: `the client secret of OIDC client ${client.clientId} at your issuer (${context.sso!.issuerUrl}), read by team ${t.name}'s JupyterHub`,
      };
    })
    .sort((a, b) => a.namespace.localeCompare(b.namespace))
    .filter((p) => !have.has(refKey(p)));
}

/** The kinds a prerequisite may have. */
const PREREQUISITE_KINDS: readonly string[] = REFERENCED_KINDS;

/** Checks the `prerequisites` list: each a known kind, a valid name, a namespace exactly when the kind has one, no entry twice. */
function checkPrerequisites(v: Validator, given: readonly Prerequisite[] | undefined): Prerequisite[] {
  const list = listOf(v, 'prerequisites', given, 'write prerequisites: [{ kind: Secret, namespace: risk, name: warehouse-credentials }]');
  const ok: Prerequisite[] = [];
  list.forEach((p, i) => {
    const f = (k: string) => `prerequisites[${i}].${k}`;
    const known = v.check(
      PREREQUISITE_KINDS.includes(p.kind),
      f('kind'),
      p.kind,
      'is not a kind the reference check follows',
      `use one of ${PREREQUISITE_KINDS.join(', ')}`,
    );
    const problem = dnsSubdomainProblem(p.name);
    const named = v.check(
      problem === undefined,
      f('name'),
      p.name,
      problem ?? '',
      'write a Kubernetes name such as "warehouse-credentials"',
    );
    if (!known) return;
    const scoped = isClusterScoped(p.kind);
    const nsOk = scoped
      ? v.check(p.namespace === undefined, f('namespace'), p.namespace, `is set, but a ${p.kind} has no namespace`, 'remove `namespace`')
      : v.check(
          p.namespace !== undefined,
          f('namespace'),
          p.namespace,
          `is missing: a ${p.kind} lives in a namespace`,
          'write e.g. namespace: risk',
        ) && checkName(v, f('namespace'), p.namespace);
    if (p.keys !== undefined)
      v.check(
        Array.isArray(p.keys) && p.keys.every((k) => typeof k === 'string' && /^[-._a-zA-Z0-9]+$/.test(k)),
        f('keys'),
        p.keys,
        'must be a list of Secret or ConfigMap keys',
        'write e.g. keys: [username, password]',
      );
    if (named && nsOk) ok.push(scoped ? { ...p, namespace: undefined } : p);
  });
  for (const d of duplicates(ok.map(refKey))) v.fail('prerequisites', d, 'declares the same object twice', 'keep one entry per object');
  return ok;
}

/** The Secrets the `mlflow` section names by reference (external stores, basic auth): prerequisites by that very setting. */
export function namedSecrets(server: ResolvedMlflowServer, ns: string): Prerequisite[] {
  const out: Prerequisite[] = [];
  const add = (name: string, keys: readonly string[], field: string) =>
    out.push({ kind: 'Secret', namespace: ns, name, keys, description: `named by \`mlflow.${field}\`` });
  if (server.backend.kind === 'external')
    add(server.backend.uriSecret.name, [server.backend.uriSecret.key], 'backendStore.external.uriSecret');
  const a = server.artifacts;
  if (a.kind === 's3') {
    if (a.accessKeyId) add(a.accessKeyId.name, [a.accessKeyId.key], 'artifactStore.s3.accessKeyId');
    if (a.secretAccessKey) add(a.secretAccessKey.name, [a.secretAccessKey.key], 'artifactStore.s3.secretAccessKey');
  }
  if (server.basicAuthSecret) add(server.basicAuthSecret, ['basic_auth.ini', 'flask-secret-key'], 'basicAuthSecret');
  return out;
}

/** The first entry for each object, with the keys of all its entries. */
function withoutRepeats(list: readonly Prerequisite[]): Prerequisite[] {
  const by = new Map<string, Prerequisite>();
  for (const p of list) {
    const k = refKey(p);
    const had = by.get(k);
    by.set(k, had ? { ...had, keys: [...new Set([...(had.keys ?? []), ...(p.keys ?? [])])] } : p);
  }
  return [...by.values()];
}
