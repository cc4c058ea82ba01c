/**
 * The online models' "resolve, then render" split: the pure resolve functions (OnlineModel, ModelTest,
 * RetroTest) on their own, the serving-backend registry, and constructors that create nothing on bad input.
 */
import { Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { platformContext } from '../src/core/context';
import { ModelplaneValidationError } from '../src/core/errors';
import { SERVING_BACKENDS, servingBackend } from '../src/constructs/online/backends';
import { ModelTest, resolveModelTest } from '../src/constructs/online/model-test';
import { OnlineModel } from '../src/constructs/online/online-model';
import { resolveOnlineModel } from '../src/constructs/online/resolve';
import { resolveRetroTest, RetroTest } from '../src/constructs/online/retro-test';
import { isServedModel } from '../src/constructs/online/served-model';
import { ONLINE_BACKENDS } from '../src/constructs/online/spec';
import { teamModelsOf } from '../src/constructs/online/team';
import { TeamModels } from '../src/constructs/team-models';

const platform = platformContext();
const context = { team: 'risk', platform };

describe('resolveOnlineModel', () => {
  test('defaults: KServe, an online service, an HPA from 2 to 4 replicas at 70% CPU, 500m/1Gi, one variant "main"', () => {
    const r = resolveOnlineModel('fraud', { model: 'models:/fraud@champion' }, context);
    expect(r.issues).toEqual([]);
    expect(r.spec).toMatchObject({
      name: 'fraud',
      namespace: 'risk',
      team: 'risk',
      backend: 'kserve',
      role: 'online',
      resources: { cpu: '500m', memory: '1Gi' },
      autoscaling: { kind: 'hpa', minReplicas: 2, maxReplicas: 4, cpuUtilization: 70 },
      s3CredentialsSecret: 'modelplane-s3',
      scrapeInterval: '30s',
      monitorLabels: {},
      kserve: { modelFormatVersion: '2' },
      seldon: { rcloneSecret: 'modelplane-s3-rclone' },
      deployment: { gateway: { name: 'modelplane', namespace: 'modelplane-system' }, hostnames: [] },
    });
    expect(r.spec!.variants).toEqual([
      { name: 'main', model: 'models:/fraud@champion', shadow: false, traffic: 100, primary: true, objectName: 'fraud' },
    ]);
  });

  test('returns every problem as data instead of throwing, located by kind, id and field', () => {
    const r = resolveOnlineModel('fraud', { model: 'gs://x/y', backend: 'triton' as never, replicas: -1 }, context);
    expect(r.spec).toBeUndefined();
    expect(r.issues.map((i) => [i.kind, i.id, i.field])).toEqual([
      ['OnlineModel', 'fraud', 'backend'],
      ['OnlineModel', 'fraud', 'model'],
      ['OnlineModel', 'fraud', 'replicas'],
    ]);
  });

  test('props that are not an object are one issue', () => {
    expect(resolveOnlineModel('fraud', 'x' as never, context).issues.map((i) => i.field)).toEqual(['props']);
  });

  test('an empty variants list is refused as empty', () => {
    const r = resolveOnlineModel('fraud', { backend: 'deployment', variants: [] }, context);
    expect(r.issues.map((i) => [i.field, i.problem])).toEqual([['variants', 'is empty']]);
  });

  test('the GPU pool comes from the platform in the context', () => {
    const pool = { name: 'gpu', taint: { key: 'nvidia.com/gpu', effect: 'NoSchedule' as const }, nodeLabels: { gpu: 'yes' } };
    const r = resolveOnlineModel(
      't',
      { model: 'models:/t/1', gpu: { pool: 'gpu' } },
      { team: 'risk', platform: platformContext({ gpuPools: [pool] }) },
    );
    expect(r.spec!.gpu).toEqual({ pool, count: 1 });
    expect(resolveOnlineModel('t', { model: 'models:/t/1', gpu: { pool: 'gpu' } }, context).issues[0].field).toBe('gpu.pool');
  });

  test('backend rules come from the backend: Seldon refuses models:/ URIs, KServe refuses a shadow and queue scaling with canaries', () => {
    expect(resolveOnlineModel('f', { backend: 'seldon', model: 'models:/f/1' }, context).issues[0].problem).toMatch(/rclone/);
    const shadow = [
      { name: 'a', model: 'models:/f/1' },
      { name: 's', model: 'models:/f/2', shadow: true },
    ];
    expect(resolveOnlineModel('f', { variants: shadow }, context).issues[0].problem).toMatch(/no native traffic mirroring/);
    expect(resolveOnlineModel('f', { backend: 'deployment', variants: shadow }, context).issues).toEqual([]);
    const canaries = [
      { name: 'a', model: 'models:/f/1', traffic: 90 },
      { name: 'b', model: 'models:/f/2', traffic: 10 },
    ];
    const autoscaling = { maxReplicas: 3, rabbitmq: { queueName: 'q', hostSecret: { name: 'r', key: 'url' } } };
    expect(resolveOnlineModel('f', { variants: canaries, autoscaling }, context).issues.map((i) => i.field)).toEqual([
      'autoscaling.rabbitmq',
    ]);
    expect(resolveOnlineModel('f', { backend: 'deployment', variants: canaries, autoscaling }, context).issues).toEqual([]);
  });

  test('a queue worker scales to zero on KEDA with the queue defaults', () => {
    const r = resolveOnlineModel(
      'translate',
      {
        role: 'queue-worker',
        model: 'models:/t/1',
        autoscaling: { maxReplicas: 4, rabbitmq: { queueName: 'jobs', hostSecret: { name: 'r', key: 'url' } } },
      },
      context,
    );
    expect(r.spec!.autoscaling).toEqual({
      kind: 'keda',
      minReplicas: 0,
      maxReplicas: 4,
      queueName: 'jobs',
      hostSecret: { name: 'r', key: 'url' },
      messagesPerReplica: 20,
      activationMessages: 0,
      protocol: 'amqp',
      vhostName: undefined,
      pollingInterval: 30,
      cooldownPeriod: 300,
    });
  });
});

describe('the serving-backend registry', () => {
  test('one backend per name, each under its own name, with its option keys', () => {
    expect(Object.keys(SERVING_BACKENDS)).toEqual([...ONLINE_BACKENDS]);
    for (const b of ONLINE_BACKENDS) expect(SERVING_BACKENDS[b].name).toBe(b);
    expect(SERVING_BACKENDS.kserve.optionKeys).toEqual(['modelFormatVersion', 'runtime', 'storageSecret']);
    expect(servingBackend('triton')).toBeUndefined();
    expect(servingBackend('toString')).toBeUndefined();
  });

  test('each backend says where a variant is reached (KServe canaries have no Service of their own)', () => {
    const variants = [
      { name: 'a', model: 's3://bucket/m1', traffic: 90 },
      { name: 'b', model: 's3://bucket/m2', traffic: 10 },
    ];
    const urls = ONLINE_BACKENDS.map((backend) => {
      const m = resolveOnlineModel('fraud', { backend, variants }, context).spec!;
      return m.variants.map((v) => SERVING_BACKENDS[backend].endpoint(m, v));
    });
    expect(urls).toEqual([
      [
        { url: 'http://fraud-predictor.risk.svc.cluster.local', modelName: 'fraud' },
        { refused: 'KServe canary "b" has no Service of its own to test. Fix: test the primary (omit the variant).' },
      ],
      [
        { url: 'http://fraud-a.risk.svc.cluster.local:8000', modelName: 'model' },
        { url: 'http://fraud-b.risk.svc.cluster.local:8000', modelName: 'model' },
      ],
      [
        { url: 'http://fraud.risk.svc.cluster.local:8080', modelName: 'fraud' },
        { url: 'http://fraud-b.risk.svc.cluster.local:8080', modelName: 'fraud' },
      ],
    ]);
  });
});

describe('constructors resolve before they exist', () => {
  test('bad input creates no construct at all', () => {
    const chart = new TeamModels(Testing.app(), 'risk');
    expect(() => new OnlineModel(chart, 'bad', { model: 'models:/m/1', replicas: -1 })).toThrow(ModelplaneValidationError);
    expect(chart.node.tryFindChild('bad')).toBeUndefined();
    expect(() => new RetroTest(chart, 'r', { model: 'x', input: 'y', period: { from: 'a', to: 'b' } })).toThrow(ModelplaneValidationError);
    expect(chart.node.children).toEqual([]);
  });

  test('outside a TeamModels chart, the message names the construct being created', () => {
    const loose = new Construct(Testing.app(), 'loose');
    expect(() => new OnlineModel(loose, 'fraud', { model: 'models:/m/1' })).toThrow(
      /^OnlineModel "fraud": must be created inside a TeamModels chart/,
    );
    expect(() => teamModelsOf(loose, 'ModelTest', 'smoke')).toThrow(/^ModelTest "smoke": must be created inside/);
    const chart = new TeamModels(Testing.app(), 'risk');
    expect(teamModelsOf(new Construct(chart, 'inner'), 'RetroTest', 'r')).toBe(chart);
  });
});

describe('resolveModelTest and the served-model interface', () => {
  const setup = () => {
    const chart = new TeamModels(Testing.app(), 'risk');
    return { chart, target: new OnlineModel(chart, 'fraud', { model: 'models:/fraud@champion', backend: 'deployment' }) };
  };

  test('an OnlineModel is a served model; other values are not', () => {
    const { chart, target } = setup();
    expect(isServedModel(target)).toBe(true);
    expect(isServedModel(chart)).toBe(false);
    expect(isServedModel({ name: 'x', team: 'y', variants: [], endpoint: () => undefined })).toBe(false);
    expect(target.team).toBe('risk');
    expect(target.variants).toBe(target.spec.variants);
  });

  test('resolves the endpoint, the reference and the Job name without creating anything', () => {
    const { chart, target } = setup();
    const before = chart.node.children.length;
    const r = resolveModelTest('smoke', { target, reference: 'x,expected\n1,0.5' }, context);
    expect(r.spec).toMatchObject({
      namespace: 'risk',
      model: 'fraud',
      endpoint: { url: 'http://fraud.risk.svc.cluster.local:8080', modelName: 'fraud' },
      inlineReference: 'x,expected\n1,0.5\n',
      reference: '/opt/modelplane/reference.csv',
      expectedColumn: 'expected',
      absTolerance: 1e-6,
      relTolerance: 1e-6,
      waitSeconds: 600,
    });
    expect(r.spec!.name).toMatch(/^fraud-test-[0-9a-f]{8}$/);
    expect(chart.node.children.length).toBe(before);
  });

  test('a target that is not a served model keeps its message; a reference that is not text is refused', () => {
    const { target } = setup();
    expect(resolveModelTest('t', { target: 'fraud' as never, reference: 'x,expected\n1,2' }, context).issues[0]).toMatchObject({
      field: 'target',
      problem: 'must be an OnlineModel',
    });
    expect(resolveModelTest('t', { target, reference: 3 as never }, context).issues.map((i) => [i.field, i.problem])).toEqual([
      ['reference', 'must be CSV text'],
    ]);
  });

  test('ModelTest on bad input creates nothing', () => {
    const { chart, target } = setup();
    expect(() => new ModelTest(chart, 'bad', { target })).toThrow(/referenceUri are both missing/);
    expect(chart.node.tryFindChild('bad')).toBeUndefined();
  });
});

describe('resolveRetroTest', () => {
  const base = { model: 'models:/fraud/3', input: 'mlflow-artifacts:/d.csv', period: { from: '2025-01-01', to: '2025-03-31' } };

  test('defaults the output under the team, the period column, the resources and the S3 Secret', () => {
    const r = resolveRetroTest('q1', base, context);
    expect(r.spec).toMatchObject({
      prefix: 'q1',
      namespace: 'risk',
      output: 'mlflow-artifacts:/retro-tests/risk/q1/2025-01-01_2025-03-31/scores.csv',
      period: { from: '2025-01-01', to: '2025-03-31', column: 'date' },
      excludeColumns: [],
      resources: { cpu: '1', memory: '2Gi' },
      image: 'docker.io/library/python:3.12.7-slim',
      s3CredentialsSecret: 'modelplane-s3',
    });
    expect(r.spec!.name).toMatch(/^q1-retro-[0-9a-f]{8}$/);
  });

  test('every problem, in the order of the fields', () => {
    const r = resolveRetroTest('Q1', { ...base, model: 'x', period: { from: '2025-02-01', to: '2025-01-01' }, image: 'py' }, context);
    expect(r.issues.map((i) => i.field)).toEqual(['name', 'model', 'period', 'image']);
  });
});
