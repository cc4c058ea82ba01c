/**
 * `modelplane restore MODEL --run RUN_ID`: the claims restoring the datasets a training run snapshotted
 * (train.snapshot: true), printed as YAML for `kubectl apply -f -`; every refusal exits 2 with the fix and
 * prints nothing on stdout. (test/cluster/lineage.test.ts has the API server admit such a claim.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';

const BIN = join(resolve(__dirname, '..'), 'bin', 'modelplane.js');
const RUN = '0123456789abcdef0123456789abcdef';
const FILE = `team: risk
defaults:
  image: docker.io/apache/spark:3.5.3-python3
  python: "3.11"
  environment: s3a://envs/risk/base-1.0.0.tar.gz
  spark: { version: "3.5.3" }
datasets:
  - { name: churn-data, size: 50Gi, snapshotClass: csi-snapshots, storageClass: csi-rbd }
  - { name: churn-features, size: 10Gi }
models:
  - name: churn
    type: batch
    main: s3a://code/risk/churn/score.py
    schedule: "0 3 * * *"
    output: hive://risk.churn_scores
    train:
      main: s3a://code/risk/churn/train.py
      schedule: "0 2 * * 0"
      registers: churn
      snapshot: true
    datasets: [{ dataset: churn-data, mountPath: /data/train, readOnly: true }, { dataset: churn-features, mountPath: /data/features }]
  - name: ltv
    type: batch
    main: s3a://code/risk/ltv/score.py
    output: hive://risk.ltv_scores
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelplane-restore-'));
  writeFileSync(join(dir, 'modelplane.yaml'), FILE);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
jest.setTimeout(120_000);

function mp(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 100_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('prints one claim per mounted dataset, restored from the run’s VolumeSnapshot, in mount order, the same bytes every time', () => {
  const r = mp(['restore', 'churn', '--run', RUN]);
  expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
  const docs = YAML.parseAllDocuments(r.out).map((d) => d.toJS());
  expect(docs.map((d) => [d.kind, d.metadata.namespace, d.metadata.name, d.spec.dataSource])).toEqual([
    [
      'PersistentVolumeClaim',
      'risk',
      'churn-data-restored',
      { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: `churn-data-${RUN}` },
    ],
    [
      'PersistentVolumeClaim',
      'risk',
      'churn-features-restored',
      { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: `churn-features-${RUN}` },
    ],
  ]);
  // The dataset's size and StorageClass, and the run it came from.
  expect(docs[0].spec.resources.requests.storage).toBe('50Gi');
  expect(docs[0].spec.storageClassName).toBe('csi-rbd');
  expect(docs[0].metadata.labels['modelplane.dev/mlflow-run-id']).toBe(RUN);
  expect(mp(['restore', 'churn', '--run', RUN]).out).toBe(r.out);
});

test.each([
  [['restore', 'ltv', '--run', RUN], /model "ltv" snapshots no datasets.*Fix: mount a dataset .*train\.snapshot: true/],
  [['restore', 'nope', '--run', RUN], /no model "nope" in modelplane\.yaml\. Fix: use one of: churn, ltv/],
  [['restore', 'churn', '--run', '42'], /--run "42" is not an MLflow run id: 32 lower-case hexadecimal digits\. Fix: .*--run [0-9a-f]{32}/],
  [['restore', 'churn'], /required option '--run <RUN_ID>' not specified/],
])('%j is refused with exit 2, the fix, and nothing on stdout', (args, message) => {
  const r = mp(args);
  expect(r).toEqual({ code: 2, out: '', err: expect.stringMatching(message) });
  expect(r.err).not.toMatch(/\n\s+at /);
});
