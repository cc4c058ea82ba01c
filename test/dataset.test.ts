/** Dataset: the claim, its defaults and validation; the run's VolumeSnapshot and the claim restored from it. */
import { Testing } from 'cdk8s';
import {
  Dataset,
  GIT_COMMIT_CONTEXT,
  resolveDataset,
  labelValue,
  restoredClaimManifest,
  snapshotName,
  snapshotTag,
  volumeSnapshotManifest,
} from '../src/constructs/dataset';
import { orThrow } from '../src/core/errors';
import { TeamModels } from '../src/constructs/team-models';
import { SparkBatchModel, SparkBatchModelProps, SparkDatasetProps } from '../src/constructs/batch/spark-batch-model';
import { expectIssue } from './support/errors';

const RUN = '0123456789abcdef0123456789abcdef';
const COMMIT = '89abcdef0123456789abcdef0123456789abcdef';

test('a dataset is a claim in the team namespace with the documented defaults', () => {
  const chart = new TeamModels(Testing.app(), 'translation');
  const d = new Dataset(chart, 'corpus');
  expect(d.spec).toEqual({ name: 'corpus', size: '10Gi', accessModes: ['ReadWriteMany'] });
  expect(chart.toJson()).toEqual([
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: 'corpus',
        namespace: 'translation',
        labels: {
          'app.kubernetes.io/name': 'dataset',
          'app.kubernetes.io/instance': 'corpus',
          'app.kubernetes.io/part-of': 'modelplane',
          'app.kubernetes.io/managed-by': 'modelplane',
          'app.kubernetes.io/component': 'dataset',
          'modelplane.dev/team': 'translation',
        },
      },
      spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '10Gi' } } },
    },
  ]);
});

test('every prop is passed through', () => {
  const chart = new TeamModels(Testing.app(), 'translation');
  new Dataset(chart, 'd', {
    name: 'nmt-model',
    size: '200Gi',
    storageClassName: 'fast.csi',
    snapshotClassName: 'csi-snapshots',
    accessModes: ['ReadWriteOnce', 'ReadOnlyMany'],
  });
  const [pvc] = chart.toJson();
  expect(pvc.metadata.name).toBe('nmt-model');
  expect(pvc.spec).toEqual({
    accessModes: ['ReadWriteOnce', 'ReadOnlyMany'],
    resources: { requests: { storage: '200Gi' } },
    storageClassName: 'fast.csi',
  });
});

test('bad props are refused naming the construct, field, value and fix; nothing is created', () => {
  const cases: [object, string, unknown][] = [
    [{ name: 'Corpus' }, 'name', 'Corpus'],
    [{ name: 'a-name-much-longer-than-thirty-chars' }, 'name', 'a-name-much-longer-than-thirty-chars'],
    [{ size: '10GB' }, 'size', '10GB'],
    [{ size: '1.5' }, 'size', '1.5'],
    [{ storageClassName: 'Fast_SSD' }, 'storageClassName', 'Fast_SSD'],
    [{ snapshotClassName: '' }, 'snapshotClassName', ''],
    [{ accessModes: [] }, 'accessModes', []],
    [{ accessModes: ['ReadWriteAll'] }, 'accessModes[0]', 'ReadWriteAll'],
    [{ accessModes: ['ReadWriteOnce', 'ReadWriteOnce'] }, 'accessModes', ['ReadWriteOnce', 'ReadWriteOnce']],
  ];
  for (const [props, field, value] of cases) {
    const chart = new TeamModels(Testing.app(), 'translation');
    expectIssue(() => new Dataset(chart, 'corpus', props), { construct: 'Dataset "corpus"', field, value });
    expect(chart.toJson()).toEqual([]);
  }
});

test('a dataset outside a TeamModels chart says how to fix the scope', () => {
  const app = Testing.app();
  expect(() => new Dataset(app, 'corpus')).toThrow(/Dataset "corpus": must be created inside a TeamModels chart/);
});

