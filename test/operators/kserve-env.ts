/**
 * KServe's environment for the operators tier, written by us (nothing here is upstream's text): a throwaway CA and
 * serving certificate for the manager's webhook server (openssl, in the tier's work dir), the manager's
 * `inferenceservice-config` ConfigMap as the platform's Helm values configure it (Standard mode: raw Deployments,
 * no Knative, no Istio VirtualServices; the chart's other defaults), the webhook registrations by URL for the rules
 * and paths KServe v0.20.0 serves, and the one ClusterServingRuntime our InferenceServices select (MLServer for the
 * `mlflow` model format on the v2 protocol; see kserveMlserverRuntime). The ClusterStorageContainer is not ours to
 * write here: the test applies the platform's, from the synthesized output.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** The namespace the manager runs in and reads its ConfigMap from (POD_NAMESPACE; the chart's namespace). */
export const KSERVE_NAMESPACE = 'kserve';

/** The CA and the serving pair, laid out where controller-runtime looks for them: `$TMPDIR/k8s-webhook-server/serving-certs`. */
export interface WebhookCerts {
  /** The TMPDIR to start the manager with. */
  readonly tmpDir: string;
  /** PEM of the CA that signed the serving certificate (the webhooks' caBundle). */
  readonly caPem: string;
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
}

/** A one-day CA and a serving certificate for 127.0.0.1 signed by it. */
export function makeWebhookCerts(dir: string): WebhookCerts {
  const tmpDir = path.join(dir, 'tmp');
  const certDir = path.join(tmpDir, 'k8s-webhook-server', 'serving-certs');
  fs.mkdirSync(certDir, { recursive: true });
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=modelplane-test-kserve-ca',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
    ],
    dir,
  );
  openssl(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', path.join(certDir, 'tls.key'), '-out', 'tls.csr'],
    dir,
  );
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'tls.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      'san.ext',
      '-out',
      path.join(certDir, 'tls.crt'),
    ],
    dir,
  );
  return { tmpDir, caPem: fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8') };
}

/**
 * The manager's ConfigMap: what the kserve-resources chart renders from our values (`deploymentMode: Standard`)
 * and its defaults for the keys the v0.20.0 manager reads. The ingress section keeps the chart's defaults (class
 * `istio`, Ingress creation on): KServe creates an Ingress per InferenceService, which stays inert without an
 * ingress controller; no VirtualService is made (that CRD is not served).
 */
export function inferenceServiceConfig(): object {
  const json = (o: object) => JSON.stringify(o, null, 2);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'inferenceservice-config', namespace: KSERVE_NAMESPACE },
    data: {
      deploy: json({ defaultDeploymentMode: 'Standard' }),
      ingress: json({
        enableGatewayApi: false,
        kserveIngressGateway: 'kserve/kserve-ingress-gateway',
        ingressGateway: 'knative-serving/knative-ingress-gateway',
        localGateway: 'knative-serving/knative-local-gateway',
        localGatewayService: 'knative-local-gateway.istio-system.svc.cluster.local',
        ingressDomain: 'example.com',
        ingressClassName: 'istio',
        domainTemplate: '{{ .Name }}-{{ .Namespace }}.{{ .IngressDomain }}',
        urlScheme: 'http',
        disableIstioVirtualHost: false,
        disableIngressCreation: false,
      }),
      storageInitializer: json({
        image: 'kserve/storage-initializer:v0.20.0',
        memoryRequest: '100Mi',
        memoryLimit: '1Gi',
        cpuRequest: '100m',
        cpuLimit: '1',
        enableModelcar: true,
        cpuModelcar: '10m',
        memoryModelcar: '15Mi',
      }),
      credentials: json({
        storageSpecSecretName: 'storage-config',
        storageSecretNameAnnotation: 'serving.kserve.io/storageSecretName',
        s3: { s3AccessKeyIDName: 'AWS_ACCESS_KEY_ID', s3SecretAccessKeyName: 'AWS_SECRET_ACCESS_KEY' },
      }),
      logger: json({ image: 'kserve/agent:v0.20.0', memoryRequest: '100Mi', memoryLimit: '1Gi', cpuRequest: '100m', cpuLimit: '1' }),
      batcher: json({ image: 'kserve/agent:v0.20.0', memoryRequest: '1Gi', memoryLimit: '1Gi', cpuRequest: '1', cpuLimit: '1' }),
      agent: json({ image: 'kserve/agent:v0.20.0', memoryRequest: '100Mi', memoryLimit: '1Gi', cpuRequest: '100m', cpuLimit: '1' }),
      router: json({ image: 'kserve/router:v0.20.0', memoryRequest: '100Mi', memoryLimit: '1Gi', cpuRequest: '100m', cpuLimit: '1' }),
      explainers: json({ art: { image: 'kserve/art-explainer', defaultImageVersion: 'v0.20.0' } }),
      metricsAggregator: json({ enableMetricAggregation: 'false', enablePrometheusScraping: 'false' }),
      localModel: json({ enabled: false, jobNamespace: 'kserve-localmodel-jobs' }),
      security: json({ autoMountServiceAccountToken: true }),
      inferenceService: json({}),
      autoscaler: json({ scaleUpStabilizationWindowSeconds: '0', scaleDownStabilizationWindowSeconds: '300' }),
    },
  };
}

