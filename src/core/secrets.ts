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
 * credential pasted into a file that ends up in Git and in the output.
 */
const CREDENTIAL_FORMATS: ReadonlyArray<readonly [RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a PEM private key'],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}\b|\bgithub_pat_[A-Za-z0-9_]{30,}/, 'a GitHub token'],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, 'a JSON Web Token'],
];

/** `scheme://user:password@`, and the password. */
const URI_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]+:([^\s@/'"]+)@/i;

/** A password part that is a reference resolved at run time (`$(DB_PASSWORD)`, `${DB_PASSWORD}`), not a value. */
const PASSWORD_REFERENCE = /^(\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[A-Za-z_][A-Za-z0-9_]*\})$/;

/**
 * What kind of credential `text` holds (e.g. `an AWS access key id`, `a URI with a plain-text password`),
 * or undefined. Front ends refuse such values in any field, before a construct sees them.
 */
export function credentialIn(text: string): string | undefined {
  for (const [re, what] of CREDENTIAL_FORMATS) if (re.test(text)) return what;
  const uri = URI_WITH_PASSWORD.exec(text);
  if (uri && !PASSWORD_REFERENCE.test(uri[1])) return 'a URI with a plain-text password';
  return undefined;
}
