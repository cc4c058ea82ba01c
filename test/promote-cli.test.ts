/**
 * `modelplane promote MODEL VERSION`: the real CLI code (runAsync, as bin/modelplane.js runs it) against a
 * small in-process HTTP server on 127.0.0.1 that implements the four MLflow REST API 2.0 endpoints promote
 * calls, with MLflow's answers and error JSON (`{"error_code": ..., "message": ...}`, 404
 * RESOURCE_DOES_NOT_EXIST for an unknown version, 400 INVALID_PARAMETER_VALUE "Registered model alias X not
 * found." for an unset alias, as MLflow 3's SQL store answers). This proves the command's logic and its
 * requests, not MLflow: the proof against a real MLflow server (and the training DAG waiting in
 * await_approval) lives in the training tier.
 *
 * The model's continuous training is what the team file says (`train.registers`, `train.promote`), resolved by
 * the constructs as `modelplane synth` resolves it, rollout targets included.
 */
import { spawn } from 'node:child_process';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MODEL_VERSION_ANNOTATION, PromotionSpec, VERSION_TAGS } from '../src/constructs/batch/airflow/training-spec';
import { UsageError } from '../src/frontends/config/usage-error';
import { run, runAsync } from '../src/frontends/cli/main';
import { mlflowConnection } from '../src/frontends/cli/mlflow-rest';
import {
  approvalOf,
  approvalSource,
  approvalTags,
  approvedCommit,
  approver,
  checkEvaluation,
  patchCommand,
  promotePlan,
  rolloutCommands,
} from '../src/frontends/cli/promote-plan';

const ROOT = resolve(__dirname, '..');
const BIN = join(ROOT, 'bin', 'modelplane.js');

const TEAM_FILE = `team: risk
defaults:
  image: docker.io/apache/spark:3.5.3-python3
  python: "3.11"
  environment: s3a://envs/risk/base-1.0.0.tar.gz
  spark: { version: "3.5.3" }
models:
  - name: churn
    type: batch
    main: s3a://code/risk/churn/score.py
    train:
      main: s3a://code/risk/churn/train.py
      schedule: "0 2 * * 0"
      registers: fraud
      promote: { metric: auc, minDelta: 0.01, approval: { timeoutHours: 24 }, canary: { soakMinutes: 30 } }
    output: hive://risk.churn_scores
  - name: ltv
    type: batch
    main: s3a://code/risk/ltv/score.py
    output: hive://risk.ltv_scores
  - name: fraud-api
    type: online
    model: models:/fraud@champion
    canary: { model: "models:/fraud@canary", traffic: 10 }
    server: deployment
    replicas: { min: 2, max: 4 }
  - name: fraud-kserve
    type: online
    model: models:/fraud@champion
    server: kserve
`;

const PROMOTE: PromotionSpec = {
  metric: 'auc',
  mode: 'max',
  minDelta: 0.01,
  alias: 'champion',
  approvalTimeoutHours: 24,
  canary: { alias: 'canary', soakMinutes: 30 },
  targets: [
    {
      onlineModel: 'fraud-api',
      champion: [{ kind: 'Deployment', name: 'fraud-api' }],
      canary: [{ kind: 'Deployment', name: 'fraud-api-canary' }],
    },
    { onlineModel: 'fraud-kserve', champion: [{ kind: 'InferenceService', name: 'fraud-kserve' }], canary: [] },
  ],
};

/** One request the fake MLflow received. */
interface Received {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: Record<string, string>;
  authorization?: string;
}

