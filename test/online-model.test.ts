import { Testing } from 'cdk8s';
import { OnlineModel, OnlineModelProps } from '../src/constructs/online/online-model';
import { TeamModels } from '../src/constructs/team-models';
import { platformContext } from '../src/core/context';
import { ModelplaneValidationError } from '../src/core/errors';

const pools = [
  {
    name: 'gpu',
    taint: { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' as const },
    nodeLabels: { 'nvidia.com/gpu.present': 'true' },
  },
];

function synth(props: OnlineModelProps, id = 'fraud', withPools = true): any[] {
  const app = Testing.app();
  const models = new TeamModels(app, 'risk', { platform: platformContext(withPools ? { gpuPools: pools } : {}) });
  new OnlineModel(models, id, props);
  return Testing.synth(models);
}

function build(props: OnlineModelProps, id = 'fraud', withPools = true): () => void {
  return () => synth(props, id, withPools);
}

const find = (objs: any[], kind: string, name?: string) =>
  objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
const one = (objs: any[], kind: string, name?: string) => {
  const found = find(objs, kind, name);
  expect(found).toHaveLength(1);
  return found[0];
};
const env = (container: any) => Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));

describe('OnlineModel, deployment backend', () => {
  const objs = synth({ model: 'models:/fraud@champion', backend: 'deployment' });

  test('snapshot', () => {
    expect(objs).toMatchSnapshot();
  });

  test('workload, Service, HPA, PDB and ServiceMonitor, nothing else', () => {
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'Deployment/fraud',
      'HorizontalPodAutoscaler/fraud',
      'PodDisruptionBudget/fraud',
      'Service/fraud',
      'ServiceMonitor/fraud',
    ]);
  });

  test('MLServer with the MLflow runtime, configured by env, resolving models:/ through MLflow', () => {
    const c = one(objs, 'Deployment').spec.template.spec.containers[0];
    expect(c.image).toBe('docker.io/seldonio/mlserver:1.7.1-mlflow');
    expect(c.command).toEqual(['mlserver', 'start', '/tmp/models']);
    const e = env(c);
    expect(e.MLSERVER_MODEL_IMPLEMENTATION).toBe('mlserver_mlflow.MLflowRuntime');
    expect(e.MLSERVER_MODEL_URI).toBe('models:/fraud@champion');
    expect(e.MLSERVER_MODEL_NAME).toBe('fraud');
    expect(e.MLFLOW_TRACKING_URI).toBe('http://mlflow.modelplane-system.svc.cluster.local:5000');
    expect(e.MLSERVER_METRICS_PORT).toBe('8082');
    expect(e.AWS_ACCESS_KEY_ID).toBeUndefined();
  });

  test('probes on MLServer health endpoints, zero-downtime rollout, restricted pod', () => {
    const d = one(objs, 'Deployment');
    const c = d.spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet.path).toBe('/v2/models/fraud/ready');
    expect(c.startupProbe.httpGet.path).toBe('/v2/models/fraud/ready');
    expect(c.livenessProbe.httpGet.path).toBe('/v2/health/live');
    expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBeGreaterThanOrEqual(300);
    expect(d.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(d.spec.replicas).toBeUndefined();
    expect(d.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.resources.requests.cpu).toBe('500m');
    expect(c.resources.limits.memory).toBe('1Gi');
    expect(d.spec.template.spec.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual([
      'kubernetes.io/hostname',
      'topology.kubernetes.io/zone',
    ]);
    expect(d.spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  test('HPA autoscaling/v2 on CPU by default, PDB allows one eviction, monitor scrapes 8082/metrics', () => {
    const hpa = one(objs, 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 4, scaleTargetRef: { kind: 'Deployment', name: 'fraud' } });
    expect(hpa.spec.metrics[0].resource).toEqual({ name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } });
    expect(one(objs, 'PodDisruptionBudget').spec.minAvailable).toBe(1);
    const sm = one(objs, 'ServiceMonitor');
    expect(sm.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s', scheme: 'http' }]);
    const svc = one(objs, 'Service');
    expect(svc.spec.ports.find((p: any) => p.name === 'metrics').port).toBe(8082);
    expect(sm.spec.selector.matchLabels).toEqual(svc.spec.selector);
  });

  test('s3:// models get the object store endpoint and credentials by reference only', () => {
    const c = one(synth({ model: 's3://mlflow/mlflow/1/abc/artifacts/model', backend: 'deployment' }), 'Deployment').spec.template.spec
      .containers[0];
    const e = env(c);
    expect(e.AWS_ACCESS_KEY_ID).toEqual({ secretKeyRef: { name: 'modelplane-s3', key: 'AWS_ACCESS_KEY_ID' } });
    expect(e.MLFLOW_S3_ENDPOINT_URL).toBe('http://object-store.modelplane-system.svc.cluster.local:7070');
  });

  test('GPU on a pool: tolerations, affinity, nvidia.com/gpu limits', () => {
    const spec = one(synth({ model: 'models:/fraud/3', backend: 'deployment', gpu: { pool: 'gpu', count: 2 } }), 'Deployment').spec.template
      .spec;
    expect(spec.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' });
    expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([
      { key: 'nvidia.com/gpu.present', operator: 'In', values: ['true'] },
    ]);
    expect(spec.containers[0].resources.limits['nvidia.com/gpu']).toBe('2');
  });

  test('KEDA on a RabbitMQ queue: ScaledObject + TriggerAuthentication, no HPA; queue workers scale to zero', () => {
    const o = synth(
      {
        model: 'models:/translate@prod',
        backend: 'deployment',
        role: 'queue-worker',
        autoscaling: {
          maxReplicas: 10,
          rabbitmq: { queueName: 'jobs', hostSecret: { name: 'rabbitmq', key: 'url' }, messagesPerReplica: 5 },
        },
      },
      'translate',
    );
    expect(find(o, 'HorizontalPodAutoscaler')).toHaveLength(0);
    const so = one(o, 'ScaledObject');
    expect(so.spec).toMatchObject({
      minReplicaCount: 0,
      maxReplicaCount: 10,
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'translate' },
    });
    expect(so.spec.triggers).toEqual([
      {
        type: 'rabbitmq',
        name: 'queue-length',
        metadata: { protocol: 'amqp', queueName: 'jobs', mode: 'QueueLength', value: '5', activationValue: '0' },
        authenticationRef: { name: 'translate-rabbitmq' },
      },
    ]);
    expect(one(o, 'TriggerAuthentication').spec.secretTargetRef).toEqual([{ parameter: 'host', name: 'rabbitmq', key: 'url' }]);
    expect(one(o, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  });

  test('online services on KEDA keep at least one replica by default', () => {
    const o = synth(
      {
        model: 'models:/m/1',
        backend: 'deployment',
        autoscaling: { maxReplicas: 3, rabbitmq: { queueName: 'q', hostSecret: { name: 'r', key: 'url' } } },
      },
      'm',
    );
    expect(one(o, 'ScaledObject').spec.minReplicaCount).toBe(2);
  });

  test('fixed replicas: no autoscaler', () => {
    const o = synth({ model: 'models:/m/1', backend: 'deployment', replicas: 3 }, 'm');
    expect(one(o, 'Deployment').spec.replicas).toBe(3);
    expect(find(o, 'HorizontalPodAutoscaler')).toHaveLength(0);
    expect(one(o, 'PodDisruptionBudget').spec.minAvailable).toBe(2);
  });

  test('canary + shadow: HTTPRoute weights and RequestMirror over per-variant Services', () => {
    const o = synth({
      backend: 'deployment',
      variants: [
        { name: 'stable', model: 'models:/fraud/3', traffic: 90 },
        { name: 'canary', model: 'models:/fraud/4', traffic: 10 },
        { name: 'shadow', model: 'models:/fraud@challenger', shadow: true },
      ],
      deployment: { hostnames: ['fraud.models.example.com'] },
    });
    expect(
      find(o, 'Deployment')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(['fraud', 'fraud-canary', 'fraud-shadow']);
    const route = one(o, 'HTTPRoute');
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.spec.parentRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'modelplane', namespace: 'modelplane-system' },
    ]);
    expect(route.spec.hostnames).toEqual(['fraud.models.example.com']);
    expect(route.spec.rules[0].backendRefs).toEqual([
      { group: '', kind: 'Service', name: 'fraud', port: 8080, weight: 90 },
      { group: '', kind: 'Service', name: 'fraud-canary', port: 8080, weight: 10 },
    ]);
    expect(route.spec.rules[0].filters).toEqual([
      { type: 'RequestMirror', requestMirror: { backendRef: { group: '', kind: 'Service', name: 'fraud-shadow', port: 8080 } } },
    ]);
    expect(find(o, 'HorizontalPodAutoscaler')).toHaveLength(3);
  });

  test('A/B: two live variants at 50/50', () => {
    const o = synth({
      backend: 'deployment',
      variants: [
        { name: 'a', model: 'models:/fraud/3', traffic: 50 },
        { name: 'b', model: 'models:/fraud/4', traffic: 50 },
      ],
    });
    expect(one(o, 'HTTPRoute').spec.rules[0].backendRefs.map((b: any) => b.weight)).toEqual([50, 50]);
    expect(one(o, 'HTTPRoute').spec.rules[0].filters).toBeUndefined();
  });
});

describe('OnlineModel, kserve backend (default)', () => {
  const objs = synth({ model: 'models:/fraud@champion' });

  test('snapshot', () => {
    expect(objs).toMatchSnapshot();
  });

  test('InferenceService in Standard mode, mlflow format on v2, KServe HPA', () => {
    const isvc = one(objs, 'InferenceService');
    expect(isvc.apiVersion).toBe('serving.kserve.io/v1beta1');
    expect(isvc.metadata.annotations).toEqual({
      'serving.kserve.io/deploymentMode': 'Standard',
      'serving.kserve.io/autoscalerClass': 'hpa',
    });
    const p = isvc.spec.predictor;
    expect(p.model.modelFormat).toEqual({ name: 'mlflow', version: '2' });
    expect(p.model.protocolVersion).toBe('v2');
    expect(p.model.storageUri).toBeUndefined();
    expect(p.model.image).toBe('docker.io/seldonio/mlserver:1.7.1-mlflow');
    expect(p.model.command).toEqual(['mlserver', 'start', '/tmp/models']);
    expect(env(p.model).MLSERVER_MODEL_URI).toBe('models:/fraud@champion');
    expect(env(p.model).MLFLOW_TRACKING_URI).toBe('http://mlflow.modelplane-system.svc.cluster.local:5000');
    expect(p.minReplicas).toBe(2);
    expect(p.maxReplicas).toBe(4);
    expect(p.autoScaling.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
    ]);
    expect(p.deploymentStrategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(p.model.readinessProbe.httpGet).toEqual({ path: '/v2/models/fraud/ready', port: 8080 });
    expect(find(objs, 'HorizontalPodAutoscaler')).toHaveLength(0);
    expect(find(objs, 'ScaledObject')).toHaveLength(0);
  });

  test('PDB selects the predictor pods by the labels put on them; PodMonitor scrapes 8082', () => {
    const isvc = one(objs, 'InferenceService');
    const pdb = one(objs, 'PodDisruptionBudget');
    for (const [k, val] of Object.entries(pdb.spec.selector.matchLabels)) expect(isvc.spec.predictor.labels[k]).toBe(val);
    const pm = one(objs, 'PodMonitor');
    expect(pm.spec.podMetricsEndpoints).toEqual([{ portNumber: 8082, path: '/metrics', interval: '30s', scheme: 'http' }]);
  });

  test('s3:// model: storageUri, ServiceAccount listing the annotated Secret', () => {
    const o = synth({ model: 's3://mlflow/mlflow/1/abc/artifacts/model', kserve: { storageSecret: 'kserve-s3' } });
    const p = one(o, 'InferenceService').spec.predictor;
    expect(p.model.storageUri).toBe('s3://mlflow/mlflow/1/abc/artifacts/model');
    expect(p.serviceAccountName).toBe('fraud-kserve-s3');
    expect(env(p.model).MLSERVER_MODEL_URI).toBeUndefined();
    expect(one(o, 'ServiceAccount').secrets).toEqual([{ name: 'kserve-s3' }]);
  });

  test('canary: spec.canary[] with trafficPercent, canary on fixed replicas, only canaries named', () => {
    const o = synth({
      variants: [
        { name: 'stable', model: 'models:/fraud/3', traffic: 80 },
        { name: 'canary', model: 'models:/fraud/4', traffic: 20 },
      ],
    });
    const isvc = one(o, 'InferenceService');
    // The stable predictor carries no name: KServe names its Deployment and Service `fraud-predictor`, as without canaries.
    expect(isvc.spec.predictor.name).toBeUndefined();
    expect(isvc.spec.canary).toHaveLength(1);
    expect(isvc.spec.canary[0].trafficPercent).toBe(20);
    expect(isvc.spec.canary[0].predictor.name).toBe('canary');
    expect(isvc.spec.canary[0].predictor.maxReplicas).toBeUndefined();
    expect(isvc.spec.canary[0].predictor.autoScaling).toBeUndefined();
    // The default range 2..4: the canary runs ceil(2 x 20 / 100) = 1, the stable floor is written 2 + 1 (KServe subtracts the 1).
    expect(isvc.spec.canary[0].predictor.minReplicas).toBe(1);
    expect(isvc.spec.predictor.minReplicas).toBe(3);
    expect(isvc.spec.predictor.maxReplicas).toBe(4);
    // KServe's webhook refuses a container name on the standard predictor; the canary's schema requires one.
    expect(isvc.spec.predictor.model.name).toBeUndefined();
    expect(isvc.spec.canary[0].predictor.model.name).toBe('kserve-container');
    expect(find(o, 'PodDisruptionBudget')).toHaveLength(2);
  });

  test("canary: an HTTPRoute splits the traffic over KServe's predictor Services (port 80), on the platform's Gateway", () => {
    const o = synth({
      variants: [
        { name: 'stable', model: 'models:/fraud/3', traffic: 80 },
        { name: 'canary', model: 'models:/fraud/4', traffic: 20 },
      ],
    });
    const route = one(o, 'HTTPRoute');
    expect(route.metadata).toMatchObject({ name: 'fraud', namespace: 'risk' });
    expect(route.spec.parentRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'modelplane', namespace: 'modelplane-system' },
    ]);
    expect(route.spec.hostnames).toBeUndefined();
    expect(route.spec.rules).toEqual([
      {
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [
          { group: '', kind: 'Service', name: 'fraud-predictor', port: 80, weight: 80 },
          { group: '', kind: 'Service', name: 'fraud-canary-predictor', port: 80, weight: 20 },
        ],
      },
    ]);
    // One variant: no route, KServe's own Service is the model's address.
    expect(find(synth({ model: 'models:/fraud/3' }), 'HTTPRoute')).toHaveLength(0);
  });

  test('A/B with fixed replicas: the B variant gets its share of the replicas, A keeps them all (autoscalerClass none)', () => {
    const o = synth({
      variants: [
        { name: 'a', model: 'models:/fraud/3', traffic: 50 },
        { name: 'b', model: 'models:/fraud/4', traffic: 50 },
      ],
      replicas: 3,
    });
    const isvc = one(o, 'InferenceService');
    expect(isvc.metadata.annotations['serving.kserve.io/autoscalerClass']).toBe('none');
    expect(isvc.spec.canary[0].predictor.minReplicas).toBe(2);
    expect(isvc.spec.predictor.minReplicas).toBe(5);
    expect(one(o, 'HTTPRoute').spec.rules[0].backendRefs.map((b: any) => [b.name, b.weight])).toEqual([
      ['fraud-predictor', 50],
      ['fraud-b-predictor', 50],
    ]);
  });

  test('queue scaling: autoscalerClass external + our ScaledObject on <name>-predictor', () => {
    const o = synth({
      model: 'models:/fraud/3',
      autoscaling: { minReplicas: 1, maxReplicas: 5, rabbitmq: { queueName: 'q', hostSecret: { name: 'r', key: 'url' } } },
    });
    expect(one(o, 'InferenceService').metadata.annotations['serving.kserve.io/autoscalerClass']).toBe('external');
    expect(one(o, 'ScaledObject').spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'fraud-predictor' });
    expect(one(o, 'InferenceService').spec.predictor.maxReplicas).toBeUndefined();
  });

  test('GPU limits on the model container', () => {
    const p = one(synth({ model: 'models:/fraud/3', gpu: { pool: 'gpu' } }), 'InferenceService').spec.predictor;
    expect(p.model.resources.limits['nvidia.com/gpu']).toBe('1');
    expect(p.tolerations[0].key).toBe('nvidia.com/gpu');
  });
});

