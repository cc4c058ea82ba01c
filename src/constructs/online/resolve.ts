/**
 * resolveOnlineModel: every check and default of an online model, as a pure function of its id, its
 * props and where it runs (the team and the platform). It returns the resolved model every backend
 * renders, or every problem found; it creates nothing. Backend-specific rules come from the backend
 * itself (./backends), through the {@link ServingBackend} interface.
 */
import { checkOperatorInstalled, PlatformContext } from '../../core/context';
import { Resolution, Validator } from '../../core/errors';
import { prop, words } from '../../core/words';
import { sortedRecord } from '../../core/records';
import type { ResourceSpec } from '../../core/security';
import { checkGpusFit } from '../../core/gpu';
import { checkImage, checkName, checkResourceSpec } from '../../core/validate';
import type { BackendOptions, ServingBackend } from './backend';
import { SERVING_BACKENDS, servingBackend } from './backends';
import { checkKnownKeys, checkPlainText, checkSecretName, isObj } from './checks';
import type { OnlineModelProps } from './props';
import { resolveModelFormat } from './resolve-format';
import { checkScalerFits, resolveScaling, ScalerFit } from './resolve-scaling';
import { checkVariants, OnlineVariant } from './rollouts';
import { ONLINE_BACKENDS, OnlineBackend, ResolvedOnlineModel, ResolvedVariant } from './spec';
import type { TeamContext } from './team';

/** Where an online model runs: its team (the namespace) and the platform, plain data from its TeamModels chart. */
export type OnlineModelContext = TeamContext;

const PROP_KEYS = [
  'name',
  'model',
  'variants',
  'backend',
  'format',
  'role',
  'resources',
  'gpu',
  'replicas',
  'autoscaling',
  'image',
  's3CredentialsSecret',
  'monitoring',
  ...ONLINE_BACKENDS,
];

/** The model URIs modelplane can serve: an MLflow registry version or alias, or an MLflow model directory on S3. */
export const MODEL_URI =
  /^(models:\/[A-Za-z0-9][A-Za-z0-9._ -]*(\/\d+|@[A-Za-z0-9_-]+|\/[A-Za-z][A-Za-z0-9_-]*)|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S+)$/;

/**
 * Checks and defaults the props of OnlineModel `id` running in `context`: the resolved model, or
 * every problem found (in the order the fields are checked).
 */
export function resolveOnlineModel(id: string, props: OnlineModelProps, context: OnlineModelContext): Resolution<ResolvedOnlineModel> {
  const v = new Validator('OnlineModel', id);
  if (!isObj(props)) {
    v.fail('props', props, 'must be an object', 'pass { model: "models:/name@alias" }');
    return v.result<ResolvedOnlineModel>(() => undefined as never);
  }
  const spec = resolveProps(v, id, props, context);
  return v.result(() => spec);
}

function resolveProps(v: Validator, id: string, props: OnlineModelProps, context: OnlineModelContext): ResolvedOnlineModel {
  checkKnownKeys(v, '', props, PROP_KEYS, 'is not an OnlineModel option');
  const name = props.name ?? id;
  checkName(v, 'name', name, 40);
  const backend = props.backend ?? 'kserve';
  const serving = checkBackend(v, backend, props);
  const role = props.role ?? 'online';
  v.check(
    role === 'online' || role === 'queue-worker',
    'role',
    role,
    'must be "online" or "queue-worker"',
    'use "online" for request/response services',
  );
  const variants = resolveVariants(v, props, name, serving);
  serving?.checkVariants?.(v, variants);
  const uris = variants.map((x, i) => ({ field: props.variants ? `variants[${i}].model` : 'model', uri: x.model }));
  const format = resolveModelFormat(v, props.format, serving, uris, SERVING_BACKENDS);
  if (variants.length > 1 && role === 'queue-worker') {
    const names = variants.map((x) => x.name);
    v.fail('variants', names, 'splits traffic for a queue worker, which takes no request traffic', 'use one variant for a queue worker');
  }
  const resources = resolveResources(v, props.resources);
  const gpu = resolveGpu(v, props.gpu, context.platform);
  const { replicas, autoscaling } = resolveScaling(v, props, role);
  checkOperators(v, props, { serving, autoscaling }, context.platform);
  checkRouteGateway(v, props, variants, context.platform);
  checkScalerFits(v, props, { name, role, variants, autoscaling, serving });
  if (props.image !== undefined) checkImage(v, 'image', props.image);
  const s3CredentialsSecret = props.s3CredentialsSecret ?? context.platform.objectStore.credentialsSecret;
  checkSecretName(v, 's3CredentialsSecret', s3CredentialsSecret);
  const options = resolveBackendOptions(v, props, context.platform);
  const monitoring = resolveMonitoring(v, props.monitoring ?? {});
  return {
    name,
    namespace: context.team,
    team: context.team,
    backend,
    format,
    role,
    variants,
    resources,
    gpu,
    replicas,
    autoscaling,
    platform: context.platform,
    s3CredentialsSecret,
    ...monitoring,
    monitors: emitsMonitors(context.platform),
    image: props.image,
    ...options,
  };
}

