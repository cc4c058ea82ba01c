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
import { Testing } from 'cdk8s';
import { execFileSync, spawnSync } from 'child_process';
import { mkdirSync, writeFileSync } from 'fs';
import path from 'path';
import { BOOTSTRAP_NAME } from '../../src/constructs/mlflow/secret-bootstrap';
import { SparkBatchModel } from '../../src/constructs/batch/spark-batch-model';
import { TeamModels } from '../../src/constructs/team-models';
import { platformContext } from '../../src/core/context';
import { Bootstrap, canI, endpoint, find, ns, Obj, prepareBootstrap, root, runJob, s3, store, teamSecret, work } from './support';

describe('S3 tier: the bootstrap Job gives each team its own credentials on versitygw', () => {
  let b: Bootstrap;
  let first = '';

  beforeAll(() => {
    b = prepareBootstrap('isolation');
    // The namespaces and the bootstrap's RBAC, as synthesized.
    expect(b.rbac.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort()).toEqual(
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
    const r = runJob(b);
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
    const can = (...args: string[]) => canI(as, ...args);
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
    const r = runJob(b);
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