/** The fake registry: versions with tags, aliases; every request recorded. */
class FakeMlflow {
  readonly versions = new Map<string, Record<string, string>>();
  readonly aliases = new Map<string, string>();
  readonly received: Received[] = [];
  /** When set, every request must carry this Authorization header (else 401, as MLflow's basic-auth app). */
  requireAuthorization?: string;
  /** When set, every request is answered with this status and MLflow's INTERNAL_ERROR. */
  failWith?: number;
  /** When set, every request is redirected there (302). */
  redirectTo?: string;
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((ok) => this.server?.close(() => ok()));
  }

  get posts(): Received[] {
    return this.received.filter((r) => r.method === 'POST');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url!, 'http://x');
    let text = '';
    for await (const chunk of req) text += chunk;
    const r: Received = {
      method: req.method!,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: text ? JSON.parse(text) : undefined,
      authorization: req.headers.authorization,
    };
    this.received.push(r);
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    if (this.requireAuthorization && r.authorization !== this.requireAuthorization) {
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end('You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html');
      return;
    }
    if (this.redirectTo) {
      res.writeHead(302, { location: this.redirectTo });
      res.end();
      return;
    }
    if (this.failWith) return send(this.failWith, { error_code: 'INTERNAL_ERROR', message: 'database is locked' });
    if (r.method === 'POST' && !String(req.headers['content-type']).startsWith('application/json'))
      return send(400, { error_code: 'BAD_REQUEST', message: 'Content-Type must be application/json' });
    const [status, json] = this.answer(r);
    send(status, json);
  }

  private modelVersion(name: string, version: string) {
    const tags = this.versions.get(version)!;
    const aliases = [...this.aliases].filter(([, v]) => v === version).map(([a]) => a);
    return {
      name,
      version,
      creation_timestamp: 1764600000000,
      last_updated_timestamp: 1764600000000,
      current_stage: 'None',
      source: `models:/m-${version}`,
      run_id: `run${version}`,
      status: 'READY',
      ...(Object.keys(tags).length ? { tags: Object.entries(tags).map(([key, value]) => ({ key, value })) } : {}),
      ...(aliases.length ? { aliases } : {}),
    };
  }

  private answer(r: Received): [number, unknown] {
    const p = r.method === 'GET' ? r.query : r.body!;
    const known = p.name === 'fraud' && this.versions.has(p.version);
    const noVersion = { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Model Version (name=${p.name}, version=${p.version}) not found` };
    switch (`${r.method} ${r.path}`) {
      case 'GET /api/2.0/mlflow/model-versions/get':
        return known ? [200, { model_version: this.modelVersion(p.name, p.version) }] : [404, noVersion];
      case 'GET /api/2.0/mlflow/registered-models/alias': {
        const v = p.name === 'fraud' ? this.aliases.get(p.alias) : undefined;
        if (v === undefined)
          return [400, { error_code: 'INVALID_PARAMETER_VALUE', message: `Registered model alias ${p.alias} not found.` }];
        return [200, { model_version: this.modelVersion(p.name, v) }];
      }
      case 'POST /api/2.0/mlflow/model-versions/set-tag':
        if (!known) return [404, noVersion];
        this.versions.get(p.version)![p.key] = p.value;
        return [200, {}];
      case 'POST /api/2.0/mlflow/registered-models/alias':
        if (!known) return [404, noVersion];
        this.aliases.set(p.alias, p.version);
        return [200, {}];
      default:
        return [404, { error_code: 'ENDPOINT_NOT_FOUND', message: 'No API endpoint found' }];
    }
  }
}

let dir: string;
let file: string;
let mlflow: FakeMlflow;
let uri: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'modelplane-promote-'));
  file = join(dir, 'modelplane.yaml');
  writeFileSync(file, TEAM_FILE);
  mlflow = new FakeMlflow();
  uri = await mlflow.start();
  // Version 5: the champion (and canary). 6: rejected by the evaluation. 7: a training run waits for it.
  // 8: evaluated as better, no run waiting (its approval timed out).
  mlflow.versions.set('5', { [VERSION_TAGS.evaluation]: 'promote', [VERSION_TAGS.status]: 'champion' });
  mlflow.versions.set('6', {
    [VERSION_TAGS.evaluation]: 'reject',
    [VERSION_TAGS.reason]: 'auc 0.801 is not at least 0.01 above the champion (0.812).',
    [VERSION_TAGS.status]: 'rejected',
  });
  mlflow.versions.set('7', { [VERSION_TAGS.evaluation]: 'promote', [VERSION_TAGS.status]: 'awaiting-approval' });
  mlflow.versions.set('8', { [VERSION_TAGS.evaluation]: 'promote', [VERSION_TAGS.status]: 'approval-timed-out' });
  mlflow.aliases.set('champion', '5');
  mlflow.aliases.set('canary', '5');
});

afterEach(async () => {
  await mlflow.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI in-process with exactly `env` as the environment. */
async function promote(args: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const code = await runAsync(['promote', ...args, '-f', file], { out: (t) => (out += t), err: (t) => (err += t) }, dir, {
    MLFLOW_TRACKING_URI: uri,
    USER: 'alice',
    ...env,
  });
  return { code, out, err };
}

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const TAG = '/api/2.0/mlflow/model-versions/set-tag';
const ALIAS = '/api/2.0/mlflow/registered-models/alias';

describe('a version a training run waits for (status awaiting-approval)', () => {
  test('records the approval (approvedBy last, what await_approval waits for) and moves no alias', async () => {
    const r = await promote(['churn', '7']);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(mlflow.posts.map((p) => [p.path, p.body!.name, p.body!.version, p.body!.key])).toEqual([
      [TAG, 'fraud', '7', VERSION_TAGS.approvedAt],
      [TAG, 'fraud', '7', VERSION_TAGS.approvedCommit],
      [TAG, 'fraud', '7', VERSION_TAGS.approvedFrom],
      [TAG, 'fraud', '7', VERSION_TAGS.approvedBy],
    ]);
    const tags = mlflow.versions.get('7')!;
    expect(tags[VERSION_TAGS.approvedBy]).toBe('alice');
    expect(tags[VERSION_TAGS.approvedAt]).toMatch(ISO_UTC);
    expect(Math.abs(Date.parse(tags[VERSION_TAGS.approvedAt]) - Date.now())).toBeLessThan(60_000);
    // The temporary directory is no git repository, and the env names no CI.
    expect(tags[VERSION_TAGS.approvedCommit]).toBe('unknown');
    expect(tags[VERSION_TAGS.approvedFrom]).toBe('cli');
    // The DAG moves the aliases and sets the status.
    expect(tags[VERSION_TAGS.status]).toBe('awaiting-approval');
    expect(mlflow.aliases).toEqual(
      new Map([
        ['champion', '5'],
        ['canary', '5'],
      ]),
    );
    expect(mlflow.received.filter((q) => q.path === ALIAS)).toEqual([]);
    expect(r.out).toBe(
      [
        'Approving version 7 of registered model "fraud" (batch model churn of team risk):',
        `  ${VERSION_TAGS.approvedAt} = ${tags[VERSION_TAGS.approvedAt]}`,
        `  ${VERSION_TAGS.approvedCommit} = unknown`,
        `  ${VERSION_TAGS.approvedFrom} = cli`,
        `  ${VERSION_TAGS.approvedBy} = alice`,
        'Version 7 is modelplane.status = awaiting-approval: the run of the Airflow DAG risk.churn.train waiting in await_approval now promotes it (moves canary, soaks 30 minutes, then moves champion) and rolls out the online models. promote moves no alias itself.',
        '',
      ].join('\n'),
    );
  });

  test('--dry-run reads only', async () => {
    const r = await promote(['churn', '7', '--dry-run']);
    expect(r.code).toBe(0);
    expect(mlflow.posts).toEqual([]);
    expect(r.out).toMatch(/^Dry run: nothing is written to MLflow\.\nWould approve version 7 /);
    expect(r.out).toContain('would then promote it');
  });
});

describe('a version no training run waits for: promoted by hand', () => {
  test('moves the champion and canary aliases, sets the status, prints the rollout commands', async () => {
    const r = await promote(['churn', '8', '--by', 'bob']);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(mlflow.aliases).toEqual(
      new Map([
        ['champion', '8'],
        ['canary', '8'],
      ]),
    );
    expect(mlflow.posts.filter((p) => p.path === ALIAS).map((p) => p.body)).toEqual([
      { name: 'fraud', alias: 'champion', version: '8' },
      { name: 'fraud', alias: 'canary', version: '8' },
    ]);
    // The status is set after the aliases moved.
    expect(mlflow.posts.at(-1)!.body).toEqual({ name: 'fraud', version: '8', key: VERSION_TAGS.status, value: 'champion' });
    expect(mlflow.versions.get('8')![VERSION_TAGS.approvedBy]).toBe('bob');
    const lines = r.out.split('\n');
    expect(lines.slice(5)).toEqual([
      'No training run waits for version 8 (modelplane.status = approval-timed-out): moving the aliases itself.',
      'Moved alias champion of "fraud" from version 5 to 8.',
      'Moved alias canary of "fraud" from version 5 to 8.',
      'Set modelplane.status = champion on version 8.',
      'Nothing rolls the online models out: run (with a kubeconfig of the cluster)',
      `  kubectl -n risk patch deployment.apps/fraud-api --type strategic --field-manager modelplane-promote -p '{"spec":{"template":{"metadata":{"annotations":{"${MODEL_VERSION_ANNOTATION}":"8"}}}}}'`,
      `  kubectl -n risk patch deployment.apps/fraud-api-canary --type strategic --field-manager modelplane-promote -p '{"spec":{"template":{"metadata":{"annotations":{"${MODEL_VERSION_ANNOTATION}":"8"}}}}}'`,
      `  kubectl -n risk patch inferenceservice.serving.kserve.io/fraud-kserve --type merge --field-manager modelplane-promote -p '{"spec":{"predictor":{"annotations":{"${MODEL_VERSION_ANNOTATION}":"8"}}}}'`,
      '',
    ]);
  });

  test('a rollback without canary and without a champion yet, and no rollout target', async () => {
    // No canary step, and no online model serving the registered model.
    const noCanary = TEAM_FILE.replace(', canary: { soakMinutes: 30 } }', ' }');
    writeFileSync(file, noCanary.slice(0, noCanary.indexOf('  - name: fraud-api')));
    mlflow.aliases.clear();
    const r = await promote(['churn', '5']);
    expect(r.code).toBe(0);
    expect(mlflow.aliases).toEqual(new Map([['champion', '5']]));
    expect(r.out).toContain('Moved alias champion of "fraud" from no version to 5.\n');
    expect(r.out).not.toContain('canary');
    expect(r.out).toContain('No online model of team risk serves "fraud" through champion: nothing to roll out.\n');
  });

  test('--dry-run sends no POST and says what it would move', async () => {
    const r = await promote(['churn', '8', '--dry-run']);
    expect(r.code).toBe(0);
    expect(mlflow.posts).toEqual([]);
    expect(mlflow.received.map((q) => `${q.method} ${q.path}`)).toEqual([
      'GET /api/2.0/mlflow/model-versions/get',
      `GET ${ALIAS}`,
      `GET ${ALIAS}`,
    ]);
    expect(r.out).toContain('Would move alias champion of "fraud" from version 5 to 8.\n');
    expect(r.out).toContain('Would set modelplane.status = champion on version 8.\n');
    expect(r.out).toContain('kubectl -n risk patch deployment.apps/fraud-api ');
    expect(mlflow.aliases.get('champion')).toBe('5');
  });
});

describe('refusals', () => {
  test('an unknown version: exit 2, named, nothing written', async () => {
    const r = await promote(['churn', '9']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      `modelplane: registered model "fraud" has no version 9 (MLflow at ${uri} says: Model Version (name=fraud, version=9) not found). Fix: pass a version its training registered: the training run's notification names it, and the MLflow UI lists them under Models > fraud\n`,
    );
    expect(mlflow.posts).toEqual([]);
  });

  test('a version the evaluation rejected: refused with the reason, promoted with --force', async () => {
    const r = await promote(['churn', '6']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'modelplane: version 6 of registered model "fraud" has modelplane.evaluation = "reject": the evaluation found it does not beat the champion (modelplane.evaluation.reason: auc 0.801 is not at least 0.01 above the champion (0.812)). Fix: promote another version, or pass --force to promote this one anyway\n',
    );
    expect(mlflow.posts).toEqual([]);
    const forced = await promote(['churn', '6', '--force']);
    expect(forced.code).toBe(0);
    expect(mlflow.aliases.get('champion')).toBe('6');
    expect(mlflow.versions.get('6')![VERSION_TAGS.status]).toBe('champion');
  });

  test('no tracking URI: exit 2 with the fix, before anything else', async () => {
    let err = '';
    const code = await runAsync(['promote', 'churn', '7', '-f', file], { out: () => {}, err: (t) => (err += t) }, dir, { USER: 'a' });
    expect(code).toBe(2);
    expect(err).toBe(
      'modelplane: no MLflow tracking server: --tracking-uri is not given and MLFLOW_TRACKING_URI is not set. Fix: pass --tracking-uri https://mlflow.example.org (or set MLFLOW_TRACKING_URI)\n',
    );
    expect(mlflow.received).toEqual([]);
  });

  test('--tracking-uri wins over MLFLOW_TRACKING_URI; a non-http one is refused', async () => {
    const r = await promote(['churn', '7', '--tracking-uri', uri], { MLFLOW_TRACKING_URI: 'http://127.0.0.1:9' });
    expect(r.code).toBe(0);
    const bad = await promote(['churn', '7', '--tracking-uri', 'databricks']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--tracking-uri = "databricks" is not an http(s) URL');
  });

  test('VERSION must be a positive integer', async () => {
    for (const v of ['0', 'v7', 'champion', '1.5']) {
      const r = await promote(['churn', v]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`'${v}' is invalid for argument 'VERSION'. VERSION must be a positive integer`);
    }
    expect((await promote(['churn', '-1'])).code).toBe(2);
    expect(mlflow.received).toEqual([]);
  });

  test('a model that is not a batch model with promotion, or not in the file', async () => {
    const online = await promote(['fraud-api', '7']);
    expect(online.code).toBe(2);
    expect(online.err).toBe(
      `modelplane: ${file}:22:11: \`models[2].type\` = "online": promote takes a batch model with continuous training; "fraud-api" is not one. Fix: name the batch model whose training registers the version (its \`train.registers\`).\n`,
    );
    const plain = await promote(['ltv', '7']);
    expect(plain.code).toBe(2);
    expect(plain.err).toMatch(/`models\[1\]\.train\.registers` is not set: batch model "ltv" has no continuous training/);
    writeFileSync(
      file,
      TEAM_FILE.replace(
        '    main: s3a://code/risk/ltv/score.py\n',
        '    main: s3a://code/risk/ltv/score.py\n    train: { main: s3a://code/risk/ltv/train.py, registers: ltv }\n',
      ),
    );
    const registersOnly = await promote(['ltv', '7']);
    expect(registersOnly.err).toMatch(/`models\[1\]\.train\.promote` is not set: /);
    const missing = await promote(['nope', '7']);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(
      `modelplane: MODEL = "nope": ${file} has no model "nope". Fix: name one of its batch models whose train run promotes: churn\n`,
    );
    expect(mlflow.received).toEqual([]);
  });

  test('an invalid team file is reported exactly as validate reports it (exit 1)', async () => {
    writeFileSync(file, TEAM_FILE.replace('schedule: "0 2 * * 0"', 'schedule: "0 2 * *"'));
    const r = await promote(['churn', '7']);
    let validateErr = '';
    const validateCode = await runAsync(['validate', '-f', file], { out: () => {}, err: (t) => (validateErr += t) }, dir, {});
    expect(r.code).toBe(1);
    expect(validateCode).toBe(1);
    expect(r.err).toBe(validateErr);
    expect(r.err).toMatch(/models\[0\]\.train\.schedule/);
    expect(mlflow.received).toEqual([]);
  });

  test('nobody to attribute the approval to: refused before MLflow is asked', async () => {
    const r = await promote(['churn', '7'], { USER: '' });
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'modelplane: cannot tell who approves: --by is not given and none of GITLAB_USER_LOGIN, GITHUB_ACTOR, BUILD_USER_ID, USER is set. Fix: pass --by NAME\n',
    );
    expect(mlflow.received).toEqual([]);
  });
});

