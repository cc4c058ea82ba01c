import { Construct } from 'constructs';
import { Validator } from '../../core/errors';
import { KEDA_MAX_NAME } from './autoscaling';
import { renderDeploymentBackend } from './backends/deployment';
import { renderKServeBackend } from './backends/kserve';
import { checkVariants, OnlineVariant } from './rollouts';
import { renderSeldonBackend } from './backends/seldon';
import {
  MLSERVER_PORTS,
  ONLINE_BACKENDS,
  OnlineBackend,
  ResolvedHpa,
  ResolvedKeda,
  ResolvedOnlineModel,
  ResolvedVariant,
  servedModelName,
} from './spec';
import { SELDON_GRAPH_NODE } from './backends/seldon';
import { checkSecretRef, SecretKeyRef } from '../../core/secrets';
import type { ResourceSpec } from '../../core/security';
import { checkImage, checkLimitAtLeastRequest, checkName, checkQuantity, dnsSubdomainProblem } from '../../core/validate';
import { isRecord } from '../../core/records';
import { TeamModels } from '../team-models';

export type { OnlineVariant } from './rollouts';
export type { OnlineBackend } from './spec';

/** Scaling on a RabbitMQ queue's length through KEDA (seed 001's batch jobs behind a queue). */
export interface RabbitQueueScaling {
  /** The queue to watch. */
  readonly queueName: string;
  /** Secret key holding the connection URL with credentials (`amqp://user:pw@host:5672/vhost`, or the management `http://…:15672` URL with protocol "http"). */
  readonly hostSecret: SecretKeyRef;
  /** Target messages per replica (KEDA `value`). @default 20 */
  readonly messagesPerReplica?: number;
  /** Messages that wake a worker scaled to zero (KEDA `activationValue`). @default 0 */
  readonly activationMessages?: number;
  /** `amqp`, or `http` (management API; counts unacknowledged messages too). @default "amqp" */
  readonly protocol?: 'amqp' | 'http';
  /** RabbitMQ vhost. @default - the one in the URL */
  readonly vhostName?: string;
  /** Seconds between queue checks. @default 30 */
  readonly pollingInterval?: number;
  /** Seconds of an empty queue before scaling to zero. @default 300 */
  readonly cooldownPeriod?: number;
}

/**
 * Autoscaling: CPU and/or memory utilization through an HPA, or a RabbitMQ queue through KEDA —
 * one scaler per workload, never both.
 */
export interface OnlineAutoscaling {
  /** Minimum replicas; at least 1 for online services, 0 allowed for queue workers. @default 2 (online), 0 (queue-worker) */
  readonly minReplicas?: number;
  /** Maximum replicas. */
  readonly maxReplicas: number;
  /** Target average CPU utilization, % of the request. @default 70 when no other metric is given */
  readonly cpuUtilization?: number;
  /** Target average memory utilization, % of the request. @default - not used */
  readonly memoryUtilization?: number;
  /** Scale on a RabbitMQ queue through KEDA instead. @default - HPA */
  readonly rabbitmq?: RabbitQueueScaling;
}

/** Options of the `kserve` backend. */
export interface KServeOptions {
  /** `modelFormat.version`; KServe's MLServer runtime lists MLflow "1" and "2" only. @default "2" */
  readonly modelFormatVersion?: string;
  /** A ServingRuntime to pin instead of KServe's automatic selection. @default - automatic (kserve-mlserver) */
  readonly runtime?: string;
  /**
   * Secret with `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, annotated with `serving.kserve.io/s3-*`
   * (see `kserveS3SecretAnnotations`), for `s3://` models; a ServiceAccount listing it is created.
   * @default - none (`s3://` models then rely on KServe's global S3 settings or workload identity)
   */
  readonly storageSecret?: string;
}

/** Options of the `seldon` backend. */
export interface SeldonOptions {
  /** The rclone Secret (`RCLONE_CONFIG_S3_*`, see `rcloneSecretKeys`) named by `envSecretRefName`. @default "modelplane-s3-rclone" */
  readonly rcloneSecret?: string;
}

/** Options of the `deployment` backend. */
export interface DeploymentOptions {
  /** The Gateway the HTTPRoute attaches to when there are several variants. @default { name: "modelplane", namespace: <platform namespace> } */
  readonly gateway?: { readonly name: string; readonly namespace?: string; readonly sectionName?: string };
  /** Host names of the HTTPRoute. @default [] (all the Gateway's hosts) */
  readonly hostnames?: readonly string[];
}

