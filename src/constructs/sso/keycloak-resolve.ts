/**
 * The `sso.keycloak` form: Keycloak installed by the platform in its namespace, with the realm `modelplane`
 * and one client per consumer. {@link resolveKeycloak} is pure: every problem at once, or the resolved
 * Keycloak (what {@link Keycloak} renders) and the {@link SsoRef} the platform's workloads sign in through.
 */
import { Validator } from '../../core/errors';
import { standardLabels, selectorLabels } from '../../core/labels';
import { cidrProblem, isEveryAddress } from '../../core/network';
import { duplicates, isRecord } from '../../core/records';
import type { ResourceSpec } from '../../core/security';
import { SSO_CLIENT_SECRET_KEY, SsoRef } from '../../core/sso';
import { checkImage, checkName, checkResourceSpec, checkWholeNumber } from '../../core/validate';
import type { GeneratedSecret } from '../mlflow/secret-bootstrap';
import { KEYCLOAK_VERSION } from './keycloak-version';
import { RealmClient, realmClients, SSO_REALM, SsoConsumer } from './keycloak-realm';
import { ssoUrlProblem } from './sso-url';

/** The image of the platform's Keycloak: the release the SSO tier runs from Maven Central. */
export const KEYCLOAK_IMAGE = `quay.io/keycloak/keycloak:${KEYCLOAK_VERSION}`;
/** Keycloak's HTTP port (TLS ends at the Ingress). */
export const KEYCLOAK_HTTP_PORT = 8080;
/** Keycloak's management port (health). */
export const KEYCLOAK_MANAGEMENT_PORT = 9000;
/** The ports of Keycloak's cluster traffic between its replicas (JGroups over jdbc-ping, and its failure detection). */
export const KEYCLOAK_CLUSTER_PORTS: readonly number[] = [7800, 57800];
/** The user of Keycloak's image. */
export const KEYCLOAK_UID = 1000;

/** Keycloak's database: a Secret the operator provides, and where Keycloak's pods reach the database. */
export interface KeycloakDatabaseProps {
  /** The Secret, in the platform namespace, holding the JDBC URL, the user and the password. */
  readonly secret: string;
  /** The database vendor (Keycloak's `db` option). @default "postgres" */
  readonly vendor?: 'postgres' | 'mysql' | 'mariadb' | 'mssql' | 'oracle';
  /** The Secret's key with the JDBC URL, e.g. `jdbc:postgresql://db.example.com:5432/keycloak`. @default "url" */
  readonly urlKey?: string;
  /** The Secret's key with the user. @default "username" */
  readonly usernameKey?: string;
  /** The Secret's key with the password. @default "password" */
  readonly passwordKey?: string;
  /** The database's addresses, opened in Keycloak's egress (never every address). */
  readonly cidrs: readonly string[];
  /** The database's port. @default 5432 */
  readonly port?: number;
}

/**
 * Where browsers reach the platform's applications that sign in through Keycloak: each gets a client with its
 * callback. (Each team's JupyterHub gets its client `jupyterhub-<team>` from the team's `workspace.url`.)
 */
export interface KeycloakClientsProps {
  /** MLflow behind its authenticating proxy: client `mlflow`, redirect `<url>/oauth2/callback`. @default - no MLflow client */
  readonly mlflow?: string;
  /** The Airflow UI: client `airflow`, redirect `<url>/auth/oauth-authorized/keycloak`. @default - no Airflow client */
  readonly airflow?: string;
}

/** Keycloak installed by the platform. */
export interface KeycloakProps {
  /** Keycloak's public URL, which browsers open and tokens name (`<url>/realms/modelplane` is the issuer), e.g. `https://sso.example.com`. */
  readonly url: string;
  /** The database (Keycloak keeps its users and sessions there). */
  readonly database: KeycloakDatabaseProps;
  /** The consumers' URLs: one client each. @default - none */
  readonly clients?: KeycloakClientsProps;
  /** The IngressClass of an Ingress for `url`'s host (TLS ends there). @default - no Ingress */
  readonly ingressClassName?: string;
  /** The namespaces whose pods reach Keycloak's HTTP port from outside the platform: the ingress controller's. @default [] */
  readonly ingressNamespaces?: readonly string[];
  /** Replicas (they form one cluster over the database). @default 2 */
  readonly replicas?: number;
  /** Requests and limits. @default { cpu: "500m", memory: "1536Mi" } */
  readonly resources?: ResourceSpec;
  /** Image. @default {@link KEYCLOAK_IMAGE} */
  readonly image?: string;
}

