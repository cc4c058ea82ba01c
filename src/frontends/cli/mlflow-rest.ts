/**
 * The four calls of MLflow's REST API 2.0 that `modelplane promote` makes, with Node.js's `fetch` (no
 * client library): get a model version, get the version an alias points to, set a version tag, set an
 * alias. Authentication as MLflow's own clients read it from the environment. Messages name the URL
 * without credentials and never the credentials.
 */
import { UsageError } from '../config/usage-error';
import type { Env } from './exit';

/** How long one request may take. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** A model version as `model-versions/get` returns it (the fields promote reads). */
export interface ModelVersion {
  /** The registered model. */
  readonly name: string;
  /** The version number, as a string. */
  readonly version: string;
  /** Its tags. */
  readonly tags: Readonly<Record<string, string>>;
}

/** A request MLflow refused, or one that got no usable answer. */
export class MlflowError extends Error {
  constructor(
    message: string,
    /** The HTTP status. @default - no answer */
    public readonly status?: number,
    /** MLflow's `error_code`. @default - none in the answer */
    public readonly errorCode?: string,
    /** MLflow's `message`. @default - none in the answer */
    public readonly detail?: string,
  ) {
    super(message);
    this.name = 'MlflowError';
  }
}

/** The tracking server: its base URL (no credentials) and the `Authorization` header. */
export interface MlflowConnection {
  /** The tracking URI without user info, query or fragment, and without a trailing slash. */
  readonly base: string;
  /** The `Authorization` header value. @default - no header */
  readonly authorization?: string;
}

/** Where the tracking URI came from, for messages. */
function uriOrigin(fromOption: boolean): string {
  return fromOption ? '--tracking-uri' : 'MLFLOW_TRACKING_URI';
}

/**
 * The connection: `--tracking-uri`, else `MLFLOW_TRACKING_URI`; `MLFLOW_TRACKING_TOKEN` as a bearer token,
 * else `MLFLOW_TRACKING_USERNAME` and `MLFLOW_TRACKING_PASSWORD` (or the URI's user info) as basic auth.
 */
export function mlflowConnection(trackingUri: string | undefined, env: Env): MlflowConnection {
  const fromOption = trackingUri !== undefined;
  const raw = (trackingUri ?? env.MLFLOW_TRACKING_URI ?? '').trim();
  if (raw === '') {
    throw new UsageError(
      'no MLflow tracking server: --tracking-uri is not given and MLFLOW_TRACKING_URI is not set. Fix: pass --tracking-uri https://mlflow.example.org (or set MLFLOW_TRACKING_URI)',
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      `${uriOrigin(fromOption)} = "${redactedUri(raw)}" is not an http(s) URL; promote talks to a tracking server's REST API. Fix: pass the server's URL, such as https://mlflow.example.org`,
    );
  }
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return { base: url.toString().replace(/\/+$/, ''), authorization: authorization(env, user, password) };
}

/** A URI as it may be printed: user info replaced by `***`. */
function redactedUri(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}

