/**
 * Secret references. modelplane never writes a secret value into its output: props take the name
 * (and key) of a Secret that exists in the cluster, and workloads read it through `secretKeyRef`.
 */
import { Validator } from './errors';
import { dnsSubdomainProblem, isRecord } from './validate';

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
    v.fail(field, '<redacted>', 'is a plain string where a Secret reference is required; credentials are never accepted in plain text',
      `create a Secret (kubectl create secret generic NAME --from-literal=KEY=...) and pass { name: "NAME", key: "KEY" }`);
    return false;
  }
  if (!v.check(isRecord(value), field, value, 'must be a Secret reference { name, key }', 'pass { name: "my-secret", key: "password" }')) return false;
  const ref = value as Record<string, unknown>;
  const nameProblem = dnsSubdomainProblem(ref.name);
  let ok = v.check(nameProblem === undefined, `${field}.name`, ref.name, nameProblem ?? '', 'name an existing Secret, e.g. "mlflow-db"');
  ok = v.check(typeof ref.key === 'string' && /^[-._a-zA-Z0-9]+$/.test(ref.key), `${field}.key`, ref.key, 'must be a Secret key ([-._a-zA-Z0-9]+)', 'name the key inside the Secret, e.g. "uri"') && ok;
  return ok;
}

/** An env var read from a Secret. */
export function secretEnv(name: string, ref: SecretKeyRef, optional = false) {
  return { name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key, ...(optional ? { optional: true } : {}) } } };
}