/** Keycloak as plain data: what the construct renders. */
export interface ResolvedKeycloak {
  /** Object name: `keycloak`. */
  readonly name: string;
  /** The platform namespace. */
  readonly namespace: string;
  /** Every label. */
  readonly labels: Record<string, string>;
  /** The selector labels. */
  readonly podLabels: Record<string, string>;
  /** The public URL, without a trailing slash. */
  readonly url: string;
  /** Image. */
  readonly image: string;
  /** Replicas. */
  readonly replicas: number;
  /** Requests and limits. */
  readonly resources: ResourceSpec;
  /** The database, every default filled in. */
  readonly database: Required<KeycloakDatabaseProps>;
  /** The IngressClass. @default - no Ingress */
  readonly ingressClassName?: string;
  /** The namespaces allowed in on the HTTP port besides the clients'. */
  readonly ingressNamespaces: readonly string[];
  /** The namespaces of the clients' pods, which call the token endpoint (team namespaces are allowed by label). */
  readonly clientNamespaces: readonly string[];
  /** The realm's clients. */
  readonly clients: readonly RealmClient[];
  /** The realm's groups. */
  readonly groups: readonly string[];
  /** The claim of the groups mapper. */
  readonly groupsClaim: string;
}

/** What the platform gives {@link resolveKeycloak} beside the props. */
export interface KeycloakContext {
  /** The platform namespace (Keycloak's). */
  readonly namespace: string;
  /**
   * The teams: their editor groups are the realm's groups, and each team with a workspace (its hub's URL,
   * `workspace.url`) gets a JupyterHub client.
   */
  readonly teams: readonly { readonly name: string; readonly editorGroups: readonly string[]; readonly hubUrl?: string }[];
  /** Airflow's namespace (the Airflow UI's client Secret goes there). */
  readonly airflowNamespace: string;
  /** The groups claim of the `sso` section (the realm's mapper writes it). */
  readonly groupsClaim: string;
  /** The username claim of the `sso` section. */
  readonly usernameClaim: string;
  /** The scopes of the `sso` section. */
  readonly scopes: readonly string[];
}

/** The consumers: a JupyterHub per team with a workspace (at its hub's URL), MLflow and Airflow from `clients`. Pure. */
export function ssoConsumers(
  clients: KeycloakClientsProps,
  teams: readonly { readonly name: string; readonly hubUrl?: string }[],
): SsoConsumer[] {
  const out: SsoConsumer[] = [];
  for (const t of teams)
    if (t.hubUrl !== undefined) out.push({ application: 'jupyterhub', team: t.name, url: t.hubUrl.replace(/\/+$/, '') });
  if (clients.mlflow !== undefined) out.push({ application: 'mlflow', url: clients.mlflow });
  if (clients.airflow !== undefined) out.push({ application: 'airflow', url: clients.airflow });
  return out;
}

/** Keycloak's in-cluster base URL, which the clients' pods call (token, userinfo, keys). */
export function keycloakServiceUrl(namespace: string): string {
  return `http://keycloak.${namespace}.svc.cluster.local:${KEYCLOAK_HTTP_PORT}`;
}

/** The issuer and endpoints of the platform's Keycloak: browsers at the public URL, pods at the Service. */
export function keycloakSsoRef(k: ResolvedKeycloak, ctx: Pick<KeycloakContext, 'groupsClaim' | 'usernameClaim' | 'scopes'>): SsoRef {
  const pub = `${k.url}/realms/${SSO_REALM}`;
  const internal = `${keycloakServiceUrl(k.namespace)}/realms/${SSO_REALM}/protocol/openid-connect`;
  return {
    issuerUrl: pub,
    authorizeUrl: `${pub}/protocol/openid-connect/auth`,
    tokenUrl: `${internal}/token`,
    userinfoUrl: `${internal}/userinfo`,
    jwksUrl: `${internal}/certs`,
    scopes: [...ctx.scopes],
    groupsClaim: ctx.groupsClaim,
    usernameClaim: ctx.usernameClaim,
    egress: { kind: 'in-cluster', namespace: k.namespace, podLabels: k.podLabels, port: KEYCLOAK_HTTP_PORT },
  };
}

