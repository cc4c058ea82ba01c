/**
 * The demo team's batch examples (the bank's cascades): three scoring models and an ensemble in a nightly
 * cascade, and a churn model retrained weekly and whenever its feature table is updated.
 */
import { Cascade } from '../../src/constructs/batch/cascade';
import { SparkBatchModel } from '../../src/constructs/batch/spark-batch-model';
import type { TeamModels } from '../../src/constructs/team-models';

const IMAGE = 'registry.example.com/demo/batch-models:1.4.2';
const SPARK = '3.5.5';

/** Adds the demo batch models and the `nightly` cascade to a team's chart. */
export function addDemoBatch(chart: TeamModels): void {
  const env = (name: string) => ({ archive: `s3a://ml-envs/demo/${name}/env-1.4.2.tar.gz`, pythonVersion: '3.11' });
  new SparkBatchModel(chart, 'churn', {
    image: IMAGE,
    sparkVersion: SPARK,
    pythonEnv: env('churn'),
    train: { mainApplicationFile: 'local:///app/churn/train.py', schedule: '0 4 * * 0', assets: ['s3://lake/features/churn'] },
    score: { mainApplicationFile: 'local:///app/churn/score.py' },
    executor: { cores: 2, memory: '4g', instances: 3 },
    cascade: { inputs: [{ name: 'customers', uri: 'hive:crm.customers' }], outputTable: 'scores.churn' },
  });
  new SparkBatchModel(chart, 'ltv', {
    image: IMAGE,
    sparkVersion: SPARK,
    pythonEnv: env('ltv'),
    score: { mainApplicationFile: 'local:///app/ltv/score.py' },
    dynamicAllocation: { minExecutors: 1, maxExecutors: 4 },
    cascade: { inputs: [{ name: 'orders', uri: 's3a://lake/orders' }], outputTable: 'scores.ltv' },
  });
  new SparkBatchModel(chart, 'risk-score', {
    image: IMAGE,
    sparkVersion: SPARK,
    pythonEnv: env('risk-score'),
    score: { mainApplicationFile: 'local:///app/risk_score/score.py' },
    gpu: { pool: 'gpu', count: 1 },
    cascade: { inputs: [{ name: 'payments', uri: 's3a://lake/payments' }], outputPath: 's3a://predictions/risk-score' },
  });
  new SparkBatchModel(chart, 'next-offer', {
    image: IMAGE,
    sparkVersion: SPARK,
    pythonEnv: env('next-offer'),
    score: { mainApplicationFile: 'local:///app/next_offer/score.py' },
    cascade: {
      inputs: [
        { name: 'churn', uri: 'hive:scores.churn' },
        { name: 'ltv', uri: 'hive:scores.ltv' },
      ],
      outputTable: 'scores.next_offer',
    },
  });
  new Cascade(chart, 'nightly', {
    blocks: [
      { name: 'base', models: ['churn', 'ltv', 'risk-score'] },
      { name: 'ensemble', models: ['next-offer'] },
    ],
    schedule: '0 2 * * *',
    targets: ['airflow', 'argo'],
  });
}
