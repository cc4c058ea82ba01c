/**
 * A scan for secret values in synthesized output, shared by every test tier: modelplane takes
 * credentials by reference only, so its output must contain none.
 */

/** One finding. */
export interface SecretFinding {
  /** Object and JSON path. */
  readonly where: string;
  /** What was found (never the value itself). */
  readonly detail: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A reference rather than a value: `$(VAR)`, `${VAR}`, `{{ ... }}` (Airflow/Argo templates), or empty. */
export function isReference(value: string): boolean {
  const v = value.trim();
  return v === '' || /^\$\([A-Za-z_][A-Za-z0-9_]*\)$/.test(v) || /^\$\{[A-Za-z_][A-Za-z0-9_.:-]*\}$/.test(v) || /^\{\{.*\}\}$/.test(v);
}

/** Env var names that carry credentials. */
export const SECRET_ENV_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;

/** Config keys (Spark conf, Helm-ish maps) whose values are credentials. */
export const SECRET_CONFIG_KEY =
  /(^|[._-])(password|passwd|secret[._-]?(access[._-]?)?key|secretkey|access[._-]?key([._-]?id)?|accesskey|token|api[._-]?key|private[._-]?key)$/i;

/** Recognizable credential formats, wherever they appear. */
const CREDENTIAL_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a PEM private key'],
  [/\bAKIA[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}\b/, 'a GitHub token'],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, 'a JWT'],
];

/** `scheme://user:password@host` with a password that is not a reference. */
const URI_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/([^\s:/@'"]+):([^\s@/'"]+)@/gi;

/** Findings in one string. */
export function scanString(text: string): string[] {
  const out: string[] = [];
  for (const [re, what] of CREDENTIAL_PATTERNS) if (re.test(text)) out.push(`contains ${what}`);
  for (const m of text.matchAll(URI_WITH_PASSWORD)) {
    if (!isReference(m[2])) out.push(`contains a URI with a plain-text password (user "${m[1]}")`);
  }
  return out;
}

/** Every secret value in `objs`. */
export function scanForSecrets(objs: readonly Record<string, unknown>[]): SecretFinding[] {
  const out: SecretFinding[] = [];
  for (const obj of objs) {
    const md = isObj(obj.metadata) ? obj.metadata : {};
    const id = `${String(obj.kind)}/${md.namespace ? `${String(md.namespace)}/` : ''}${String(md.name)}`;
    if (obj.kind === 'Secret') {
      for (const f of ['data', 'stringData']) {
        if (isObj(obj[f]) && Object.keys(obj[f] as object).length > 0)
          out.push({ where: `${id} ${f}`, detail: `a Secret with ${f} in the output` });
      }
    }
    const visit = (node: unknown, path: string): void => {
      if (typeof node === 'string') {
        for (const d of scanString(node)) out.push({ where: `${id} ${path}`, detail: d });
        return;
      }
      if (Array.isArray(node)) {
        node.forEach((n, i) => visit(n, `${path}[${i}]`));
        return;
      }
      if (!isObj(node)) return;
      // An env var: { name, value }.
      if (typeof node.name === 'string' && typeof node.value === 'string' && SECRET_ENV_NAME.test(node.name) && !isReference(node.value)) {
        out.push({
          where: `${id} ${path}`,
          detail: `env "${node.name}" has a literal value; read it from a Secret (valueFrom.secretKeyRef)`,
        });
      }
      for (const [k, v] of Object.entries(node)) {
        if (typeof v === 'string' && SECRET_CONFIG_KEY.test(k) && !isReference(v)) {
          out.push({ where: `${id} ${path}.${k}`, detail: `key "${k}" has a literal value` });
        }
        visit(v, path ? `${path}.${k}` : k);
      }
    };
    visit(obj, '');
  }
  return out;
}