describe('OnlineModel, seldon backend', () => {
  const props: OnlineModelProps = {
    backend: 'seldon',
    variants: [
      { name: 'main', model: 's3://mlflow/mlflow/1/aaa/artifacts/model', traffic: 75 },
      { name: 'canary', model: 's3://mlflow/mlflow/1/bbb/artifacts/model', traffic: 25 },
      { name: 'shadow', model: 's3://mlflow/mlflow/1/ccc/artifacts/model', shadow: true },
    ],
  };
  const objs = synth(props);

  test('snapshot', () => {
    expect(objs).toMatchSnapshot();
  });

  test('predictors with traffic and shadow, MLFLOW_SERVER on v2, rclone secret, pinned MLServer image', () => {
    const sd = one(objs, 'SeldonDeployment');
    expect(sd.spec.protocol).toBe('v2');
    expect(sd.spec.predictors.map((p: any) => [p.name, p.traffic, p.shadow])).toEqual([
      ['main', 75, undefined],
      ['canary', 25, undefined],
      ['shadow', undefined, true],
    ]);
    const g = sd.spec.predictors[0].graph;
    expect(g).toMatchObject({
      implementation: 'MLFLOW_SERVER',
      type: 'MODEL',
      modelUri: 's3://mlflow/mlflow/1/aaa/artifacts/model',
      envSecretRefName: 'modelplane-s3-rclone',
    });
    const cs = sd.spec.predictors[0].componentSpecs[0];
    expect(cs.spec.containers[0].name).toBe(g.name);
    expect(cs.spec.containers[0].image).toBe('docker.io/seldonio/mlserver:1.3.5-mlflow');
    expect(cs.hpaSpec).toEqual({
      minReplicas: 2,
      maxReplicas: 4,
      metricsv2: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    });
    expect(cs.pdbSpec).toEqual({ minAvailable: 1 });
    expect(one(objs, 'PodMonitor').spec.podMetricsEndpoints[0]).toMatchObject({ port: 'metrics', path: '/prometheus' });
  });

  test('kedaSpec with our TriggerAuthentication', () => {
    const o = synth({
      backend: 'seldon',
      model: 's3://bucket/m',
      autoscaling: { maxReplicas: 3, rabbitmq: { queueName: 'q', hostSecret: { name: 'r', key: 'url' } } },
    });
    const cs = one(o, 'SeldonDeployment').spec.predictors[0].componentSpecs[0];
    expect(cs.hpaSpec).toBeUndefined();
    expect(cs.kedaSpec.triggers[0].authenticationRef).toEqual({ name: 'fraud-rabbitmq' });
    expect(one(o, 'TriggerAuthentication').metadata.name).toBe('fraud-rabbitmq');
  });
});

