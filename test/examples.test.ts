/**
 * Every example synthesizes, and shows what its field report asks for. (examples/model-repo runs
 * its own synth and tests in the examples tier of scripts/test-all.sh: it needs its own npm ci.)
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildAll } from '../src/frontends/cli/actions';
import { formatConfigIssue } from '../src/frontends/config/errors';
import { OutputContent, OutputObject, readOutput, synthToTemp } from '../src/frontends/config/synth';

const EX = resolve(__dirname, '..', 'examples');

/** Synthesizes like `modelplane synth` and reads the output back. */
function synth(o: { file?: string[]; platform?: string }): OutputContent {
  const { dir, issues } = synthToTemp(join(tmpdir(), 'modelplane-example'), (app) => buildAll(app, o));
  if (!dir) throw new Error(issues.map(formatConfigIssue).join('\n'));
  try {
    return readOutput(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const of = (c: OutputContent, kind: string): OutputObject[] => [...c.objects.values()].filter((o) => o.kind === kind);
type Any = Record<string, any>;

describe("bank-cascades (the bank's cascades)", () => {
  const out = synth({ file: [join(EX, 'bank-cascades', 'modelplane.yaml')] });

  // The cascades' models score; churn-train only trains (continuous training with a gated promotion).
  const scoring = (o: OutputObject) => o.name.endsWith('-spark') && o.name !== 'churn-train-spark';

  test('about 100 batch models, each with its SparkApplication templates', () => {
    const templates = of(out, 'ConfigMap').filter(scoring);
    expect(templates).toHaveLength(100);
    for (const t of templates) {
      const score = JSON.parse((t.body.data as Any)['score.json']);
      expect(score.kind).toBe('SparkApplication');
      const init = score.spec.driver.template.spec.initContainers[0];
      expect(init.env[0].value).toMatch(/^s3a:\/\/envs\/retail-risk\/.*\.tar\.gz$/);
    }
  });

  test('cascades are single DAGs with blocks in order and select/submit/wait per model and stage; runs are parameterized', () => {
    const nightly = out.files.get('dags/retail-risk.nightly.py')!;
    expect(nightly).toBeDefined();
    expect(nightly).toContain('"retail-risk.nightly"');
    const at = ['"features": [', '"scorers": [', '"ensembles": ['].map((s) => nightly.indexOf(s));
    expect(at.every((i) => i > 0)).toBe(true);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    const names = of(out, 'ConfigMap')
      .filter(scoring)
      .map((o) => o.name.replace(/-spark$/, ''));
    for (const n of names) expect(nightly).toContain(`"${n}"`);
    expect(nightly).toMatch(/"blocks": Param\(/);
    expect(nightly).toMatch(/"models": Param\(/);
    expect([...out.files.keys()].filter((f) => f.startsWith('dags/') && f.endsWith('.py')).sort()).toEqual([
      'dags/retail-risk.cards-ensemble.py',
      'dags/retail-risk.churn-train.train.py',
      'dags/retail-risk.nightly.py',
      'dags/retail-risk.weekly-retrain.py',
    ]);
    const dagMap = of(out, 'ConfigMap').find((o) => o.name === 'modelplane-dags-retail-risk')!;
    expect(
      Object.keys(dagMap.body.data as Any)
        .filter((f) => f.endsWith('.py'))
        .sort(),
    ).toEqual([
      'retail-risk.cards-ensemble.py',
      'retail-risk.churn-train.train.py',
      'retail-risk.nightly.py',
      'retail-risk.weekly-retrain.py',
    ]);
    expect(dagMap.namespace).toBe('airflow');
  });

  test('gated promotion: churn-train promotes to churn-api (KServe), which Airflow may get and patch, nothing else', () => {
    expect(of(out, 'InferenceService').map((o) => o.name)).toEqual(['churn-api']);
    const role = of(out, 'Role').find((o) => o.name === 'modelplane-airflow-rollout')!;
    expect(role.namespace).toBe('retail-risk');
    expect((role.body as Any).rules).toEqual([
      { apiGroups: ['serving.kserve.io'], resources: ['inferenceservices'], verbs: ['get', 'patch'], resourceNames: ['churn-api'] },
    ]);
    const binding = of(out, 'RoleBinding').find((o) => o.name === 'modelplane-airflow-rollout')!;
    expect((binding.body as Any).subjects).toEqual([{ kind: 'ServiceAccount', name: 'airflow-worker', namespace: 'airflow' }]);
  });

  test('synthesis is deterministic', () => {
    const again = synth({ file: [join(EX, 'bank-cascades', 'modelplane.yaml')] });
    expect([...again.objects.entries()].map(([k, o]) => [k, o.body])).toEqual([...out.objects.entries()].map(([k, o]) => [k, o.body]));
    expect([...again.files.entries()]).toEqual([...out.files.entries()]);
  });
});

describe("translation-gpu (the translation team's GPU queue worker)", () => {
  const out = synth({ file: [join(EX, 'translation-gpu', 'modelplane.yaml')] });
  const deployments = of(out, 'Deployment');

  test("GPU workloads tolerate purpose=ml:NoSchedule and require the pool's nodes", () => {
    expect(deployments.map((d) => d.name).sort()).toEqual(['translate-api', 'translate-api-canary', 'translate-worker']);
    for (const d of deployments) {
      const spec = (d.body as Any).spec.template.spec;
      expect(spec.tolerations).toContainEqual({ key: 'purpose', operator: 'Equal', value: 'ml', effect: 'NoSchedule' });
      expect(
        spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions,
      ).toContainEqual({ key: 'purpose', operator: 'In', values: ['ml'] });
      expect(spec.containers[0].resources.limits['nvidia.com/gpu']).toBe('1');
    }
  });

  test('probes and zero-downtime rolling updates', () => {
    for (const d of deployments) {
      const body = d.body as Any;
      expect(body.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
      const c = body.spec.template.spec.containers[0];
      expect(c.readinessProbe).toBeDefined();
      expect(c.livenessProbe).toBeDefined();
      expect(c.startupProbe).toBeDefined();
    }
  });

  test('the queue worker scales on the RabbitMQ queue (KEDA), down to zero; the API on CPU (HPA)', () => {
    const so = of(out, 'ScaledObject');
    expect(so).toHaveLength(1);
    const spec = (so[0].body as Any).spec;
    expect(spec.scaleTargetRef.name).toBe('translate-worker');
    expect(spec.minReplicaCount).toBe(0);
    expect(spec.triggers[0]).toMatchObject({
      type: 'rabbitmq',
      metadata: { mode: 'QueueLength', queueName: 'translation-jobs', value: '20' },
    });
    // The API's canary (the version a promotion tries first) scales on its own, like the API.
    expect(of(out, 'HorizontalPodAutoscaler').map((h) => h.name)).toEqual(['translate-api', 'translate-api-canary']);
  });

  test('continuous training: a DAG retrains on new data (an Airflow Asset), on the GPU pool, and may roll both servers', () => {
    const dag = out.files.get('dags/translation.translate-train.train.py')!;
    expect(dag).toContain('Asset("s3://corpora/translation/en-da/parallel")');
    const role = of(out, 'Role').find((o) => o.name === 'modelplane-airflow-rollout')!;
    expect((role.body as Any).rules).toEqual([
      {
        apiGroups: ['apps'],
        resources: ['deployments'],
        verbs: ['get', 'patch'],
        resourceNames: ['translate-api', 'translate-api-canary', 'translate-worker'],
      },
    ]);
    const train = JSON.parse((of(out, 'ConfigMap').find((c) => c.name === 'translate-train-spark')!.body.data as Any)['train.json']);
    expect(train.spec.executor.template.spec.tolerations).toContainEqual({
      key: 'purpose',
      operator: 'Equal',
      value: 'ml',
      effect: 'NoSchedule',
    });
  });

  test('lineage: the corpus and model volumes are claims mounted into the training, snapshotted after it (train.snapshot)', () => {
    const claims = of(out, 'PersistentVolumeClaim').map((c) => [
      c.name,
      (c.body as Any).spec.accessModes,
      (c.body as Any).spec.resources.requests.storage,
    ]);
    expect(claims).toEqual([
      ['corpus', ['ReadOnlyMany'], '200Gi'],
      ['nmt-model', ['ReadWriteMany'], '20Gi'],
    ]);
    const train = JSON.parse((of(out, 'ConfigMap').find((c) => c.name === 'translate-train-spark')!.body.data as Any)['train.json']);
    for (const pod of [train.spec.driver, train.spec.executor]) {
      expect(pod.template.spec.volumes.filter((v: Any) => v.persistentVolumeClaim).map((v: Any) => v.persistentVolumeClaim)).toEqual([
        { claimName: 'corpus', readOnly: true },
        { claimName: 'nmt-model', readOnly: false },
      ]);
    }
    const role = of(out, 'Role').find((o) => o.name === 'modelplane-airflow-snapshots')!;
    expect((role.body as Any).rules).toEqual([
      { apiGroups: ['snapshot.storage.k8s.io'], resources: ['volumesnapshots'], verbs: ['create', 'get'] },
    ]);
    const dag = out.files.get('dags/translation.translate-train.train.py')!;
    expect(dag).toMatch(/>> spark_wait\n\s+>> snapshot\n\s+>> evaluate/);
    // No --commit here: the DAG names no commit (synth never reads git).
    expect(dag).toContain('\nGIT_COMMIT = None\n');
  });
});

describe("team-workspaces (beeline business's team workspaces and model tests)", () => {
  const tw = join(EX, 'team-workspaces');
  const out = synth({ platform: join(tw, 'platform.yaml'), file: [join(tw, 'b2b-scoring.yaml'), join(tw, 'geo-analytics.yaml')] });

  test('each team has a namespace with a CPU/RAM/GPU quota, limits, default-deny and Pod Security restricted', () => {
    const quotas = Object.fromEntries(of(out, 'ResourceQuota').map((q) => [q.namespace, (q.body as Any).spec.hard]));
    expect(quotas['b2b-scoring']).toMatchObject({ 'requests.cpu': '48', 'requests.memory': '192Gi', 'requests.nvidia.com/gpu': 2 });
    expect(quotas['geo-analytics']).toMatchObject({ 'requests.nvidia.com/gpu': 0 });
    for (const team of ['b2b-scoring', 'geo-analytics']) {
      const ns = of(out, 'Namespace').find((n) => n.name === team)!;
      expect((ns.body as Any).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
      expect(of(out, 'LimitRange').some((l) => l.namespace === team)).toBe(true);
    }
  });

  test('a Seldon MLflow-server model with a 10% canary', () => {
    const sd = of(out, 'SeldonDeployment').find((s) => s.name === 'lead-score')!;
    const predictors = (sd.body as Any).spec.predictors;
    expect(predictors.map((p: Any) => [p.name, p.traffic])).toEqual([
      ['main', 90],
      ['canary', 10],
    ]);
    expect(JSON.stringify(predictors)).toContain('MLFLOW_SERVER');
  });

  test('model tests (one per variant) and a retro test are Jobs in the team namespace', () => {
    const jobs = of(out, 'Job')
      .filter((j) => j.namespace === 'b2b-scoring')
      .map((j) => j.name);
    expect(jobs.filter((j) => j.startsWith('lead-score-reference-'))).toHaveLength(1);
    expect(jobs.filter((j) => j.startsWith('lead-score-canary-'))).toHaveLength(1);
    expect(jobs.filter((j) => j.startsWith('partner-q1-retro-'))).toHaveLength(1);
  });

  test("the geo team's batch model is scheduled by Argo Workflows", () => {
    expect(of(out, 'CronWorkflow').map((c) => [c.namespace, (c.body as Any).spec.schedules])).toEqual([['geo-analytics', ['0 5 1 * *']]]);
  });
});

describe('small-team (the small team)', () => {
  const out = synth({ platform: join(EX, 'small-team', 'platform.yaml') });

  test('MLflow with PostgreSQL and an artifact store, nothing else', () => {
    const kinds = new Set([...out.objects.values()].map((o) => o.kind));
    expect(of(out, 'Deployment').map((d) => d.name)).toEqual(['mlflow']);
    expect(
      of(out, 'StatefulSet')
        .map((s) => s.name)
        .sort(),
    ).toEqual(['mlflow-postgres', 'object-store']);
    expect(of(out, 'Namespace').map((n) => n.name)).toEqual(['modelplane-system']);
    for (const k of ['SparkApplication', 'SeldonDeployment', 'InferenceService', 'ScaledObject', 'DaemonSet', 'ResourceQuota'])
      expect(kinds.has(k)).toBe(false);
    expect([...out.files.keys()].filter((f) => f.endsWith('.py'))).toEqual([]);
  });
});