test("a run's snapshot: named by dataset and MLflow run id, labelled with the run and the commit", () => {
  const dataset = orThrow(resolveDataset('corpus', { snapshotClassName: 'csi-snapshots' }));
  expect(snapshotName('corpus', RUN)).toBe(`corpus-${RUN}`);
  expect(snapshotTag('corpus')).toBe('modelplane.snapshot.corpus');
  const run = { mlflowRunId: RUN, dagRunId: 'manual__2026-12-02T03:55:05+00:00', gitCommit: COMMIT };
  const manifest = volumeSnapshotManifest(dataset, 'translation', run);
  expect(manifest).toEqual({
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshot',
    metadata: {
      name: `corpus-${RUN}`,
      namespace: 'translation',
      labels: {
        'app.kubernetes.io/managed-by': 'modelplane',
        'modelplane.dev/dataset': 'corpus',
        'modelplane.dev/mlflow-run-id': RUN,
        'modelplane.dev/dag-run': 'manual__2026-12-02T03_55_05_00_00',
        'modelplane.dev/git-commit': COMMIT,
      },
      annotations: { 'modelplane.dev/dag-run-id': 'manual__2026-12-02T03:55:05+00:00', 'modelplane.dev/git-commit': COMMIT },
    },
    spec: { volumeSnapshotClassName: 'csi-snapshots', source: { persistentVolumeClaimName: 'corpus' } },
  });
  // Deterministic: the same run gives the same text.
  expect(JSON.stringify(volumeSnapshotManifest(dataset, 'translation', run))).toBe(JSON.stringify(manifest));
  // Without a commit or a class: no label, and the cluster's default VolumeSnapshotClass.
  const bare = volumeSnapshotManifest(orThrow(resolveDataset('corpus')), 'translation', { mlflowRunId: RUN, dagRunId: 'r' });
  expect((bare.metadata as { labels: object }).labels).not.toHaveProperty(['modelplane.dev/git-commit']);
  expect(bare.spec).toEqual({ source: { persistentVolumeClaimName: 'corpus' } });
});

test('label values: invalid characters replaced, ends trimmed, long values cut and suffixed with a digest', () => {
  const valid = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
  expect(labelValue('scheduled__2026-12-02T00:00:00+00:00')).toBe('scheduled__2026-12-02T00_00_00_00_00');
  expect(labelValue('abc')).toBe('abc');
  const long = `manual__${'x'.repeat(80)}`;
  expect(labelValue(long)).toMatch(/^manual__x{44}-[0-9a-f]{10}$/);
  expect(labelValue(long)).not.toBe(labelValue(`${long}y`));
  expect(labelValue('+++')).toMatch(/^[0-9a-f]{10}$/);
  for (const t of ['+++', long, 'a:b', '_x_', `${'é'.repeat(70)}`]) {
    expect(labelValue(t).length).toBeLessThanOrEqual(63);
    expect(labelValue(t)).toMatch(valid);
  }
  // A 64-digit commit: the label keeps 40 digits, the annotation the whole commit.
  const sha256 = 'a'.repeat(64);
  const m = volumeSnapshotManifest(orThrow(resolveDataset('corpus')), 't', {
    mlflowRunId: RUN,
    dagRunId: 'r',
    gitCommit: sha256,
    model: 'nmt',
  });
  const meta = m.metadata as { labels: Record<string, string>; annotations: Record<string, string> };
  expect(meta.labels['modelplane.dev/git-commit']).toBe('a'.repeat(40));
  expect(meta.labels['modelplane.dev/model']).toBe('nmt');
  expect(meta.annotations['modelplane.dev/git-commit']).toBe(sha256);
});

