/**
 * Secret references. modelplane never writes a secret value into its output: props take the name
 * (and key) of a Secret that exists in the cluster, and workloads read it through `secretKeyRef`.
 */
import { Validator } from './errors';
import { dnsSubdomainProblem } from './validate';
import { isRecord } from './records';

/** A key in a Kubernetes Secret. */
export interface SecretKeyRef {
  /** Secret name (in the workload's namespace). */
  readonly name: string;
  /** Key inside the Secret. */
  readonly key: string;
}

/**
 * Checks a Secret reference. A string given where a reference is required is rejected as a likely
 * plain-text credential, and the value is never echoed back in full.
 */
export function checkSecretRef(v: Validator, field: string, value: unknown): value is SecretKeyRef {
  if (typeof value === 'string') {
    v.fail(
      field,
      '<redacted>',
      'is a plain string where a Secret reference is required; credentials are never accepted in plain text',
      `create a Secret (kubectl create secret generic NAME --from-literal=KEY=...) and pass { name: "NAME", key: "KEY" }`,
    );
    return false;
  }
  if (!v.check(isRecord(value), field, value, 'must be a Secret reference { name, key }', 'pass { name: "my-secret", key: "password" }'))
    return false;
  const ref = value as Record<string, unknown>;
  const nameProblem = dnsSubdomainProblem(ref.name);
  let ok = v.check(nameProblem === undefined, `${field}.name`, ref.name, nameProblem ?? '', 'name an existing Secret, e.g. "mlflow-db"');
  ok =
    v.check(
      typeof ref.key === 'string' && /^[-._a-zA-Z0-9]+$/.test(ref.key),
      `${field}.key`,
      ref.key,
      'must be a Secret key ([-._a-zA-Z0-9]+)',
      'name the key inside the Secret, e.g. "uri"',
    ) && ok;
  return ok;
}

/** An env var read from a Secret. */
export function secretEnv(name: string, ref: SecretKeyRef, optional = false) {
  return { name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key, ...(optional ? { optional: true } : {}) } } };
}

/** Field names that hold credentials when given as plain strings. */
const CREDENTIAL_FIELD = /(password|passwd|secret|token|credential|access.?key|api.?key|private.?key|^uri$|^url$|connection.?string|dsn)/i;

/**
 * Rejects credential-looking fields given as plain strings where the props take none (e.g. a
 * `password` or `uri` next to a Secret reference): YAML and JavaScript callers can pass keys the
 * types do not declare, and such a value must never be silently accepted, nor written anywhere.
 * `known` lists the fields the props do declare; they are checked by their own rules.
 */
export function checkNoPlainCredentials(
  v: Validator,
  prefix: string,
  props: Record<string, unknown>,
  known: readonly string[],
  fix: string,
): void {
  for (const key of Object.keys(props).sort()) {
    if (known.includes(key) || !CREDENTIAL_FIELD.test(key)) continue;
    v.fail(
      `${prefix}${key}`,
      '<redacted>',
      'looks like a plain-text credential; modelplane takes credentials only by Secret reference and never writes them to its output',
      fix,
    );
  }
}

/**
 * Credential formats recognizable wherever they appear, whatever the field: a value holding one is a
 * credential pasted into a file that ends up in Git and in the output. Each is matched against one
 * token at a time, anchored, so a long value costs linear time (an unanchored pattern over a
 * megabyte of letters took minutes).
 */
const CREDENTIAL_TOKENS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^(AKIA|ASIA)[0-9A-Z]{16}$/, 'an AWS access key id'],
  [/^(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})$/, 'a GitHub token'],
  [/^xox[abposr]-[A-Za-z0-9-]{10,}$/, 'a Slack token'],
  [/^eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}$/, 'a JSON Web Token'],
];

/** A password part that is a reference resolved at run time (`$(DB_PASSWORD)`, `${DB_PASSWORD}`), not a value. */
const PASSWORD_REFERENCE = /^(\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[A-Za-z_][A-Za-z0-9_]*\})$/;

/** True when a `://` in `text` is preceded by a scheme and followed by `user:password@` with a password that is no reference. */
function hasUriPassword(text: string): boolean {
  for (let at = text.indexOf('://'); at !== -1; at = text.indexOf('://', at + 3)) {
    if (!/[a-z][a-z0-9+.-]*$/i.test(text.slice(Math.max(0, at - 32), at))) continue;
    const userInfo = /^[^\s:/@'"]+:([^\s@/'"]+)@/.exec(text.slice(at + 3, at + 3 + 1024));
    if (userInfo && !PASSWORD_REFERENCE.test(userInfo[1])) return true;
  }
  return false;
}

/**
 * What kind of credential `text` holds (e.g. `an AWS access key id`, `a URI with a plain-text password`),
 * or undefined. Front ends refuse such values in any field, before a construct sees them.
 */
export function credentialIn(text: string): string | undefined {
  if (text.includes('PRIVATE KEY-----') && /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----/.test(text)) return 'a PEM private key';
  for (const token of text.split(/[^A-Za-z0-9_.-]+/)) {
    for (const part of token.includes('.') && !token.startsWith('eyJ') ? token.split('.') : [token]) {
      for (const [re, what] of CREDENTIAL_TOKENS) if (re.test(part)) return what;
    }
  }
  return hasUriPassword(text) ? 'a URI with a plain-text password' : undefined;
}