/** The Secrets the secret-bootstrap Job generates for the clients: Keycloak's, then each consumer's copy. */
export function keycloakGeneratedSecrets(k: ResolvedKeycloak, airflowNamespace: string): GeneratedSecret[] {
  const own = k.clients.map((c) => ({ name: c.keycloakSecret, keys: [SSO_CLIENT_SECRET_KEY] }));
  const copies = k.clients.map((c) => ({
    name: `modelplane-sso-${c.application}`,
    namespace: c.team ?? (c.application === 'airflow' ? airflowNamespace : k.namespace),
    keys: [SSO_CLIENT_SECRET_KEY],
    copies: { [SSO_CLIENT_SECRET_KEY]: { secret: c.keycloakSecret, key: SSO_CLIENT_SECRET_KEY } },
  }));
  return [...own, ...copies];
}

const VENDORS = ['postgres', 'mysql', 'mariadb', 'mssql', 'oracle'];

/** Checks a URL field. */
function checkUrl(v: Validator, field: string, value: unknown): boolean {
  const bad = ssoUrlProblem(value);
  return v.check(bad === undefined, field, value, bad?.problem ?? '', bad?.fix ?? '');
}

/**
 * Checks and defaults `sso.keycloak` (fields under `keycloak.`) into `v`; returns the resolved Keycloak when
 * its own fields passed.
 */
export function resolveKeycloak(v: Validator, props: KeycloakProps, ctx: KeycloakContext): ResolvedKeycloak | undefined {
  const f = (name: string) => `keycloak.${name}`;
  const before = v.found.length;
  if (
    !v.check(
      isRecord(props),
      'keycloak',
      props,
      'must be a map',
      'write keycloak: { url: https://sso.example.com, database: { secret: keycloak-db, cidrs: [10.20.0.5/32] } }',
    )
  )
    return undefined;
  const urlOk = checkUrl(v, f('url'), props.url);
  if (urlOk)
    v.check(
      new URL(props.url).pathname.replace(/\/+$/, '') === '',
      f('url'),
      props.url,
      'has a path: Keycloak serves its realms at the root of its host',
      `write the host alone, e.g. "${new URL(props.url).origin}"`,
    );
  const image = props.image ?? KEYCLOAK_IMAGE;
  checkImage(v, f('image'), image);
  const replicas = props.replicas ?? 2;
  checkWholeNumber(v, f('replicas'), replicas, { min: 1, example: 'replicas: 2' });
  const resources = props.resources ?? { cpu: '500m', memory: '1536Mi' };
  checkResourceSpec(v, f('resources'), resources, { cpu: '500m', memory: '1536Mi' });
  const ingressNamespaces = checkIngress(v, props);
  const db = checkDatabase(v, props.database);
  const clients = checkClients(v, props.clients ?? {});
  if (v.found.length > before) return undefined;
  const url = props.url.replace(/\/+$/, '');
  const info = { name: 'keycloak', instance: 'keycloak', component: 'sso' };
  const consumers = ssoConsumers(clients, ctx.teams);
  return {
    name: 'keycloak',
    namespace: ctx.namespace,
    labels: standardLabels({ ...info, version: image.split(':').pop() }),
    podLabels: selectorLabels(info),
    url,
    image,
    replicas,
    resources,
    database: db!,
    ...(props.ingressClassName !== undefined ? { ingressClassName: props.ingressClassName } : {}),
    ingressNamespaces: [...ingressNamespaces],
    clientNamespaces: [...new Set([ctx.namespace, ...(clients.airflow !== undefined ? [ctx.airflowNamespace] : [])])].sort(),
    clients: realmClients(consumers),
    groups: [...new Set(ctx.teams.flatMap((t) => t.editorGroups))].sort(),
    groupsClaim: ctx.groupsClaim,
  };
}

