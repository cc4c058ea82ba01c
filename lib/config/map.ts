/**
 * The mapping from `modelplane.yaml` entries onto the constructs' props: one small function per
 * entry type. Nothing here renders Kubernetes objects; the constructs do, exactly as for TypeScript
 * users.
 */
import type { Construct } from 'constructs';
import { OnlineModel, OnlineModelProps, OnlineVariant } from '../../constructs/online-model';
import type { TeamModels } from '../../constructs/team-models';
import { FieldPath, parsePath } from './source';
import type { BatchModelConfig, CascadeConfig, OnlineModelConfig, ResourcesConfig } from './types';

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
  const autoscaling: OnlineModelProps['autoscaling'] = range !== undefined || scale !== undefined
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
    case 'backend': return ['server', ...rest];
    case 'id': return ['name'];
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
    default: return p;
  }
}

/** Mappings of model entries by `type`. */
export const MODEL_MAPPINGS: {
  readonly batch?: EntryMapping<BatchModelConfig>;
  readonly online?: EntryMapping<OnlineModelConfig>;
} = {
  online: {
    create: (chart, m) => new OnlineModel(chart, m.name, onlineModelProps(m)),
    toFilePathFor: (m, field) => onlineFilePath(m, field),
  },
};

/** Mapping of cascade entries. */
export const CASCADE_MAPPING: EntryMapping<CascadeConfig> | undefined = undefined;

/** CPU and memory as the quantity strings constructs take. */
function resources(r: ResourcesConfig): { cpu: string; memory: string; cpuLimit?: string; ephemeralStorage?: string } {
  const q = (x: string | number | undefined) => (x === undefined ? undefined : String(x));
  return compact({ cpu: q(r.cpu) as string, memory: q(r.memory) as string, cpuLimit: q(r.cpuLimit), ephemeralStorage: q(r.ephemeralStorage) });
}

/** Drops undefined values, so constructs see only what the file (or its defaults) set. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