/** Where a variant is reached. */
export interface OnlineEndpoint {
  /** Base URL, e.g. `http://fraud.risk.svc.cluster.local:8080`. */
  readonly url: string;
  /** Model name in `/v2/models/<name>/infer`. */
  readonly modelName: string;
}

/** Properties of an {@link OnlineModel}. */
export interface OnlineModelProps {
  /** Service name, a DNS-1123 label of at most 40 characters. @default the construct id */
  readonly name?: string;
  /** The model URI (`models:/name@alias`, `models:/name/3`, `s3://…`) when there is one variant. Give this or `variants`. */
  readonly model?: string;
  /** Several model versions: canary, A/B, shadow. The first is the primary. @default [{ name: "main", model }] */
  readonly variants?: readonly OnlineVariant[];
  /** Serving backend. @default "kserve" */
  readonly backend?: OnlineBackend;
  /** `online` keeps at least one replica; `queue-worker` (scaled by a queue) may scale to zero. @default "online" */
  readonly role?: 'online' | 'queue-worker';
  /** Requests and limits of the model server. @default { cpu: "500m", memory: "1Gi" } */
  readonly resources?: ResourceSpec;
  /** GPUs from a GpuNodePool of the platform. @default - no GPU */
  readonly gpu?: { readonly pool: string; readonly count?: number };
  /** Fixed replicas, instead of autoscaling. @default - autoscaling */
  readonly replicas?: number;
  /** Autoscaling. @default { minReplicas: 2, maxReplicas: 4, cpuUtilization: 70 } unless `replicas` is set */
  readonly autoscaling?: OnlineAutoscaling;
  /** Server image override (must contain MLServer with the MLflow runtime). @default - the backend's pinned MLServer image */
  readonly image?: string;
  /** Secret with `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` for `s3://` models on the deployment backend. @default the platform's `objectStore.credentialsSecret` */
  readonly s3CredentialsSecret?: string;
  /** Prometheus scraping. @default { interval: "30s", labels: {} } */
  readonly monitoring?: { readonly interval?: string; readonly labels?: Readonly<Record<string, string>> };
  /** Options for the `kserve` backend (only with that backend). @default {} */
  readonly kserve?: KServeOptions;
  /** Options for the `seldon` backend (only with that backend). @default {} */
  readonly seldon?: SeldonOptions;
  /** Options for the `deployment` backend (only with that backend). @default {} */
  readonly deployment?: DeploymentOptions;
}

const PROP_KEYS = [
  'name',
  'model',
  'variants',
  'backend',
  'role',
  'resources',
  'gpu',
  'replicas',
  'autoscaling',
  'image',
  's3CredentialsSecret',
  'monitoring',
  'kserve',
  'seldon',
  'deployment',
];
const BACKEND_OPTION_KEYS: Record<OnlineBackend, string[]> = {
  kserve: ['modelFormatVersion', 'runtime', 'storageSecret'],
  seldon: ['rcloneSecret'],
  deployment: ['gateway', 'hostnames'],
};
const AUTOSCALING_KEYS = ['minReplicas', 'maxReplicas', 'cpuUtilization', 'memoryUtilization', 'rabbitmq'];
const MODEL_URI =
  /^(models:\/[A-Za-z0-9][A-Za-z0-9._ -]*(\/\d+|@[A-Za-z0-9_-]+|\/[A-Za-z][A-Za-z0-9_-]*)|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S+)$/;

/**
 * A model served online (seeds 001, 003, 004): one typed definition on KServe (default, Standard
 * mode, MLflow format on the v2 protocol), Seldon Core v1 (`MLFLOW_SERVER` on v2, pinned to the
 * Apache-2.0 release 1.17.1) or a plain Deployment running MLServer with its MLflow runtime.
 *
 * Every backend gets requests and limits, GPU placement on a pool, probes on MLServer's health
 * endpoints, zero-downtime rolling updates, a PodDisruptionBudget, spread across nodes, Prometheus
 * scraping of MLServer's metrics port, MLFLOW_TRACKING_URI (so `models:/` URIs resolve) and
 * credentials by Secret reference only; one autoscaler (HPA or KEDA); and canary, A/B and shadow
 * rollouts in the backend's own terms. Invalid input fails before any object is created.
 *
 * @example
 * new OnlineModel(models, 'fraud', { model: 'models:/fraud@champion', backend: 'deployment' });
 */
