/**
 * Issue 4's proof with real software, everything on loopback:
 * 1. a real MLflow server started with the command, args and env of the SYNTHESIZED MlflowServer
 *    Deployment (PostgreSQL backend from Debian, S3 artifacts on versitygw, the embedded store's server,
 *    built from the Go module proxy and provisioned by the SYNTHESIZED bootstrap's objectstore.py), after
 *    its `db upgrade` init container; a scikit-learn model logged and registered through it;
 * 2. MLServer started with the command and env of the SYNTHESIZED `deployment`-backend Deployment,
 *    serving `models:/<name>@champion`, called over REST (v2) and scraped on its metrics port;
 * 3. the SYNTHESIZED ModelTest Job's command run against it: passes on the right reference scores,
 *    fails on wrong ones; and the RetroTest's scoring step scoring a past period into MLflow's store.
 *
 * Needs scripts/serving/run-tier.sh (PG_*, S3_ENDPOINT, S3_ROOT_*, MODELPLANE_SERVING_VENV, MODELPLANE_SERVING_WORK).
 */
import { randomBytes } from 'node:crypto';
import { teamAccessKey } from '../../src/constructs/mlflow/object-store-provision';
import { spawnSync } from 'child_process';
import { mkdirSync, writeFileSync, readFileSync } from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import { ModelTest } from '../../src/constructs/online/model-test';
import { OnlineModel } from '../../src/constructs/online/online-model';
import { Platform } from '../../src/constructs/platform/platform';
import { RetroTest } from '../../src/constructs/online/retro-test';
import { TeamModels } from '../../src/constructs/team-models';
import { freePort, resolveArgv, resolveEnv, startServer, stopServer, swap, SynthContainer, waitFor } from './k8s-env';

