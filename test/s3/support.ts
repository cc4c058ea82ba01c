/**
 * What the S3 tier's tests share: the platform with teams `alpha` and `beta` as synthesized, the loopback
 * versitygw and kube-apiserver that scripts/s3/run-tier.sh started, boto3 as a team's S3 client, and the
 * synthesized bootstrap Job's script run as its ServiceAccount (which creates each team's Secret and
 * provisions the store). Only addresses are swapped: the API server and the store's Service are on 127.0.0.1.
 *
 * Needs scripts/s3/run-tier.sh (S3_*, MODELPLANE_S3_PYTHON, MODELPLANE_S3_WORK, and KUBECONFIG,
 * MODELPLANE_KUBECTL, MODELPLANE_KUBE_DIR from scripts/kube/with-cluster.sh).
 */
import { App, Testing } from 'cdk8s';
import { execFileSync, spawnSync } from 'child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import path from 'path';
import { Platform } from '../../src/constructs/platform/platform';
import { BOOTSTRAP_NAME } from '../../src/constructs/mlflow/secret-bootstrap';

/** An environment variable run-tier.sh sets. */
export const need = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this tier with scripts/s3/run-tier.sh`);
  return v;
};

export const endpoint = need('S3_ENDPOINT');
export const root: [string, string] = [need('S3_ROOT_ACCESS_KEY_ID'), need('S3_ROOT_SECRET_ACCESS_KEY')];
export const python = need('MODELPLANE_S3_PYTHON');
export const work = need('MODELPLANE_S3_WORK');
const kubectl = need('MODELPLANE_KUBECTL');
const kubeDir = need('MODELPLANE_KUBE_DIR');
need('KUBECONFIG');

export type Obj = Record<string, any>;
const app = new App({ outdir: path.join(work, 'dist') });
const platform = new Platform(app, 'platform', { teams: [{ name: 'alpha' }, { name: 'beta' }] });
/** Every object the platform synthesizes. */
export const objs: Obj[] = app.charts.flatMap((c) => Testing.synth(c) as Obj[]);
/** The platform namespace. */
export const ns = platform.context.platformNamespace;
/** The embedded object store as resolved. */
export const store = platform.mlflow.objectStore!;

/** The object of the output with that kind, name and namespace. */
export const find = (kind: string, name: string, namespace = ns): Obj => {
  const o = objs.find((x) => x.kind === kind && x.metadata?.name === name && (x.metadata?.namespace ?? '') === namespace);
  if (!o) throw new Error(`the output has no ${kind} ${namespace}/${name}`);
  return o;
};

/** kubectl against the tier's API server. */
export const kc = (args: string[], input?: string): string =>
  execFileSync(kubectl, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });

/** `kubectl auth can-i ARGS --as AS`: "yes" or "no". */
export const canI = (as: string, ...args: string[]): string =>
  spawnSync(kubectl, ['auth', 'can-i', ...args, '--as', as], { encoding: 'utf8' }).stdout.trim();

export interface Outcome {
  readonly ok: boolean;
  readonly code?: string;
  readonly body?: string;
  readonly keys?: string[];
}
/** Runs S3 operations with boto3 as the given credentials. */
export function s3(ops: Array<Record<string, unknown>>): Outcome[] {
  const out = execFileSync(python, [path.join(__dirname, 's3_ops.py'), endpoint], { input: JSON.stringify(ops), encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Outcome);
}

/** The team's Secret as the cluster holds it, decoded. */
export function teamSecret(team: string): { access: string; secret: string } {
  const s = JSON.parse(kc(['get', 'secret', '-n', team, 'modelplane-s3', '-o', 'json'])) as { data: Record<string, string> };
  const d = (k: string) => Buffer.from(s.data[k], 'base64').toString();
  return { access: d('AWS_ACCESS_KEY_ID'), secret: d('AWS_SECRET_ACCESS_KEY') };
}

/** Where the bootstrap Job's files and token are, once {@link prepareBootstrap} put them there. */
export interface Bootstrap {
  /** /opt/bootstrap: the ConfigMap's files. */
  readonly dir: string;
  /** Where the kubelet would mount the ServiceAccount's token and CA. */
  readonly saDir: string;
  /** The API server. */
  readonly api: URL;
  /** The namespaces and the Job's RBAC objects, as synthesized and applied. */
  readonly rbac: Obj[];
}

/**
 * Applies the namespaces and the bootstrap's RBAC as synthesized, the store's root Secret (with the
 * credentials the loopback server was started with, as the server pod would have read them from the
 * Secret the Job made), and lays out the Job's token, CA and ConfigMap files (the store's in-cluster
 * Service address swapped for the loopback server). Applying again changes nothing.
 */
export function prepareBootstrap(name: string): Bootstrap {
  const dir = path.join(work, name, 'bootstrap');
  const saDir = path.join(work, name, 'serviceaccount');
  const rbac = objs.filter(
    (o) => o.kind === 'Namespace' || (['ServiceAccount', 'Role', 'RoleBinding'].includes(o.kind) && o.metadata.name === BOOTSTRAP_NAME),
  );
  const ordered = [...rbac].sort((a, b) => (a.kind === 'Namespace' ? 0 : 1) - (b.kind === 'Namespace' ? 0 : 1));
  kc(
    ['apply', '--server-side', '--field-manager', 'modelplane-test', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: ordered }),
  );
  kc(
    ['apply', '--server-side', '--field-manager', 'modelplane-test', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: store.rootUserSecret.name, namespace: ns },
      stringData: { [store.rootUserSecret.key]: root[0], [store.rootPasswordSecret.key]: root[1] },
    }),
  );
  mkdirSync(saDir, { recursive: true });
  writeFileSync(path.join(saDir, 'token'), kc(['create', 'token', BOOTSTRAP_NAME, '-n', ns, '--duration', '10m']).trim());
  writeFileSync(path.join(saDir, 'ca.crt'), readFileSync(path.join(kubeDir, 'pki', 'ca.crt')));
  const api = new URL(kc(['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}']).trim());
  mkdirSync(dir, { recursive: true });
  const cm = find('ConfigMap', BOOTSTRAP_NAME);
  for (const [file, text] of Object.entries(cm.data as Record<string, string>)) {
    writeFileSync(path.join(dir, file), file === 'objectstore.json' ? text.split(store.endpoint).join(endpoint) : text);
  }
  return { dir, saDir, api, rbac };
}

/** Runs the Job's container command as synthesized, with /opt/bootstrap at `b.dir` and the pod's env. */
export function runJob(b: Bootstrap): { status: number | null; out: string } {
  const job = find('Job', BOOTSTRAP_NAME);
  const c = job.spec.template.spec.containers[0];
  const mount = c.volumeMounts.find((m: Obj) => m.name === 'script').mountPath as string;
  const [cmd, ...args] = (c.command as string[]).map((a) => a.replace(mount, b.dir));
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  for (const e of c.env as Obj[]) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = ns;
    else throw new Error(`env ${e.name}: a source this test does not provide`);
  }
  // What the kubelet gives every pod, and where this machine keeps the token it would mount.
  Object.assign(env, { KUBERNETES_SERVICE_HOST: b.api.hostname, KUBERNETES_SERVICE_PORT: b.api.port, MODELPLANE_SA_DIR: b.saDir });
  const interpreter = cmd === 'python3' ? python : cmd;
  const r = spawnSync(interpreter, args, { env, encoding: 'utf8', timeout: 120000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}
