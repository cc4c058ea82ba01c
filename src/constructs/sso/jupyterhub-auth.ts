/**
 * How a team's JupyterHub signs users in through the platform's issuer: the traitlets of OAuthenticator's
 * GenericOAuthenticator (the values under `hub.config.GenericOAuthenticator` of Zero to JupyterHub) and the
 * hub pod's variable holding the client secret. Pure: the workspace construct writes them into its values;
 * the SSO tier runs the real authenticator on them.
 */
import type * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { SSO_CLIENT_SECRET_KEY, ssoClient, SsoRef } from '../../core/sso';

/** The variable GenericOAuthenticator reads its client secret from when `client_secret` is not set. */
export const OAUTH_CLIENT_SECRET_ENV = 'OAUTH_CLIENT_SECRET';

/** What a team's hub needs to sign in through the issuer. */
export interface JupyterHubAuthInput {
  /** The platform's issuer. */
  readonly sso: SsoRef;
  /** The team (its client is `jupyterhub-<team>`). */
  readonly team: string;
  /** The team's editor groups: only their members may sign in. */
  readonly editorGroups: readonly string[];
  /** The hub's public base URL, e.g. `https://notebooks.example.com/risk` (its callback is `<url>/hub/oauth_callback`). */
  readonly hubUrl: string;
}

/** The GenericOAuthenticator settings and the hub pod's secret variable. */
export interface JupyterHubAuth {
  /** `JupyterHub.authenticator_class`. */
  readonly authenticatorClass: 'generic-oauth';
  /** The traitlets of `GenericOAuthenticator` (no secret among them). */
  readonly config: Readonly<Record<string, unknown>>;
  /** The hub container's variable holding the client secret, from the client's Secret in the team namespace. */
  readonly env: k8s.EnvVar;
}

/**
 * The GenericOAuthenticator of a team's hub: the team's client, the issuer's endpoints (the browser opens the
 * authorization endpoint; the hub calls the token and userinfo endpoints), the user's name from
 * `usernameClaim`, its groups from `groupsClaim` of userinfo (`auth_state_groups_key` reads the userinfo
 * response, which OAuthenticator keeps as `oauth_user`), sign-in allowed to the team's editor groups only, and
 * JupyterHub's groups managed from the issuer's (a member is in its group in the hub). PKCE is
 * OAuthenticator's default. The client secret is the variable {@link OAUTH_CLIENT_SECRET_ENV} of the hub pod,
 * from the Secret the platform's bootstrap creates (`ssoClient('jupyterhub', team).secretName`).
 */
export function jupyterHubAuth(input: JupyterHubAuthInput): JupyterHubAuth {
  const { sso, team } = input;
  const client = ssoClient('jupyterhub', team);
  const hubUrl = input.hubUrl.replace(/\/+$/, '');
  return {
    authenticatorClass: 'generic-oauth',
    config: {
      client_id: client.clientId,
      authorize_url: sso.authorizeUrl,
      token_url: sso.tokenUrl,
      userdata_url: sso.userinfoUrl,
      oauth_callback_url: `${hubUrl}/hub/oauth_callback`,
      scope: [...sso.scopes],
      username_claim: sso.usernameClaim,
      auth_state_groups_key: `oauth_user.${sso.groupsClaim}`,
      allowed_groups: [...new Set(input.editorGroups)].sort(),
      manage_groups: true,
      login_service: 'single sign-on',
    },
    env: { name: OAUTH_CLIENT_SECRET_ENV, valueFrom: { secretKeyRef: { name: client.secretName, key: SSO_CLIENT_SECRET_KEY } } },
  };
}
