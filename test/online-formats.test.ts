/**
 * Online model formats (`format`): the pure rule (resolveModelFormat: which backend serves which format, the
 * refusals naming the backends that can, `models:/` URIs where only `s3://` downloads), its property over every
 * format and backend, and what the kserve and deployment backends render for TensorFlow Serving and Triton.
 */
import { Testing } from 'cdk8s';
import fc from 'fast-check';
import { SERVING_BACKENDS } from '../src/constructs/online/backends';
import { FETCH_MODEL_SCRIPT } from '../src/constructs/online/backends/servers';
import { MODEL_FORMATS, TF_SERVING_IMAGE, TRITON_IMAGE } from '../src/constructs/online/formats';
import { ModelTest } from '../src/constructs/online/model-test';
import { OnlineModel, OnlineModelProps } from '../src/constructs/online/online-model';
import { backendsServing, resolveModelFormat } from '../src/constructs/online/resolve-format';
import { ONLINE_BACKENDS } from '../src/constructs/online/spec';
import { TeamModels } from '../src/constructs/team-models';
import { platformContext } from '../src/core/context';
import { ModelplaneValidationError, Validator } from '../src/core/errors';
import { renderWords } from '../src/core/words';

const pools = [
  {
    name: 'gpu',
    taint: { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' as const },
    nodeLabels: { 'nvidia.com/gpu.present': 'true' },
  },
];

function synth(props: OnlineModelProps, id = 'fraud'): any[] {
  const app = Testing.app();
  const models = new TeamModels(app, 'risk', { platform: platformContext({ gpuPools: pools }) });
  new OnlineModel(models, id, props);
  return Testing.synth(models);
}

const one = (objs: any[], kind: string, name?: string) => {
  const found = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  expect(found).toHaveLength(1);
  return found[0];
};

function issuesOf(props: OnlineModelProps): { field: string; value: unknown; problem: string; fix: string }[] {
  try {
    synth(props);
    return [];
  } catch (e) {
    if (!(e instanceof ModelplaneValidationError)) throw e;
    return e.issues.map((i) => ({ field: i.field, value: i.value, problem: renderWords(i.problem), fix: renderWords(i.fix) }));
  }
}

/** Every container of a pod spec meets Pod Security "restricted" (and has a read-only root filesystem). */
function expectRestricted(spec: any): void {
  expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  for (const c of [...(spec.initContainers ?? []), ...spec.containers])
    expect([c.name, c.securityContext]).toEqual([
      c.name,
      expect.objectContaining({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      }),
    ]);
}

describe('resolveModelFormat (pure)', () => {
  const resolve = (format: unknown, backend: (typeof ONLINE_BACKENDS)[number], uris = [{ field: 'model', uri: 's3://models/m/1' }]) => {
    const v = new Validator('OnlineModel', 'm');
    const got = resolveModelFormat(v, format, SERVING_BACKENDS[backend], uris, SERVING_BACKENDS);
    return {
      got,
      issues: v.found.map((i) => ({ field: i.field, value: i.value, problem: renderWords(i.problem), fix: renderWords(i.fix) })),
    };
  };

  test('no format is mlflow, on every backend', () => {
    for (const b of ONLINE_BACKENDS) expect(resolve(undefined, b)).toEqual({ got: 'mlflow', issues: [] });
  });

  test('a value that is not a format is refused, listing the formats', () => {
    expect(resolve('pytorch', 'kserve').issues).toEqual([
      { field: 'format', value: 'pytorch', problem: 'is not a model format', fix: 'use one of mlflow, tensorflow, onnx, triton' },
    ]);
  });

  test('seldon refuses tensorflow, onnx and triton, naming kserve and deployment and why', () => {
    const onnx = resolve('onnx', 'seldon').issues;
    expect(onnx).toHaveLength(1);
    expect(onnx[0]).toMatchObject({ field: 'format', value: 'onnx' });
    expect(onnx[0].problem).toBe('is not served by the "seldon" backend: Seldon Core 1.17.1 has no prepackaged ONNX server');
    expect(onnx[0].fix).toMatch(/^set backend: "kserve" or backend: "deployment" \(kserve: Triton, .*; deployment: Triton\)/);
    expect(resolve('tensorflow', 'seldon').issues[0].problem).toMatch(/TENSORFLOW_SERVER .* not the v2 protocol/);
    expect(resolve('triton', 'seldon').issues[0].problem).toMatch(/MLFLOW_SERVER prepackaged server only/);
  });

  test('kserve refuses a models:/ URI in a format other than mlflow, at each such variant, pointing at deployment', () => {
    const uris = [
      { field: 'variants[0].model', uri: 's3://models/m/1' },
      { field: 'variants[1].model', uri: 'models:/m@challenger' },
    ];
    const { got, issues } = resolve('triton', 'kserve', uris);
    expect(got).toBe('triton');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ field: 'variants[1].model', value: 'models:/m@challenger' });
    expect(issues[0].problem).toMatch(/^is a models:\/ URI, which KServe's storage initializer cannot download/);
    expect(issues[0].fix).toMatch(/set backend: "deployment", which fetches models:\/ URIs through MLflow$/);
    expect(resolve('mlflow', 'kserve', uris).issues).toEqual([]);
    expect(resolve('triton', 'deployment', uris).issues).toEqual([]);
  });

  test('property: a format is accepted exactly where the backend lists it; a refusal names every other backend that serves it', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MODEL_FORMATS), fc.constantFrom(...ONLINE_BACKENDS), (format, backend) => {
        const { got, issues } = resolve(format, backend);
        expect(got).toBe(format);
        const serves = SERVING_BACKENDS[backend].formats[format] !== undefined;
        expect(issues.length === 0).toBe(serves);
        if (serves) return;
        expect(issues[0]).toMatchObject({ field: 'format', value: format });
        expect(issues[0].problem).toContain(`"${backend}" backend`);
        const others = backendsServing(format, SERVING_BACKENDS).filter((b) => b !== backend);
        for (const b of ONLINE_BACKENDS) expect([b, issues[0].fix.includes(`backend: "${b}"`)]).toEqual([b, others.includes(b)]);
      }),
    );
  });

  test('every backend serves mlflow; every format has a backend', () => {
    for (const b of ONLINE_BACKENDS) expect(SERVING_BACKENDS[b].formats.mlflow).toBeDefined();
    for (const f of MODEL_FORMATS) expect(backendsServing(f, SERVING_BACKENDS).length).toBeGreaterThan(0);
  });
});

