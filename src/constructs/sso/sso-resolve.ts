/**
 * The platform's `sso` option, resolved: the OIDC issuer team notebooks, MLflow's proxy and the Airflow UI
 * sign users in through, as the {@link SsoRef} of the platform's context. {@link resolveSso} is pure and
 * reports every problem at once (the Platform adds them at `sso`).
 */
import { Resolution, Validator } from '../../core/errors';
import { cidrProblem, isEveryAddress } from '../../core/network';
import { duplicates, isRecord } from '../../core/records';
import { keycloakEndpoints, SSO_DEFAULT_SCOPES, SsoRef } from '../../core/sso';
import { CLAIM, SCOPE, ssoUrlProblem } from './sso-url';
import { KeycloakContext, keycloakSsoRef, KeycloakProps, ResolvedKeycloak, resolveKeycloak } from './keycloak-resolve';

/** Where the clients' pods reach an external issuer: its addresses and ports, opened in their NetworkPolicy egress. */
export interface SsoEgressProps {
  /** CIDRs of the issuer, e.g. `["203.0.113.10/32"]` (never every address). */
  readonly cidrs: readonly string[];
  /** Its ports. @default [443] */
  readonly ports?: readonly number[];
}

/**
 * Single sign-on: either an external OIDC issuer (`issuerUrl` and `egress`: a Keycloak realm, or any OIDC
 * provider with a groups claim; the endpoints default to Keycloak's paths under the issuer,
 * `<issuerUrl>/protocol/openid-connect/...`), or `keycloak`: Keycloak installed by the platform.
 */
export interface SsoProps {
  /**
   * The external issuer, exactly as tokens carry it in `iss`, e.g. `https://login.example.com/realms/modelplane`.
   * https only (http only on a loopback host: localhost, 127.0.0.1, [::1]).
   * @default - none: `keycloak` is set
   */
  readonly issuerUrl?: string;
  /** The authorization endpoint (opened by browsers). @default `<issuerUrl>/protocol/openid-connect/auth` */
  readonly authorizeUrl?: string;
  /** The token endpoint (called by the clients' pods). @default `<issuerUrl>/protocol/openid-connect/token` */
  readonly tokenUrl?: string;
  /** The userinfo endpoint (called by the clients' pods). @default `<issuerUrl>/protocol/openid-connect/userinfo` */
  readonly userinfoUrl?: string;
  /** The signing keys (JWKS). @default `<issuerUrl>/protocol/openid-connect/certs` */
  readonly jwksUrl?: string;
  /** The claim listing the user's groups, matched against the teams' `editorGroups`. @default "groups" */
  readonly groupsClaim?: string;
  /** The claim naming the user. @default "preferred_username" */
  readonly usernameClaim?: string;
  /** The scopes the clients request; `openid` among them. @default ["openid", "profile", "email"] */
  readonly scopes?: readonly string[];
  /**
   * Where the clients' pods (the teams' hubs, MLflow's proxy, the Airflow UI) reach the issuer: their
   * NetworkPolicy egress, nothing else. Required for an external issuer.
   * @default - none: `keycloak` is set (the pods reach its Service)
   */
  readonly egress?: SsoEgressProps;
  /**
   * Keycloak installed by the platform in its namespace, with the realm `modelplane`: the issuer is
   * `<url>/realms/modelplane`. @default - none: `issuerUrl` is set
   */
  readonly keycloak?: KeycloakProps;
}

/** The resolved single sign-on. */
export interface ResolvedSso {
  /** What the platform's workloads sign in through. */
  readonly ref: SsoRef;
  /** The platform's Keycloak. @default - none: an external issuer */
  readonly keycloak?: ResolvedKeycloak;
}

/** The URL fields of {@link SsoProps}. */
const ENDPOINTS = ['authorizeUrl', 'tokenUrl', 'userinfoUrl', 'jwksUrl'] as const;

export { ssoUrlProblem } from './sso-url';

/** Checks a URL field; returns whether it passed. */
function checkUrl(v: Validator, field: string, value: unknown): boolean {
  const bad = ssoUrlProblem(value);
  return v.check(bad === undefined, field, value, bad?.problem ?? '', bad?.fix ?? '');
}

/** Checks a claim name; returns whether it passed. */
function checkClaim(v: Validator, field: string, value: unknown, example: string): boolean {
  return v.check(
    typeof value === 'string' && CLAIM.test(value),
    field,
    value,
    'is not a claim name (letters, digits, _, :, -; dots for a nested claim)',
    `write the claim's name, e.g. "${example}"`,
  );
}

/** Checks the scopes: a list of scope tokens with `openid`, none twice. */
function checkScopes(v: Validator, scopes: unknown): scopes is readonly string[] {
  const fix = 'write e.g. scopes: [openid, profile, email]';
  if (!v.check(Array.isArray(scopes) && scopes.length > 0, 'scopes', scopes, 'must be a list of scopes', fix)) return false;
  const list = scopes as unknown[];
  let ok = true;
  list.forEach((s, i) => {
    ok =
      v.check(
        typeof s === 'string' && SCOPE.test(s),
        `scopes[${i}]`,
        s,
        'is not a scope (one word of printable characters, no quotes or backslash)',
        'write e.g. "profile"',
      ) && ok;
  });
  if (!ok) return false;
  const named = list as string[];
  ok =
    v.check(
      named.includes('openid'),
      'scopes',
      named,
      'lacks "openid": without it the issuer returns no ID token',
      'add openid to the list',
    ) && ok;
  for (const d of duplicates(named)) ok = v.check(false, 'scopes', d, 'names the same scope twice', 'list each scope once');
  return ok;
}

