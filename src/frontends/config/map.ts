/**
 * The mapping from `modelplane.yaml` entries onto the constructs' props: one small function per
 * entry type. Nothing here renders Kubernetes objects; the constructs do, exactly as for TypeScript
 * users.
 */
import type { Construct } from 'constructs';
import { Cascade, CascadeProps } from '../../constructs/batch/cascade';
import { ModelTest } from '../../constructs/online/model-test';
import { OnlineModel, OnlineModelProps, OnlineVariant } from '../../constructs/online/online-model';
import { RetroTest, RetroTestProps } from '../../constructs/online/retro-test';
import { ModelplaneValidationError } from '../../core/errors';
import { SparkBatchModel, SparkBatchModelProps } from '../../constructs/batch/spark-batch-model';
import { suggestName } from '../../core/validate';
import type { TeamModels } from '../../constructs/team-models';
import { FieldPath, parsePath } from './source';
import type { BatchModelConfig, CascadeConfig, OnlineModelConfig, ResourcesConfig, RetroTestConfig } from './types';

/** What a mapping may look at besides its own entry. */
export interface MapContext {
  /** Models built so far, by name (cascades find their batch models here). */
  readonly models: ReadonlyMap<string, Construct>;
}

/** How one kind of entry becomes a construct. */
export interface EntryMapping<C> {
  /** Creates the construct for one entry inside the team's chart. */
  create(chart: TeamModels, entry: C, ctx: MapContext): Construct;
  /**
   * Translates a field path of the construct's props (as its validation errors name it) into a
   * path inside the entry. @default - the same path
   */
  toFilePathFor?(entry: C, field: string): FieldPath;
}

/** A batch model entry as {@link SparkBatchModelProps}. */
export function batchModelProps(m: BatchModelConfig): SparkBatchModelProps {
  const strings = (r?: Readonly<Record<string, string | number | boolean>>) =>
    r && Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)]));
  const output = m.output;
  const hive = output?.startsWith('hive://') ? output.slice('hive://'.length) : undefined;
  const cascade =
    m.inputs !== undefined || output !== undefined
      ? compact({
          inputs: (m.inputs ?? []).map((i) => (typeof i === 'string' ? { name: inputName(i), uri: i } : i)),
          outputTable: hive,
          outputPath: hive === undefined ? output : undefined,
        })
      : undefined;
  return compact({
    name: m.name,
    image: m.image as string,
    sparkVersion: m.spark?.version as string,
    pythonEnv: { archive: m.environment as string, pythonVersion: m.python as string },
    score: m.main === undefined ? undefined : compact({ mainApplicationFile: m.main, arguments: m.args, schedule: m.schedule }),
    train:
      m.train &&
      compact({ mainApplicationFile: m.train.main, arguments: m.train.args, schedule: m.train.schedule, assets: m.train.onData }),
    cascade,
    driver: m.spark?.driver,
    executor: m.spark?.executor,
    dynamicAllocation: m.spark?.dynamicAllocation,
    sparkConf: strings(m.spark?.conf),
    hadoopConf: strings(m.spark?.hadoopConf),
    env: m.env,
    retries: m.retries,
    gpu: m.gpu,
    orchestrator: m.orchestrator,
  });
}

/** The staging name of an input: the last part of its URI as a DNS label (`hive://risk.features_daily` -> `features-daily`). */
export function inputName(uri: string): string {
  const tail =
    uri
      .replace(/[/.]+$/, '')
      .split(/[/.:]/)
      .filter((x) => x.length > 0)
      .pop() ?? 'input';
  return suggestName(tail, 63);
}