describe('OnlineModel validation: errors, never partial output', () => {
  const expectError = (fn: () => void, ...fragments: string[]) => {
    let err: unknown;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelplaneValidationError);
    for (const f of fragments) expect((err as Error).message).toContain(f);
  };

  test('unknown backend, options for another backend, unknown backend option, unknown prop', () => {
    expectError(
      build({ model: 'models:/m/1', backend: 'triton' as never }),
      '`backend` = "triton"',
      'use one of kserve, seldon, deployment',
    );
    expectError(
      build({ model: 'models:/m/1', backend: 'deployment', kserve: { runtime: 'x' } }),
      '`kserve`',
      'but `backend` is "deployment"',
    );
    expectError(
      build({ model: 'models:/m/1', kserve: { canaryMode: 'x' } as never }),
      '`kserve.canaryMode`',
      'is not an option of the "kserve" backend',
    );
    expectError(build({ model: 'models:/m/1', replica: 2 } as never), '`replica`', 'is not an OnlineModel option');
  });

  test('GPU without a pool', () => {
    expectError(build({ model: 'models:/m/1', gpu: { pool: 'gpu' } }, 'm', false), '`gpu.pool` = "gpu"', 'the platform has no GPU pools');
    expectError(build({ model: 'models:/m/1', gpu: { pool: 'a100' } }), '`gpu.pool` = "a100"', 'use one of gpu');
  });

  test('autoscale min > max, online below 1, two scalers, fixed replicas with autoscaling', () => {
    expectError(
      build({ model: 'models:/m/1', autoscaling: { minReplicas: 5, maxReplicas: 2 } }),
      '`autoscaling.minReplicas` = 5',
      'greater than `autoscaling.maxReplicas` (2)',
    );
    expectError(build({ model: 'models:/m/1', autoscaling: { minReplicas: 0, maxReplicas: 2 } }), 'an online service keeps a replica');
    expectError(
      build({
        model: 'models:/m/1',
        autoscaling: { maxReplicas: 4, cpuUtilization: 60, rabbitmq: { queueName: 'q', hostSecret: { name: 'r', key: 'url' } } },
      }),
      'sets two scalers',
    );
    expectError(
      build({ model: 'models:/m/1', replicas: 2, autoscaling: { maxReplicas: 4 } }),
      '`replicas` = 2',
      'an autoscaler owns the replica count',
    );
    expectError(build({ model: 'models:/m/1', role: 'queue-worker', autoscaling: { maxReplicas: 4 } }), 'no queue scaler is set');
  });

  test('credentials only by reference', () => {
    expectError(
      build({ model: 'models:/m/1', autoscaling: { maxReplicas: 4, rabbitmq: { queueName: 'q', hostSecret: 'amqp://u:p@h' as never } } }),
      '<redacted>',
      'never accepted in plain text',
    );
  });

  test('bad traffic splits', () => {
    expectError(
      build({
        backend: 'deployment',
        variants: [
          { name: 'a', model: 'models:/m/1', traffic: 60 },
          { name: 'b', model: 'models:/m/2', traffic: 30 },
        ],
      }),
      'summing to 90, not 100',
    );
    expectError(
      build({
        backend: 'deployment',
        variants: [
          { name: 'a', model: 'models:/m/1', traffic: 60 },
          { name: 'b', model: 'models:/m/2' },
        ],
      }),
      'gives no traffic percentage',
    );
    expectError(
      build({ backend: 'deployment', variants: [{ name: 'a', model: 'models:/m/1', traffic: 90 }] }),
      'must take 100% of the traffic',
    );
    expectError(
      build({
        backend: 'deployment',
        variants: [
          { name: 'a', model: 'models:/m/1' },
          { name: 's1', model: 'models:/m/2', shadow: true },
          { name: 's2', model: 'models:/m/3', shadow: true },
        ],
      }),
      'at most one is allowed',
    );
    expectError(
      build({ backend: 'deployment', variants: [{ name: 's', model: 'models:/m/2', shadow: true }] }),
      'has only a shadow variant',
    );
    expectError(
      build({
        backend: 'deployment',
        variants: [
          { name: 'a', model: 'models:/m/1' },
          { name: 'a', model: 'models:/m/2', shadow: true },
        ],
      }),
      'names variant "a" twice',
    );
    expectError(
      build({
        variants: [
          { name: 'a', model: 'models:/m/1' },
          { name: 's', model: 'models:/m/2', shadow: true },
        ],
      }),
      'KServe has no native traffic mirroring',
    );
    expectError(
      build({
        backend: 'deployment',
        variants: [
          { name: 'a', model: 'models:/m/1' },
          { name: 's', model: 'models:/m/2', shadow: true, traffic: 10 },
        ],
      }),
      'is set on a shadow',
    );
  });

  test("names over KEDA's 54-character limit", () => {
    const id = 'a'.repeat(40);
    expectError(
      build(
        {
          backend: 'deployment',
          variants: [
            { name: 'a', model: 'models:/m/1', traffic: 50 },
            { name: 'challenger-long', model: 'models:/m/2', traffic: 50 },
          ],
          autoscaling: { maxReplicas: 2, rabbitmq: { queueName: 'q', hostSecret: { name: 'r', key: 'url' } } },
        },
        id,
      ),
      'KEDA rejects names over 54',
    );
    expectError(
      build(
        { model: 'models:/m/1', autoscaling: { maxReplicas: 2, rabbitmq: { queueName: 'q', hostSecret: { name: 'r', key: 'url' } } } },
        'b'.repeat(45),
      ),
      `"${'b'.repeat(45)}-predictor"`,
      'KEDA rejects names over 54',
    );
  });

  test('model URIs: unknown schemes, models:/ on Seldon, model and variants together, missing', () => {
    expectError(build({ model: 'gs://bucket/model' }), '`model` = "gs://bucket/model"', 'is not a model URI');
    expectError(build({ backend: 'seldon', model: 'models:/m@prod' }), 'rclone storage initializer cannot download');
    expectError(build({ model: 'models:/m/1', variants: [{ name: 'a', model: 'models:/m/1' }] }), 'is given together with `variants`');
    expectError(build({}), '`model` is missing. Fix: give the MLflow model URI');
  });

  test('no partial output: a failing model leaves the chart empty', () => {
    const app = Testing.app();
    const models = new TeamModels(app, 'risk');
    expect(() => new OnlineModel(models, 'bad', { model: 'models:/m/1', autoscaling: { minReplicas: 3, maxReplicas: 1 } })).toThrow(
      ModelplaneValidationError,
    );
    expect(Testing.synth(models)).toEqual([]);
  });

  test('unique names per team', () => {
    const app = Testing.app();
    const models = new TeamModels(app, 'risk');
    new OnlineModel(models, 'fraud', { model: 'models:/m/1' });
    expect(() => new OnlineModel(models, 'fraud2', { name: 'fraud', model: 'models:/m/2' })).toThrow(/already used by OnlineModel "fraud"/);
  });

  test('outside a TeamModels chart', () => {
    const app = Testing.app();
    expect(() => new OnlineModel(Testing.chart(), 'x', { model: 'models:/m/1' })).toThrow(/must be created inside a TeamModels chart/);
    void app;
  });
});
