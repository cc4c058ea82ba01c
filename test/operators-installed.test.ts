/**
 * A workload is refused when its objects need an operator the platform file does not install: an
 * InferenceService on a platform with `kserve: { enabled: false }` is applied and never served (or not
 * admitted at all, without KServe's CRDs), a DAG ConfigMap without Airflow is never read. Found by the
 * fuzz tier (a team file without `server:` on the team-workspaces platform, which turns KServe off,
 * was synthesized with exit 0). A team file synthesized without its platform is not checked: its
 * operators are not known there.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADD_ONS } from '../src/constructs/platform/operators';
import { OPERATOR_KEYS } from '../src/core/context';
import { run } from '../src/frontends/cli/main';

const dir = mkdtempSync(join(tmpdir(), 'modelplane-operators-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

/** Runs `modelplane validate` in-process; the exit code and stderr. */
function validate(...argv: string[]): { code: number; err: string } {
  let err = '';
  const code = run(['validate', ...argv], { out: () => undefined, err: (s: string) => (err += s) }, dir);
  return { code, err };
}

const platform = (operators: string) => write('platform.yaml', `teams:\n  - name: risk\noperators:\n${operators}\n`);

const ONLINE = (extra: string) => `team: risk
models:
  - name: churn
    type: online
    model: s3://mlflow/artifacts/4/7aa01c55/artifacts/model
${extra}`;

const BATCH = (extra: string) => `team: risk
models:
  - name: pd
    type: batch
    image: docker.io/apache/spark:3.5.3-python3
    spark: { version: "3.5.3" }
    python: "3.11"
    environment: s3a://envs/pd.tar.gz
    main: s3a://code/pd/score.py
    schedule: "0 2 * * *"
${extra}`;

describe('the operators a platform installs', () => {
  it('are the keys of a platform file’s operators section, no more and no fewer', () => {
    expect([...OPERATOR_KEYS].sort()).toEqual(Object.keys(ADD_ONS).sort());
  });

  it('refuse a KServe model (the default server) when the platform turns KServe off', () => {
    const r = validate('-p', platform('  kserve: { enabled: false }'), '-f', write('m.yaml', ONLINE('    replicas: 2')));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/m\.yaml:\d+:\d+: `models\[0\]\.\w+` = "kserve" needs KServe, which the platform does not install/);
    expect(r.err).toContain('set operators.kserve.enabled: true in the platform file, or choose another backend');
    expect(r.err).not.toMatch(/undefined|at .*\.ts:\d+/);
  });

  it('refuse a Seldon model while Seldon Core is off (its default) and accept it once enabled', () => {
    const model = write('s.yaml', ONLINE('    server: seldon\n    replicas: 2'));
    const off = validate('-p', platform('  keda: {}'), '-f', model);
    expect(off.code).toBe(1);
    expect(off.err).toMatch(/`models\[0\]\.server` = "seldon" needs Seldon Core/);
    expect(validate('-p', platform('  seldonCore: { enabled: true }'), '-f', model)).toEqual({ code: 0, err: '' });
  });

  it('refuse a queue scaler when KEDA is off', () => {
    const queue = `    role: queue-worker
    replicas: { min: 0, max: 4 }
    autoscale:
      rabbitmq: { queue: jobs, hostSecret: rabbitmq-amqp }`;
    const r = validate('-p', platform('  keda: { enabled: false }'), '-f', write('q.yaml', ONLINE(queue)));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/needs KEDA, which the platform does not install/);
    expect(r.err).toContain('set operators.keda.enabled: true in the platform file');
  });

  it('refuse a batch model without the Spark Operator, and an Airflow-orchestrated one without Airflow', () => {
    const airflowModel = write('b.yaml', BATCH(''));
    const noSpark = validate('-p', platform('  sparkOperator: { enabled: false }'), '-f', airflowModel);
    expect(noSpark.code).toBe(1);
    expect(noSpark.err).toMatch(/needs the Spark Operator, which the platform does not install/);
    const noAirflow = validate('-p', platform('  airflow: { enabled: false }'), '-f', airflowModel);
    expect(noAirflow.code).toBe(1);
    expect(noAirflow.err).toMatch(/= "airflow" needs Airflow, which the platform does not install/);
    expect(noAirflow.err).toContain('or use orchestrator: spark-operator or argo');
    // The same model scheduled by the Spark Operator needs no Airflow.
    const own = write('o.yaml', BATCH('    orchestrator: spark-operator'));
    expect(validate('-p', platform('  airflow: { enabled: false }'), '-f', own)).toEqual({ code: 0, err: '' });
  });

  it('refuse a cascade whose DAG no Airflow would run', () => {
    const cascade = `${BATCH('    orchestrator: spark-operator\n    output: hive://scores.pd_daily\n')}cascades:
  - name: nightly
    orchestrator: airflow
    blocks:
      - name: all
        models: [pd]
`;
    const r = validate('-p', platform('  airflow: { enabled: false }'), '-f', write('c.yaml', cascade));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/`cascades\[0\]\.orchestrator` = "airflow" needs Airflow/);
  });

  it('are not checked for a team file synthesized without its platform', () => {
    expect(validate('-f', write('alone.yaml', ONLINE('    server: seldon\n    replicas: 2')))).toEqual({ code: 0, err: '' });
  });
});