/**
 * Several variants of a `deployment` or `kserve` model are split by an HTTPRoute on the platform's Gateway, which
 * Envoy Gateway provides (a `deployment` model may name a Gateway of its own instead).
 */
function checkRouteGateway(v: Validator, props: OnlineModelProps, variants: readonly ResolvedVariant[], platform: PlatformContext): void {
  if (variants.length <= 1) return;
  const backend = props.backend ?? 'kserve';
  const names = variants.map((x) => x.name);
  if (backend === 'deployment' && props.deployment?.gateway === undefined)
    checkOperatorInstalled(
      v,
      'variants',
      names,
      platform,
      'envoyGateway',
      words`set ${prop('deployment.gateway')} to a Gateway of your own (and declare it in the platform file's prerequisites)`,
    );
  if (backend === 'kserve')
    checkOperatorInstalled(
      v,
      'variants',
      names,
      platform,
      'envoyGateway',
      words`serve one variant, or use ${prop('backend', 'deployment')} with ${prop('deployment.gateway')} set to a Gateway of your own (and declared in the platform file's prerequisites)`,
    );
}

/**
 * Monitors (Prometheus Operator ServiceMonitor/PodMonitor) are emitted when the platform installs the
 * Prometheus Operator, or when the platform is not known (a team's chart synthesized alone): on a platform
 * without it their kinds have no CRD and `kubectl apply` fails, so none are emitted there.
 */
export function emitsMonitors(platform: PlatformContext): boolean {
  return platform.installedOperators === undefined || platform.installedOperators.includes('prometheus');
}

/** The platform installs the operators the model's objects need: its backend's, and KEDA for a queue scaler. */
function checkOperators(
  v: Validator,
  props: OnlineModelProps,
  uses: Pick<ScalerFit, 'serving' | 'autoscaling'>,
  platform: PlatformContext,
): void {
  const { serving, autoscaling } = uses;
  if (serving?.operator) {
    const other = words`choose another backend (${prop('backend', 'deployment')} needs no operator)`;
    checkOperatorInstalled(v, 'backend', serving.name, platform, serving.operator, other);
  }
  if (autoscaling?.kind === 'keda') {
    const other = words`scale on CPU through an HPA instead (${prop('autoscaling.cpuUtilization')})`;
    checkOperatorInstalled(v, 'autoscaling.rabbitmq', props.autoscaling?.rabbitmq, platform, 'keda', other);
  }
}

/** The backend is one of the registry's, and backend options are given for it only, with its own keys. */
function checkBackend(v: Validator, backend: unknown, props: OnlineModelProps): ServingBackend | undefined {
  const serving = servingBackend(backend);
  v.check(serving !== undefined, 'backend', backend, 'is not a serving backend', `use one of ${ONLINE_BACKENDS.join(', ')}`);
  for (const b of ONLINE_BACKENDS) checkBackendOptions(v, b, props[b], serving);
  return serving;
}

function checkBackendOptions(v: Validator, b: OnlineBackend, opts: object | undefined, selected: ServingBackend | undefined): void {
  if (opts === undefined) return;
  if (!v.check(isObj(opts), b, opts, 'must be an object of backend options', `write e.g. ${b}: {}`)) return;
  if (selected !== undefined && b !== selected.name) {
    v.fail(
      b,
      opts,
      words`gives options for the "${b}" backend but ${prop('backend')} is "${selected.name}"`,
      words`remove ${prop(b)}, or set ${prop('backend', b)}`,
    );
    return;
  }
  checkKnownKeys(v, b, opts, SERVING_BACKENDS[b].optionKeys, `is not an option of the "${b}" backend`);
}

/** The variants as given: `variants`, or the one `model` as variant "main"; never both, never neither. */
function givenVariants(v: Validator, props: OnlineModelProps): readonly OnlineVariant[] {
  if (props.model !== undefined && props.variants !== undefined) {
    v.fail(
      'model',
      props.model,
      'is given together with `variants`',
      'give the model URI on each variant and drop `model`, or drop `variants`',
    );
    return [];
  }
  if (props.variants !== undefined) {
    const example = 'write variants: [{ name: "stable", model: "models:/fraud@champion" }]';
    return v.check(Array.isArray(props.variants), 'variants', props.variants, 'must be a list', example) ? props.variants : [];
  }
  if (props.model !== undefined) return [{ name: 'main', model: props.model }];
  v.fail('model', undefined, 'is missing', 'give the MLflow model URI, e.g. model: "models:/fraud@champion"');
  return [];
}

/** The variants with their traffic split, model URIs and object names checked (none when the split is invalid). */
function resolveVariants(v: Validator, props: OnlineModelProps, name: string, serving: ServingBackend | undefined): ResolvedVariant[] {
  const given = givenVariants(v, props);
  // An empty `variants` list is checked too (and refused as empty), not only a list with entries.
  const listed = props.model === undefined && Array.isArray(props.variants);
  const split = given.length > 0 || listed ? checkVariants(v, props.variants ? 'variants' : 'model', given) : undefined;
  given.forEach((x, i) => checkModelUri(v, props.variants ? `variants[${i}].model` : 'model', x, serving));
  if (!split || typeof name !== 'string') return [];
  const variants = resolvedVariants(name, given, split);
  variants.forEach((x, i) => checkName(v, props.variants ? `variants[${i}].name` : 'name', x.objectName));
  return variants;
}

