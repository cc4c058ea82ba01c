/**
 * The team's own tests (`npm test`): what our models synthesize to, and that a mistake in a model
 * is caught before anything is written.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { App, ModelplaneValidationError, SparkBatchModel, Testing } from 'modelplane';
import { defineModels } from '../src/models';

type Obj = { kind: string; metadata: { name: string; namespace?: string }; spec?: Record<string, unknown> };

function synth(): Obj[] {
  const app = Testing.app();
  return Testing.synth(defineModels(app)) as Obj[];
}

test('every object lands in the team namespace (the DAG files go to Airflow\'s)', () => {
  const objects = synth();
  assert.ok(objects.length > 0);
  for (const o of objects) {
    const expected = o.metadata.name === 'modelplane-dags-fraud' ? 'airflow' : 'fraud';
    assert.equal(o.metadata.namespace, expected, `${o.kind} ${o.metadata.name}`);
  }
});

test('the online model is a KServe InferenceService with a 10% canary', () => {
  const isvc = synth().filter((o) => o.kind === 'InferenceService');
  assert.ok(isvc.length >= 1, 'an InferenceService');
  assert.ok(JSON.stringify(isvc).includes('models:/fraud/4'), 'the canary version is served');
  // KServe sizes the canary; the 90/10 split is a Gateway API HTTPRoute over its predictor Services (the platform's Envoy Gateway).
  const route = synth().find((o) => o.kind === 'HTTPRoute') as unknown as { spec: { rules: { backendRefs: { name: string; weight: number }[] }[] } };
  assert.ok(route, 'an HTTPRoute');
  assert.deepEqual(
    route.spec.rules[0].backendRefs.map((b) => [b.name, b.weight]),
    [['fraud-api-predictor', 90], ['fraud-api-canary-predictor', 10]],
  );
});

test('batch models store their SparkApplication templates, and the cascade is one DAG', () => {
  const objects = synth();
  const names = objects.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name);
  assert.ok(names.includes('fraud-batch-spark'), `templates ConfigMap, got ${names.join(', ')}`);
  const dags = objects.find((o) => o.metadata.name === 'modelplane-dags-fraud') as unknown as { data: Record<string, string> };
  assert.ok(dags, 'the team DAG ConfigMap');
  assert.ok(Object.keys(dags.data).includes('fraud.nightly.py'), `DAG files: ${Object.keys(dags.data).join(', ')}`);
});

test('a model with a bad schedule is rejected with the field and the fix', () => {
  const app = new App();
  const fraud = defineModels(app);
  assert.throws(() => new SparkBatchModel(fraud, 'bad', {
    image: 'docker.io/apache/spark:3.5.3-python3', sparkVersion: '3.5.3',
    pythonEnv: { archive: 's3a://envs/fraud/x-1.0.0.tar.gz', pythonVersion: '3.11' },
    score: { mainApplicationFile: 's3a://code/fraud/x.py', schedule: 'every night' },
  }), (e: unknown) => e instanceof ModelplaneValidationError && /score\.schedule/.test(e.message) && /Fix:/.test(e.message));
});