/** One admission webhook: its name, the path KServe serves it on, the resources it admits. */
interface Hook {
  name: string;
  path: string;
  group: string;
  version: string;
  resource: string;
  operations: string[];
}

const INFERENCE_SERVICE = {
  group: 'serving.kserve.io',
  version: 'v1beta1',
  resource: 'inferenceservices',
  operations: ['CREATE', 'UPDATE'],
};

/** The validating webhooks of KServe v0.20.0's manager, by the paths it registers (cmd/manager/main.go). */
const VALIDATING: Hook[] = [
  {
    name: 'inferenceservice.kserve-webhook-server.validator',
    path: '/validate-serving-kserve-io-v1beta1-inferenceservice',
    ...INFERENCE_SERVICE,
  },
  ...(['trainedmodel', 'inferencegraph', 'clusterservingruntime', 'servingruntime'] as const).map((kind) => ({
    name: `${kind}.kserve-webhook-server.validator`,
    path: `/validate-serving-kserve-io-v1alpha1-${kind}`,
    group: 'serving.kserve.io',
    version: 'v1alpha1',
    resource: `${kind}s`,
    operations: ['CREATE', 'UPDATE'],
  })),
];

/**
 * The webhook configurations, by URL on the manager's port, with our CA. failurePolicy Fail everywhere: an unreachable
 * or denying webhook fails the apply. The pod mutator is registered too (pods labelled with their InferenceService,
 * outside namespaces labelled `control-plane`): the Pod Security check creates Pods from the predictor templates,
 * and what KServe injects into them (storage initializer, agent) must pass "restricted" as well.
 */
export function webhookConfigurations(port: number, caPem: string): object[] {
  const caBundle = Buffer.from(caPem).toString('base64');
  const clientConfig = (p: string) => ({ url: `https://127.0.0.1:${port}${p}`, caBundle });
  const rules = (h: Hook) => [{ apiGroups: [h.group], apiVersions: [h.version], operations: h.operations, resources: [h.resource] }];
  const common = { failurePolicy: 'Fail', sideEffects: 'None', admissionReviewVersions: ['v1'], timeoutSeconds: 10 };
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: 'modelplane-test-kserve' },
      webhooks: [
        {
          name: 'inferenceservice.kserve-webhook-server.defaulter',
          clientConfig: clientConfig('/mutate-serving-kserve-io-v1beta1-inferenceservice'),
          rules: rules({ name: '', path: '', ...INFERENCE_SERVICE }),
          ...common,
        },
        {
          name: 'inferenceservice.kserve-webhook-server.pod-mutator',
          clientConfig: clientConfig('/mutate-pods'),
          rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
          namespaceSelector: { matchExpressions: [{ key: 'control-plane', operator: 'DoesNotExist' }] },
          objectSelector: { matchExpressions: [{ key: 'serving.kserve.io/inferenceservice', operator: 'Exists' }] },
          reinvocationPolicy: 'IfNeeded',
          ...common,
        },
      ],
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'modelplane-test-kserve' },
      webhooks: VALIDATING.map((h) => ({ name: h.name, clientConfig: clientConfig(h.path), rules: rules(h), ...common })),
    },
  ];
}

/**
 * The ClusterServingRuntime our InferenceServices rely on: they name no runtime, so KServe picks one that
 * auto-selects `mlflow` (versions 1 and 2) on protocol v2. KServe v0.20.0 ships its runtimes in a separate chart,
 * kserve-runtime-configs, which the platform's KServe add-on installs after kserve-resources
 * (src/constructs/platform/operators/kserve); this tier installs no Helm chart, so this stands in for that chart's
 * `kserve-mlserver` (same name, the MLServer image and tag of the chart's values, the env, ports and resources it
 * sets, its security context).
 */