/** Checks an external issuer's egress: at least one CIDR (never every address), ports 1-65535. Returns whether it passed. */
function checkEgress(v: Validator, egress: unknown): egress is SsoEgressProps {
  const example =
    'write egress: { cidrs: ["203.0.113.10/32"], ports: [443] } (the issuer\'s addresses, e.g. from `dig +short login.example.com`)';
  if (
    !v.check(
      isRecord(egress),
      'egress',
      egress,
      "is required for an external issuer: the clients' pods are default-deny and reach the issuer on these addresses only",
      example,
    )
  )
    return false;
  const e = egress as Record<string, unknown>;
  let ok = v.check(
    Array.isArray(e.cidrs) && e.cidrs.length > 0,
    'egress.cidrs',
    e.cidrs,
    'must list at least one CIDR',
    'list the issuer\'s addresses, e.g. ["203.0.113.10/32"]',
  );
  if (ok) {
    const cidrs = e.cidrs as unknown[];
    cidrs.forEach((c, i) => {
      const everything = {
        problem: "is every address: it reopens the clients' default-deny egress to the whole internet",
        fix: 'list the issuer\'s own addresses, each as address/32, e.g. "203.0.113.10/32"',
      };
      const bad = cidrProblem(c) ?? (isEveryAddress(c) ? everything : undefined);
      if (bad) ok = v.check(false, `egress.cidrs[${i}]`, c, bad.problem, bad.fix);
    });
    for (const d of duplicates(cidrs.map(String)))
      ok = v.check(false, 'egress.cidrs', d, 'names the same CIDR twice', 'list each CIDR once');
  }
  const ports = e.ports ?? [443];
  if (!v.check(Array.isArray(ports) && ports.length > 0, 'egress.ports', ports, 'must list at least one port', 'write e.g. [443]'))
    return false;
  (ports as unknown[]).forEach((p, i) => {
    const port = typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535;
    ok = v.check(port, `egress.ports[${i}]`, p, 'is not a port (a whole number from 1 to 65535)', 'write e.g. 443') && ok;
  });
  for (const d of duplicates((ports as unknown[]).map(String)))
    ok = v.check(false, 'egress.ports', Number(d), 'names the same port twice', 'list each port once');
  return ok;
}

/** What the platform gives {@link resolveSso} for the `keycloak` form. */
export type SsoPlatformContext = Omit<KeycloakContext, 'groupsClaim' | 'usernameClaim' | 'scopes'>;

/** The settings of the external form, which `keycloak` replaces. */
const EXTERNAL_ONLY = ['issuerUrl', ...ENDPOINTS, 'egress'] as const;

/**
 * Checks and defaults the `sso` option: the issuer's {@link SsoRef} (every URL filled in, the egress of the
 * clients' pods) and, with `keycloak`, the platform's Keycloak; or every problem at once. Pure.
 */
export function resolveSso(id: string, props: SsoProps, platform: SsoPlatformContext): Resolution<ResolvedSso> {
  const v = new Validator('SingleSignOn', id);
  if (
    !v.check(
      isRecord(props),
      '',
      props,
      'must be a map of single sign-on settings',
      'write e.g. { issuerUrl: "https://login.example.com/realms/modelplane", egress: { cidrs: ["203.0.113.10/32"] } }',
    )
  )
    return { issues: [...v.found] };
  const groupsClaim = props.groupsClaim ?? 'groups';
  checkClaim(v, 'groupsClaim', groupsClaim, 'groups');
  const usernameClaim = props.usernameClaim ?? 'preferred_username';
  checkClaim(v, 'usernameClaim', usernameClaim, 'preferred_username');
  const scopes = props.scopes ?? SSO_DEFAULT_SCOPES;
  checkScopes(v, scopes);
  if (props.keycloak !== undefined) {
    for (const k of EXTERNAL_ONLY)
      if (props[k] !== undefined)
        v.fail(
          k,
          props[k],
          "is for an external issuer, but `keycloak` installs the platform's own",
          `remove \`${k}\`, or remove \`keycloak\` to use the external issuer`,
        );
    const keycloak = resolveKeycloak(v, props.keycloak, { ...platform, groupsClaim, usernameClaim, scopes });
    return v.result(() => ({ ref: keycloakSsoRef(keycloak!, { groupsClaim, usernameClaim, scopes }), keycloak: keycloak! }));
  }
  const issuerOk = checkUrl(v, 'issuerUrl', props.issuerUrl);
  for (const f of ENDPOINTS) if (props[f] !== undefined) checkUrl(v, f, props[f]);
  checkEgress(v, props.egress);
  return v.result(() => {
    const issuerUrl = props.issuerUrl!;
    const defaults = issuerOk ? keycloakEndpoints(issuerUrl) : undefined;
    const egress = props.egress!;
    return {
      ref: {
        issuerUrl,
        authorizeUrl: props.authorizeUrl ?? defaults!.authorizeUrl,
        tokenUrl: props.tokenUrl ?? defaults!.tokenUrl,
        userinfoUrl: props.userinfoUrl ?? defaults!.userinfoUrl,
        jwksUrl: props.jwksUrl ?? defaults!.jwksUrl,
        scopes: [...scopes],
        groupsClaim,
        usernameClaim,
        egress: { kind: 'external', cidrs: [...egress.cidrs], ports: [...(egress.ports ?? [443])] },
      },
    };
  });
}
