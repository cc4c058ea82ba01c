/** The one check of the issuer's, the endpoints' and the consumers' URLs. */

/** The hosts where plain http is accepted: a loopback issuer (a laptop, a test) never crosses a network. */
const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** A claim name (a JSON key, or a dotted path into nested claims), e.g. `groups`, `preferred_username`, `realm_access.roles`. */
export const CLAIM = /^[A-Za-z_][A-Za-z0-9_:-]*(\.[A-Za-z_][A-Za-z0-9_:-]*)*$/;

/** A scope token (RFC 6749 §3.3: printable ASCII but space, `"` and `\`). */
export const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * What is wrong with `value` as an issuer or endpoint URL, or undefined when it is fine: an absolute https
 * URL (http only on a loopback host) with no credentials, query or fragment. Tokens and authorization codes
 * travel through these URLs: over plain http anyone on the path reads them. A loopback host never crosses a
 * network (as OAuth's loopback redirect URIs, RFC 8252): a platform tried on one machine, and the SSO tier.
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
