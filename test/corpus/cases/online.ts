/** OnlineModel, ModelTest and RetroTest: traffic splits, GPUs, scaling, secrets, references. */
import type { App } from 'cdk8s';
import { ModelTest } from '../../../src/constructs/online/model-test';
import { OnlineModel } from '../../../src/constructs/online/online-model';
import { RetroTest } from '../../../src/constructs/online/retro-test';
import { bad, fraud, online, team, TsCase } from '../support';

const serve =
  (over: Parameters<typeof online>[0], id = 'fraud', pools?: string[]) =>
  (app: App): void => {
    new OnlineModel(team(app, 'risk', pools), id, online(over));
  };
const modelTest =
  (props: Record<string, unknown>) =>
  (app: App): void => {
    const target = fraud(app);
    new ModelTest(target.node.scope!, 'fraud-test', { target, reference: 'x,expected\n1,0.5\n', ...props } as never);
  };
const retro =
  (props: Record<string, unknown>) =>
  (app: App): void => {
    new RetroTest(team(app), 'fraud-q4', {
      model: 'models:/fraud/3',
      input: 'mlflow-artifacts:/datasets/fraud/q4.csv',
      period: { from: '2025-10-01', to: '2025-12-31' },
      ...props,
    } as never);
  };

export const cases: TsCase[] = [
  {
    name: 'more GPUs per replica than the pool ever has',
    construct: 'OnlineModel "fraud"',
    field: 'gpu.count',
    value: 16,
    says: /maxGpus: 8/,
    build: (app) => {
      new OnlineModel(team(app, 'risk', ['gpu'], 8), 'fraud', online({ gpu: { pool: 'gpu', count: 16 } }));
    },
  },
  // OnlineModel
  { name: 'model name with a dot', construct: 'OnlineModel "fraud.v2"', field: 'name', value: 'fraud.v2', build: serve({}, 'fraud.v2') },
  {
    name: 'model URI not servable',
    construct: 'OnlineModel "fraud"',
    field: 'model',
    value: 'file:///models/fraud',
    build: serve({ model: 'file:///models/fraud' }),
  },
  { name: 'unknown backend', construct: 'OnlineModel "fraud"', field: 'backend', value: 'triton', build: serve({ backend: 'triton' }) },
  {
    name: 'unknown model format',
    construct: 'OnlineModel "fraud"',
    field: 'format',
    value: 'pytorch',
    build: serve({ format: 'pytorch' }),
  },
  {
    name: 'ONNX on Seldon, which has no ONNX server',
    construct: 'OnlineModel "fraud"',
    field: 'format',
    value: 'onnx',
    says: /set `?backend: "kserve"`? or `?backend: "deployment"`?/,
    build: serve({ backend: 'seldon', format: 'onnx', model: 's3://models/fraud/onnx' }),
  },
  {
    name: 'TensorFlow on Seldon (its TENSORFLOW_SERVER speaks no v2)',
    construct: 'OnlineModel "fraud"',
    field: 'format',
    value: 'tensorflow',
    says: /TENSORFLOW_SERVER/,
    build: serve({ backend: 'seldon', format: 'tensorflow', model: 's3://models/fraud/tf' }),
  },
  {
    name: 'a models:/ URI for Triton on KServe, whose storage initializer cannot fetch it',
    construct: 'OnlineModel "fraud"',
    field: 'variants[1].model',
    value: 'models:/fraud@challenger',
    says: /`?backend: "deployment"`?, which fetches models:\/ URIs through MLflow/,
    build: serve({
      backend: 'kserve',
      format: 'triton',
      model: undefined,
      variants: [
        { name: 'stable', model: 's3://models/fraud/repo', traffic: 90 },
        { name: 'next', model: 'models:/fraud@challenger', traffic: 10 },
      ],
    }),
  },
  {
    name: 'unknown prop (JavaScript caller)',
    construct: 'OnlineModel "fraud"',
    field: 'replica',
    value: 'replica',
    build: serve({ replica: 3 } as never),
  },
  {
    name: 'GPU without a pool on the platform',
    construct: 'OnlineModel "fraud"',
    field: 'gpu.pool',
    value: 'gpu',
    says: /no GPU pools/,
    build: serve({ gpu: { pool: 'gpu' } }, 'fraud', []),
  },
  {
    name: 'GPU on an unknown pool',
    construct: 'OnlineModel "fraud"',
    field: 'gpu.pool',
    value: 'h100',
    build: serve({ gpu: { pool: 'h100' } }),
  },
  {
    name: 'traffic split summing to 110',
    construct: 'OnlineModel "fraud"',
    field: 'variants',
    value: ['stable=90', 'canary=20'],
    says: /110/,
    build: serve({
      model: undefined,
      variants: [
        { name: 'stable', model: 'models:/fraud/3', traffic: 90 },
        { name: 'canary', model: 'models:/fraud/4', traffic: 20 },
      ],
    }),
  },
  {
    name: 'traffic above 100 percent',
    construct: 'OnlineModel "fraud"',
    field: 'variants[1].traffic',
    value: 150,
    build: serve({
      model: undefined,
      variants: [
        { name: 'stable', model: 'models:/fraud/3', traffic: 0 },
        { name: 'canary', model: 'models:/fraud/4', traffic: 150 },
      ],
    }),
  },
  {
    name: 'variant listed twice',
    construct: 'OnlineModel "fraud"',
    field: 'variants',
    value: 'stable',
    build: serve({
      model: undefined,
      variants: [
        { name: 'stable', model: 'models:/fraud/3', traffic: 50 },
        { name: 'stable', model: 'models:/fraud/4', traffic: 50 },
      ],
    }),
  },
  {
    name: 'shadow as the primary',
    construct: 'OnlineModel "fraud"',
    field: 'variants[0].shadow',
    value: true,
    build: serve({
      model: undefined,
      variants: [
        { name: 'shadow', model: 'models:/fraud/4', shadow: true },
        { name: 'stable', model: 'models:/fraud/3' },
      ],
    }),
  },
  {
    name: 'shadow on KServe',
    construct: 'OnlineModel "fraud"',
    field: 'variants',
    value: ['shadow'],
    build: serve({
      backend: 'kserve',
      model: undefined,
      variants: [
        { name: 'stable', model: 'models:/fraud/3' },
        { name: 'shadow', model: 'models:/fraud/4', shadow: true },
      ],
    }),
  },
  {
    name: 'CPU limit below the CPU request',
    construct: 'OnlineModel "fraud"',
    field: 'resources.cpuLimit',
    value: '1',
    says: /below resources\.cpu/,
    build: serve({ resources: { cpu: '4', memory: '2Gi', cpuLimit: '1' } }),
  },
  {
    name: 'memory not a quantity',
    construct: 'OnlineModel "fraud"',
    field: 'resources.memory',
    value: '2 gigs',
    build: serve({ resources: { cpu: '1', memory: '2 gigs' } }),
  },
  {
    name: 'replicas and autoscaling together',
    construct: 'OnlineModel "fraud"',
    field: 'replicas',
    value: 3,
    build: serve({ replicas: 3, autoscaling: { maxReplicas: 6 } }),
  },
  {
    name: 'autoscaling min above max',
    construct: 'OnlineModel "fraud"',
    field: 'autoscaling.minReplicas',
    value: 8,
    build: serve({ autoscaling: { minReplicas: 8, maxReplicas: 4 } }),
  },
  {
    name: 'RabbitMQ host in plain text',
    construct: 'OnlineModel "fraud"',
    field: 'autoscaling.rabbitmq.hostSecret',
    says: /plain/,
    build: serve({
      role: 'queue-worker',
      autoscaling: { maxReplicas: 4, rabbitmq: { queueName: 'jobs', hostSecret: 'amqp://guest:guest@rabbit:5672' } },
    }),
  },
  {
    name: 'queue worker without a queue scaler',
    construct: 'OnlineModel "fraud"',
    field: 'role',
    value: 'queue-worker',
    build: serve({ role: 'queue-worker', autoscaling: { maxReplicas: 4 } }),
  },
  {
    name: 'options for another backend',
    construct: 'OnlineModel "fraud"',
    field: 'kserve',
    build: serve({ backend: 'deployment', kserve: { runtime: 'mlserver' } }),
  },
  {
    name: 'Seldon with a models:/ URI',
    construct: 'OnlineModel "fraud"',
    field: 'model',
    value: 'models:/fraud@champion',
    build: serve({ backend: 'seldon' }),
  },
  {
    name: 'two online models with one name',
    construct: 'OnlineModel "fraud-2"',
    field: 'name',
    value: 'fraud',
    build: (app) => {
      const t = team(app);
      new OnlineModel(t, 'fraud', online());
      new OnlineModel(t, 'fraud-2', online({ name: 'fraud' }));
    },
  },
  {
    name: 'ill-typed variants',
    construct: 'OnlineModel "fraud"',
    field: 'variants',
    build: serve({ model: undefined, variants: bad('stable') }),
  },

  // ModelTest
  {
    name: 'model test reference without the expected column',
    construct: 'ModelTest "fraud-test"',
    field: 'reference',
    value: 'x,score',
    build: modelTest({ reference: 'x,score\n1,0.5\n' }),
  },
  {
    name: 'model test negative tolerance',
    construct: 'ModelTest "fraud-test"',
    field: 'absTolerance',
    value: -1,
    build: modelTest({ absTolerance: -1 }),
  },
  {
    name: 'model test with reference and referenceUri',
    construct: 'ModelTest "fraud-test"',
    field: 'reference',
    build: modelTest({ referenceUri: 'mlflow-artifacts:/datasets/ref.csv' }),
  },
  {
    name: 'model test of an unknown variant',
    construct: 'ModelTest "fraud-test"',
    field: 'variant',
    value: 'canary',
    build: modelTest({ variant: 'canary' }),
  },
  {
    name: 'model test target not an online model',
    construct: 'ModelTest "fraud-test"',
    field: 'target',
    build: (app) => {
      const t = team(app);
      new ModelTest(t, 'fraud-test', { target: bad('fraud'), reference: 'x,expected\n1,0.5\n' });
    },
  },

  // RetroTest
  {
    name: 'retro test period ending before it starts',
    construct: 'RetroTest "fraud-q4"',
    field: 'period',
    value: '2025-12-31..2025-10-01',
    build: retro({ period: { from: '2025-12-31', to: '2025-10-01' } }),
  },
  {
    name: 'retro test date not ISO',
    construct: 'RetroTest "fraud-q4"',
    field: 'period.from',
    value: '01/10/2025',
    build: retro({ period: { from: '01/10/2025', to: '2025-12-31' } }),
  },
  {
    name: 'retro test model URI invalid',
    construct: 'RetroTest "fraud-q4"',
    field: 'model',
    value: 'fraud:3',
    build: retro({ model: 'fraud:3' }),
  },
  {
    name: 'retro test input on a local path',
    construct: 'RetroTest "fraud-q4"',
    field: 'input',
    value: '/data/q4.csv',
    build: retro({ input: '/data/q4.csv' }),
  },
  {
    name: 'retro test date that is no calendar day',
    construct: 'RetroTest "fraud-q4"',
    field: 'period.from',
    value: '2025-13-45',
    build: retro({ period: { from: '2025-13-45', to: '2025-12-31' } }),
  },
  {
    name: 'retro test S3 credentials Secret not a Secret name',
    construct: 'RetroTest "fraud-q4"',
    field: 's3CredentialsSecret',
    value: 'AKIA123:wJalr',
    build: retro({ s3CredentialsSecret: 'AKIA123:wJalr' }),
  },
  {
    name: 'retro test cpu not a quantity',
    construct: 'RetroTest "fraud-q4"',
    field: 'resources.cpu',
    value: 'two',
    build: retro({ resources: { cpu: 'two', memory: '2Gi' } }),
  },
];