/** Where a {@link SparkBatchModelProps} field is written in a batch model entry. */
export function batchFilePath(m: BatchModelConfig, field: string): FieldPath {
  const p = parsePath(field);
  const rest = p.slice(1);
  const run = (prefix: FieldPath) => {
    if (rest[0] === 'mainApplicationFile') return [...prefix, 'main'];
    if (rest[0] === 'arguments') return [...prefix, 'args', ...rest.slice(1)];
    if (rest[0] === 'assets') return [...prefix, 'onData', ...rest.slice(1)];
    return [...prefix, ...rest];
  };
  switch (p[0]) {
    case 'sparkVersion':
      return ['spark', 'version'];
    case 'pythonEnv':
      return rest[0] === 'pythonVersion' ? ['python'] : ['environment'];
    case 'score':
      return run([]);
    case 'train':
      return m.train === undefined ? ['main'] : run(['train']);
    case 'driver':
    case 'executor':
    case 'dynamicAllocation':
      return ['spark', ...p];
    case 'sparkConf':
      return ['spark', 'conf', ...rest];
    case 'hadoopConf':
      return ['spark', 'hadoopConf', ...rest];
    case 'cascade':
      if (rest[0] === 'inputs') return ['inputs', ...rest.slice(1, 2)];
      return ['output'];
    default:
      return p;
  }
}

/** An online model entry as {@link OnlineModelProps}. */
export function onlineModelProps(m: OnlineModelConfig): OnlineModelProps {
  let variants: OnlineVariant[] | undefined;
  if (m.canary !== undefined || m.shadow !== undefined) {
    const canary = m.canary?.traffic ?? 0;
    variants = [
      { name: 'main', model: m.model as string, traffic: 100 - canary },
      ...(m.canary ? [{ name: 'canary', model: m.canary.model, traffic: canary }] : []),
      ...(m.shadow ? [{ name: 'shadow', model: m.shadow.model, shadow: true }] : []),
    ];
  } else if (m.variants !== undefined) {
    variants = m.variants.map((x) => ({ ...x }));
  }
  const range = typeof m.replicas === 'object' ? m.replicas : undefined;
  const scale = m.autoscale;
  const rabbit = scale?.rabbitmq;
  const autoscaling: OnlineModelProps['autoscaling'] =
    range !== undefined || scale !== undefined
      ? {
          minReplicas: range?.min,
          maxReplicas: range?.max as number,
          cpuUtilization: scale?.cpu,
          memoryUtilization: scale?.memory,
          rabbitmq: rabbit && {
            queueName: rabbit.queue,
            hostSecret: typeof rabbit.hostSecret === 'string' ? { name: rabbit.hostSecret, key: 'host' } : rabbit.hostSecret,
            messagesPerReplica: rabbit.messagesPerReplica,
            activationMessages: rabbit.activationMessages,
            protocol: rabbit.protocol,
            vhostName: rabbit.vhostName,
          },
        }
      : undefined;
  return compact({
    name: m.name,
    model: variants === undefined ? m.model : undefined,
    variants,
    backend: m.server,
    role: m.role,
    resources: m.resources && resources(m.resources),
    gpu: m.gpu,
    replicas: typeof m.replicas === 'number' ? m.replicas : undefined,
    autoscaling: autoscaling && compact(autoscaling),
    image: m.image,
    kserve: m.kserve,
    seldon: m.seldon,
    deployment: m.deployment,
  });
}

/** Where an {@link OnlineModelProps} field is written in an online model entry. */
export function onlineFilePath(m: OnlineModelConfig, field: string): FieldPath {
  const p = parsePath(field);
  const rest = p.slice(1);
  switch (p[0]) {
    case 'backend':
      return ['server', ...rest];
    case 'tests':
      return p;
    case 'id':
      return ['name'];
    case 'autoscaling':
      if (p[1] === 'minReplicas') return ['replicas', 'min'];
      if (p[1] === 'maxReplicas') return ['replicas', 'max'];
      if (p[1] === 'cpuUtilization') return ['autoscale', 'cpu'];
      if (p[1] === 'memoryUtilization') return ['autoscale', 'memory'];
      if (p[1] === 'rabbitmq' && p[2] === 'queueName') return ['autoscale', 'rabbitmq', 'queue'];
      return ['autoscale', ...rest];
    case 'variants':
      if (m.variants !== undefined) return p;
      if (typeof p[1] === 'number') {
        const which = ['model', ...(m.canary ? ['canary'] : []), ...(m.shadow ? ['shadow'] : [])][p[1]] ?? 'model';
        return which === 'model' ? ['model'] : [which, ...(p[2] === 'traffic' || p[2] === 'model' ? [p[2]] : [])];
      }
      return [m.canary ? 'canary' : m.shadow ? 'shadow' : 'model'];
    default:
      return p;
  }
}