export function kserveMlserverRuntime(): object {
  return {
    apiVersion: 'serving.kserve.io/v1alpha1',
    kind: 'ClusterServingRuntime',
    metadata: { name: 'kserve-mlserver' },
    spec: {
      supportedModelFormats: ['1', '2'].map((version) => ({ name: 'mlflow', version, autoSelect: true, priority: 1 })),
      protocolVersions: ['v2'],
      containers: [
        {
          name: 'kserve-container',
          image: 'docker.io/seldonio/mlserver:1.5.0',
          env: [
            { name: 'MLSERVER_MODEL_IMPLEMENTATION', value: '{{.Labels.modelClass}}' },
            { name: 'MLSERVER_HTTP_PORT', value: '8080' },
            { name: 'MLSERVER_GRPC_PORT', value: '9000' },
          ],
          resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } },
          securityContext: { allowPrivilegeEscalation: false, privileged: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  };
}

/** The security context the kserve-runtime-configs chart gives its TensorFlow Serving and Triton runtimes. */
const RUNTIME_SECURITY = {
  allowPrivilegeEscalation: false,
  privileged: false,
  runAsNonRoot: true,
  runAsUser: 1000,
  capabilities: { drop: ['ALL'] },
};
const RUNTIME_RESOURCES = { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } };

/**
 * The stand-ins for the chart's `kserve-tensorflow-serving` and `kserve-tritonserver`, which our `format:
 * tensorflow` (protocol v1) and `onnx`/`triton` (v2) InferenceServices select: their names, formats with versions,
 * priorities and autoSelect, protocols, command and arguments, image, resources and security context as the
 * kserve-runtime-configs chart writes them (our InferenceServices replace the image and append their own arguments).
 */
export function kserveServerRuntimes(): object[] {
  const format = (name: string, version: string, priority: number) => ({ name, version, autoSelect: true, priority });
  return [
    {
      apiVersion: 'serving.kserve.io/v1alpha1',
      kind: 'ClusterServingRuntime',
      metadata: { name: 'kserve-tensorflow-serving' },
      spec: {
        annotations: { 'prometheus.kserve.io/port': '8080', 'prometheus.kserve.io/path': '/metrics' },
        supportedModelFormats: [format('tensorflow', '1', 2), format('tensorflow', '2', 2)],
        protocolVersions: ['v1', 'grpc-v1'],
        containers: [
          {
            name: 'kserve-container',
            image: 'tensorflow/serving:2.6.2',
            command: ['/usr/bin/tensorflow_model_server'],
            args: [
              '--model_name={{.Name}}',
              '--port=9000',
              '--rest_api_port=8080',
              '--model_base_path=/mnt/models',
              '--rest_api_timeout_in_ms=60000',
            ],
            resources: RUNTIME_RESOURCES,
            securityContext: RUNTIME_SECURITY,
          },
        ],
      },
    },
    {
      apiVersion: 'serving.kserve.io/v1alpha1',
      kind: 'ClusterServingRuntime',
      metadata: { name: 'kserve-tritonserver' },
      spec: {
        annotations: { 'prometheus.kserve.io/port': '8002', 'prometheus.kserve.io/path': '/metrics' },
        supportedModelFormats: [
          format('tensorrt', '8', 1),
          format('tensorflow', '1', 1),
          format('tensorflow', '2', 1),
          format('onnx', '1', 1),
          { name: 'pytorch', version: '1' },
          format('triton', '2', 1),
        ],
        protocolVersions: ['v2', 'grpc-v2'],
        containers: [
          {
            name: 'kserve-container',
            image: 'nvcr.io/nvidia/tritonserver:23.05-py3',
            args: [
              'tritonserver',
              '--model-store=/mnt/models',
              '--grpc-port=9000',
              '--http-port=8080',
              '--allow-grpc=true',
              '--allow-http=true',
            ],
            resources: RUNTIME_RESOURCES,
            securityContext: RUNTIME_SECURITY,
          },
        ],
      },
    },
  ];
}

/** The runtime (stand-in) KServe selects for a predictor model: by its `runtime`, or by its format and protocol. */
export function selectedRuntime(model: {
  modelFormat?: { name: string };
  protocolVersion?: string;
  runtime?: string;
}): Record<string, any> | undefined {
  const all = [kserveMlserverRuntime(), ...kserveServerRuntimes()] as Record<string, any>[];
  if (model.runtime) return all.find((r) => r.metadata.name === model.runtime);
  const protocol = model.protocolVersion ?? 'v1';
  const fits = all.filter(
    (r) =>
      r.spec.protocolVersions.includes(protocol) &&
      r.spec.supportedModelFormats.some((f: any) => f.name === model.modelFormat?.name && f.autoSelect),
  );
  const priority = (r: Record<string, any>) =>
    r.spec.supportedModelFormats.find((f: any) => f.name === model.modelFormat?.name)?.priority ?? 0;
  return fits.sort((a, b) => priority(b) - priority(a))[0];
}