describe('format mlflow is the default', () => {
  test('property: writing format "mlflow" changes nothing, on every backend', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ONLINE_BACKENDS), fc.boolean(), (backend, variants) => {
        const model = backend === 'seldon' ? 's3://models/fraud/1' : 'models:/fraud@champion';
        const base: OnlineModelProps = variants
          ? {
              backend,
              variants: [
                { name: 'stable', model, traffic: 90 },
                { name: 'next', model, traffic: 10 },
              ],
            }
          : { backend, model };
        expect(synth({ ...base, format: 'mlflow' })).toEqual(synth(base));
      }),
      { numRuns: 12 },
    );
  });
});

describe('deployment backend, TensorFlow Serving', () => {
  const objs = synth({ backend: 'deployment', format: 'tensorflow', model: 'models:/tariff@champion', replicas: 2 });
  const pod = one(objs, 'Deployment', 'fraud').spec.template.spec;
  const server = pod.containers[0];

  test('the pinned image, its ports, the model from the fetched base path, metrics through the monitoring config', () => {
    expect(server.image).toBe(TF_SERVING_IMAGE);
    expect(server.image).toMatch(/^docker\.io\/tensorflow\/serving:\d+\.\d+\.\d+$/);
    expect(server.command).toEqual(['/usr/bin/tensorflow_model_server']);
    expect(server.args).toEqual([
      '--model_name=fraud',
      '--model_base_path=/models/fraud',
      '--port=8500',
      '--rest_api_port=8501',
      '--monitoring_config_file=/etc/modelplane/tf-serving/monitoring.config',
    ]);
    expect(server.ports).toEqual([
      { name: 'http', containerPort: 8501, protocol: 'TCP' },
      { name: 'grpc', containerPort: 8500, protocol: 'TCP' },
    ]);
    const config = one(objs, 'ConfigMap', 'fraud-tf-serving');
    expect(config.data['monitoring.config']).toContain('path: "/monitoring/prometheus/metrics"');
    expect(pod.volumes).toContainEqual({ name: 'tf-serving-config', configMap: { name: 'fraud-tf-serving', defaultMode: 0o444 } });
  });

  test('startup and readiness on the model status over REST, liveness on the server (its metrics endpoint)', () => {
    for (const p of [server.startupProbe, server.readinessProbe]) expect(p.httpGet).toEqual({ path: '/v1/models/fraud', port: 'http' });
    expect(server.livenessProbe.httpGet).toEqual({ path: '/monitoring/prometheus/metrics', port: 'http' });
    expect(server.startupProbe.failureThreshold * server.startupProbe.periodSeconds).toBe(600);
  });

  test('an init container fetches the model through MLflow, as MLServer would, into a read-only emptyDir for the server', () => {
    const fetch = pod.initContainers[0];
    expect(fetch.name).toBe('fetch-model');
    expect(fetch.image).toBe('docker.io/seldonio/mlserver:1.7.1-mlflow');
    expect(fetch.command).toEqual(['python', '-c', FETCH_MODEL_SCRIPT, 'models:/tariff@champion', '/models/fraud']);
    expect(Object.fromEntries(fetch.env.map((e: any) => [e.name, e.value]))).toEqual({
      HOME: '/tmp',
      MLFLOW_TRACKING_URI: 'http://mlflow.modelplane-system.svc.cluster.local:5000',
    });
    expect(server.volumeMounts).toContainEqual({ name: 'models', mountPath: '/models', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'models', emptyDir: { sizeLimit: '2Gi' } });
  });

  test('Pod Security restricted, read-only root filesystems, a writable /tmp', () => {
    expectRestricted(pod);
    expect(server.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
  });

  test('Service and ServiceMonitor on the REST port', () => {
    expect(one(objs, 'Service').spec.ports.map((p: any) => [p.name, p.port])).toEqual([
      ['http', 8501],
      ['grpc', 8500],
    ]);
    expect(one(objs, 'ServiceMonitor').spec.endpoints).toEqual([
      { port: 'http', path: '/monitoring/prometheus/metrics', interval: '30s', scheme: 'http' },
    ]);
  });

  test('an s3:// model is fetched with the object store credentials by reference', () => {
    const o = synth({ backend: 'deployment', format: 'tensorflow', model: 's3://models/tariff/1' });
    const fetch = one(o, 'Deployment').spec.template.spec.initContainers[0];
    const names = fetch.env.map((e: any) => e.name);
    expect(names).toEqual(expect.arrayContaining(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']));
    expect(fetch.env.find((e: any) => e.name === 'AWS_SECRET_ACCESS_KEY').valueFrom.secretKeyRef.name).toBe('modelplane-s3');
  });
});

describe('deployment backend, Triton (onnx and triton)', () => {
  const objs = synth({ backend: 'deployment', format: 'onnx', model: 'models:/address@champion', gpu: { pool: 'gpu' }, replicas: 1 });
  const pod = one(objs, 'Deployment', 'fraud').spec.template.spec;
  const server = pod.containers[0];

  test('the pinned image, loading only the model named after the service from the fetched repository', () => {
    expect(server.image).toBe(TRITON_IMAGE);
    expect(server.image).toMatch(/^nvcr\.io\/nvidia\/tritonserver:\d+\.\d+-py3$/);
    expect(server.args).toEqual([
      '--model-repository=/models/repository',
      '--http-port=8000',
      '--grpc-port=8001',
      '--metrics-port=8002',
      '--model-control-mode=explicit',
      '--load-model=fraud',
    ]);
    expect(pod.initContainers[0].command.slice(-2)).toEqual(['models:/address@champion', '/models/repository']);
  });

  test('health probes, ports and metrics', () => {
    expect(server.startupProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 'http' });
    expect(server.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 'http' });
    expect(server.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 'http' });
    expect(server.ports.map((p: any) => [p.name, p.containerPort])).toEqual([
      ['http', 8000],
      ['grpc', 8001],
      ['metrics', 8002],
    ]);
    expect(one(objs, 'ServiceMonitor').spec.endpoints[0]).toMatchObject({ port: 'metrics', path: '/metrics' });
  });

  test('the GPU goes to the server, not to the fetch; restricted', () => {
    expect(server.resources.limits['nvidia.com/gpu']).toBe('1');
    expect(pod.initContainers[0].resources.limits['nvidia.com/gpu']).toBeUndefined();
    expect(pod.tolerations).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'nvidia.com/gpu' })]));
    expectRestricted(pod);
  });

  test('format triton renders the same server', () => {
    const t = one(synth({ backend: 'deployment', format: 'triton', model: 'models:/address@champion' }), 'Deployment');
    expect(t.spec.template.spec.containers[0].args[0]).toBe('--model-repository=/models/repository');
  });
});