/** Checks the Ingress settings; returns the ingress namespaces. */
function checkIngress(v: Validator, props: KeycloakProps): readonly string[] {
  const f = (name: string) => `keycloak.${name}`;
  if (props.ingressClassName !== undefined) checkName(v, f('ingressClassName'), props.ingressClassName, 253);
  const ingressNamespaces = props.ingressNamespaces ?? [];
  if (
    v.check(
      Array.isArray(ingressNamespaces),
      f('ingressNamespaces'),
      ingressNamespaces,
      'must be a list of namespaces',
      'write e.g. [ingress-nginx]',
    )
  )
    ingressNamespaces.forEach((n, i) => checkName(v, f(`ingressNamespaces[${i}]`), n));
  if (props.ingressClassName !== undefined)
    v.check(
      ingressNamespaces.length > 0,
      f('ingressNamespaces'),
      ingressNamespaces,
      "is empty: the Ingress's controller could not reach Keycloak through its default-deny NetworkPolicy",
      "list the ingress controller's namespace, e.g. ingressNamespaces: [ingress-nginx]",
    );
  return Array.isArray(ingressNamespaces) ? ingressNamespaces : [];
}

/** Checks the consumers' URLs: each an https URL (a loopback http one). */
function checkClients(v: Validator, clients: KeycloakClientsProps): KeycloakClientsProps {
  const f = (name: string) => `keycloak.${name}`;
  if (
    v.check(
      isRecord(clients),
      f('clients'),
      clients,
      'must be a map of URLs',
      'write e.g. clients: { mlflow: "https://mlflow.example.com" }',
    )
  )
    for (const app of ['mlflow', 'airflow'] as const) {
      const url = clients[app];
      if (url === undefined) continue;
      const bad = ssoUrlProblem(url);
      v.check(bad === undefined, f(`clients.${app}`), url, bad?.problem ?? '', bad?.fix ?? '');
    }
  return isRecord(clients) ? clients : {};
}

function checkDatabase(v: Validator, db: KeycloakDatabaseProps | undefined): Required<KeycloakDatabaseProps> | undefined {
  const f = (name: string) => `keycloak.database.${name}`;
  const example = 'write database: { secret: keycloak-db, cidrs: ["10.20.0.5/32"] } (a Secret with keys url, username, password)';
  if (!v.check(isRecord(db), 'keycloak.database', db, 'is required: Keycloak keeps its users and sessions in a database', example))
    return undefined;
  const d = db!;
  let ok = checkName(v, f('secret'), d.secret, 253);
  const vendor = d.vendor ?? 'postgres';
  ok =
    v.check(VENDORS.includes(vendor), f('vendor'), vendor, 'is not a database Keycloak supports', `use one of ${VENDORS.join(', ')}`) && ok;
  const keys = { urlKey: d.urlKey ?? 'url', usernameKey: d.usernameKey ?? 'username', passwordKey: d.passwordKey ?? 'password' };
  for (const [k, key] of Object.entries(keys))
    ok = v.check(typeof key === 'string' && /^[-._a-zA-Z0-9]+$/.test(key), f(k), key, 'is not a Secret key', 'write e.g. "password"') && ok;
  const cidrs = d.cidrs;
  if (
    v.check(
      Array.isArray(cidrs) && cidrs.length > 0,
      f('cidrs'),
      cidrs,
      "must list the database's addresses",
      'write e.g. cidrs: ["10.20.0.5/32"]',
    )
  ) {
    cidrs.forEach((c, i) => {
      const bad =
        cidrProblem(c) ??
        (isEveryAddress(c)
          ? {
              problem: "is every address: it reopens Keycloak's default-deny egress to the whole internet",
              fix: 'list the database\'s own address, e.g. "10.20.0.5/32"',
            }
          : undefined);
      if (bad) ok = v.check(false, f(`cidrs[${i}]`), c, bad.problem, bad.fix);
    });
    for (const dup of duplicates(cidrs.map(String)))
      ok = v.check(false, f('cidrs'), dup, 'names the same CIDR twice', 'list each CIDR once');
  } else ok = false;
  const port = d.port ?? 5432;
  ok = checkWholeNumber(v, f('port'), port, { min: 1, max: 65535, example: 'port: 5432' }) && ok;
  return ok ? { secret: d.secret, vendor, ...keys, cidrs: [...cidrs], port } : undefined;
}
