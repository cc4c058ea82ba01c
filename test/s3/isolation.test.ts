/**
 * The S3 tier: per-team object-store credentials, proven against a real S3 server.
 *
 * 1. A platform with teams `alpha` and `beta` is synthesized; from the output come the bootstrap Job's
 *    command and env, its ConfigMap (bootstrap.py, secrets.json, objectstore.py, objectstore.json) and its
 *    RBAC, in the platform namespace and in each team namespace.
 * 2. Those RBAC objects and the namespaces are applied to a local kube-apiserver; the Job's script runs
 *    here as the Job's ServiceAccount (a token from `kubectl create token`), exactly as synthesized: it
 *    creates every team's Secret and provisions versitygw (buckets, one user per team, bucket policies).
 *    Only addresses are swapped: the API server and the store's Service are on 127.0.0.1. The store's root
 *    Secret is created first with the root credentials the loopback server was started with, as the
 *    server pod would have read them from the Secret the Job made.
 * 3. With the credentials read back from each team's Secret, boto3 shows that a team reads and writes
 *    its own prefix and is refused (AccessDenied) on the other team's and on the MLflow bucket, and that
 *    the root credentials reach everything. A second run of the Job changes nothing and still works.
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
import { SparkBatchModel } from '../../src/constructs/batch/spark-batch-model';
import { TeamModels } from '../../src/constructs/team-models';
import { platformContext } from '../../src/core/context';

const need = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this tier with scripts/s3/run-tier.sh`);
  return v;
};

const endpoint = need('S3_ENDPOINT');
const root: [string, string] = [need('S3_ROOT_ACCESS_KEY_ID'), need('S3_ROOT_SECRET_ACCESS_KEY')];
const python = need('MODELPLANE_S3_PYTHON');
const work = need('MODELPLANE_S3_WORK');
const kubectl = need('MODELPLANE_KUBECTL');
const kubeDir = need('MODELPLANE_KUBE_DIR');
need('KUBECONFIG');

type Obj = Record<string, any>;
const app = new App({ outdir: path.join(work, 'dist') });
const platform = new Platform(app, 'platform', { teams: [{ name: 'alpha' }, { name: 'beta' }] });
const objs: Obj[] = app.charts.flatMap((c) => Testing.synth(c) as Obj[]);
const ns = platform.context.platformNamespace;
const find = (kind: string, name: string, namespace = ns): Obj => {
  const o = objs.find((x) => x.kind === kind && x.metadata?.name === name && (x.metadata?.namespace ?? '') === namespace);
  if (!o) throw new Error(`the output has no ${kind} ${namespace}/${name}`);
  return o;
};
const store = platform.mlflow.objectStore!;

const kc = (args: string[], input?: string): string =>
  execFileSync(kubectl, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });

interface Outcome {
  readonly ok: boolean;
  readonly code?: string;
  readonly body?: string;
  readonly keys?: string[];
}
/** Runs S3 operations with boto3 as the given credentials. */
function s3(ops: Array<Record<string, unknown>>): Outcome[] {
  const out = execFileSync(python, [path.join(__dirname, 's3_ops.py'), endpoint], { input: JSON.stringify(ops), encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Outcome);
}

/** The team's Secret as the cluster holds it, decoded. */
function teamSecret(team: string): { access: string; secret: string } {
  const s = JSON.parse(kc(['get', 'secret', '-n', team, 'modelplane-s3', '-o', 'json'])) as { data: Record<string, string> };
  const d = (k: string) => Buffer.from(s.data[k], 'base64').toString();
  return { access: d('AWS_ACCESS_KEY_ID'), secret: d('AWS_SECRET_ACCESS_KEY') };
}

/** Runs the Job's container command as synthesized, with /opt/bootstrap at `dir` and the pod's env. */
function runJob(dir: string, saDir: string, api: URL): { status: number | null; out: string } {
  const job = find('Job', BOOTSTRAP_NAME);
  const c = job.spec.template.spec.containers[0];
  const mount = c.volumeMounts.find((m: Obj) => m.name === 'script').mountPath as string;
  const [cmd, ...args] = (c.command as string[]).map((a) => a.replace(mount, dir));
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  for (const e of c.env as Obj[]) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = ns;
    else throw new Error(`env ${e.name}: a source this test does not provide`);
  }
  // What the kubelet gives every pod, and where this machine keeps the token it would mount.
  Object.assign(env, { KUBERNETES_SERVICE_HOST: api.hostname, KUBERNETES_SERVICE_PORT: api.port, MODELPLANE_SA_DIR: saDir });
  const interpreter = cmd === 'python3' ? python : cmd;
  const r = spawnSync(interpreter, args, { env, encoding: 'utf8', timeout: 120000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('S3 tier: the bootstrap Job gives each team its own credentials on versitygw', () => {
  const dir = path.join(work, 'bootstrap');
  const saDir = path.join(work, 'serviceaccount');
  let api: URL;
  let first = '';

  beforeAll(() => {
    // The namespaces and the bootstrap's RBAC, as synthesized.
    const rbac = objs.filter(
      (o) => o.kind === 'Namespace' || (['ServiceAccount', 'Role', 'RoleBinding'].includes(o.kind) && o.metadata.name === BOOTSTRAP_NAME),
    );
    expect(rbac.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort()).toEqual(
      [
        // The platform also creates Airflow's namespace (with the restricted Pod Security labels).
        'Namespace//airflow',
        'Namespace//alpha',
        'Namespace//beta',
        `Namespace//${ns}`,
        `Role/${ns}/${BOOTSTRAP_NAME}`,
        `Role/alpha/${BOOTSTRAP_NAME}`,
        `Role/beta/${BOOTSTRAP_NAME}`,
        `RoleBinding/${ns}/${BOOTSTRAP_NAME}`,
        `RoleBinding/alpha/${BOOTSTRAP_NAME}`,
        `RoleBinding/beta/${BOOTSTRAP_NAME}`,
        `ServiceAccount/${ns}/${BOOTSTRAP_NAME}`,
      ].sort(),
    );
    const ordered = [...rbac].sort((a, b) => (a.kind === 'Namespace' ? 0 : 1) - (b.kind === 'Namespace' ? 0 : 1));
    kc(
      ['apply', '--server-side', '--field-manager', 'modelplane-test', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: ordered }),
    );
    // The store's root Secret, holding the credentials the loopback server runs with (test-only values).
    const rootSecret = store.rootUserSecret.name;
    kc(
      ['apply', '--server-side', '--field-manager', 'modelplane-test', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: rootSecret, namespace: ns },
        stringData: { [store.rootUserSecret.key]: root[0], [store.rootPasswordSecret.key]: root[1] },
      }),
    );
    // The Job's token and CA, where the kubelet would mount them.
    mkdirSync(saDir, { recursive: true });
    writeFileSync(path.join(saDir, 'token'), kc(['create', 'token', BOOTSTRAP_NAME, '-n', ns, '--duration', '10m']).trim());
    writeFileSync(path.join(saDir, 'ca.crt'), readFileSync(path.join(kubeDir, 'pki', 'ca.crt')));
    api = new URL(kc(['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}']).trim());
    // The ConfigMap's files; the store's in-cluster Service address is the loopback server.
    mkdirSync(dir, { recursive: true });
    const cm = find('ConfigMap', BOOTSTRAP_NAME);
    for (const [file, text] of Object.entries(cm.data as Record<string, string>)) {
      writeFileSync(path.join(dir, file), file === 'objectstore.json' ? text.split(store.endpoint).join(endpoint) : text);
    }
  });

  test('the synthesized Job runs the object-store provisioning with the ConfigMap it mounts', () => {
    const c = find('Job', BOOTSTRAP_NAME).spec.template.spec.containers[0];
    expect(c.command).toEqual(['python3', '/opt/bootstrap/bootstrap.py', '/opt/bootstrap/secrets.json', '/opt/bootstrap/objectstore.json']);
    const config = JSON.parse(find('ConfigMap', BOOTSTRAP_NAME).data['objectstore.json']);
    expect(config.teams.map((t: Obj) => [t.name, t.namespace, t.secretName, t.prefix])).toEqual([
      ['alpha', 'alpha', 'modelplane-s3', 'alpha'],
      ['beta', 'beta', 'modelplane-s3', 'beta'],
    ]);
    expect(config.teamBuckets).toEqual(['code', 'envs', 'data']);
  });

  test('the Job, run as its ServiceAccount, creates each team Secret and provisions the store', () => {
    const r = runJob(dir, saDir, api);
    first = r.out;
    expect({ status: r.status, out: r.out }).toEqual({ status: 0, out: expect.any(String) });
    expect(r.out).toContain(`exists: ${ns}/${store.rootUserSecret.name}`);
    expect(r.out).toContain('created: alpha/modelplane-s3');
    expect(r.out).toContain('created: beta/modelplane-s3');
    expect(r.out).toContain('team user created: alpha');
    expect(r.out).toContain('bucket policy written: code');
    const alpha = teamSecret('alpha');
    expect(alpha.access).toBe('modelplane-alpha');
    expect(alpha.secret).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(teamSecret('beta').secret).not.toBe(alpha.secret);
    // Nothing of the credentials is printed.
    expect(r.out).not.toContain(alpha.secret);
  });

  test("the Job's RBAC: only the named Secrets, in the team namespaces only", () => {
    const as = `system:serviceaccount:${ns}:${BOOTSTRAP_NAME}`;
    const can = (...args: string[]) => spawnSync(kubectl, ['auth', 'can-i', ...args, '--as', as], { encoding: 'utf8' }).stdout.trim();
    expect(can('get', 'secret/modelplane-s3', '-n', 'alpha')).toBe('yes');
    expect(can('get', 'secret/other', '-n', 'alpha')).toBe('no');
    expect(can('list', 'secrets', '-n', 'alpha')).toBe('no');
    expect(can('update', 'secret/modelplane-s3', '-n', 'alpha')).toBe('no');
    expect(can('get', 'secret/modelplane-s3', '-n', 'default')).toBe('no');
  });

  test("team alpha writes and reads its prefix; refused on beta's and on the MLflow bucket", () => {
    const a = teamSecret('alpha');
    const b = teamSecret('beta');
    const A = [a.access, a.secret];
    const B = [b.access, b.secret];
    const results = s3([
      { as: A, op: 'put', bucket: 'code', key: 'alpha/model/score.py', body: 'print("alpha")' },
      { as: A, op: 'get', bucket: 'code', key: 'alpha/model/score.py' },
      { as: A, op: 'list', bucket: 'code', prefix: 'alpha/' },
      { as: B, op: 'put', bucket: 'code', key: 'beta/model/score.py', body: 'print("beta")' },
      { as: A, op: 'put', bucket: 'code', key: 'beta/model/score.py', body: 'overwritten' },
      { as: A, op: 'get', bucket: 'code', key: 'beta/model/score.py' },
      { as: A, op: 'list', bucket: 'code', prefix: 'beta/' },
      { as: A, op: 'list', bucket: 'code', prefix: '' },
      { as: A, op: 'delete', bucket: 'code', key: 'beta/model/score.py' },
      { as: A, op: 'put', bucket: 'code', key: 'alphabet/x', body: 'next to the prefix' },
      { as: A, op: 'put', bucket: 'mlflow', key: 'mlflow/x', body: 'x' },
      { as: A, op: 'list', bucket: 'mlflow', prefix: '' },
      { as: B, op: 'get', bucket: 'code', key: 'alpha/model/score.py' },
      { as: B, op: 'get', bucket: 'code', key: 'beta/model/score.py' },
      { as: [a.access, 'wrong-secret'], op: 'get', bucket: 'code', key: 'alpha/model/score.py' },
    ]);
    expect(results).toEqual([
      { ok: true },
      { ok: true, body: 'print("alpha")' },
      { ok: true, keys: ['alpha/model/score.py'] },
      { ok: true },
      { ok: false, code: 'AccessDenied' },
      { ok: false, code: 'AccessDenied' },
      { ok: false, code: 'AccessDenied' },
      { ok: false, code: 'AccessDenied' },
      { ok: false, code: 'AccessDenied' },
      { ok: false, code: 'AccessDenied' },
      { ok: false, code: 'AccessDenied' },
      { ok: false, code: 'AccessDenied' },
      { ok: false, code: 'AccessDenied' },
      { ok: true, body: 'print("beta")' },
      { ok: false, code: 'SignatureDoesNotMatch' },
    ]);
  });

  test("a batch model's pods fetch alpha's packed environment with alpha's keys (the team ConfigMap's program), never beta's", () => {
    // Team alpha's model as synthesized: the init container of its Spark pods and the program it runs.
    const chart = new TeamModels(Testing.app(), 'alpha', { platform: platformContext({}) });
    new SparkBatchModel(chart, 'churn', {
      image: 'registry.example.com/alpha/churn:1.0.0',
      sparkVersion: '3.5.5',
      pythonEnv: { archive: 's3a://envs/alpha/churn/env-1.0.0.tar.gz', pythonVersion: '3.11' },
      score: { mainApplicationFile: 'local:///app/score.py' },
    });
    const objs = Testing.synth(chart) as Array<{ kind: string; metadata: { name: string }; data?: Record<string, string> }>;
    const program = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'modelplane-spark-environment')!.data!;
    const templates = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'churn-spark')!.data!;
    const init = JSON.parse(templates['score.json']).spec.executor.template.spec.initContainers[0] as {
      command: string[];
      env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { key: string } } }>;
    };
    const dir = path.join(work, 'environment');
    mkdirSync(path.join(dir, 'etc'), { recursive: true });
    mkdirSync(path.join(dir, 'packed', 'bin'), { recursive: true });
    writeFileSync(path.join(dir, 'etc', 'fetch_environment.py'), program['fetch_environment.py']);
    writeFileSync(path.join(dir, 'packed', 'bin', 'python'), '#!/bin/sh\necho "packed python for $*"\n', { mode: 0o755 });
    execFileSync('tar', ['-C', path.join(dir, 'packed'), '-czf', path.join(dir, 'env.tar.gz'), '.']);
    const a = teamSecret('alpha');
    const b = teamSecret('beta');
    expect(
      s3([
        {
          as: [a.access, a.secret],
          op: 'put',
          bucket: 'envs',
          key: 'alpha/churn/env-1.0.0.tar.gz',
          bodyFile: path.join(dir, 'env.tar.gz'),
        },
        { as: [b.access, b.secret], op: 'put', bucket: 'envs', key: 'beta/churn/env-1.0.0.tar.gz', bodyFile: path.join(dir, 'env.tar.gz') },
      ]),
    ).toEqual([{ ok: true }, { ok: true }]);
    // The init container's env as the kubelet gives it: alpha's Secret, the store's Service on loopback.
    const run = (archive?: string) => {
      const target = path.join(dir, `unpacked-${archive ? 'other' : 'own'}`);
      mkdirSync(target, { recursive: true });
      const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
      for (const e of init.env) {
        env[e.name] = e.valueFrom ? (e.valueFrom.secretKeyRef.key === 'AWS_ACCESS_KEY_ID' ? a.access : a.secret) : e.value!;
      }
      Object.assign(
        env,
        { AWS_ENDPOINT_URL_S3: endpoint, MODELPLANE_ENVIRONMENT_DIR: target },
        archive ? { MODELPLANE_ENVIRONMENT_ARCHIVE: archive } : {},
      );
      const r = spawnSync('python3', [path.join(dir, 'etc', 'fetch_environment.py')], { env, encoding: 'utf8' });
      return { ...r, target };
    };
    expect(init.command).toEqual(['python3', '/etc/modelplane/spark-environment/fetch_environment.py']);
    const own = run();
    expect(own.stderr).toBe('');
    expect(own.status).toBe(0);
    expect(own.stdout).toMatch(/s3a:\/\/envs\/alpha\/churn\/env-1\.0\.0\.tar\.gz \(\d+ bytes\) unpacked into/);
    expect(execFileSync(path.join(own.target, 'bin', 'python'), ['score.py'], { encoding: 'utf8' })).toBe('packed python for score.py\n');
    // A restarted init container of the same pod finds it unpacked.
    expect(run().stdout).toContain('already unpacked');
    const other = run('s3a://envs/beta/churn/env-1.0.0.tar.gz');
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(
      /^modelplane: environment: GET http:\/\/127\.0\.0\.1:\d+\/envs\/beta\/churn\/env-1\.0\.0\.tar\.gz answered 403: AccessDenied/,
    );
  });

  test('the root credentials (the MLflow server and the Job) reach every bucket', () => {
    const results = s3([
      { as: root, op: 'put', bucket: 'mlflow', key: 'mlflow/1/artifact.txt', body: 'artifact' },
      { as: root, op: 'get', bucket: 'mlflow', key: 'mlflow/1/artifact.txt' },
      { as: root, op: 'list', bucket: 'code', prefix: '' },
      { as: root, op: 'get', bucket: 'code', key: 'beta/model/score.py' },
    ]);
    expect(results).toEqual([
      { ok: true },
      { ok: true, body: 'artifact' },
      { ok: true, keys: ['alpha/model/score.py', 'beta/model/score.py'] },
      { ok: true, body: 'print("beta")' },
    ]);
  });

  test('a second run of the Job keeps the Secrets and the data, and the credentials still work', () => {
    const before = teamSecret('alpha');
    const r = runJob(dir, saDir, api);
    expect({ status: r.status, out: r.out }).toEqual({ status: 0, out: expect.any(String) });
    expect(first).not.toBe('');
    expect(r.out).toContain('exists: alpha/modelplane-s3');
    expect(r.out).toContain('bucket exists: code');
    expect(r.out).toContain('team user updated: alpha');
    expect(teamSecret('alpha')).toEqual(before);
    const A = [before.access, before.secret];
    expect(
      s3([
        { as: A, op: 'get', bucket: 'code', key: 'alpha/model/score.py' },
        { as: A, op: 'get', bucket: 'code', key: 'beta/model/score.py' },
      ]),
    ).toEqual([
      { ok: true, body: 'print("alpha")' },
      { ok: false, code: 'AccessDenied' },
    ]);
  });
});