const need = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set: run this tier through scripts/serving/run-tier.sh (npm run test:serving)`);
  return v;
};
const venv = need('MODELPLANE_SERVING_VENV');
const work = need('MODELPLANE_SERVING_WORK');
const pidFile = path.join(work, 'pids');
const bin = (p: string) => path.join(venv, 'bin', p);
const basePath = `${path.join(venv, 'bin')}:/usr/local/bin:/usr/bin:/bin`;

/** GET with an explicit Host header (fetch does not let a caller set Host). */
function statusWithHost(port: number, urlPath: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method: 'GET', headers: { Host: host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

// ---- synthesize what the product ships ----
const app = new App({ outdir: path.join(work, 'dist') });
// The team is the platform's (its namespace comes from the platform: the reference check refuses models
// in a namespace nothing creates); the Prometheus Operator installed, so the model has its ServiceMonitor to scrape by.
const platform = new Platform(app, 'platform', { teams: [{ name: 'demo' }], operators: { prometheus: { enabled: true } } });
const models = new TeamModels(app, 'demo', { platform: platform.context });
const MODEL = 'fraud-score';
const online = new OnlineModel(models, 'fraud', {
  model: `models:/${MODEL}@champion`,
  backend: 'deployment',
  autoscaling: { maxReplicas: 3 },
});
const platformObjs = Testing.synth(platform);
/** The demo team's chart with the same OnlineModel plus what `extra` adds (tests, retro tests). */
const modelObjs = (extra: (m: TeamModels, o: OnlineModel) => void) => {
  const a = new App({ outdir: path.join(work, 'dist2') });
  const p = new Platform(a, 'platform', { teams: [{ name: 'demo' }], operators: { prometheus: { enabled: true } } });
  const m = new TeamModels(a, 'demo', { platform: p.context });
  extra(m, new OnlineModel(m, 'fraud', { model: `models:/${MODEL}@champion`, backend: 'deployment', autoscaling: { maxReplicas: 3 } }));
  return Testing.synth(m);
};
const onlineObjs = Testing.synth(models);
const mlflowDeployment = platformObjs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'mlflow');
const modelDeployment = onlineObjs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'fraud');

describe('serving tier: synthesized MLflow, MLServer and model tests, for real on loopback', () => {
  const pg = { host: need('PG_HOST'), port: need('PG_PORT'), password: need('PG_PASSWORD') };
  const s3 = { endpoint: need('S3_ENDPOINT'), key: need('S3_ROOT_ACCESS_KEY_ID'), secret: need('S3_ROOT_SECRET_ACCESS_KEY') };
  const store = platform.mlflow.objectStore!;
  const root = path.join(work, 'fs');
  let mlflow: ReturnType<typeof startServer> | undefined;
  let mlserver: ReturnType<typeof startServer> | undefined;
  let retro: ReturnType<typeof startServer> | undefined;
  let mlflowPort = 0;
  let mlflowUrl = '';
  let serverUrl = '';
  let metricsUrl = '';
  const inClusterMlflow = platform.mlflow.trackingUri.replace(/^http:\/\//, ''); // mlflow.<ns>.svc.cluster.local:5000

  // The Secret values the cluster would hold, for this run only (the root keys the loopback server runs with).
  const secrets = (): Record<string, string> => ({
    [`${platform.mlflow.postgres!.passwordSecret.name}/${platform.mlflow.postgres!.passwordSecret.key}`]: pg.password,
    [`${store.rootUserSecret.name}/${store.rootUserSecret.key}`]: s3.key,
    [`${store.rootPasswordSecret.name}/${store.rootPasswordSecret.key}`]: s3.secret,
  });
  // In-cluster addresses -> the loopback servers standing in for them.
  const swaps = (): Record<string, string> => ({
    [`${platform.mlflow.postgres!.serviceName}.modelplane-system.svc.cluster.local:5432`]: `${pg.host}:${pg.port}`,
    [store.endpoint]: s3.endpoint,
    [inClusterMlflow]: `localhost:${mlflowPort}`,
  });
  // Writable container paths (emptyDirs) -> directories of this run.
  const paths = (text: string) => text.replace(/^\/(tmp|var\/mlflow)(\/|$)/, `${root}/$1$2`);
  // The retro test's pod has its own /tmp.
  const retroPaths = (text: string) => text.replace(/^\/tmp(\/|$)/, `${root}/retro-tmp$1`);

  afterAll(async () => {
    await stopServer(retro);
    await stopServer(mlserver);
    await stopServer(mlflow);
  });

  test('the synthesized manifests have what the proof needs', () => {
    expect(mlflowDeployment).toBeDefined();
    expect(modelDeployment).toBeDefined();
    expect(online.spec.backend).toBe('deployment');
  });

  test('0. the object store provisioned by the synthesized bootstrap script: the MLflow bucket exists', () => {
    // The bootstrap ConfigMap's objectstore.py and objectstore.json, run as the script's own entry point with the
    // root credentials in files (the Job passes those it read from the cluster); the Service is the loopback server.
    const cm = platformObjs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'modelplane-secret-bootstrap');
    const dir = path.join(work, 'bootstrap');
    mkdirSync(path.join(dir, 'root'), { recursive: true });
    mkdirSync(path.join(dir, 'teams'), { recursive: true });
    writeFileSync(path.join(dir, 'objectstore.py'), cm.data['objectstore.py']);
    writeFileSync(path.join(dir, 'objectstore.json'), cm.data['objectstore.json']);
    writeFileSync(path.join(dir, 'root', store.rootUserSecret.key), s3.key);
    writeFileSync(path.join(dir, 'root', store.rootPasswordSecret.key), s3.secret);
    // Each team's credentials, as the Job passes those it created in the team's Secret (random there too).
    for (const t of JSON.parse(cm.data['objectstore.json']).teams as { name: string }[]) {
      mkdirSync(path.join(dir, 'teams', t.name), { recursive: true });
      writeFileSync(path.join(dir, 'teams', t.name, 'AWS_ACCESS_KEY_ID'), teamAccessKey(t.name));
      writeFileSync(path.join(dir, 'teams', t.name, 'AWS_SECRET_ACCESS_KEY'), randomBytes(24).toString('hex'));
    }
    const r = spawnSync(bin('python'), [path.join(dir, 'objectstore.py'), path.join(dir, 'objectstore.json')], {
      env: {
        PATH: basePath,
        S3_ENDPOINT: s3.endpoint,
        ROOT_CREDENTIALS_DIR: path.join(dir, 'root'),
        TEAM_CREDENTIALS_DIR: path.join(dir, 'teams'),
      },
      encoding: 'utf8',
      timeout: 120000,
    });
    expect({ status: r.status, out: r.status === 0 ? '' : `${r.stdout}${r.stderr}` }).toEqual({ status: 0, out: '' });
    expect(r.stdout).toContain(`bucket created: ${store.bucket}`);
  });

  test('1. MLflow from the synthesized Deployment: db upgrade, server with PostgreSQL and S3 artifacts, model logged and registered', async () => {
    mkdirSync(path.join(root, 'tmp'), { recursive: true });
    mkdirSync(path.join(root, 'var/mlflow/metrics'), { recursive: true });
    const pod = mlflowDeployment.spec.template.spec;
    const init: SynthContainer = pod.initContainers.find((c: SynthContainer) => c.name === 'db-upgrade');
    const main: SynthContainer = pod.containers.find((c: SynthContainer) => c.name === 'mlflow');
    const portArg = main.args![main.args!.indexOf('--port') + 1];
    mlflowPort = Number(portArg);
    // The allowed-hosts list names localhost:<port>: keep the synthesized port so the real check applies.
    expect(await portIsFree(mlflowPort)).toBe(true);
    mlflowUrl = `http://localhost:${mlflowPort}`;

    const run = (c: SynthContainer) => {
      const vars = resolveEnv(c, secrets());
      const env: Record<string, string> = { PATH: basePath };
      for (const [k, val] of Object.entries(vars)) env[k] = paths(swap(val, swaps()));
      const argv = resolveArgv(c, env).map((a) => paths(a));
      return { env, argv };
    };

    // The init container, as the kubelet would run it before the server.
    const up = run(init);
    expect(up.argv.slice(0, 3)).toEqual(['mlflow', 'db', 'upgrade']);
    expect(up.argv[3]).toBe(`postgresql://mlflow:${pg.password}@${pg.host}:${pg.port}/mlflow`);
    const r = spawnSync(bin('mlflow'), up.argv.slice(1), { env: up.env, encoding: 'utf8', timeout: 300000 });
    expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr.slice(-3000) }).toEqual({ status: 0, stderr: '' });

    const srv = run(main);
    expect(srv.argv.slice(0, 2)).toEqual(['mlflow', 'server']);
    // Loopback only: the container listens on all interfaces of its pod; here, 127.0.0.1.
    const hostIdx = srv.argv.indexOf('--host');
    expect(srv.argv[hostIdx + 1]).toBe('0.0.0.0');
    srv.argv[hostIdx + 1] = '127.0.0.1';
    // Two workers instead of the synthesized four: the same code path, less memory on a 2-core CI box.
    const wIdx = srv.argv.indexOf('--workers');
    srv.argv[wIdx + 1] = '2';
    mlflow = startServer([bin('mlflow'), ...srv.argv.slice(1)], srv.env, path.join(work, 'mlflow.log'), pidFile);
    // The synthesized probes: startup/readiness on /health, liveness on /version, Host localhost:<port>.
    const probe = main as unknown as {
      startupProbe: { httpGet: { path: string; httpHeaders: Array<{ name: string; value: string }> } };
      livenessProbe: { httpGet: { path: string } };
    };
    const hostHeader = Object.fromEntries(probe.startupProbe.httpGet.httpHeaders.map((h) => [h.name, h.value]));
    await waitFor(`http://127.0.0.1:${mlflowPort}${probe.startupProbe.httpGet.path}`, 240, mlflow);
    expect(await statusWithHost(mlflowPort, probe.startupProbe.httpGet.path, hostHeader.Host)).toBe(200);
    expect(await statusWithHost(mlflowPort, probe.livenessProbe.httpGet.path, hostHeader.Host)).toBe(200);
    // --allowed-hosts (MLflow >= 3.5 checks the Host header on its API): the in-cluster Service name
    // passes, a foreign Host is refused (403).
    const api = '/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default';
    expect(await statusWithHost(mlflowPort, api, inClusterMlflow)).toBe(200);
    expect(await statusWithHost(mlflowPort, api, `localhost:${mlflowPort}`)).toBe(200);
    expect(await statusWithHost(mlflowPort, api, 'evil.example.com')).toBe(403);

    // Log and register through the server, with no S3 credentials on the client (proxied artifacts).
    const t = spawnSync(bin('python'), [path.join(__dirname, 'train_register.py'), work, MODEL, 'champion'], {
      env: { PATH: basePath, HOME: path.join(root, 'tmp'), MLFLOW_TRACKING_URI: mlflowUrl, GIT_PYTHON_REFRESH: 'quiet' },
      encoding: 'utf8',
      timeout: 600000,
    });
    expect({ status: t.status, stderr: t.status === 0 ? '' : t.stderr.slice(-4000) }).toEqual({ status: 0, stderr: '' });
    const reg = JSON.parse(readFileSync(path.join(work, 'registered.json'), 'utf8'));
    expect(reg.version).toBe('1');
    // The artifacts really are in S3 (versitygw), under the synthesized --artifacts-destination.
    const dest = main.args![main.args!.indexOf('--artifacts-destination') + 1];
    const bucket = dest.replace(/^s3:\/\//, '').split('/')[0];
    const ls = spawnSync(
      bin('python'),
      [
        '-c',
        `import boto3,sys; r=boto3.client('s3', endpoint_url='${s3.endpoint}').list_objects_v2(Bucket='${bucket}'); print('\\n'.join(o['Key'] for o in r.get('Contents', [])))`,
      ],
      {
        env: { PATH: basePath, AWS_ACCESS_KEY_ID: s3.key, AWS_SECRET_ACCESS_KEY: s3.secret, AWS_DEFAULT_REGION: 'us-east-1' },
        encoding: 'utf8',
      },
    );
    expect(ls.status).toBe(0);
    expect(ls.stdout).toMatch(/MLmodel/);
  });

  test('2. MLServer from the synthesized deployment-backend workload serves the registered model over REST v2', async () => {
    expect(mlflowUrl).not.toBe('');
    const pod = modelDeployment.spec.template.spec;
    const c = pod.containers.find((x: SynthContainer) => x.name === 'mlserver');
    const vars = resolveEnv(c, {});
    expect(vars.MLSERVER_MODEL_URI).toBe(`models:/${MODEL}@champion`);
    expect(vars.MLSERVER_MODEL_IMPLEMENTATION).toBe('mlserver_mlflow.MLflowRuntime');
    // Loopback only, and free ports: the pod's ports may be taken on a shared CI machine.
    const ports = { http: await freePort(), grpc: await freePort(), metrics: await freePort() };
    const env: Record<string, string> = { PATH: basePath };
    for (const [k, val] of Object.entries(vars)) env[k] = paths(swap(val, swaps()));
    expect(env.MLFLOW_TRACKING_URI).toBe(mlflowUrl);
    env.MLSERVER_HOST = '127.0.0.1';
    env.MLSERVER_HTTP_PORT = String(ports.http);
    env.MLSERVER_GRPC_PORT = String(ports.grpc);
    env.MLSERVER_METRICS_PORT = String(ports.metrics);
    const argv = resolveArgv(c, env).map((a) => paths(a));
    expect(argv.slice(0, 2)).toEqual(['mlserver', 'start']);
    mkdirSync(argv[2], { recursive: true });
    mlserver = startServer([bin('mlserver'), ...argv.slice(1)], env, path.join(work, 'mlserver.log'), pidFile);
    serverUrl = `http://127.0.0.1:${ports.http}`;
    // The synthesized readiness probe's path.
    await waitFor(`${serverUrl}${c.readinessProbe.httpGet.path}`, 300, mlserver);
    expect((await fetch(`${serverUrl}${c.livenessProbe.httpGet.path}`)).status).toBe(200);

    const ref = readFileSync(path.join(work, 'reference.csv'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    const header = ref[0];
    const rows = ref.slice(1, 4);
    const body = {
      parameters: { content_type: 'pd' },
      inputs: header
        .filter((h) => h !== 'expected')
        .map((h) => ({ name: h, shape: [rows.length], datatype: 'FP64', data: rows.map((r) => Number(r[header.indexOf(h)])) })),
    };
    const res = await fetch(`${serverUrl}/v2/models/${online.endpoint().modelName}/infer`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    expect({ status: res.status, text: res.status === 200 ? '' : text }).toEqual({ status: 200, text: '' });
    const out = JSON.parse(text);
    const scores: number[] = out.outputs[0].data;
    rows.forEach((r, i) => expect(scores[i]).toBeCloseTo(Number(r[header.indexOf('expected')]), 6));

    // Prometheus scraping where the synthesized ServiceMonitor points: the Service's metrics port, its path.
    const sm = onlineObjs.find((o) => o.kind === 'ServiceMonitor');
    const svc = onlineObjs.find((o) => o.kind === 'Service');
    const smPort = svc.spec.ports.find((p: { name: string }) => p.name === sm.spec.endpoints[0].port);
    const containerPort = c.ports.find((p: { name: string }) => p.name === smPort.targetPort);
    expect(String(containerPort.containerPort)).toBe(vars.MLSERVER_METRICS_PORT);
    metricsUrl = `http://127.0.0.1:${ports.metrics}${sm.spec.endpoints[0].path}`;
    const metrics = await (await fetch(metricsUrl)).text();
    expect(metrics).toMatch(/model_infer_request_success|rest_server_requests/);
  });

  const runJob = (objs: any[], swapsFor: Record<string, string>, files: Record<string, string>) => {
    const job = objs.find((o) => o.kind === 'Job');
    const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === job.metadata.name);
    const c = job.spec.template.spec.containers[0];
    const dir = path.join(work, job.metadata.name);
    mkdirSync(dir, { recursive: true });
    // The ConfigMap's files, where the Job mounts them.
    const mount = c.volumeMounts.find((m: { name: string }) => m.name === 'script').mountPath;
    for (const [k, val] of Object.entries({ ...cm.data, ...files })) writeFileSync(path.join(dir, k), val as string);
    const env: Record<string, string> = { PATH: '/usr/local/bin:/usr/bin:/bin' };
    for (const [k, val] of Object.entries(resolveEnv(c, {}))) env[k] = swap(val, swapsFor);
    const argv = resolveArgv(c, env).map((a) => swap(a, { ...swapsFor, [mount]: dir }));
    // The Job's image is python:3.12-slim: the script needs only the standard library, so the
    // machine's python3 (not the serving venv) runs it.
    expect(argv[0]).toBe('python3');
    return spawnSync('python3', argv.slice(1), { env, encoding: 'utf8', timeout: 600000 });
  };

  test('3. the synthesized ModelTest Job passes on the right reference scores and fails on wrong ones', () => {
    expect(serverUrl).not.toBe('');
    const reference = readFileSync(path.join(work, 'reference.csv'), 'utf8');
    const testObjs = (ref: string, id: string) =>
      modelObjs((m, o) => {
        new ModelTest(m, id, { target: o, reference: ref, absTolerance: 1e-6 });
      });
    const inCluster = online.endpoint().url;
    const good = runJob(testObjs(reference, 'good'), { [inCluster]: serverUrl, [inClusterMlflow]: `localhost:${mlflowPort}` }, {});
    expect({ status: good.status, stderr: good.stderr }).toMatchObject({ status: 0 });
    expect(good.stderr).toMatch(/PASS: 25 scores match the reference/);
    expect(JSON.parse(good.stdout.trim())).toMatchObject({ rows: 25, mismatches: 0 });

    // Wrong expected scores: three rows off by 0.01, beyond the tolerance.
    const lines = reference.trim().split('\n');
    const col = lines[0].split(',').indexOf('expected');
    const wrong = lines
      .map((l, i) => {
        if (i === 0 || i > 3) return l;
        const cells = l.split(',');
        cells[col] = String(Number(cells[col]) + 0.01);
        return cells.join(',');
      })
      .join('\n');
    const bad = runJob(testObjs(wrong, 'bad'), { [inCluster]: serverUrl, [inClusterMlflow]: `localhost:${mlflowPort}` }, {});
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/FAIL: 3 of 25 scores differ from the reference/);
  });

  test("3b. the RetroTest scoring step scores a past period through MLflow's artifact proxy and saves the results", async () => {
    expect(serverUrl).not.toBe('');
    // The period's data set, stored through the tracking server (as a data scientist would log it).
    const history = readFileSync(path.join(work, 'history.csv'), 'utf8');
    const put = await fetch(`${mlflowUrl}/api/2.0/mlflow-artifacts/artifacts/datasets/demo/fraud/history.csv`, {
      method: 'PUT',
      body: history,
    });
    expect(put.status).toBe(200);
    const objs = modelObjs((m) => {
      new RetroTest(m, 'fraud-q1', {
        model: `models:/${MODEL}/1`,
        input: 'mlflow-artifacts:/datasets/demo/fraud/history.csv',
        period: { from: '2025-02-01', to: '2025-03-31' },
      });
    }).filter((o) => o.kind !== 'Job' || o.metadata.name.includes('-retro-'));
    const job = objs.find((o) => o.kind === 'Job');
    // Step 1, the native sidecar: MLServer serving the past version, from its synthesized env.
    const side = job.spec.template.spec.initContainers[0];
    expect(side.restartPolicy).toBe('Always');
    const vars = resolveEnv(side, {});
    expect(vars.MLSERVER_MODEL_URI).toBe(`models:/${MODEL}/1`);
    const ports = { http: await freePort(), grpc: await freePort(), metrics: await freePort() };
    const env: Record<string, string> = { PATH: basePath };
    for (const [k, val] of Object.entries(vars)) env[k] = retroPaths(swap(val, swaps()));
    Object.assign(env, {
      MLSERVER_HOST: '127.0.0.1',
      MLSERVER_HTTP_PORT: String(ports.http),
      MLSERVER_GRPC_PORT: String(ports.grpc),
      MLSERVER_METRICS_PORT: String(ports.metrics),
    });
    const argv = resolveArgv(side, env).map(retroPaths);
    mkdirSync(argv[2], { recursive: true });
    mkdirSync(env.HOME, { recursive: true });
    retro = startServer([bin('mlserver'), ...argv.slice(1)], env, path.join(work, 'mlserver-retro.log'), pidFile);
    const retroUrl = `http://127.0.0.1:${ports.http}`;
    // Steps 2-3: the scoring step waits for the sidecar itself (model_test.py polls /v2/models/<name>/ready).
    const score = job.spec.template.spec.containers[0];
    const sidecarUrl = score.args[score.args.indexOf('--url') + 1];
    expect(sidecarUrl).toBe('http://127.0.0.1:8080');
    const r = runJob(objs, { [sidecarUrl]: retroUrl, [inClusterMlflow]: `localhost:${mlflowPort}` }, {});
    await stopServer(retro);
    expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
    const reg = JSON.parse(readFileSync(path.join(work, 'registered.json'), 'utf8'));
    const saved = await (
      await fetch(`${mlflowUrl}/api/2.0/mlflow-artifacts/artifacts/retro-tests/demo/fraud-q1/2025-02-01_2025-03-31/scores.csv`)
    ).text();
    const rows = saved.trim().split('\n');
    expect(rows[0]).toBe('date,amount,age_days,velocity,score');
    expect(rows.length - 1).toBe(reg.periodRows);
    rows.slice(1).forEach((l, i) => expect(Number(l.split(',')[4])).toBeCloseTo(reg.periodScores[i], 6));
    expect(rows.slice(1).every((l) => l >= '2025-02-01' && l.slice(0, 10) <= '2025-03-31')).toBe(true);
  });
});