test("the restored claim takes its data from the run's snapshot, under a new name", () => {
  const dataset = orThrow(resolveDataset('corpus', { size: '50Gi', storageClassName: 'fast' }));
  expect(restoredClaimManifest(dataset, 'translation', RUN)).toEqual({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: 'corpus-restored',
      namespace: 'translation',
      labels: {
        'app.kubernetes.io/name': 'dataset',
        'app.kubernetes.io/instance': 'corpus',
        'app.kubernetes.io/part-of': 'modelplane',
        'app.kubernetes.io/managed-by': 'modelplane',
        'modelplane.dev/mlflow-run-id': RUN,
      },
    },
    spec: {
      accessModes: ['ReadWriteMany'],
      resources: { requests: { storage: '50Gi' } },
      storageClassName: 'fast',
      dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: `corpus-${RUN}` },
    },
  });
  expect((restoredClaimManifest(dataset, 'translation', RUN, 'corpus-v1').metadata as { name: string }).name).toBe('corpus-v1');
});

test('a bad run id or commit is refused naming the value and the fix', () => {
  const dataset = orThrow(resolveDataset('corpus'));
  for (const bad of ['', 'run-1', RUN.toUpperCase(), `${RUN}0`]) {
    expect(() => snapshotName('corpus', bad)).toThrow(
      `run id ${JSON.stringify(bad)} is not an MLflow run id: 32 lower-case hexadecimal digits. Fix: pass the run id MLflow shows for the training run`,
    );
    expect(() => restoredClaimManifest(dataset, 'translation', bad)).toThrow(/is not an MLflow run id/);
  }
  expect(() => volumeSnapshotManifest(dataset, 'translation', { mlflowRunId: RUN, dagRunId: 'r', gitCommit: 'abc123' })).toThrow(
    'git commit "abc123" is not a full commit id (40 or 64 lower-case hexadecimal digits). Fix: pass `git rev-parse HEAD`',
  );
});

describe('a batch model mounts datasets into the driver and the executors', () => {
  const base: SparkBatchModelProps = {
    image: 'registry.example.com/ml/nmt:2.1.0',
    sparkVersion: '3.5.5',
    pythonEnv: { archive: 's3a://ml-envs/nmt/env-2.1.0.tar.gz', pythonVersion: '3.11' },
    train: { mainApplicationFile: 'local:///app/train.py' },
  };

  function templateOf(chart: TeamModels): any {
    const cm = Testing.synth(chart).find((o: any) => o.kind === 'ConfigMap' && o.metadata.name === 'nmt-spark');
    return JSON.parse(cm.data['train.json']);
  }

  test('the Dataset construct or its claim name; read-only inputs, a writable model volume', () => {
    const chart = new TeamModels(Testing.app(), 'translation');
    const corpus = new Dataset(chart, 'corpus', { accessModes: ['ReadOnlyMany'] });
    new SparkBatchModel(chart, 'nmt', {
      ...base,
      datasets: [
        { dataset: corpus, mountPath: '/data/corpus', readOnly: true },
        { dataset: 'nmt-model', mountPath: '/data/model' },
      ],
    });
    const app = templateOf(chart);
    for (const role of ['driver', 'executor']) {
      const spec = app.spec[role].template.spec;
      expect(spec.volumes.slice(-2)).toEqual([
        { name: 'dataset-corpus', persistentVolumeClaim: { claimName: 'corpus', readOnly: true } },
        { name: 'dataset-nmt-model', persistentVolumeClaim: { claimName: 'nmt-model', readOnly: false } },
      ]);
      expect(spec.containers[0].volumeMounts.slice(-2)).toEqual([
        { name: 'dataset-corpus', mountPath: '/data/corpus', readOnly: true },
        { name: 'dataset-nmt-model', mountPath: '/data/model', readOnly: false },
      ]);
    }
  });

  test('without datasets the pod templates are unchanged', () => {
    const a = new TeamModels(Testing.app(), 'translation');
    new SparkBatchModel(a, 'nmt', base);
    const b = new TeamModels(Testing.app(), 'translation');
    new SparkBatchModel(b, 'nmt', { ...base, datasets: [] });
    expect(JSON.stringify(templateOf(b))).toBe(JSON.stringify(templateOf(a)));
    expect(JSON.stringify(templateOf(a))).not.toContain('persistentVolumeClaim');
  });

  test('bad mounts are refused naming the field, the value and the fix', () => {
    const cases: [unknown, string, unknown][] = [
      ['corpus', 'datasets', 'corpus'],
      [[{ dataset: 'Corpus', mountPath: '/data' }], 'datasets[0].dataset', 'Corpus'],
      [[{ dataset: 'corpus', mountPath: 'data' }], 'datasets[0].mountPath', 'data'],
      [[{ dataset: 'corpus', mountPath: '/data/../etc' }], 'datasets[0].mountPath', '/data/../etc'],
      [[{ dataset: 'corpus', mountPath: '/tmp/corpus' }], 'datasets[0].mountPath', '/tmp/corpus'],
      [[{ dataset: 'corpus', mountPath: '/var/modelplane' }], 'datasets[0].mountPath', '/var/modelplane'],
      [[{ dataset: 'corpus', mountPath: '/data', readOnly: 'yes' }], 'datasets[0].readOnly', 'yes'],
      [
        [
          { dataset: 'corpus', mountPath: '/data/a' },
          { dataset: 'corpus', mountPath: '/data/b' },
        ],
        'datasets[1].dataset',
        'corpus',
      ],
      [
        [
          { dataset: 'corpus', mountPath: '/data' },
          { dataset: 'model', mountPath: '/data/model' },
        ],
        'datasets[1].mountPath',
        '/data/model',
      ],
    ];
    for (const [datasets, field, value] of cases) {
      const chart = new TeamModels(Testing.app(), 'translation');
      expectIssue(() => new SparkBatchModel(chart, 'nmt', { ...base, datasets: datasets as SparkDatasetProps[] }), {
        construct: 'SparkBatchModel "nmt"',
        field,
        value,
      });
      expect(chart.toJson()).toEqual([]);
    }
  });
});

