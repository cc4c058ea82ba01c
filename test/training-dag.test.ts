/**
 * The continuous-training DAG generator (src/constructs/batch/airflow/training.ts): which tasks a spec
 * gives, in which order, deterministic bytes, Python that compiles, and the two pure decisions inside
 * the file — the promotion rule (`judge`) and the new-data count (`count_new_data`) — run by python3
 * on generated files and compared with the rule as the docs state it (fast-check). The loop against
 * real Airflow, MLflow and the API server is the training tier (test/training/).
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { trainingDag, TrainingDagSpec } from '../src/constructs/batch/airflow/training';
import { ContinuousTrainingSpec, PromotionSpec } from '../src/constructs/batch/airflow/training-spec';
import { labelValue, resolveDataset, volumeSnapshotManifest } from '../src/constructs/dataset';
import { orThrow } from '../src/core/errors';
import { compileDags } from './templates-harness';

const PROMOTE: PromotionSpec = {
  metric: 'auc',
  mode: 'max',
  minDelta: 0.002,
  alias: 'champion',
  targets: [
    {
      onlineModel: 'churn-api',
      champion: [{ kind: 'Deployment', name: 'churn-api' }],
      canary: [{ kind: 'Deployment', name: 'churn-api-canary' }],
    },
  ],
};
const TRAINING: ContinuousTrainingSpec = {
  mlflowTrackingUri: 'http://mlflow.modelplane-system.svc.cluster.local:5000',
  registeredModel: 'retail-churn',
  experiment: 'modelplane/retail-risk/churn-train',
  notify: [{ kind: 'webhook', connection: 'risk_events' }],
};

function spec(training: Partial<ContinuousTrainingSpec>, extra: Partial<TrainingDagSpec> = {}): TrainingDagSpec {
  return {
    team: 'retail-risk',
    model: 'churn-train',
    job: 'train',
    kubernetesConnId: 'kubernetes_default',
    pollSeconds: 30,
    timeoutSeconds: 86400,
    submitRetries: 2,
    schedule: '0 4 * * 0',
    assets: ['s3://lake/churn/features'],
    tags: [],
    description: 'Training of batch model churn-train.',
    ...extra,
    training: { ...TRAINING, ...training },
  };
}

/** The task ids of a DAG file, in the order of its chain. */
function chain(source: string): string[] {
  const body = source.slice(source.indexOf(') as dag:'));
  const ids = [...body.matchAll(/task_id="([a-z_]+)"/g)].map((m) => m[1]);
  const last = body.trimEnd().split('\n');
  const chained = last
    .slice(last.findIndex((l) => /^ {4}(\(|[a-z_]+ >>)/.test(l)))
    .join(' ')
    .replace(/[()]/g, ' ')
    .split('>>')
    .map((s) => s.trim());
  expect(chained).toEqual(ids);
  return ids;
}

describe('trainingDag', () => {
  test('the tasks follow the spec: each optional step only when configured', () => {
    expect(chain(trainingDag(spec({})))).toEqual(['start_run', 'spark_submit', 'spark_wait', 'evaluate']);
    expect(chain(trainingDag(spec({ registeredModel: '' })))).toEqual(['start_run', 'spark_submit', 'spark_wait']);
    expect(chain(trainingDag(spec({ minNewData: { unit: 'rows', count: 1000 }, promote: PROMOTE })))).toEqual([
      'check_data',
      'start_run',
      'spark_submit',
      'spark_wait',
      'evaluate',
      'decide',
      'promote',
    ]);
    const gated = { ...PROMOTE, approvalTimeoutHours: 72, canary: { alias: 'canary', soakMinutes: 30 } };
    expect(chain(trainingDag(spec({ promote: gated })))).toEqual([
      'start_run',
      'spark_submit',
      'spark_wait',
      'evaluate',
      'decide',
      'await_approval',
      'promote_canary',
      'soak',
      'promote',
    ]);
    const source = trainingDag(spec({ promote: gated }));
    expect(source).toContain('APPROVAL_TIMEOUT_SECONDS = 259200');
    expect(source).toContain('SOAK_POLL_SECONDS = 180');
    expect(source).toContain('{"kind": "Deployment", "name": "churn-api"}');
  });

  test('same spec, same bytes; every variant compiles', () => {
    const variants = [
      spec({}),
      spec({ registeredModel: '', notify: [] }, { schedule: undefined, assets: [] }),
      spec({ minNewData: { unit: 'files', count: 3 }, promote: { ...PROMOTE, mode: 'min' } }, { schedule: undefined }),
      spec({ promote: { ...PROMOTE, approvalTimeoutHours: 0.5, canary: { alias: 'canary', soakMinutes: 1 } } }),
    ];
    for (const v of variants) expect(trainingDag(v)).toBe(trainingDag(JSON.parse(JSON.stringify(v))));
    const compiled = compileDags(variants.map(trainingDag));
    expect(compiled.map((c) => c.error ?? 'ok')).toEqual(variants.map(() => 'ok'));
  });

  test('with snapshot: the snapshot task right after a successful training, before the evaluation', () => {
    const snapshot = { volumes: [CORPUS, MODEL_VOLUME], gitCommit: COMMIT };
    expect(chain(trainingDag(spec({ snapshot })))).toEqual(['start_run', 'spark_submit', 'spark_wait', 'snapshot', 'evaluate']);
    const source = trainingDag(spec({ snapshot, promote: PROMOTE }));
    expect(source).toContain(`GIT_COMMIT = "${COMMIT}"`);
    expect(source).toContain('{"dataset": "corpus", "snapshotClass": "csi-snapshots"}');
    expect(source).toContain('{"dataset": "nmt-model", "snapshotClass": None}');
    expect(source.replace(/\s+(#\s*)?/g, ' ')).toContain(
      'snapshot takes a VolumeSnapshot of corpus, nmt-model and tags the MLflow run with their names',
    );
    // Without snapshot, nothing of it is in the file.
    expect(trainingDag(spec({}))).not.toContain('SNAPSHOT');
    const variants = [source, trainingDag(spec({ snapshot: { volumes: [CORPUS] } }))];
    expect(variants[1]).toContain('GIT_COMMIT = None');
    expect(compileDags(variants).map((c) => c.error ?? 'ok')).toEqual(['ok', 'ok']);
  });

  test('no credential in the file: MLflow credentials come from the worker env, webhook URLs from connections', () => {
    const source = trainingDag(spec({ promote: PROMOTE, notify: [{ kind: 'slack', connection: 'ml_slack' }] }));
    expect(source).not.toMatch(/(password|token|secret)\s*=\s*"/i);
    expect(source).not.toMatch(/hooks\.slack\.com|https?:\/\/(?!mlflow\.modelplane-system)/);
  });
});

const COMMIT = '89abcdef0123456789abcdef0123456789abcdef';
const CORPUS = orThrow(resolveDataset('corpus', { snapshotClassName: 'csi-snapshots', accessModes: ['ReadOnlyMany'] }));
const MODEL_VOLUME = orThrow(resolveDataset('nmt-model'));

/** Runs a function of a generated DAG file in python3, its Airflow and Kubernetes imports stubbed. */
function callInDag<T>(source: string, fn: string, cases: unknown[]): T[] {
  const script = `
import datetime, json, sys, types
class Stub:
    def __init__(self, *a, **k): pass
    def __call__(self, *a, **k): return Stub()
    def __getattr__(self, n): return Stub()
    def __rshift__(self, o): return o
    def __or__(self, o): return self
    def __enter__(self): return self
    def __exit__(self, *e): return False
class StubModule(types.ModuleType):
    def __getattr__(self, n):
        if n.startswith("__"): raise AttributeError(n)
        return Stub
for name in ["airflow", "airflow.sdk", "airflow.timetables", "airflow.timetables.assets", "airflow.timetables.trigger",
             "airflow.providers", "airflow.providers.standard", "airflow.providers.standard.operators",
             "airflow.providers.standard.operators.python", "airflow.providers.standard.sensors",
             "airflow.providers.standard.sensors.python", "pendulum"]:
    sys.modules[name] = StubModule(name)
data = json.load(sys.stdin)
module = {"__name__": "dag"}
exec(compile(data["source"], "dag.py", "exec"), module)
class Event:
    def __init__(self, e):
        self.id, self.extra = e["id"], e["extra"]
        self.timestamp = datetime.datetime.fromisoformat(e["timestamp"])
out = []
for case in data["cases"]:
    if data["fn"] == "count_new_data":
        events = {uri: [Event(e) for e in evs] for uri, evs in case["events"].items()}
        out.append(list(module["count_new_data"](events, case["through"])))
    else:
        r = module[data["fn"]](*case)
        out.append(r if isinstance(r, (dict, str)) else list(r))
print(json.dumps(out))
`;
  const r = spawnSync('python3', ['-c', script], {
    input: JSON.stringify({ source, fn, cases }),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return JSON.parse(
    r.stdout
      .split('\n')
      .filter((l) => l.startsWith('['))
      .pop()!,
  ) as T[];
}

describe('the promotion rule in the generated file (judge)', () => {
  const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true });
  test('promotes exactly when the candidate is better by more than nothing and at least minDelta', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            mode: fc.constantFrom<'max' | 'min'>('max', 'min'),
            minDelta: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 10, noNaN: true })),
            value: finite,
            base: fc.oneof(finite, fc.constant(null)),
            sameTestSet: fc.boolean(),
            champion: fc.oneof(fc.constant(null), fc.constant('3')),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        (cases) => {
          const sources = new Map<string, string>();
          const results: [string, string][] = [];
          for (const c of cases) {
            const key = `${c.mode}/${c.minDelta}`;
            if (!sources.has(key)) sources.set(key, trainingDag(spec({ promote: { ...PROMOTE, mode: c.mode, minDelta: c.minDelta } })));
            const metrics: Record<string, number> = { auc: c.value };
            const championMetrics: Record<string, number> = {};
            if (c.base !== null && c.sameTestSet) metrics['champion.auc'] = c.base;
            if (c.base !== null && !c.sameTestSet) championMetrics.auc = c.base;
            results.push(callInDag<[string, string]>(sources.get(key)!, 'judge', [[metrics, c.champion, championMetrics]])[0]);
          }
          cases.forEach((c, i) => {
            const [decision, reason] = results[i];
            if (c.champion === null) return expect(decision).toBe('promote');
            if (c.base === null) return expect(decision).toBe('incomparable');
            const gain = c.mode === 'max' ? c.value - c.base : c.base - c.value;
            expect(decision).toBe(gain > 0 && gain >= c.minDelta ? 'promote' : 'reject');
            expect(reason).toContain(c.sameTestSet ? "on the candidate's test set" : 'as logged by its own training run');
          });
        },
      ),
      { numRuns: 5 },
    );
  });

  test('a run without the metric is incomparable, and says what to log', () => {
    const source = trainingDag(spec({ promote: PROMOTE }));
    const [[decision, reason]] = callInDag<[string, string]>(source, 'judge', [[{ loss: 1 }, '1', {}]]);
    expect(decision).toBe('incomparable');
    expect(reason).toContain("mlflow.log_metric('auc', value)");
  });
});

