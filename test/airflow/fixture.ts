/**
 * Synthesizes the Airflow tier's inputs into the directory given as the first argument: a team's
 * batch models and cascades (the demo stack's, a test cascade with a fast poll interval in both DAG forms (one team
 * each), and a team
 * whose model takes a run-time value from the run's conf), the
 * manifests (`*.k8s.yaml`) and the generated DAG files (`dags/`). Run by test/airflow/run.sh.
 */
import { App } from 'cdk8s';
import { Cascade } from '../../src/constructs/batch/cascade';
import { SparkBatchModel, SparkBatchModelProps } from '../../src/constructs/batch/spark-batch-model';
import { TeamModels } from '../../src/constructs/team-models';
import { platformContext } from '../../src/core/context';
import { addDemoBatch } from '../../stacks/demo/batch';

const outdir = process.argv[2];
if (!outdir) {
  process.stderr.write('usage: fixture.ts OUTDIR\n');
  process.exit(2);
}

const app = new App({ outdir });
const platform = platformContext({
  gpuPools: [{ name: 'gpu', taint: { key: 'nvidia.com/gpu', effect: 'NoSchedule' }, nodeLabels: { 'modelplane.dev/gpu-pool': 'gpu' } }],
});

// The test team: three blocks, five models, a 1-second poll so that dag.test runs take seconds.
const team = new TeamModels(app, 'cascade-test', { platform });
const model = (name: string, extra: Partial<SparkBatchModelProps> = {}, owner: TeamModels = team) =>
  new SparkBatchModel(owner, name, {
    image: 'registry.example.com/ml/models:1.0.0',
    sparkVersion: '3.5.5',
    pythonEnv: { archive: `s3a://ml-envs/${name}/env-1.0.0.tar.gz`, pythonVersion: '3.11' },
    // Run-time values: the DAG's submit substitutes them from the run (docs/cookbook/run-time-values.md).
    score: { mainApplicationFile: `local:///app/${name}/score.py`, arguments: ['--date', '{{ ds }}', '--run', '{{ run_id }}'] },
    env: { RUN_DAY: '{{ ds_nodash }}' },
    cascade: { inputs: [{ name: 'events', uri: 's3a://lake/events' }], outputTable: `scores.${name.replace(/-/g, '_')}` },
    ...extra,
  });
for (const m of ['feat-a', 'feat-b', 'score-a', 'score-b', 'ensemble']) model(m);
const nightly = {
  blocks: [
    { name: 'features', models: ['feat-a', 'feat-b'] },
    { name: 'scoring', models: ['score-a', 'score-b'] },
    { name: 'ensemble', models: ['ensemble'] },
  ],
  schedule: '0 2 * * *',
  pollIntervalSeconds: 1,
  // A broken run fails within minutes instead of hanging for the 6 h default.
  timeoutSeconds: 120,
  submitRetries: 0,
};
new Cascade(team, 'nightly', nightly);
// The same cascade in the mapped form (what cascades of MAPPED_FROM_MODELS models and more get), with
// retried submits: a task group per block and stage mapped over the selected models. In a team (and so
// a namespace) of its own with the same five models, so that run.sh can run the two forms' tests side by
// side: each form's operator stand-in then sees only its own SparkApplications.
const mappedTeam = new TeamModels(app, 'cascade-mapped', { platform });
for (const m of ['feat-a', 'feat-b', 'score-a', 'score-b', 'ensemble']) model(m, {}, mappedTeam);
new Cascade(mappedTeam, 'nightly-mapped', { ...nightly, airflowForm: 'mapped', submitRetries: 1 });

// Run-time values from the run's conf: a model with {{ params.segment }}, scheduled (its own DAG) and in
// an unscheduled cascade with a 1-second poll.
const runValues = new TeamModels(app, 'run-values', { platform });
new SparkBatchModel(runValues, 'segmenter', {
  image: 'registry.example.com/ml/models:1.0.0',
  sparkVersion: '3.5.5',
  pythonEnv: { archive: 's3a://ml-envs/segmenter/env-1.0.0.tar.gz', pythonVersion: '3.11' },
  score: {
    mainApplicationFile: 'local:///app/segmenter/score.py',
    arguments: [
      '--segment',
      '{{ params.segment }}',
      '--day',
      '{{ ds_nodash }}',
      '--window',
      '{{ data_interval_start }}/{{ data_interval_end }}',
    ],
    schedule: '0 3 * * *',
  },
  env: { STAMP: '{{ ts }}' },
  cascade: { outputTable: 'scores.segments' },
});
new Cascade(runValues, 'adhoc', {
  blocks: [{ name: 'all', models: ['segmenter'] }],
  pollIntervalSeconds: 1,
  timeoutSeconds: 120,
  submitRetries: 0,
});

// The demo team's models and cascade, exactly as the platform's demo synthesizes them.
addDemoBatch(new TeamModels(app, 'demo', { platform }));

app.synth();