function checkModelUri(v: Validator, field: string, x: OnlineVariant, serving: ServingBackend | undefined): void {
  if (!isObj(x) || !checkPlainText(v, field, x.model)) return;
  const servable = v.check(
    typeof x.model === 'string' && MODEL_URI.test(x.model),
    field,
    x.model,
    'is not a model URI modelplane can serve',
    'use "models:/<name>@<alias>", "models:/<name>/<version>" or "s3://<bucket>/<path to the MLflow model directory>"',
  );
  if (servable) serving?.checkModelUri?.(v, field, x.model);
}

/**
 * The resolved variants of model `name` from valid input and its live traffic `split`: shadows take
 * 0%, the live variants the split in order; the primary's objects carry the model's name, the others `<name>-<variant>`.
 */
export function resolvedVariants(name: string, given: readonly OnlineVariant[], split: readonly number[]): ResolvedVariant[] {
  let liveIndex = 0;
  return given.map((x, i) => ({
    name: x.name,
    model: x.model,
    shadow: x.shadow === true,
    traffic: x.shadow === true ? 0 : split[liveIndex++],
    primary: i === 0,
    objectName: i === 0 ? name : `${name}-${x.name}`,
  }));
}

/** Requests and limits: quantities within Kubernetes' bounds, and a CPU limit not below the request (compared exactly). */
function resolveResources(v: Validator, given: ResourceSpec | undefined): ResourceSpec {
  const resources = given ?? { cpu: '500m', memory: '1Gi' };
  if (!v.check(isObj(resources), 'resources', resources, 'must be { cpu, memory }', 'write e.g. { cpu: "1", memory: "2Gi" }'))
    return resources;
  checkResourceSpec(v, 'resources', resources, { cpu: '500m', memory: '1Gi' });
  return resources;
}

/** GPUs on a pool the platform has, 1 to 16 per replica. */
function resolveGpu(v: Validator, gpu: OnlineModelProps['gpu'], platform: PlatformContext): ResolvedOnlineModel['gpu'] {
  if (gpu === undefined) return undefined;
  if (!v.check(isObj(gpu), 'gpu', gpu, 'must be { pool, count? }', 'write e.g. gpu: { pool: "gpu", count: 1 }')) return undefined;
  const count = gpu.count ?? 1;
  const countOk = Number.isInteger(count) && count >= 1 && count <= 16;
  v.check(countOk, 'gpu.count', count, 'must be a whole number from 1 to 16', 'set e.g. count: 1');
  const known = platform.gpuPools.map((p) => p.name);
  const pool = typeof gpu.pool === 'string' ? platform.gpuPools.find((p) => p.name === gpu.pool) : undefined;
  const found = v.check(
    pool !== undefined,
    'gpu.pool',
    gpu.pool,
    known.length > 0
      ? `is not a GPU pool of this platform (pools: ${known.join(', ')})`
      : 'names a GPU pool, but the platform has no GPU pools; a GPU without a pool has no node to run on',
    known.length > 0 ? `use one of ${known.join(', ')}` : 'add a pool to the platform (gpuPools: [{ name: "gpu" }]) or remove `gpu`',
  );
  if (!found || !countOk || !checkGpusFit(v, 'gpu.count', count, pool!)) return undefined;
  return { pool: pool!, count };
}

/** Every backend's options, each checked and defaulted by the backend itself (in registry order). */
function resolveBackendOptions(v: Validator, props: OnlineModelProps, platform: PlatformContext): BackendOptions {
  return Object.assign({}, ...ONLINE_BACKENDS.map((b) => SERVING_BACKENDS[b].resolveOptions(v, props, platform))) as BackendOptions;
}

const LABEL_KEY = /^([a-z0-9.-]+\/)?[A-Za-z0-9._-]{1,63}$/;
const LABEL_VALUE = /^[A-Za-z0-9._-]{0,63}$/;

/** The scrape interval (a Prometheus duration) and the extra monitor labels, sorted. */
function resolveMonitoring(
  v: Validator,
  mon: NonNullable<OnlineModelProps['monitoring']>,
): Pick<ResolvedOnlineModel, 'scrapeInterval' | 'monitorLabels'> {
  const scrapeInterval = mon.interval ?? '30s';
  v.check(
    /^\d+(s|m)$/.test(scrapeInterval),
    'monitoring.interval',
    scrapeInterval,
    'is not a Prometheus duration',
    'write e.g. "30s" or "1m"',
  );
  const labels = { ...(mon.labels ?? {}) };
  for (const [k, val] of Object.entries(labels)) {
    const valid = LABEL_KEY.test(k) && LABEL_VALUE.test(String(val));
    v.check(valid, `monitoring.labels.${k}`, val, 'is not a valid label', 'write e.g. { release: "prometheus" }');
  }
  return { scrapeInterval, monitorLabels: sortedRecord(labels) };
}