export class OnlineModel extends Construct {
  /** The service name. */
  public readonly name: string;
  /** The backend. */
  public readonly backend: OnlineBackend;
  /** The resolved definition the backend rendered. */
  public readonly spec: ResolvedOnlineModel;
  /** In-cluster base URL of the primary variant's REST endpoint (v2 protocol). */
  public readonly url: string;

  /**
   * Where a client inside the cluster reaches one variant over REST (v2 protocol): the base URL and
   * the model name in `/v2/models/<name>/infer`. @param variant the variant name; the primary when omitted
   */
  public endpoint(variant?: string): OnlineEndpoint {
    const s = this.spec;
    const v = variant === undefined ? s.variants[0] : s.variants.find((x) => x.name === variant);
    if (!v)
      throw new Error(
        `OnlineModel "${this.node.id}": has no variant "${variant}" (variants: ${s.variants.map((x) => x.name).join(', ')}). Fix: name one of them.`,
      );
    const svc = (name: string) => `${name}.${s.namespace}.svc.cluster.local`;
    if (s.backend === 'deployment') return { url: `http://${svc(v.objectName)}:${MLSERVER_PORTS.http}`, modelName: servedModelName(s) };
    if (s.backend === 'seldon') return { url: `http://${svc(`${s.name}-${v.name}`)}:8000`, modelName: SELDON_GRAPH_NODE };
    if (!v.primary)
      throw new Error(
        `OnlineModel "${this.node.id}": KServe canary "${v.name}" has no Service of its own to test. Fix: test the primary (omit the variant).`,
      );
    return { url: `http://${svc(`${s.name}-predictor`)}`, modelName: servedModelName(s) };
  }

  constructor(scope: Construct, id: string, props: OnlineModelProps) {
    super(scope, id);
    const chart = findTeamModels(this, 'OnlineModel');
    const v = new Validator('OnlineModel', id);
    const spec = resolve(v, id, props, chart);
    v.done();
    chart.registerModel({ name: spec.name, kind: 'OnlineModel', id, construct: this });
    for (const x of spec.variants) if (!x.primary) chart.claimName(x.objectName, { kind: 'OnlineModel', id });
    this.name = spec.name;
    this.backend = spec.backend;
    this.spec = spec;
    if (spec.backend === 'deployment') renderDeploymentBackend(this, spec);
    else if (spec.backend === 'kserve') renderKServeBackend(this, spec);
    else renderSeldonBackend(this, spec);
    this.url = this.endpoint().url;
  }
}

