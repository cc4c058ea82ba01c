/**
 * The platform's `sso` option, resolved: the OIDC issuer team notebooks, MLflow's proxy and the Airflow UI
 * sign users in through, as the {@link SsoRef} of the platform's context. {@link resolveSso} is pure and
 * reports every problem at once (the Platform adds them at `sso`).
 */
import { Resolution, Validator } from '../../core/errors';
import { cidrProblem, isEveryAddress } from '../../core/network';
import { duplicates, isRecord } from '../../core/records';
import { keycloakEndpoints, SSO_DEFAULT_SCOPES, SsoRef } from '../../core/sso';

/** Where the clients' pods reach an external issuer: its addresses and ports, opened in their NetworkPolicy egress. */
export interface SsoEgressProps {
  /** CIDRs of the issuer, e.g. `["203.0.113.10/32"]` (never every address). */
  readonly cidrs: readonly string[];
  /** Its ports. @default [443] */
  readonly ports?: readonly number[];
}

/**
 * Single sign-on through an external OIDC issuer (a Keycloak realm, or any OIDC provider with a groups claim).
 * The endpoints default to Keycloak's paths under the issuer (`<issuerUrl>/protocol/openid-connect/...`).
 */
export interface SsoProps {
  /**
   * The issuer identifier, exactly as tokens carry it in `iss`, e.g. `https://login.example.com/realms/modelplane`.
   * https only (http only on a loopback host: localhost, 127.0.0.1, [::1]).
   */
  readonly issuerUrl: string;
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
   */
  readonly egress: SsoEgressProps;
}

/** The URL fields of {@link SsoProps}. */
const ENDPOINTS = ['authorizeUrl', 'tokenUrl', 'userinfoUrl', 'jwksUrl'] as const;

/** The hosts where plain http is accepted: a loopback issuer (a laptop, a test) never crosses a network. */
const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** A claim name (a JSON key, or a dotted path into nested claims), e.g. `groups`, `preferred_username`, `realm_access.roles`. */
const CLAIM = /^[A-Za-z_][A-Za-z0-9_:-]*(\.[A-Za-z_][A-Za-z0-9_:-]*)*$/;

/** A scope token (RFC 6749 §3.3: printable ASCII but space, `"` and `\`). */
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * What is wrong with `value` as an issuer or endpoint URL, or undefined when it is fine: an absolute https
 * URL (http only on a loopback host) with no credentials, query or fragment. Tokens and authorization codes
 * travel through these URLs: over plain http anyone on the path reads them (RFC 9700 §2.6 allows it only
 * for loopback).
 */
export function ssoUrlProblem(value: unknown): { problem: string; fix: string } | undefined {
  const example = 'write an https URL such as "https://login.example.com/realms/modelplane"';
  if (typeof value !== 'string' || value === '') return { problem: 'must be a URL', fix: example };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: 'is not an absolute URL', fix: example };
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.includes(url.hostname))
    return {
      problem:
        'is plain http: authorization codes and tokens would cross the network unencrypted (http is accepted on a loopback host only)',
      fix: `use https, e.g. "${value.replace(/^http:/, 'https:')}"`,
    };
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: `is a ${url.protocol} URL, not https`, fix: example };
  if (url.username !== '' || url.password !== '')
    return { problem: 'carries credentials: they would be in the output', fix: 'remove the user and password from the URL' };
  if (url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#'))
    return { problem: 'has a query or a fragment, which an OIDC URL never has', fix: 'remove everything from the "?" or "#" on' };
  if (/\s/.test(value)) return { problem: 'contains white space', fix: 'remove it' };
  return undefined;
}

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

/**
 * Checks and defaults the `sso` option: the issuer's {@link SsoRef} (every URL filled in, the external
 * egress), or every problem at once. Pure.
 */
export function resolveSso(id: string, props: SsoProps): Resolution<SsoRef> {
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
  const issuerOk = checkUrl(v, 'issuerUrl', props.issuerUrl);
  for (const f of ENDPOINTS) if (props[f] !== undefined) checkUrl(v, f, props[f]);
  const groupsClaim = props.groupsClaim ?? 'groups';
  checkClaim(v, 'groupsClaim', groupsClaim, 'groups');
  const usernameClaim = props.usernameClaim ?? 'preferred_username';
  checkClaim(v, 'usernameClaim', usernameClaim, 'preferred_username');
  const scopes = props.scopes ?? SSO_DEFAULT_SCOPES;
  checkScopes(v, scopes);
  checkEgress(v, props.egress);
  return v.result(() => {
    const defaults = issuerOk ? keycloakEndpoints(props.issuerUrl) : undefined;
    return {
      issuerUrl: props.issuerUrl,
      authorizeUrl: props.authorizeUrl ?? defaults!.authorizeUrl,
      tokenUrl: props.tokenUrl ?? defaults!.tokenUrl,
      userinfoUrl: props.userinfoUrl ?? defaults!.userinfoUrl,
      jwksUrl: props.jwksUrl ?? defaults!.jwksUrl,
      scopes: [...scopes],
      groupsClaim,
      usernameClaim,
      egress: { kind: 'external', cidrs: [...props.egress.cidrs], ports: [...(props.egress.ports ?? [443])] },
    };
  });
}
