/**
 * The demo team's online examples (the translation team's GPU queue worker, the storage vendor's
 * Kubeflow flow, beeline business's model tests): a fraud scorer on a plain Deployment with a
 * canary and a shadow behind a Gateway API route, a recommender on KServe, a translation queue
 * worker on the GPU pool scaled by its RabbitMQ queue (to zero when idle), a model test of the fraud
 * scorer against reference scores, and a retro test scoring last quarter with an older version.
 */
import { ModelTest } from '../../src/constructs/online/model-test';
import { OnlineModel } from '../../src/constructs/online/online-model';
import type { Platform } from '../../src/constructs/platform/platform';
import { RetroTest } from '../../src/constructs/online/retro-test';

/** Adds the demo online models to the `demo` team of `platform`. */
export function addDemoOnline(platform: Platform): void {
  const chart = platform.models('demo');
  const fraud = new OnlineModel(chart, 'fraud', {
    backend: 'deployment',
    variants: [
      { name: 'stable', model: 'models:/fraud@champion', traffic: 90 },
      { name: 'canary', model: 'models:/fraud@challenger', traffic: 10 },
      { name: 'shadow', model: 'models:/fraud/7', shadow: true },
    ],
    resources: { cpu: '500m', memory: '1Gi' },
    autoscaling: { minReplicas: 2, maxReplicas: 4, cpuUtilization: 70 },
    monitoring: { labels: { release: 'prometheus' } },
  });
  new OnlineModel(chart, 'recommender', {
    model: 'models:/recommender@champion',
    resources: { cpu: '1', memory: '2Gi' },
    autoscaling: { minReplicas: 2, maxReplicas: 4, cpuUtilization: 60, memoryUtilization: 80 },
  });
  new OnlineModel(chart, 'translate', {
    backend: 'deployment',
    role: 'queue-worker',
    model: 'models:/translate@prod',
    resources: { cpu: '2', memory: '8Gi' },
    ...(platform.gpuPools.has('gpu') ? { gpu: { pool: 'gpu', count: 1 } } : {}),
    autoscaling: {
      minReplicas: 0,
      maxReplicas: 2,
      rabbitmq: { queueName: 'translation-jobs', hostSecret: { name: 'rabbitmq', key: 'url' }, messagesPerReplica: 10 },
    },
  });
  new ModelTest(chart, 'fraud-test', {
    target: fraud,
    referenceUri: 'mlflow-artifacts:/datasets/demo/fraud/reference.csv',
    absTolerance: 1e-6,
  });
  new RetroTest(chart, 'fraud-2025q4', {
    model: 'models:/fraud/5',
    input: 'mlflow-artifacts:/datasets/demo/fraud/transactions-2025.csv',
    period: { from: '2025-10-01', to: '2025-12-31' },
    excludeColumns: ['transaction_id'],
  });
}
