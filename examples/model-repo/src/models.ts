/**
 * The fraud team's models: a few typed lines each. `npm run synth` writes them to dist/ (manifests
 * and Airflow DAGs); CI applies dist/. The platform team owns MLflow, Airflow and the GPU pools;
 * platformContext() names them by modelplane's conventions.
 */
import { App, Cascade, OnlineModel, platformContext, SparkBatchModel, TeamModels } from 'modelplane';

/** Spark image and environment every batch model of the team uses. */
const spark = {
  image: 'docker.io/apache/spark:3.5.3-python3',
  sparkVersion: '3.5.3',
} as const;

/** Defines the team's models in `app` and returns the team's chart. */
export function defineModels(app: App): TeamModels {
  const fraud = new TeamModels(app, 'fraud', {
    platform: platformContext({ gpuPools: [{ name: 'gpu', taint: { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }, nodeLabels: { 'modelplane.dev/gpu-pool': 'gpu' } }] }),
  });

  // Features for the scorers, built every night.
  new SparkBatchModel(fraud, 'txn-features', {
    ...spark,
    pythonEnv: { archive: 's3a://envs/fraud/features-1.2.0.tar.gz', pythonVersion: '3.11' },
    score: { mainApplicationFile: 's3a://code/fraud/features/build.py', arguments: ['--date', '{{ ds }}'] },
    cascade: { inputs: [{ name: 'transactions', uri: 'hive://raw.card_transactions' }], outputTable: 'features.fraud_txn_daily' },
  });

  // The batch scorer, retrained weekly (continuous training) and run in the nightly cascade.
  new SparkBatchModel(fraud, 'fraud-batch', {
    ...spark,
    pythonEnv: { archive: 's3a://envs/fraud/scorer-3.0.1.tar.gz', pythonVersion: '3.11' },
    train: { mainApplicationFile: 's3a://code/fraud/scorer/train.py', schedule: '0 2 * * 0' },
    score: { mainApplicationFile: 's3a://code/fraud/scorer/score.py', arguments: ['--date', '{{ ds }}'] },
    executor: { instances: 4, cores: 2, memory: '8g' },
    cascade: { inputs: [{ name: 'features', uri: 'hive://features.fraud_txn_daily' }], outputTable: 'scores.fraud_daily' },
  });

  new Cascade(fraud, 'nightly', {
    schedule: '0 1 * * *',
    blocks: [
      { name: 'features', models: ['txn-features'] },
      { name: 'scoring', models: ['fraud-batch'] },
    ],
  });

  // The online scorer: the registered champion, with the next version as a 10% canary (KServe runs both
  // predictors; an HTTPRoute on the platform's Gateway splits the traffic, so the platform enables Envoy Gateway).
  new OnlineModel(fraud, 'fraud-api', {
    backend: 'kserve',
    variants: [
      { name: 'stable', model: 'models:/fraud@champion', traffic: 90 },
      { name: 'canary', model: 'models:/fraud/4', traffic: 10 },
    ],
    autoscaling: { minReplicas: 2, maxReplicas: 10, cpuUtilization: 70 },
    resources: { cpu: '1', memory: '2Gi' },
  });

  return fraud;
}