function resolve(v: Validator, id: string, props: OnlineModelProps, chart: TeamModels): ResolvedOnlineModel {
  if (!isObj(props)) {
    v.fail('props', props, 'must be an object', 'pass { model: "models:/name@alias" }');
    return undefined as never;
  }
  for (const k of Object.keys(props))
    v.check(PROP_KEYS.includes(k), k, k, 'is not an OnlineModel option', `use only ${PROP_KEYS.join(', ')}`);
  const name = props.name ?? id;
  checkName(v, 'name', name, 40);
  const backend = props.backend ?? 'kserve';
  const backendOk = v.check(
    ONLINE_BACKENDS.includes(backend),
    'backend',
    backend,
    'is not a serving backend',
    `use one of ${ONLINE_BACKENDS.join(', ')}`,
  );
  // Options for a backend that is not selected, or unknown options for the selected one.
  for (const b of ONLINE_BACKENDS) {
    const opts = props[b];
    if (opts === undefined) continue;
    if (!v.check(isObj(opts), b, opts, 'must be an object of backend options', `write e.g. ${b}: {}`)) continue;
    if (backendOk && b !== backend) {
      v.fail(b, opts, `gives options for the "${b}" backend but the backend is "${backend}"`, `remove \`${b}\`, or set backend: "${b}"`);
      continue;
    }
    for (const k of Object.keys(opts)) {
      v.check(
        BACKEND_OPTION_KEYS[b].includes(k),
        `${b}.${k}`,
        k,
        `is not an option of the "${b}" backend`,
        `use only ${BACKEND_OPTION_KEYS[b].join(', ')}`,
      );
    }
  }
  const role = props.role ?? 'online';
  v.check(
    role === 'online' || role === 'queue-worker',
    'role',
    role,
    'must be "online" or "queue-worker"',
    'use "online" for request/response services',
  );

  // Variants.
  let variantsIn: readonly OnlineVariant[] = [];
  if (props.model !== undefined && props.variants !== undefined) {
    v.fail(
      'model',
      props.model,
      'is given together with `variants`',
      'give the model URI on each variant and drop `model`, or drop `variants`',
    );
  } else if (props.variants !== undefined) {
    if (
      v.check(
        Array.isArray(props.variants),
        'variants',
        props.variants,
        'must be a list',
        'write variants: [{ name: "stable", model: "models:/fraud@champion" }]',
      )
    )
      variantsIn = props.variants;
  } else if (props.model !== undefined) {
    variantsIn = [{ name: 'main', model: props.model }];
  } else {
    v.fail('model', undefined, 'is missing', 'give the MLflow model URI, e.g. model: "models:/fraud@champion"');
  }
  const split = variantsIn.length > 0 ? checkVariants(v, props.variants ? 'variants' : 'model', variantsIn) : undefined;
  variantsIn.forEach((x, i) => {
    if (!isObj(x)) return;
    const field = props.variants ? `variants[${i}].model` : 'model';
    if (
      !v.check(
        typeof x.model === 'string' && MODEL_URI.test(x.model),
        field,
        x.model,
        'is not a model URI modelplane can serve',
        'use "models:/<name>@<alias>", "models:/<name>/<version>" or "s3://<bucket>/<path to the MLflow model directory>"',
      )
    )
      return;
    if (backend === 'seldon') {
      v.check(
        x.model.startsWith('s3://'),
        field,
        x.model,
        "is a models:/ URI, which Seldon's rclone storage initializer cannot download",
        'give the model version\'s artifact location, e.g. "s3://mlflow/mlflow/1/<run id>/artifacts/model", or use backend "kserve" or "deployment"',
      );
    }
  });
  let variants: ResolvedVariant[] = [];
  if (split && typeof name === 'string') {
    let liveIndex = 0;
    variants = variantsIn.map((x, i) => ({
      name: x.name,
      model: x.model,
      shadow: x.shadow === true,
      traffic: x.shadow === true ? 0 : split[liveIndex++],
      primary: i === 0,
      objectName: i === 0 ? name : `${name}-${x.name}`,
    }));
    for (const x of variants) checkName(v, props.variants ? `variants[${variants.indexOf(x)}].name` : 'name', x.objectName);
  }
  if (backend === 'kserve' && variants.some((x) => x.shadow)) {
    v.fail(
      'variants',
      variants.filter((x) => x.shadow).map((x) => x.name),
      'has a shadow variant, but KServe has no native traffic mirroring',
      'use backend "seldon" (shadow predictor) or "deployment" (Gateway API RequestMirror), or drop the shadow',
    );
  }
  if (variants.length > 1 && role === 'queue-worker') {
    v.fail(
      'variants',
      variants.map((x) => x.name),
      'splits traffic for a queue worker, which takes no request traffic',
      'use one variant for a queue worker',
    );
  }

  // Resources and GPU.
  const resources = props.resources ?? { cpu: '500m', memory: '1Gi' };
  if (v.check(isObj(resources), 'resources', resources, 'must be { cpu, memory }', 'write e.g. { cpu: "1", memory: "2Gi" }')) {
    checkQuantity(v, 'resources.cpu', resources.cpu, '500m');
    checkQuantity(v, 'resources.memory', resources.memory, '1Gi');
    if (resources.cpuLimit !== undefined)
      checkQuantity(v, 'resources.cpuLimit', resources.cpuLimit, '2') &&
        checkLimitAtLeastRequest(v, 'resources.cpuLimit', resources.cpuLimit, 'resources.cpu', resources.cpu);
    if (resources.ephemeralStorage !== undefined) checkQuantity(v, 'resources.ephemeralStorage', resources.ephemeralStorage, '2Gi');
  }
  let gpu: ResolvedOnlineModel['gpu'];
  if (props.gpu !== undefined) {
    if (v.check(isObj(props.gpu), 'gpu', props.gpu, 'must be { pool, count? }', 'write e.g. gpu: { pool: "gpu", count: 1 }')) {
      const count = props.gpu.count ?? 1;
      v.check(
        Number.isInteger(count) && count >= 1 && count <= 16,
        'gpu.count',
        count,
        'must be a whole number from 1 to 16',
        'set e.g. count: 1',
      );
      const known = chart.platform.gpuPools.map((p) => p.name);
      const pool = typeof props.gpu.pool === 'string' ? chart.gpuPool(props.gpu.pool) : undefined;
      if (
        v.check(
          pool !== undefined,
          'gpu.pool',
          props.gpu.pool,
          known.length > 0
            ? `is not a GPU pool of this platform (pools: ${known.join(', ')})`
            : 'names a GPU pool, but the platform has no GPU pools; a GPU without a pool has no node to run on',
          known.length > 0 ? `use one of ${known.join(', ')}` : 'add a pool to the platform (gpuPools: [{ name: "gpu" }]) or remove `gpu`',
        )
      ) {
        gpu = { pool: pool!, count };
      }
    }
  }

  // Replicas and the one autoscaler.
  let replicas = 2;
  let autoscaling: ResolvedHpa | ResolvedKeda | undefined;
  const minFloor = role === 'queue-worker' ? 0 : 1;
  if (props.replicas !== undefined && props.autoscaling !== undefined) {
    v.fail(
      'replicas',
      props.replicas,
      'is given together with `autoscaling`; an autoscaler owns the replica count',
      'drop `replicas` (set autoscaling.minReplicas) or drop `autoscaling`',
    );
  } else if (props.replicas !== undefined) {
    replicas = props.replicas;
    v.check(
      Number.isInteger(replicas) && replicas >= minFloor && replicas <= 1000,
      'replicas',
      replicas,
      `must be a whole number from ${minFloor} to 1000`,
      'set e.g. replicas: 2',
    );
    v.check(
      role !== 'queue-worker',
      'replicas',
      replicas,
      'is fixed for a queue worker, which is scaled by its queue',
      'set autoscaling.rabbitmq instead',
    );
  } else {
    autoscaling = resolveAutoscaling(v, props.autoscaling, role, minFloor);
  }
  if (autoscaling?.kind === 'keda') {
    const scaledNames = backend === 'kserve' ? [`${name}-predictor`] : variants.map((x) => x.objectName);
    for (const n of scaledNames) {
      v.check(
        n.length <= KEDA_MAX_NAME,
        props.name !== undefined ? 'name' : 'id',
        n,
        `gives a KEDA ScaledObject name of ${n.length} characters; KEDA rejects names over ${KEDA_MAX_NAME}`,
        `shorten the model (and variant) name so "${n}" fits in ${KEDA_MAX_NAME} characters`,
      );
    }
  }
  if (role === 'queue-worker') {
    v.check(
      autoscaling?.kind === 'keda',
      'role',
      role,
      'is "queue-worker" but no queue scaler is set',
      'set autoscaling.rabbitmq with the queue the worker consumes',
    );
  }
  if (backend === 'kserve' && variants.length > 1 && autoscaling?.kind === 'keda') {
    v.fail(
      'autoscaling.rabbitmq',
      props.autoscaling?.rabbitmq?.queueName,
      'scales a KServe service with canaries on a queue; KServe canaries run fixed replicas and the ScaledObject can only target the primary',
      'use HPA scaling (cpuUtilization) with canaries, or one variant',
    );
  }

  // Images, secrets, monitoring.
  if (props.image !== undefined) checkImage(v, 'image', props.image);
  const s3CredentialsSecret = props.s3CredentialsSecret ?? chart.platform.objectStore.credentialsSecret;
  const secretName = (field: string, value: unknown) => {
    const p = dnsSubdomainProblem(value);
    return v.check(
      p === undefined,
      field,
      value,
      p ?? '',
      'name an existing Secret in the team namespace (credentials are only ever referenced, never written)',
    );
  };
  secretName('s3CredentialsSecret', s3CredentialsSecret);
  const kserveOpts = props.kserve ?? {};
  const modelFormatVersion = kserveOpts.modelFormatVersion ?? '2';
  v.check(
    typeof modelFormatVersion === 'string' && /^\d+$/.test(modelFormatVersion),
    'kserve.modelFormatVersion',
    modelFormatVersion,
    'must be a major version string',
    'use "2" (KServe\'s MLServer runtime supports MLflow "1" and "2")',
  );
  if (kserveOpts.runtime !== undefined) checkName(v, 'kserve.runtime', kserveOpts.runtime);
  if (kserveOpts.storageSecret !== undefined) secretName('kserve.storageSecret', kserveOpts.storageSecret);
  const rcloneSecret = props.seldon?.rcloneSecret ?? 'modelplane-s3-rclone';
  secretName('seldon.rcloneSecret', rcloneSecret);
  const gwIn = props.deployment?.gateway ?? { name: 'modelplane' };
  const gateway = { name: gwIn.name, namespace: gwIn.namespace ?? chart.platform.platformNamespace, sectionName: gwIn.sectionName };
  checkName(v, 'deployment.gateway.name', gateway.name);
  checkName(v, 'deployment.gateway.namespace', gateway.namespace);
  if (gateway.sectionName !== undefined) checkName(v, 'deployment.gateway.sectionName', gateway.sectionName);
  const hostnames = [...(props.deployment?.hostnames ?? [])];
  hostnames.forEach((h, i) => {
    const p = dnsSubdomainProblem(h);
    v.check(p === undefined, `deployment.hostnames[${i}]`, h, p ?? '', 'give a host name such as "fraud.models.example.com"');
  });
  const mon = props.monitoring ?? {};
  const scrapeInterval = mon.interval ?? '30s';
  v.check(
    /^\d+(s|m)$/.test(scrapeInterval),
    'monitoring.interval',
    scrapeInterval,
    'is not a Prometheus duration',
    'write e.g. "30s" or "1m"',
  );
  const monitorLabels = { ...(mon.labels ?? {}) };
  for (const [k, val] of Object.entries(monitorLabels)) {
    v.check(
      /^([a-z0-9.-]+\/)?[A-Za-z0-9._-]{1,63}$/.test(k) && /^[A-Za-z0-9._-]{0,63}$/.test(String(val)),
      `monitoring.labels.${k}`,
      val,
      'is not a valid label',
      'write e.g. { release: "prometheus" }',
    );
  }

  return {
    name,
    namespace: chart.team,
    team: chart.team,
    backend,
    role,
    variants,
    resources,
    gpu,
    replicas,
    autoscaling,
    platform: chart.platform,
    s3CredentialsSecret,
    scrapeInterval,
    monitorLabels: sortRecord(monitorLabels),
    image: props.image,
    kserve: { modelFormatVersion, runtime: kserveOpts.runtime, storageSecret: kserveOpts.storageSecret },
    seldon: { rcloneSecret },
    deployment: { gateway, hostnames },
  };
}

