/**
 * Single sign-on, the external issuer form: `sso` resolves into the platform's context (every endpoint
 * filled in, Keycloak's paths by default, the egress of the clients' pods), and every bad setting is
 * refused naming the field, the value and a fix, all at once, from TypeScript and from a platform file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdk8s';
import { Platform, resolvePlatform } from '../src/constructs/platform/platform';
import { resolveSso, SsoProps, ssoUrlProblem } from '../src/constructs/sso/sso-resolve';
import { keycloakEndpoints } from '../src/core/sso';
import { run } from '../src/frontends/cli/main';
import { expectIssue } from './support/errors';

const ISSUER = 'https://login.example.com/realms/modelplane';
const EXTERNAL: SsoProps = { issuerUrl: ISSUER, egress: { cidrs: ['203.0.113.10/32'] } };
const CTX = { namespace: 'modelplane-system', teams: [], airflowNamespace: 'airflow' };

describe('sso: an external issuer', () => {
  test("defaults the endpoints to Keycloak's paths under the issuer, the claims, the scopes and port 443", () => {
    expect(resolveSso('sso', EXTERNAL, CTX)).toEqual({
      issues: [],
      spec: {
        ref: {
          issuerUrl: ISSUER,
          authorizeUrl: `${ISSUER}/protocol/openid-connect/auth`,
          tokenUrl: `${ISSUER}/protocol/openid-connect/token`,
          userinfoUrl: `${ISSUER}/protocol/openid-connect/userinfo`,
          jwksUrl: `${ISSUER}/protocol/openid-connect/certs`,
          scopes: ['openid', 'profile', 'email'],
          groupsClaim: 'groups',
          usernameClaim: 'preferred_username',
          egress: { kind: 'external', cidrs: ['203.0.113.10/32'], ports: [443] },
        },
      },
    });
  });

  test('keeps every endpoint, claim, scope and port given', () => {
    const given: SsoProps = {
      issuerUrl: 'https://idp.example.org/',
      authorizeUrl: 'https://idp.example.org/oauth2/authorize',
      tokenUrl: 'https://idp.example.org/oauth2/token',
      userinfoUrl: 'https://idp.example.org/oauth2/userinfo',
      jwksUrl: 'https://idp.example.org/.well-known/jwks.json',
      groupsClaim: 'cognito:groups',
      usernameClaim: 'email',
      scopes: ['openid', 'email'],
      egress: { cidrs: ['198.51.100.0/24', '2001:db8::/32'], ports: [443, 8443] },
    };
    const { issuerUrl, authorizeUrl, tokenUrl, userinfoUrl, jwksUrl, groupsClaim, usernameClaim, scopes } = given;
    expect(resolveSso('sso', given, CTX).spec?.ref).toEqual({
      ...{ issuerUrl, authorizeUrl, tokenUrl, userinfoUrl, jwksUrl, groupsClaim, usernameClaim, scopes },
      egress: { kind: 'external', cidrs: ['198.51.100.0/24', '2001:db8::/32'], ports: [443, 8443] },
    });
  });

  test("Keycloak's endpoints: one trailing slash of the issuer is not doubled", () => {
    expect(keycloakEndpoints('https://a.example/realms/r/').tokenUrl).toBe('https://a.example/realms/r/protocol/openid-connect/token');
  });

  test('https only; plain http on a loopback host alone', () => {
    expect(ssoUrlProblem('https://login.example.com/realms/x')).toBeUndefined();
    for (const ok of ['http://127.0.0.1:8080/realms/x', 'http://localhost:8080/realms/x', 'http://[::1]:8080/realms/x'])
      expect(ssoUrlProblem(ok)).toBeUndefined();
    expect(ssoUrlProblem('http://login.example.com/realms/x')?.problem).toMatch(/plain http/);
    expect(ssoUrlProblem('http://127.0.0.2/realms/x')?.problem).toMatch(/plain http/);
    expect(ssoUrlProblem('ftp://login.example.com/')?.problem).toMatch(/not https/);
    expect(ssoUrlProblem('login.example.com')?.problem).toMatch(/absolute URL/);
    expect(ssoUrlProblem('https://u:p@login.example.com/')?.problem).toMatch(/credentials/);
    expect(ssoUrlProblem('https://login.example.com/x?a=1')?.problem).toMatch(/query/);
    expect(ssoUrlProblem('https://login.example.com/x#top')?.problem).toMatch(/fragment/);
    expect(ssoUrlProblem(42)?.problem).toMatch(/must be a URL/);
  });

  test('the platform puts the issuer into its context, which every team space gets', () => {
    const spec = resolvePlatform('platform', { teams: [{ name: 'risk' }], sso: EXTERNAL }).spec!;
    expect(spec.context.sso).toEqual(resolveSso('sso', EXTERNAL, CTX).spec?.ref);
    expect(spec.teams[0].platform.sso).toEqual(spec.context.sso);
    expect(resolvePlatform('platform', { teams: [{ name: 'risk' }] }).spec!.context.sso).toBeUndefined();
  });
});

describe('sso: bad settings', () => {
  const platform = (sso: unknown) => () => new Platform(new App(), 'platform', { sso: sso as SsoProps });
  const construct = 'SingleSignOn "sso"';

  test.each<[string, unknown, string, unknown, RegExp]>([
    [
      'plain http',
      { ...EXTERNAL, issuerUrl: 'http://login.example.com/realms/m' },
      'issuerUrl',
      'http://login.example.com/realms/m',
      /use https/,
    ],
    ['no issuer', { egress: EXTERNAL.egress }, 'issuerUrl', undefined, /https URL/],
    ['a bad endpoint', { ...EXTERNAL, tokenUrl: 'token' }, 'tokenUrl', 'token', /absolute URL/],
    ['no egress', { issuerUrl: ISSUER }, 'egress', undefined, /required for an external issuer/],
    ['every address', { ...EXTERNAL, egress: { cidrs: ['0.0.0.0/0'] } }, 'egress.cidrs[0]', '0.0.0.0/0', /whole internet/],
    ['every IPv6 address', { ...EXTERNAL, egress: { cidrs: ['::/0'] } }, 'egress.cidrs[0]', '::/0', /whole internet/],
    ['not a CIDR', { ...EXTERNAL, egress: { cidrs: ['203.0.113.10'] } }, 'egress.cidrs[0]', '203.0.113.10', /prefix length/],
    ['no CIDR', { ...EXTERNAL, egress: { cidrs: [] } }, 'egress.cidrs', [], /at least one CIDR/],
    ['a bad port', { ...EXTERNAL, egress: { cidrs: ['203.0.113.10/32'], ports: [0] } }, 'egress.ports[0]', 0, /1 to 65535/],
    ['a bad claim', { ...EXTERNAL, groupsClaim: 'my groups' }, 'groupsClaim', 'my groups', /claim name/],
    ['no openid scope', { ...EXTERNAL, scopes: ['profile'] }, 'scopes', ['profile'], /openid/],
  ])('%s is refused naming the field, the value and a fix', (_name, sso, field, value, says) => {
    const issue = expectIssue(platform(sso), { construct, field, value, says });
    expect(issue.within).toBe('sso');
  });

  test('every problem at once', () => {
    const r = resolveSso('sso', { issuerUrl: 'http://x.example', groupsClaim: '', egress: { cidrs: ['0.0.0.0/0'], ports: [70000] } }, CTX);
    expect(r.issues.map((i) => i.field)).toEqual(['groupsClaim', 'issuerUrl', 'egress.cidrs[0]', 'egress.ports[0]']);
  });

  test('a platform file: the schema refuses an unknown key, the construct a bad value, each at its line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sso-'));
    try {
      const file = join(dir, 'platform.yaml');
      writeFileSync(
        file,
        ['sso:', '  issuerUrl: http://login.example.com/realms/m', '  egress: { cidrs: [0.0.0.0/0] }', '  groupclaim: groups', ''].join(
          '\n',
        ),
      );
      let err = '';
      const code = run(['validate', '--platform', file], { out: () => undefined, err: (t) => (err += t) }, dir);
      expect(code).toBe(1);
      expect(err).toContain(`${file}:2:14: \`sso.issuerUrl\``);
      expect(err).toContain(`${file}:3:21: \`sso.egress.cidrs[0]\``);
      expect(err).toMatch(/:4:3: `sso.groupclaim` unknown field `groupclaim`.*did you mean `groupsClaim`/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
