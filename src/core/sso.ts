/**
 * Single sign-on as the platform's workloads see it: the OIDC issuer (Keycloak installed by the platform,
 * or an external one) and the names of the OIDC clients and of the Secrets holding their client secrets.
 * The SSO construct (which writes the issuer's realm and clients) and the consumers (a team's JupyterHub,
 * the proxy in front of MLflow, the Airflow UI) both name clients and Secrets through these functions, so
 * the two sides cannot drift apart. Pure data: no construct is imported here.
 */

/** Where pods reach the issuer, as NetworkPolicy egress sees it. */
export type SsoEgress =
  /** The issuer runs in the cluster (the platform's Keycloak): its namespace, pod labels and port. */
  | {
      readonly kind: 'in-cluster';
      /** Namespace of the issuer's pods. */
      readonly namespace: string;
      /** Labels selecting the issuer's pods. */
      readonly podLabels: Readonly<Record<string, string>>;
      /** The issuer's container port. */
      readonly port: number;
    }
  /** An external issuer: its addresses and ports. */
  | {
      readonly kind: 'external';
      /** CIDRs of the issuer. */
      readonly cidrs: readonly string[];
      /** Its ports, e.g. `[443]`. */
      readonly ports: readonly number[];
    };

/** The platform's OIDC issuer, every URL filled in. */
export interface SsoRef {
  /** The issuer identifier, as tokens carry it in `iss` and browsers reach it (e.g. `https://sso.example.com/realms/modelplane`). */
  readonly issuerUrl: string;
  /** The authorization endpoint, opened by browsers. */
  readonly authorizeUrl: string;
  /** The token endpoint, called by the clients' pods. */
  readonly tokenUrl: string;
  /** The userinfo endpoint, called by the clients' pods. */
  readonly userinfoUrl: string;
  /** The issuer's signing keys (JWKS), fetched by the clients' pods to verify tokens. */
  readonly jwksUrl: string;
  /** The scopes the clients request. @default ["openid", "profile", "email"] */
  readonly scopes: readonly string[];
  /** The claim of the ID token and of userinfo that lists the user's groups. @default "groups" */
  readonly groupsClaim: string;
  /** The claim that names the user (the JupyterHub user name, the proxy's user header). @default "preferred_username" */
  readonly usernameClaim: string;
  /** How the clients' pods reach the issuer. */
  readonly egress: SsoEgress;
}

/** The scopes every client requests: the ID token, the user's name and e-mail (the groups come by the issuer's mapper). */
export const SSO_DEFAULT_SCOPES: readonly string[] = Object.freeze(['openid', 'profile', 'email']);

/**
 * Keycloak's OIDC endpoints under an issuer (`<issuer>/protocol/openid-connect/...`): what an external
 * Keycloak serves, and the defaults of an external issuer's endpoints.
 */
export function keycloakEndpoints(issuerUrl: string): Pick<SsoRef, 'authorizeUrl' | 'tokenUrl' | 'userinfoUrl' | 'jwksUrl'> {
  const base = `${issuerUrl.replace(/\/+$/, '')}/protocol/openid-connect`;
  return { authorizeUrl: `${base}/auth`, tokenUrl: `${base}/token`, userinfoUrl: `${base}/userinfo`, jwksUrl: `${base}/certs` };
}

/** The key of every SSO client Secret that holds the client secret. */
export const SSO_CLIENT_SECRET_KEY = 'client-secret';

/** An application that signs in through the platform's issuer. */
export type SsoApplication = 'jupyterhub' | 'mlflow' | 'airflow';

/** An OIDC client of the platform's realm. */
export interface SsoClient {
  /** The OIDC `client_id`. */
  readonly clientId: string;
  /** The Secret (in the namespace of the application) whose {@link SSO_CLIENT_SECRET_KEY} holds the client secret. */
  readonly secretName: string;
}

/**
 * The OIDC client of `application`: `jupyterhub-<team>` (one hub per team, in the team's namespace),
 * `mlflow` (the authenticating proxy in front of MLflow) or `airflow` (the Airflow UI). The Secret is named
 * `modelplane-sso-<application>` in the application's namespace.
 */
export function ssoClient(application: SsoApplication, team?: string): SsoClient {
  if (application === 'jupyterhub') {
    if (!team) throw new Error('ssoClient("jupyterhub") needs the team: one JupyterHub (and one client) per team.');
    return { clientId: `jupyterhub-${team}`, secretName: 'modelplane-sso-jupyterhub' };
  }
  return { clientId: application, secretName: `modelplane-sso-${application}` };
}