/** The `Authorization` header MLflow's clients send for these variables. */
function authorization(env: Env, uriUser: string, uriPassword: string): string | undefined {
  const token = env.MLFLOW_TRACKING_TOKEN?.trim();
  if (token) return `Bearer ${token}`;
  const user = env.MLFLOW_TRACKING_USERNAME;
  const password = env.MLFLOW_TRACKING_PASSWORD;
  if (user || password) {
    if (!user || !password) {
      const missing = user ? 'MLFLOW_TRACKING_PASSWORD' : 'MLFLOW_TRACKING_USERNAME';
      throw new UsageError(
        `${missing} is not set, but ${user ? 'MLFLOW_TRACKING_USERNAME' : 'MLFLOW_TRACKING_PASSWORD'} is: basic authentication needs both. Fix: set ${missing} too, or neither`,
      );
    }
    return basic(user, password);
  }
  return uriUser ? basic(uriUser, uriPassword) : undefined;
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/** The four calls, on one connection. */
export class MlflowRest {
  constructor(
    private readonly connection: MlflowConnection,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** `GET model-versions/get`; `{ missing }` with MLflow's message when the model or version does not exist. */
  public async modelVersion(name: string, version: string): Promise<ModelVersion | { readonly missing: string }> {
    let missing = '';
    const r = await this.call('GET', 'model-versions/get', { name, version }, (e) => {
      missing = e.detail ?? '';
      return e.errorCode === 'RESOURCE_DOES_NOT_EXIST';
    });
    if (r === undefined) return { missing };
    const mv = (r as { model_version?: { name?: string; version?: string; tags?: Array<{ key?: string; value?: string }> } }).model_version;
    const tags: Record<string, string> = {};
    for (const t of mv?.tags ?? []) if (typeof t.key === 'string') tags[t.key] = t.value ?? '';
    return { name: mv?.name ?? name, version: String(mv?.version ?? version), tags };
  }

  /**
   * `GET registered-models/alias`: the version `alias` points to; undefined when it points to none (MLflow's
   * SQL and file stores answer 400 INVALID_PARAMETER_VALUE "Registered model alias X not found.", other
   * registries 404 RESOURCE_DOES_NOT_EXIST).
   */
  public async aliasVersion(name: string, alias: string): Promise<string | undefined> {
    const missing = (e: MlflowError) =>
      e.errorCode === 'RESOURCE_DOES_NOT_EXIST' ||
      (e.errorCode === 'INVALID_PARAMETER_VALUE' && /alias .* not found/i.test(e.detail ?? ''));
    const r = await this.call('GET', 'registered-models/alias', { name, alias }, missing);
    const version = (r as { model_version?: { version?: string | number } } | undefined)?.model_version?.version;
    return version === undefined ? undefined : String(version);
  }

  /** `POST model-versions/set-tag`. */
  public async setVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.call('POST', 'model-versions/set-tag', { name, version, key, value });
  }

  /** `POST registered-models/alias`: points `alias` to `version`. */
  public async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.call('POST', 'registered-models/alias', { name, alias, version });
  }

  /** One request; the parsed answer, or undefined when `absent` accepts MLflow's error. */
  private async call(
    method: 'GET' | 'POST',
    endpoint: string,
    params: Record<string, string>,
    absent: (e: MlflowError) => boolean = () => false,
  ): Promise<unknown> {
    const url = `${this.connection.base}/api/2.0/mlflow/${endpoint}${method === 'GET' ? `?${new URLSearchParams(params)}` : ''}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.connection.authorization) headers.authorization = this.connection.authorization;
    if (method === 'POST') headers['content-type'] = 'application/json';
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(url, {
        method,
        headers,
        body: method === 'POST' ? JSON.stringify(params) : undefined,
        // A redirect is reported, not followed: the credentials go only where the tracking URI points.
        redirect: 'manual',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      text = await res.text();
    } catch (e) {
      throw new MlflowError(`cannot reach MLflow: ${method} ${url}: ${networkCause(e)}. Fix: ${REACH_FIX}`);
    }
    if (res.ok) return parseJson(text) ?? {};
    if (res.status >= 300 && res.status < 400) {
      const to = res.headers.get('location') ?? 'no location';
      throw new MlflowError(
        `MLflow answered ${res.status} to ${method} ${url}: a redirect to ${redactedUri(to)}, which promote does not follow. Fix: pass the tracking server's own URL (the one it redirects to, if that is it) as --tracking-uri`,
        res.status,
      );
    }
    const error = answerError(method, url, res.status, text);
    if (absent(error)) return undefined;
    throw error;
  }
}

const REACH_FIX = 'check --tracking-uri (or MLFLOW_TRACKING_URI) and that the tracking server is up and reachable from here';

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The cause of a failed `fetch`, in one line: the system error (ECONNREFUSED …), a timeout, a refused redirect. */
function networkCause(e: unknown): string {
  const err = e as Error & { cause?: Error & { code?: string } };
  if (err?.name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  const cause = err?.cause;
  const text = cause
    ? cause.code && !cause.message.includes(cause.code)
      ? `${cause.code} ${cause.message}`
      : cause.message
    : err?.message;
  return String(text ?? e)
    .replace(/\s+/g, ' ')
    .trim();
}

/** MLflow's error answer (`{"error_code": ..., "message": ...}`, or any other body) as one line. */
function answerError(method: string, url: string, status: number, text: string): MlflowError {
  const json = parseJson(text) as { error_code?: unknown; message?: unknown } | undefined;
  const code = typeof json?.error_code === 'string' ? json.error_code : undefined;
  const detail = typeof json?.message === 'string' ? json.message : undefined;
  const message =
    detail !== undefined
      ? detail
      : text
          .replace(/<[^>]*>/g, ' ')
          .replace(/\s+/g, ' ')
          .trim()
          .slice(0, 200);
  const fix =
    status === 401 || status === 403
      ? 'check the credentials in MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, and that they may edit this registered model'
      : status >= 500
        ? "look at the tracking server's log, then run the command again"
        : code
          ? 'correct what MLflow names above'
          : 'check the tracking URI: it must be the MLflow tracking server itself';
  const said = [code, message.replace(/[.\s]+$/, '')].filter((s) => s).join(': ');
  return new MlflowError(`MLflow answered ${status} to ${method} ${url}${said ? `: ${said}` : ''}. Fix: ${fix}`, status, code, detail);
}