/** Mappings of model entries by `type`. */
export const MODEL_MAPPINGS: {
  readonly batch?: EntryMapping<BatchModelConfig>;
  readonly online?: EntryMapping<OnlineModelConfig>;
} = {
  batch: {
    create: (chart, m) => new SparkBatchModel(chart, m.name, batchModelProps(m)),
    toFilePathFor: (m, field) => batchFilePath(m, field),
  },
  online: {
    create: (chart, m) => {
      const model = new OnlineModel(chart, m.name, onlineModelProps(m));
      (m.tests ?? []).forEach((test, j) => {
        try {
          new ModelTest(chart, `${m.name}-test-${j}`, { ...test, target: model });
        } catch (e) {
          // Test fields are written as they are in the construct's props, under tests[j].
          if (!(e instanceof ModelplaneValidationError)) throw e;
          throw new ModelplaneValidationError(e.issues.map((i) => ({ ...i, field: `tests[${j}].${i.field}` })));
        }
      });
      return model;
    },
    toFilePathFor: (m, field) => onlineFilePath(m, field),
  },
};

/** A cascade entry as {@link CascadeProps}; blocks name the team's batch models. */
export function cascadeProps(c: CascadeConfig): CascadeProps {
  return compact({
    name: c.name,
    description: c.description,
    blocks: (c.blocks ?? []).map((b) => ({ name: b.name, models: [...(b.models ?? [])] })),
    schedule: c.schedule,
    targets: c.orchestrator === undefined ? undefined : [c.orchestrator],
    job: c.job,
    assets: c.onData,
    stagingUri: c.stagingUri,
  });
}

/** Where a {@link CascadeProps} field is written in a cascade entry. */
export function cascadeFilePath(field: string): FieldPath {
  const p = parsePath(field);
  if (p[0] === 'targets') return ['orchestrator'];
  if (p[0] === 'assets') return ['onData', ...p.slice(1)];
  return p;
}

/** A retro test entry as {@link RetroTestProps}. */
export function retroTestProps(r: RetroTestConfig): RetroTestProps {
  return compact({ ...r, resources: r.resources && resources(r.resources) });
}

/** Mapping of retro test entries. */
export const RETRO_TEST_MAPPING: EntryMapping<RetroTestConfig> = {
  create: (chart, r) => new RetroTest(chart, r.name, retroTestProps(r)),
};

/** Mapping of cascade entries. */
export const CASCADE_MAPPING: EntryMapping<CascadeConfig> | undefined = {
  create: (chart, c) => new Cascade(chart, c.name, cascadeProps(c)),
  toFilePathFor: (_c, field) => cascadeFilePath(field),
};

/** CPU and memory as the quantity strings constructs take. */
function resources(r: ResourcesConfig): { cpu: string; memory: string; cpuLimit?: string; ephemeralStorage?: string } {
  const q = (x: string | number | undefined) => (x === undefined ? undefined : String(x));
  return compact({
    cpu: q(r.cpu) as string,
    memory: q(r.memory) as string,
    cpuLimit: q(r.cpuLimit),
    ephemeralStorage: q(r.ephemeralStorage),
  });
}

/** Drops undefined values, so constructs see only what the file (or its defaults) set. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