function resolveAutoscaling(
  v: Validator,
  a: OnlineAutoscaling | undefined,
  role: string,
  minFloor: number,
): ResolvedHpa | ResolvedKeda | undefined {
  if (a === undefined) return { kind: 'hpa', minReplicas: 2, maxReplicas: 4, cpuUtilization: 70 };
  if (!v.check(isObj(a), 'autoscaling', a, 'must be an object', 'write e.g. { minReplicas: 2, maxReplicas: 6, cpuUtilization: 70 }'))
    return undefined;
  for (const k of Object.keys(a))
    v.check(AUTOSCALING_KEYS.includes(k), `autoscaling.${k}`, k, 'is not an autoscaling option', `use only ${AUTOSCALING_KEYS.join(', ')}`);
  const min = a.minReplicas ?? (role === 'queue-worker' ? 0 : 2);
  const max = a.maxReplicas;
  let ok = v.check(
    Number.isInteger(min) && min >= minFloor,
    'autoscaling.minReplicas',
    min,
    role === 'queue-worker'
      ? 'must be a whole number, 0 or more'
      : 'must be at least 1: an online service keeps a replica to answer requests (only queue workers may scale to zero)',
    role === 'queue-worker' ? 'set e.g. 0' : 'set minReplicas to 1 or more, or use role "queue-worker" with a queue scaler',
  );
  ok =
    v.check(
      Number.isInteger(max) && max >= 1 && max <= 1000,
      'autoscaling.maxReplicas',
      max,
      'must be a whole number from 1 to 1000',
      'set e.g. maxReplicas: 6',
    ) && ok;
  if (ok)
    ok =
      v.check(min <= max, 'autoscaling.minReplicas', min, `is greater than maxReplicas (${max})`, 'make minReplicas at most maxReplicas') &&
      ok;
  const pct = (field: string, x: unknown) =>
    x === undefined ||
    v.check(
      Number.isInteger(x) && (x as number) >= 1 && (x as number) <= 100,
      `autoscaling.${field}`,
      x,
      'must be a whole percentage from 1 to 100',
      'write e.g. 70',
    );
  ok = pct('cpuUtilization', a.cpuUtilization) && ok;
  ok = pct('memoryUtilization', a.memoryUtilization) && ok;
  if (a.rabbitmq !== undefined) {
    if (a.cpuUtilization !== undefined || a.memoryUtilization !== undefined) {
      v.fail(
        'autoscaling',
        Object.keys(a).filter((k) => k !== 'minReplicas' && k !== 'maxReplicas'),
        "sets two scalers (an HPA on CPU/memory and KEDA on a queue) for one workload; they would fight over the replica count and KEDA's webhook rejects it",
        'keep either rabbitmq, or cpuUtilization/memoryUtilization',
      );
      return undefined;
    }
    const r = a.rabbitmq;
    if (
      !v.check(
        isObj(r),
        'autoscaling.rabbitmq',
        r,
        'must be an object',
        'write e.g. { queueName: "jobs", hostSecret: { name: "rabbitmq", key: "url" } }',
      )
    )
      return undefined;
    ok =
      v.check(
        typeof r.queueName === 'string' && /^[A-Za-z0-9._:-]{1,255}$/.test(r.queueName),
        'autoscaling.rabbitmq.queueName',
        r.queueName,
        'is not a queue name',
        'write e.g. "translation-jobs"',
      ) && ok;
    ok = checkSecretRef(v, 'autoscaling.rabbitmq.hostSecret', r.hostSecret) && ok;
    const messages = r.messagesPerReplica ?? 20;
    ok =
      v.check(
        Number.isInteger(messages) && messages >= 1,
        'autoscaling.rabbitmq.messagesPerReplica',
        messages,
        'must be a whole number, 1 or more',
        'set e.g. 20',
      ) && ok;
    const activation = r.activationMessages ?? 0;
    ok =
      v.check(
        Number.isInteger(activation) && activation >= 0,
        'autoscaling.rabbitmq.activationMessages',
        activation,
        'must be a whole number, 0 or more',
        'set e.g. 0',
      ) && ok;
    const protocol = r.protocol ?? 'amqp';
    ok =
      v.check(
        protocol === 'amqp' || protocol === 'http',
        'autoscaling.rabbitmq.protocol',
        protocol,
        'must be "amqp" or "http"',
        'use "http" to count unacknowledged messages too',
      ) && ok;
    const polling = r.pollingInterval ?? 30;
    const cooldown = r.cooldownPeriod ?? 300;
    ok =
      v.check(
        Number.isInteger(polling) && polling >= 1,
        'autoscaling.rabbitmq.pollingInterval',
        polling,
        'must be a whole number of seconds',
        'set e.g. 30',
      ) && ok;
    ok =
      v.check(
        Number.isInteger(cooldown) && cooldown >= 0,
        'autoscaling.rabbitmq.cooldownPeriod',
        cooldown,
        'must be a whole number of seconds',
        'set e.g. 300',
      ) && ok;
    if (r.vhostName !== undefined)
      ok =
        v.check(
          typeof r.vhostName === 'string' && r.vhostName.length > 0,
          'autoscaling.rabbitmq.vhostName',
          r.vhostName,
          'must be a non-empty string',
          'write e.g. "/"',
        ) && ok;
    if (!ok) return undefined;
    return {
      kind: 'keda',
      minReplicas: min,
      maxReplicas: max,
      queueName: r.queueName,
      hostSecret: { name: r.hostSecret.name, key: r.hostSecret.key },
      messagesPerReplica: messages,
      activationMessages: activation,
      protocol,
      vhostName: r.vhostName,
      pollingInterval: polling,
      cooldownPeriod: cooldown,
    };
  }
  if (!ok) return undefined;
  if (role === 'queue-worker') return { kind: 'hpa', minReplicas: Math.max(min, 1), maxReplicas: max, cpuUtilization: a.cpuUtilization };
  const cpu = a.cpuUtilization ?? (a.memoryUtilization === undefined ? 70 : undefined);
  return { kind: 'hpa', minReplicas: min, maxReplicas: max, cpuUtilization: cpu, memoryUtilization: a.memoryUtilization };
}

function sortRecord(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(r)
      .sort()
      .map((k) => [k, r[k]]),
  );
}

/** isRecord without type narrowing: props keep their declared types after the check. */
function isObj(x: unknown): boolean {
  return isRecord(x);
}

/** The TeamModels chart of a model construct (kept for callers; TeamModels.find is brand-checked). */
export function findTeamModels(construct: Construct, kind: string): TeamModels {
  return TeamModels.find(construct, kind);
}