describe('train.snapshot: the training DAG snapshots the mounted datasets after a successful training', () => {
  const base: SparkBatchModelProps = {
    image: 'registry.example.com/ml/nmt:2.1.0',
    sparkVersion: '3.5.5',
    pythonEnv: { archive: 's3a://ml-envs/nmt/env-2.1.0.tar.gz', pythonVersion: '3.11' },
    train: { mainApplicationFile: 'local:///app/train.py', registeredModel: 'nmt', snapshot: true },
  };

  function build(commit?: string) {
    const app = Testing.app();
    if (commit !== undefined) app.node.setContext(GIT_COMMIT_CONTEXT, commit);
    const chart = new TeamModels(app, 'translation');
    const corpus = new Dataset(chart, 'corpus', { snapshotClassName: 'csi-snapshots', accessModes: ['ReadOnlyMany'] });
    const model = new Dataset(chart, 'nmt-model', { size: '20Gi' });
    const m = new SparkBatchModel(chart, 'nmt', {
      ...base,
      datasets: [
        { dataset: corpus, mountPath: '/data/corpus', readOnly: true },
        { dataset: model, mountPath: '/data/model' },
      ],
    });
    return { chart, m };
  }

  test('the DAG has the snapshot task with the volumes and the commit; the worker may create and get VolumeSnapshots, nothing more', () => {
    const { chart, m } = build(COMMIT);
    expect(m.training?.snapshot).toEqual({
      volumes: [m.spec.training!.snapshot!.volumes[0], m.spec.training!.snapshot!.volumes[1]],
      gitCommit: COMMIT,
    });
    const out = Testing.synth(chart);
    const dags = out.find((o: any) => o.kind === 'ConfigMap' && o.metadata.name === 'modelplane-dags-translation');
    const dag: string = dags.data['translation.nmt.train.py'];
    expect(dag).toContain('task_id="snapshot"');
    expect(dag).toContain(`GIT_COMMIT = "${COMMIT}"`);
    const role = out.find((o: any) => o.kind === 'Role' && o.metadata.name === 'modelplane-airflow-snapshots');
    expect(role.metadata.namespace).toBe('translation');
    expect(role.rules).toEqual([{ apiGroups: ['snapshot.storage.k8s.io'], resources: ['volumesnapshots'], verbs: ['create', 'get'] }]);
    const binding = out.find((o: any) => o.kind === 'RoleBinding' && o.metadata.name === 'modelplane-airflow-snapshots');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'modelplane-airflow-snapshots' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'airflow-worker', namespace: 'airflow' }]);
    // No commit given: none recorded.
    const bare = build();
    expect(bare.m.training?.snapshot?.gitCommit).toBeUndefined();
    expect(
      Testing.synth(bare.chart).find((o: any) => o.kind === 'ConfigMap' && o.metadata.name === 'modelplane-dags-translation').data[
        'translation.nmt.train.py'
      ],
    ).toContain('GIT_COMMIT = None');
  });

  test('restoreManifests: one restored claim per snapshotted dataset, in mount order', () => {
    const { m } = build();
    const claims = m.restoreManifests(RUN);
    expect(claims.map((c: any) => [c.metadata.name, c.spec.dataSource.name, c.spec.resources.requests.storage])).toEqual([
      ['corpus-restored', `corpus-${RUN}`, '10Gi'],
      ['nmt-model-restored', `nmt-model-${RUN}`, '20Gi'],
    ]);
    expect(() => m.restoreManifests('42')).toThrow(/is not an MLflow run id/);
  });

  test('without snapshot: no task, no Role', () => {
    const chart = new TeamModels(Testing.app(), 'translation');
    new SparkBatchModel(chart, 'nmt', { ...base, train: { ...base.train!, snapshot: false } });
    const out = Testing.synth(chart);
    expect(out.find((o: any) => o.kind === 'Role' && o.metadata.name === 'modelplane-airflow-snapshots')).toBeUndefined();
    expect(JSON.stringify(out)).not.toContain('task_id=\\"snapshot\\"');
  });

  test('bad snapshot settings are refused naming the field, the value and the fix', () => {
    const mount = (dataset: unknown) => [{ dataset, mountPath: '/data/x' }] as SparkDatasetProps[];
    const cases: [(chart: TeamModels) => SparkBatchModelProps, string, unknown, RegExp][] = [
      [() => base, 'train.snapshot', true, /mounts none/],
      [
        (c) => ({ ...base, train: { ...base.train!, registeredModel: undefined }, datasets: mount(new Dataset(c, 'x')) }),
        'train.snapshot',
        true,
        /needs the MLflow registered model/,
      ],
      [() => ({ ...base, datasets: mount('x') }), 'datasets[0].dataset', 'x', /is a claim's name/],
      [
        (c) => ({ ...base, train: { ...base.train!, snapshot: 'yes' as never }, datasets: mount(new Dataset(c, 'x')) }),
        'train.snapshot',
        'yes',
        /must be true or false/,
      ],
      [
        (c) => ({ ...base, score: { mainApplicationFile: 'local:///app/score.py', snapshot: true }, datasets: mount(new Dataset(c, 'x')) }),
        'score.snapshot',
        true,
        /only the training run/,
      ],
    ];
    for (const [props, field, value, problem] of cases) {
      const chart = new TeamModels(Testing.app(), 'translation');
      const p = props(chart);
      expectIssue(() => new SparkBatchModel(chart, 'nmt', p), { construct: 'SparkBatchModel "nmt"', field, value, says: problem });
    }
  });

  test('a commit that is not a full commit id is refused at synth', () => {
    const { chart } = build('abc123');
    expect(() => Testing.synth(chart)).toThrow(/is not a full commit id .* Fix: pass `git rev-parse HEAD`/);
  });
});
