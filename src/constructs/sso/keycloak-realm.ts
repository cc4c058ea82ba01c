/**
 * The realm the platform's Keycloak imports (`--import-realm`), as plain data: realm `modelplane`, one
 * confidential OIDC client per consumer (`jupyterhub-<team>` per team, `mlflow` for the proxy in front of
 * MLflow, `airflow` for the Airflow UI), a groups mapper on each (flat group names, no path) and one group per
 * team editor group. No secret is in it: each client's secret is `${ENV_VAR}`, which Keycloak's import replaces
 * with the variable of its pod, taken from a Secret the secret-bootstrap Job generates in the cluster.
 */
import { SsoApplication, ssoClient } from '../../core/sso';

/** The realm's name: the issuer is `<url>/realms/modelplane`. */
export const SSO_REALM = 'modelplane';

/** An application that signs in through the platform's Keycloak, and where browsers reach it. */
export interface SsoConsumer {
  /** The application. */
  readonly application: SsoApplication;
  /** The team, for a team's JupyterHub. @default - none (MLflow, Airflow) */
  readonly team?: string;
  /** Its public base URL, e.g. `https://notebooks.example.com/risk` (no trailing slash). */
  readonly url: string;
}

/** A client of the realm, as the platform renders and wires it. */
export interface RealmClient {
  /** The OIDC `client_id`. */
  readonly clientId: string;
  /** The application it is for. */
  readonly application: SsoApplication;
  /** The team, for a team's JupyterHub. @default - none */
  readonly team?: string;
  /** Where the authorization code is sent back (the application's callback). */
  readonly redirectUri: string;
  /** The application's public base URL. */
  readonly url: string;
  /** The environment variable of Keycloak's pod holding the client secret (the realm says `${<env>}`). */
  readonly secretEnv: string;
  /** The Secret in Keycloak's namespace that holds it (key `client-secret`), generated in the cluster. */
  readonly keycloakSecret: string;
}

/** The callback path of each application under its base URL. */
const CALLBACKS: Readonly<Record<SsoApplication, string>> = {
  // JupyterHub's OAuthenticator: <base>/hub/oauth_callback.
  jupyterhub: '/hub/oauth_callback',
  // oauth2-proxy's default --redirect-url path.
  mlflow: '/oauth2/callback',
  // Flask-AppBuilder's OAuth view (Airflow's FAB auth manager) for the provider named `keycloak`.
  airflow: '/auth/oauth-authorized/keycloak',
};

/** The environment variable holding a client's secret in Keycloak's pod: `SSO_CLIENT_SECRET_<CLIENT_ID>`. */
export function clientSecretEnv(clientId: string): string {
  return `SSO_CLIENT_SECRET_${clientId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** The realm's clients for `consumers`, sorted by client id. Pure. */
export function realmClients(consumers: readonly SsoConsumer[]): RealmClient[] {
  return consumers
    .map((c) => {
      const { clientId } = ssoClient(c.application, c.team);
      const url = c.url.replace(/\/+$/, '');
      return {
        clientId,
        application: c.application,
        ...(c.team !== undefined ? { team: c.team } : {}),
        redirectUri: `${url}${CALLBACKS[c.application]}`,
        url,
        secretEnv: clientSecretEnv(clientId),
        keycloakSecret: `keycloak-client-${clientId}`,
      };
    })
    .sort((a, b) => a.clientId.localeCompare(b.clientId));
}

/** What the realm is made of. */
export interface RealmInput {
  /** The clients (see {@link realmClients}). */
  readonly clients: readonly RealmClient[];
  /** The groups: every team's editor groups, flat names. */
  readonly groups: readonly string[];
  /** The claim the groups mapper writes. */
  readonly groupsClaim: string;
}

/**
 * The realm representation Keycloak imports: login by user name or e-mail, no self-registration, TLS required
 * but on private addresses (`sslRequired: external`), brute-force protection on; each client confidential,
 * authorization-code flow only (no implicit flow, no password grant, no service account), its one exact
 * redirect URI, PKCE S256, and the groups mapper writing the user's groups, flat, into the ID token, the access
 * token and userinfo.
 */
export function keycloakRealm(input: RealmInput): Record<string, unknown> {
  return {
    realm: SSO_REALM,
    enabled: true,
    displayName: 'modelplane',
    sslRequired: 'external',
    registrationAllowed: false,
    loginWithEmailAllowed: true,
    duplicateEmailsAllowed: false,
    resetPasswordAllowed: false,
    bruteForceProtected: true,
    groups: [...new Set(input.groups)].sort().map((name) => ({ name })),
    clients: input.clients.map((c) => ({
      clientId: c.clientId,
      name: c.team !== undefined ? `JupyterHub of team ${c.team}` : c.application === 'mlflow' ? 'MLflow' : 'Airflow',
      enabled: true,
      protocol: 'openid-connect',
      publicClient: false,
      clientAuthenticatorType: 'client-secret',
      secret: `\${${c.secretEnv}}`,
      standardFlowEnabled: true,
      implicitFlowEnabled: false,
      directAccessGrantsEnabled: false,
      serviceAccountsEnabled: false,
      rootUrl: c.url,
      baseUrl: c.url,
      redirectUris: [c.redirectUri],
      webOrigins: [],
      attributes: { 'pkce.code.challenge.method': 'S256', 'post.logout.redirect.uris': c.url },
      protocolMappers: [
        {
          name: 'groups',
          protocol: 'openid-connect',
          protocolMapper: 'oidc-group-membership-mapper',
          consentRequired: false,
          config: {
            'claim.name': input.groupsClaim,
            'full.path': 'false',
            'id.token.claim': 'true',
            'access.token.claim': 'true',
            'userinfo.token.claim': 'true',
            'introspection.token.claim': 'true',
          },
        },
      ],
    })),
  };
}
