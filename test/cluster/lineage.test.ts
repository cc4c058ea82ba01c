/**
 * Lineage on the real API server (with the external-snapshotter's CRDs registered): a Dataset's claim, the
 * VolumeSnapshot of a training run and the claim restored from it are accepted as written, with no warning,
 * and the snapshot keeps its run and commit labels. No CSI driver or snapshot controller runs here, so
 * nothing is ever snapshotted or provisioned: the objects are only admitted and stored.
 */
import { Testing } from 'cdk8s';
import { SparkBatchModel } from '../../src/constructs/batch/spark-batch-model';
import { Dataset, restoredClaimManifest, volumeSnapshotManifest } from '../../src/constructs/dataset';
import { TeamModels } from '../../src/constructs/team-models';
import { kubectl, kubectlOk, requireCluster, serverSideApply, uniqueName } from './kube';

const RUN = '0123456789abcdef0123456789abcdef';
const COMMIT = '89abcdef0123456789abcdef0123456789abcdef';
let namespace = '';

beforeAll(() => {
  requireCluster();
  namespace = uniqueName('lineage');
  kubectlOk(['create', 'namespace', namespace]);
});

afterAll(() => {
  if (namespace) kubectl(['delete', 'namespace', namespace, '--wait=false']);
});

test("a dataset's claim, a run's VolumeSnapshot and the restored claim are admitted as written", () => {
  const chart = new TeamModels(Testing.app(), namespace);
  const dataset = new Dataset(chart, 'corpus', { size: '1Gi', snapshotClassName: 'csi-snapshots', accessModes: ['ReadWriteOnce'] });
  const claim = serverSideApply(chart.toJson());
  expect(claim.status).toBe(0);
  expect(claim.stderr).toBe('');

  const snapshot = volumeSnapshotManifest(dataset.spec, namespace, {
    mlflowRunId: RUN,
    dagRunId: 'manual__2026-12-02T03:55:05+00:00',
    gitCommit: COMMIT,
  });
  const applied = serverSideApply([snapshot]);
  expect(applied.stderr).toBe('');
  expect(applied.status).toBe(0);
  const stored = JSON.parse(kubectlOk(['get', 'volumesnapshot', `corpus-${RUN}`, '-n', namespace, '-o', 'json']).stdout);
  expect(stored.metadata.labels).toMatchObject({
    'modelplane.dev/dataset': 'corpus',
    'modelplane.dev/mlflow-run-id': RUN,
    'modelplane.dev/git-commit': COMMIT,
    'modelplane.dev/dag-run': 'manual__2026-12-02T03_55_05_00_00',
  });
  expect(stored.metadata.annotations['modelplane.dev/dag-run-id']).toBe('manual__2026-12-02T03:55:05+00:00');
  expect(stored.spec).toEqual({ volumeSnapshotClassName: 'csi-snapshots', source: { persistentVolumeClaimName: 'corpus' } });
  // A run's snapshots are found by label.
  const byRun = kubectlOk(['get', 'volumesnapshot', '-n', namespace, '-l', `modelplane.dev/mlflow-run-id=${RUN}`, '-o', 'name']);
  expect(byRun.stdout.trim()).toBe(`volumesnapshot.snapshot.storage.k8s.io/corpus-${RUN}`);

  const restored = serverSideApply([restoredClaimManifest(dataset.spec, namespace, RUN)], { dryRun: true });
  expect(restored.stderr).toBe('');
  expect(restored.status).toBe(0);
  expect(restored.stdout).toContain('persistentvolumeclaim/corpus-restored serverside-applied (server dry run)');
});

test('a batch model mounting datasets: its SparkApplication and its driver and executor pods are admitted (Pod Security restricted)', () => {
  const restricted = uniqueName('lineage-pods');
  kubectlOk(['create', 'namespace', restricted]);
  kubectlOk([
    'label',
    'namespace',
    restricted,
    'pod-security.kubernetes.io/enforce=restricted',
    'pod-security.kubernetes.io/warn=restricted',
  ]);
  try {
    const chart = new TeamModels(Testing.app(), restricted);
    const corpus = new Dataset(chart, 'corpus', { accessModes: ['ReadOnlyMany'] });
    new SparkBatchModel(chart, 'nmt', {
      image: 'registry.example.com/ml/nmt:2.1.0',
      sparkVersion: '3.5.5',
      pythonEnv: { archive: 'local:///opt/env.tar.gz', pythonVersion: '3.11' },
      train: { mainApplicationFile: 'local:///app/train.py' },
      datasets: [
        { dataset: corpus, mountPath: '/data/corpus', readOnly: true },
        { dataset: 'nmt-model', mountPath: '/data/model' },
      ],
    });
    const cm = chart.toJson().find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'nmt-spark');
    const app = JSON.parse(cm.data['train.json']);
    app.metadata = { ...app.metadata, name: 'nmt-train' };
    const submitted = serverSideApply([app], { dryRun: true, namespace: restricted });
    expect(submitted.stderr).toBe('');
    expect(submitted.status).toBe(0);
    for (const role of ['driver', 'executor']) {
      const t = app.spec[role].template;
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `nmt-${role}`, labels: t.metadata?.labels },
        spec: { ...t.spec, containers: t.spec.containers.map((c: object) => ({ ...c, image: app.spec.image })) },
      };
      const admitted = serverSideApply([pod], { dryRun: true, namespace: restricted });
      expect(admitted.stderr).toBe('');
      expect(admitted.status).toBe(0);
    }
  } finally {
    kubectl(['delete', 'namespace', restricted, '--wait=false']);
  }
});