describe('authentication and errors', () => {
  test('MLFLOW_TRACKING_TOKEN is sent as a bearer token on every request and never printed', async () => {
    mlflow.requireAuthorization = 'Bearer s3cr3t-token';
    const r = await promote(['churn', '8'], {
      MLFLOW_TRACKING_TOKEN: 's3cr3t-token',
      MLFLOW_TRACKING_USERNAME: 'u',
      MLFLOW_TRACKING_PASSWORD: 'p',
    });
    expect(r.code).toBe(0);
    expect(mlflow.received.length).toBeGreaterThan(4);
    expect(new Set(mlflow.received.map((q) => q.authorization))).toEqual(new Set(['Bearer s3cr3t-token']));
    expect(r.out + r.err).not.toContain('s3cr3t');
  });

  test('a wrong token: exit 5, one line naming the URL and the answer, without the token', async () => {
    mlflow.requireAuthorization = 'Bearer right';
    const r = await promote(['churn', '7'], { MLFLOW_TRACKING_TOKEN: 'wrong-s3cr3t' });
    expect(r.code).toBe(5);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain(
      `modelplane: MLflow answered 401 to GET ${uri}/api/2.0/mlflow/model-versions/get?name=fraud&version=7: You are not authenticated.`,
    );
    expect(r.err).toContain('Fix: check the credentials in MLFLOW_TRACKING_TOKEN');
    expect(r.out + r.err).not.toContain('s3cr3t');
  });

  test('MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD: basic authentication', async () => {
    const basic = `Basic ${Buffer.from('ci-bot:pa55word').toString('base64')}`;
    mlflow.requireAuthorization = basic;
    const r = await promote(['churn', '7'], { MLFLOW_TRACKING_USERNAME: 'ci-bot', MLFLOW_TRACKING_PASSWORD: 'pa55word' });
    expect(r.code).toBe(0);
    expect(new Set(mlflow.received.map((q) => q.authorization))).toEqual(new Set([basic]));
    expect(r.out + r.err).not.toContain('pa55word');
  });

  test('credentials in the tracking URI: basic authentication, printed without them', async () => {
    mlflow.requireAuthorization = `Basic ${Buffer.from('ci-bot:pa55word').toString('base64')}`;
    const r = await promote(['churn', '7'], { MLFLOW_TRACKING_URI: uri.replace('http://', 'http://ci-bot:pa55word@') });
    expect(r.code).toBe(0);
    mlflow.failWith = 500;
    const failed = await promote(['churn', '7'], { MLFLOW_TRACKING_URI: uri.replace('http://', 'http://ci-bot:pa55word@') });
    expect(failed.code).toBe(5);
    expect(failed.err).toBe(
      `modelplane: MLflow answered 500 to GET ${uri}/api/2.0/mlflow/model-versions/get?name=fraud&version=7: INTERNAL_ERROR: database is locked. Fix: look at the tracking server's log, then run the command again\n`,
    );
  });

  test('a redirect is reported, not followed (the token goes only where the tracking URI points)', async () => {
    mlflow.redirectTo = 'https://login.example.org/sso';
    const r = await promote(['churn', '7'], { MLFLOW_TRACKING_TOKEN: 's3cr3t' });
    expect(r.code).toBe(5);
    expect(r.err).toBe(
      `modelplane: MLflow answered 302 to GET ${uri}/api/2.0/mlflow/model-versions/get?name=fraud&version=7: a redirect to https://login.example.org/sso, which promote does not follow. Fix: pass the tracking server's own URL (the one it redirects to, if that is it) as --tracking-uri\n`,
    );
    expect(mlflow.received).toHaveLength(1);
  });

  test('an unreachable server: exit 5, one line with the URL and the cause', async () => {
    await mlflow.stop();
    const r = await promote(['churn', '7'], { MLFLOW_TRACKING_TOKEN: 's3cr3t' });
    expect(r.code).toBe(5);
    expect(r.err).toMatch(
      new RegExp(
        `^modelplane: cannot reach MLflow: GET ${uri.replace(/[.]/g, '\\.')}/api/2\\.0/mlflow/model-versions/get\\?name=fraud&version=7: .*ECONNREFUSED.*\\. Fix: check --tracking-uri \\(or MLFLOW_TRACKING_URI\\) and that the tracking server is up and reachable from here\\n$`,
      ),
    );
    expect(r.err).not.toContain('s3cr3t');
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('attribution from the CI environment', () => {
  test('GitHub Actions: the actor, the commit and the run URL', async () => {
    const r = await promote(['churn', '7'], {
      USER: 'runner',
      GITHUB_ACTOR: 'octocat',
      GITHUB_SHA: 'a'.repeat(40),
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'acme/risk-models',
      GITHUB_RUN_ID: '12345',
    });
    expect(r.code).toBe(0);
    const tags = mlflow.versions.get('7')!;
    expect([tags[VERSION_TAGS.approvedBy], tags[VERSION_TAGS.approvedCommit], tags[VERSION_TAGS.approvedFrom]]).toEqual([
      'octocat',
      'a'.repeat(40),
      'https://github.com/acme/risk-models/actions/runs/12345',
    ]);
  });

  test('GitLab CI, and --by and --commit over the CI', async () => {
    const gitlab = { GITLAB_USER_LOGIN: 'gl-user', CI_COMMIT_SHA: 'b'.repeat(40), CI_JOB_URL: 'https://gitlab.example.org/risk/-/jobs/9' };
    await promote(['churn', '7'], gitlab);
    const tags = mlflow.versions.get('7')!;
    expect([tags[VERSION_TAGS.approvedBy], tags[VERSION_TAGS.approvedCommit], tags[VERSION_TAGS.approvedFrom]]).toEqual([
      'gl-user',
      'b'.repeat(40),
      'https://gitlab.example.org/risk/-/jobs/9',
    ]);
    await promote(['churn', '7', '--by', 'carol', '--commit', 'c0ffee'], gitlab);
    expect([tags[VERSION_TAGS.approvedBy], tags[VERSION_TAGS.approvedCommit]]).toEqual(['carol', 'c0ffee']);
  });

  test('the commit of the git repository holding the file', async () => {
    const git = (args: string[]) => require('node:child_process').execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
    git(['init', '-q']);
    git(['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-q', '--allow-empty', '-m', 'x']);
    await promote(['churn', '7']);
    expect(mlflow.versions.get('7')![VERSION_TAGS.approvedCommit]).toBe(git(['rev-parse', 'HEAD']));
  });
});

describe('the command line around it', () => {
  test('bin/modelplane.js runs promote asynchronously (exit code and message of a usage error)', async () => {
    const env: Record<string, string | undefined> = { ...process.env, MLFLOW_TRACKING_URI: '', FORCE_COLOR: '1' };
    const child = spawn(process.execPath, [BIN, 'promote', 'churn', '7', '-f', file], { cwd: dir, env });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((ok) => child.on('close', ok));
    expect(code).toBe(2);
    expect(err).toContain('modelplane: no MLflow tracking server');
  });

  test('the synchronous run() cannot run promote (an internal error, exit 4); --help lists it with examples', () => {
    let err = '';
    expect(run(['promote', 'churn', '7', '-f', file], { out: () => {}, err: (t) => (err += t) })).toBe(4);
    expect(err).toContain('modelplane promote is asynchronous: run the CLI with runAsync(), not run()');
    let out = '';
    expect(run(['--help'], { out: (t) => (out += t), err: () => {} })).toBe(0);
    expect(out).toContain('$ modelplane promote churn 7');
    out = '';
    expect(run(['promote', '--help'], { out: (t) => (out += t), err: () => {} })).toBe(0);
    expect(out).toContain('Examples:');
    expect(out).toContain('--dry-run');
    expect(out).toMatch(/5 {2}promote: the MLflow tracking server/);
  });
});

describe('the pure parts', () => {
  test('approver: --by, then GitLab, GitHub, Jenkins, USER; blanks count as unset', () => {
    expect(approver({ USER: 'u', GITHUB_ACTOR: 'g' }, ' dave ')).toBe('dave');
    expect(approver({ USER: 'u', BUILD_USER_ID: 'j', GITHUB_ACTOR: 'g', GITLAB_USER_LOGIN: 'l' })).toBe('l');
    expect(approver({ USER: 'u', BUILD_USER_ID: 'j', GITHUB_ACTOR: 'g' })).toBe('g');
    expect(approver({ USER: 'u', BUILD_USER_ID: 'j' })).toBe('j');
    expect(approver({ USER: 'u', GITHUB_ACTOR: '  ' })).toBe('u');
    expect(() => approver({})).toThrow(UsageError);
    expect(() => approver({ USER: 'u' }, '')).toThrow(/--by = "": the approver is empty/);
  });

  test('approvedCommit: --commit, then CI_COMMIT_SHA, GITHUB_SHA, GIT_COMMIT, git, unknown', () => {
    const noGit = () => undefined;
    const git = jest.fn(() => 'f'.repeat(40));
    expect(approvedCommit({ CI_COMMIT_SHA: 'c' }, 'x', git)).toBe('x');
    expect(approvedCommit({ GIT_COMMIT: 'j', GITHUB_SHA: 'g', CI_COMMIT_SHA: 'c' }, undefined, git)).toBe('c');
    expect(approvedCommit({ GIT_COMMIT: 'j', GITHUB_SHA: 'g' }, undefined, git)).toBe('g');
    expect(approvedCommit({ GIT_COMMIT: 'j' }, undefined, git)).toBe('j');
    expect(git).not.toHaveBeenCalled();
    expect(approvedCommit({}, undefined, git)).toBe('f'.repeat(40));
    expect(approvedCommit({}, undefined, noGit)).toBe('unknown');
    expect(() => approvedCommit({}, ' ', noGit)).toThrow(/--commit = ""/);
  });

  test('approvalSource: the GitLab job, the GitHub run (all three variables), the Jenkins build, else cli', () => {
    expect(approvalSource({ CI_JOB_URL: 'https://gl/j/1', BUILD_URL: 'https://j/1' })).toBe('https://gl/j/1');
    expect(approvalSource({ GITHUB_SERVER_URL: 'https://ghe.example.org/', GITHUB_REPOSITORY: 'a/b', GITHUB_RUN_ID: '7' })).toBe(
      'https://ghe.example.org/a/b/actions/runs/7',
    );
    expect(approvalSource({ GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'a/b', BUILD_URL: 'https://j/1/' })).toBe(
      'https://j/1/',
    );
    expect(approvalSource({})).toBe('cli');
  });

  test('approvalOf: now in ISO 8601 UTC; the tags with approvedBy last', () => {
    const a = approvalOf({ USER: 'u' }, {}, new Date(Date.UTC(2026, 11, 1, 17, 5, 0)), () => undefined);
    expect(a).toEqual({ by: 'u', at: '2026-12-01T17:05:00.000Z', commit: 'unknown', from: 'cli' });
    expect(approvalTags(a).map(([k]) => k)).toEqual([
      VERSION_TAGS.approvedAt,
      VERSION_TAGS.approvedCommit,
      VERSION_TAGS.approvedFrom,
      VERSION_TAGS.approvedBy,
    ]);
  });

  test('promotePlan: a waiting run moves nothing; otherwise both aliases, from where they point', () => {
    const approval = { by: 'u', at: 't', commit: 'c', from: 'cli' };
    const base = { team: 'risk', version: '8', promote: PROMOTE, approval, current: { champion: '5', canary: '4' } };
    expect(promotePlan({ ...base, tags: { [VERSION_TAGS.status]: 'awaiting-approval' } })).toEqual({
      tags: approvalTags(approval),
      dagWaits: true,
      moves: [],
      rollout: [],
    });
    const manual = promotePlan({ ...base, tags: {} });
    expect(manual.moves).toEqual([
      { alias: 'champion', from: '5' },
      { alias: 'canary', from: '4' },
    ]);
    expect(manual.rollout).toHaveLength(3);
  });

  test('rolloutCommands: each object once, valid JSON patches of the right kind', () => {
    const spec: PromotionSpec = {
      ...PROMOTE,
      targets: [
        { onlineModel: 'a', champion: [{ kind: 'Deployment', name: 'a' }], canary: [{ kind: 'Deployment', name: 'a' }] },
        { onlineModel: 'b', champion: [{ kind: 'InferenceService', name: 'b' }], canary: [] },
      ],
    };
    const cmds = rolloutCommands('risk', '12', spec);
    expect(cmds).toHaveLength(2);
    const patches = cmds.map((c) => JSON.parse(c.match(/-p '(.*)'$/)![1]));
    expect(patches[0]).toEqual({ spec: { template: { metadata: { annotations: { [MODEL_VERSION_ANNOTATION]: '12' } } } } });
    expect(patches[1]).toEqual({ spec: { predictor: { annotations: { [MODEL_VERSION_ANNOTATION]: '12' } } } });
    expect(patchCommand('t', '1', { kind: 'InferenceService', name: 'x' })).toMatch(
      /^kubectl -n t patch inferenceservice\.serving\.kserve\.io\/x --type merge --field-manager modelplane-promote -p /,
    );
    expect(rolloutCommands('risk', '1', { ...PROMOTE, targets: [] })).toEqual([]);
  });

  test('checkEvaluation: reject refused unless forced; other evaluations pass', () => {
    const reject = { [VERSION_TAGS.evaluation]: 'reject' };
    expect(() => checkEvaluation('m', '3', reject, false)).toThrow(/has modelplane\.evaluation = "reject".*Fix: .*--force/);
    expect(() => checkEvaluation('m', '3', reject, true)).not.toThrow();
    expect(() => checkEvaluation('m', '3', { [VERSION_TAGS.evaluation]: 'incomparable' }, false)).not.toThrow();
    expect(() => checkEvaluation('m', '3', {}, false)).not.toThrow();
  });

  test('mlflowConnection: the token wins; basic needs both variables; the URI loses its credentials', () => {
    expect(mlflowConnection('http://h:5000/', { MLFLOW_TRACKING_TOKEN: 't', MLFLOW_TRACKING_USERNAME: 'u' })).toEqual({
      base: 'http://h:5000',
      authorization: 'Bearer t',
    });
    expect(mlflowConnection(undefined, { MLFLOW_TRACKING_URI: 'https://u:p%40ss@h/mlflow/?x=1#y' })).toEqual({
      base: 'https://h/mlflow',
      authorization: `Basic ${Buffer.from('u:p@ss').toString('base64')}`,
    });
    expect(mlflowConnection('http://h', {})).toEqual({ base: 'http://h', authorization: undefined });
    expect(() => mlflowConnection('http://h', { MLFLOW_TRACKING_USERNAME: 'u' })).toThrow(
      /MLFLOW_TRACKING_PASSWORD is not set, but MLFLOW_TRACKING_USERNAME is: basic authentication needs both/,
    );
    expect(() => mlflowConnection('file:///tmp/mlruns', {})).toThrow(/--tracking-uri = "file:\/\/\/tmp\/mlruns" is not an http\(s\) URL/);
    expect(() => mlflowConnection(undefined, { MLFLOW_TRACKING_URI: 'ftp://u:secret@h' })).toThrow(/"ftp:\/\/\*\*\*@h"/);
  });
});