describe('kserve backend, other formats', () => {
  const isvc = (props: OnlineModelProps) => {
    const objs = synth({ model: 's3://models/m/1', replicas: 2, ...props });
    return { objs, isvc: one(objs, 'InferenceService') };
  };

  test('tensorflow: modelFormat tensorflow "2" on protocol v1 (kserve-tensorflow-serving), pinned image, from storageUri', () => {
    const { objs, isvc: i } = isvc({ format: 'tensorflow' });
    const model = i.spec.predictor.model;
    expect(model).toMatchObject({
      modelFormat: { name: 'tensorflow', version: '2' },
      protocolVersion: 'v1',
      storageUri: 's3://models/m/1',
      image: TF_SERVING_IMAGE,
      args: ['--monitoring_config_file=/etc/modelplane/tf-serving/monitoring.config'],
    });
    expect(model.command).toBeUndefined();
    expect(model.readinessProbe.httpGet).toEqual({ path: '/v1/models/fraud', port: 8080 });
    expect(i.spec.predictor.volumes).toContainEqual({
      name: 'tf-serving-config',
      configMap: { name: 'fraud-tf-serving', defaultMode: 0o444 },
    });
    one(objs, 'ConfigMap', 'fraud-tf-serving');
    expect(one(objs, 'PodMonitor').spec.podMetricsEndpoints[0]).toMatchObject({ portNumber: 8080, path: '/monitoring/prometheus/metrics' });
  });

  test('onnx and triton: kserve-tritonserver on v2, Triton probes, metrics on 8002', () => {
    for (const [format, version] of [
      ['onnx', '1'],
      ['triton', '2'],
    ] as const) {
      const { objs, isvc: i } = isvc({ format });
      const model = i.spec.predictor.model;
      expect(model).toMatchObject({ modelFormat: { name: format, version }, protocolVersion: 'v2', image: TRITON_IMAGE });
      expect(model.args).toBeUndefined();
      expect(model.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 8080 });
      expect(one(objs, 'PodMonitor').spec.podMetricsEndpoints[0]).toMatchObject({ portNumber: 8002, path: '/metrics' });
    }
  });

  test('a models:/ URI is refused there, with the deployment backend as the fix', () => {
    const issues = issuesOf({ format: 'onnx', model: 'models:/address@champion' });
    expect(issues.map((i) => i.field)).toEqual(['model']);
  });
});

describe('endpoints and model tests', () => {
  test('a TensorFlow model answers its own REST API, which a ModelTest refuses, naming the target', () => {
    const app = Testing.app();
    const models = new TeamModels(app, 'risk', { platform: platformContext() });
    const target = new OnlineModel(models, 'tariff', { backend: 'deployment', format: 'tensorflow', model: 'models:/tariff@champion' });
    expect(target.endpoint()).toEqual({
      url: 'http://tariff.risk.svc.cluster.local:8501',
      modelName: 'tariff',
      protocol: 'tensorflow',
    });
    expect(() => new ModelTest(models, 'tariff-test', { target, reference: 'x,expected\n1,0.5\n' })).toThrow(
      /`target` = "tariff": answers TensorFlow Serving's REST API/,
    );
  });

  test('a Triton model is reached on v2 at port 8000', () => {
    const app = Testing.app();
    const models = new TeamModels(app, 'risk', { platform: platformContext() });
    const target = new OnlineModel(models, 'address', { backend: 'deployment', format: 'triton', model: 'models:/address@champion' });
    expect(target.endpoint()).toEqual({ url: 'http://address.risk.svc.cluster.local:8000', modelName: 'address' });
  });
});