describe('the new-data count in the generated file (count_new_data)', () => {
  test('sums the unit over the events after the watermark, across assets; the newest counted is the new watermark', () => {
    const source = trainingDag(spec({ minNewData: { unit: 'rows', count: 100 } }));
    const base = Date.UTC(2026, 0, 1);
    fc.assert(
      fc.property(
        fc.array(fc.record({ asset: fc.constantFrom('s3://a', 's3://b'), at: fc.nat(10_000), rows: fc.option(fc.nat(1e6)) }), {
          maxLength: 30,
        }),
        fc.option(fc.nat(10_000)),
        (events, watermark) => {
          const iso = (s: number) => new Date(base + s * 1000).toISOString().replace('Z', '+00:00');
          const byAsset: Record<string, unknown[]> = { 's3://a': [], 's3://b': [] };
          events.forEach((e, i) => byAsset[e.asset].push({ id: i, timestamp: iso(e.at), extra: e.rows === null ? {} : { rows: e.rows } }));
          const through = watermark === null ? null : iso(watermark);
          const [[amount, counted, newest]] = callInDag<[number, number, string | null]>(source, 'count_new_data', [
            { events: byAsset, through },
          ]);
          const after = events.filter((e) => watermark === null || e.at > watermark);
          expect(amount).toBe(after.reduce((n, e) => n + (e.rows ?? 0), 0));
          expect(counted).toBe(after.length);
          const newestAt = Math.max(...after.map((e) => e.at), watermark ?? -1);
          if (newestAt < 0) expect(newest).toBeNull();
          else expect(Date.parse(newest!)).toBe(base + newestAt * 1000);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('the snapshot step in the generated file (label_value, snapshot_body)', () => {
  test('label_value gives what labelValue gives, for any DAG run id', () => {
    const source = trainingDag(spec({ snapshot: { volumes: [CORPUS] } }));
    const ids = fc.sample(fc.oneof(fc.string({ maxLength: 90 }), fc.string({ unit: 'grapheme', maxLength: 80 })), 80);
    ids.push('manual__2026-12-02T03:55:05.123456+00:00', 'scheduled__2026-12-02T00:00:00+00:00', '+', '');
    const got = callInDag<string>(
      source,
      'label_value',
      ids.map((id) => [id]),
    );
    expect(got).toEqual(ids.map(labelValue));
  });

  test('snapshot_body is the VolumeSnapshot volumeSnapshotManifest writes, with and without a commit and a class', () => {
    const dagRun = 'manual__2026-12-02T03:55:05+00:00';
    const run = '0123456789abcdef0123456789abcdef';
    for (const gitCommit of [COMMIT, undefined]) {
      const source = trainingDag(spec({ snapshot: { volumes: [CORPUS, MODEL_VOLUME], ...(gitCommit ? { gitCommit } : {}) } }));
      const volumes = [
        { dataset: 'corpus', snapshotClass: 'csi-snapshots' },
        { dataset: 'nmt-model', snapshotClass: null },
      ];
      const got = callInDag<Record<string, unknown>>(
        source,
        'snapshot_body',
        volumes.map((v) => [v, run, dagRun]),
      );
      const want = [CORPUS, MODEL_VOLUME].map((d) =>
        volumeSnapshotManifest(d, 'retail-risk', { model: 'churn-train', mlflowRunId: run, dagRunId: dagRun, gitCommit }),
      );
      expect(got).toEqual(want);
    }
  });
});
