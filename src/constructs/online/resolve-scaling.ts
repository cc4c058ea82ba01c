/**
 * The replica count and the one autoscaler of an online model, checked and defaulted: fixed
 * replicas, an HPA on CPU/memory utilization, or KEDA on a RabbitMQ queue (the translation team's GPU
 * queue worker, which scales to zero when its queue is empty). Part of {@link resolveOnlineModel}.
 */
import type { Validator } from '../../core/errors';
import { prop, words } from '../../core/words';
import { checkSecretRef } from '../../core/secrets';
import { INT32_MAX, textProblem } from '../../core/validate';
import { KEDA_MAX_NAME } from './autoscaling';
import type { ServingBackend } from './backend';
import { checkFields, checkKnownKeys, FieldRule, isObj, wholeBetween } from './checks';
import type { OnlineAutoscaling, OnlineModelProps, RabbitQueueScaling } from './props';
import { variantObjectNames } from './shared';
import type { ResolvedHpa, ResolvedKeda, ResolvedVariant } from './spec';

/** The role of an online model: request/response service, or queue worker. */
type Role = NonNullable<OnlineModelProps['role']>;

/** The resolved replica count and autoscaler. */
export interface ResolvedScaling {
  /** Fixed replicas (when not autoscaled). */
  readonly replicas: number;
  /** The one autoscaler, if any. */
  readonly autoscaling?: ResolvedHpa | ResolvedKeda;
}

/** The most replicas of a workload (fixed, or an autoscaler's range). */
const MAX_REPLICAS = 1000;

const AUTOSCALING_KEYS = ['minReplicas', 'maxReplicas', 'cpuUtilization', 'memoryUtilization', 'rabbitmq'];

const PERCENT_RULES: readonly FieldRule[] = ['cpuUtilization', 'memoryUtilization'].map((key) => ({
  key,
  optional: true,
  ok: (x: unknown) => Number.isInteger(x) && (x as number) >= 1 && (x as number) <= 100,
  problem: 'must be a whole percentage from 1 to 100',
  fix: 'write e.g. 70',
}));

/** The RabbitMQ scaler's fields after its queue and Secret, in the order they are checked. */
const RABBIT_RULES: readonly FieldRule[] = [
  {
    key: 'messagesPerReplica',
    default: 20,
    ok: wholeBetween(1),
    problem: `must be a whole number from 1 to ${INT32_MAX}`,
    fix: 'set e.g. 20',
  },
  {
    key: 'activationMessages',
    default: 0,
    ok: wholeBetween(0),
    problem: `must be a whole number from 0 to ${INT32_MAX}`,
    fix: 'set e.g. 0',
  },
  {
    key: 'protocol',
    default: 'amqp',
    ok: (x) => x === 'amqp' || x === 'http',
    problem: 'must be "amqp" or "http"',
    fix: 'use "http" to count unacknowledged messages too',
  },
  {
    key: 'pollingInterval',
    default: 30,
    ok: wholeBetween(1),
    problem: `must be a whole number of seconds from 1 to ${INT32_MAX}`,
    fix: 'set e.g. 30',
  },
  {
    key: 'cooldownPeriod',
    default: 300,
    ok: wholeBetween(0),
    problem: `must be a whole number of seconds from 0 to ${INT32_MAX}`,
    fix: 'set e.g. 300',
  },
  {
    key: 'vhostName',
    optional: true,
    ok: (x) => typeof x === 'string' && x.length > 0 && textProblem(x) === undefined,
    problem: 'must be a non-empty string of plain text (no control characters)',
    fix: 'write e.g. "/"',
  },
];

/** Fixed replicas, or the autoscaler (an HPA on CPU by default); never both. */
export function resolveScaling(v: Validator, props: OnlineModelProps, role: Role): ResolvedScaling {
  const minFloor = role === 'queue-worker' ? 0 : 1;
  if (props.replicas !== undefined && props.autoscaling !== undefined) {
    v.fail(
      'replicas',
      props.replicas,
      words`is given together with ${prop('autoscaling')}; an autoscaler owns the replica count`,
      words`give the range as ${prop('autoscaling.minReplicas')} and ${prop('autoscaling.maxReplicas')} instead of ${prop('replicas')}, or drop ${prop('autoscaling')}`,
    );
    return { replicas: 2 };
  }
  if (props.replicas === undefined) return { replicas: 2, autoscaling: resolveAutoscaling(v, props.autoscaling, role, minFloor) };
  const replicas = props.replicas;
  v.check(
    Number.isInteger(replicas) && replicas >= minFloor && replicas <= MAX_REPLICAS,
    'replicas',
    replicas,
    `must be a whole number from ${minFloor} to ${MAX_REPLICAS}`,
    'set e.g. replicas: 2',
  );
  v.check(
    role !== 'queue-worker',
    'replicas',
    replicas,
    'is fixed for a queue worker, which is scaled by its queue',
    words`scale it on its queue: set ${prop('autoscaling.rabbitmq')} and the range ${prop('autoscaling.minReplicas')}..${prop('autoscaling.maxReplicas')} instead of ${prop('replicas')}`,
  );
  return { replicas };
}

/** The autoscaler: KEDA when `rabbitmq` is given, an HPA otherwise; undefined when the input is invalid. */
export function resolveAutoscaling(
  v: Validator,
  a: OnlineAutoscaling | undefined,
  role: Role,
  minFloor: number,
): ResolvedHpa | ResolvedKeda | undefined {
  if (a === undefined) return { kind: 'hpa', minReplicas: 2, maxReplicas: 4, cpuUtilization: 70 };
  if (
    !v.check(
      isObj(a),
      'autoscaling',
      a,
      'must be an object',
      words`write e.g. ${prop('autoscaling', { minReplicas: 2, maxReplicas: 6, cpuUtilization: 70 })}`,
    )
  )
    return undefined;
  checkKnownKeys(v, 'autoscaling', a, AUTOSCALING_KEYS, 'is not an autoscaling option');
  const range = checkReplicaRange(v, a, role, minFloor);
  const ok = checkFields(v, 'autoscaling', a as unknown as Record<string, unknown>, PERCENT_RULES).ok && range.ok;
  if (a.rabbitmq !== undefined) return resolveKeda(v, a, range, ok);
  if (!ok) return undefined;
  if (role === 'queue-worker')
    return { kind: 'hpa', minReplicas: Math.max(range.min, 1), maxReplicas: range.max, cpuUtilization: a.cpuUtilization };
  const cpu = a.cpuUtilization ?? (a.memoryUtilization === undefined ? 70 : undefined);
  return { kind: 'hpa', minReplicas: range.min, maxReplicas: range.max, cpuUtilization: cpu, memoryUtilization: a.memoryUtilization };
}

interface ReplicaRange {
  readonly min: number;
  readonly max: number;
  readonly ok: boolean;
}

/** minReplicas (at least 1 for an online service, 0 for a queue worker) to maxReplicas (1 to 1000). */
function checkReplicaRange(v: Validator, a: OnlineAutoscaling, role: Role, minFloor: number): ReplicaRange {
  const worker = role === 'queue-worker';
  const min = a.minReplicas ?? (worker ? 0 : 2);
  const max = a.maxReplicas;
  let ok = v.check(
    Number.isInteger(min) && min >= minFloor,
    'autoscaling.minReplicas',
    min,
    worker
      ? 'must be a whole number, 0 or more'
      : 'must be at least 1: an online service keeps a replica to answer requests (only queue workers may scale to zero)',
    worker
      ? 'set e.g. 0'
      : words`set ${prop('autoscaling.minReplicas')} to 1 or more, or use ${prop('role', 'queue-worker')} with a queue scaler`,
  );
  if (Number.isInteger(min) && min > MAX_REPLICAS) {
    v.fail('autoscaling.minReplicas', min, `must be at most ${MAX_REPLICAS}`, words`set e.g. ${prop('autoscaling.minReplicas', 2)}`);
    ok = false;
  }
  ok =
    v.check(
      Number.isInteger(max) && max >= 1 && max <= MAX_REPLICAS,
      'autoscaling.maxReplicas',
      max,
      `must be a whole number from 1 to ${MAX_REPLICAS}`,
      words`set e.g. ${prop('autoscaling.maxReplicas', 6)}`,
    ) && ok;
  if (ok)
    ok = v.check(
      min <= max,
      'autoscaling.minReplicas',
      min,
      words`is greater than ${prop('autoscaling.maxReplicas')} (${max})`,
      words`make ${prop('autoscaling.minReplicas')} at most ${prop('autoscaling.maxReplicas')} (${max}), or raise ${prop('autoscaling.maxReplicas')}`,
    );
  return { min, max, ok };
}

/** KEDA on a RabbitMQ queue, the only scaler of the workload (`ok`: the replica range and percentages passed). */
function resolveKeda(v: Validator, a: OnlineAutoscaling, range: ReplicaRange, ok: boolean): ResolvedKeda | undefined {
  if (a.cpuUtilization !== undefined || a.memoryUtilization !== undefined) {
    v.fail(
      'autoscaling',
      Object.keys(a).filter((k) => k !== 'minReplicas' && k !== 'maxReplicas'),
      "sets two scalers (an HPA on CPU/memory and KEDA on a queue) for one workload; they would fight over the replica count and KEDA's webhook rejects it",
      words`keep either ${prop('autoscaling.rabbitmq')}, or ${prop('autoscaling.cpuUtilization')}/${prop('autoscaling.memoryUtilization')}`,
    );
    return undefined;
  }
  const r = a.rabbitmq as RabbitQueueScaling;
  const example = words`write e.g. ${prop('autoscaling.rabbitmq', { queueName: 'jobs', hostSecret: { name: 'rabbitmq', key: 'url' } })}`;
  if (!v.check(isObj(r), 'autoscaling.rabbitmq', r, 'must be an object', example)) return undefined;
  const queueOk = v.check(
    typeof r.queueName === 'string' && /^[A-Za-z0-9._:-]{1,255}$/.test(r.queueName),
    'autoscaling.rabbitmq.queueName',
    r.queueName,
    'is not a queue name',
    'write e.g. "translation-jobs"',
  );
  const secretOk = checkSecretRef(v, 'autoscaling.rabbitmq.hostSecret', r.hostSecret);
  const rest = checkFields(v, 'autoscaling.rabbitmq', r as unknown as Record<string, unknown>, RABBIT_RULES);
  if (!(rest.ok && secretOk && queueOk && ok)) return undefined;
  const x = rest.values as Required<Omit<RabbitQueueScaling, 'queueName' | 'hostSecret' | 'vhostName'>>;
  return {
    kind: 'keda',
    minReplicas: range.min,
    maxReplicas: range.max,
    queueName: r.queueName,
    hostSecret: { name: r.hostSecret.name, key: r.hostSecret.key },
    messagesPerReplica: x.messagesPerReplica,
    activationMessages: x.activationMessages,
    protocol: x.protocol,
    vhostName: r.vhostName,
    pollingInterval: x.pollingInterval,
    cooldownPeriod: x.cooldownPeriod,
  };
}

/** Refuses ScaledObject names KEDA would reject (over {@link KEDA_MAX_NAME} characters), under `field`. */
export function checkKedaNames(v: Validator, field: string, names: readonly string[]): boolean {
  let ok = true;
  for (const n of names) {
    ok =
      v.check(
        n.length <= KEDA_MAX_NAME,
        field,
        n,
        `gives a KEDA ScaledObject name of ${n.length} characters; KEDA rejects names over ${KEDA_MAX_NAME}`,
        `shorten the model (and variant) name so "${n}" fits in ${KEDA_MAX_NAME} characters`,
      ) && ok;
  }
  return ok;
}

/** What {@link checkScalerFits} looks at. */
export interface ScalerFit {
  /** The model name. */
  readonly name: string;
  /** The role. */
  readonly role: Role;
  /** The resolved variants. */
  readonly variants: readonly ResolvedVariant[];
  /** The resolved autoscaler. */
  readonly autoscaling?: ResolvedHpa | ResolvedKeda;
  /** The backend, when the name is one. */
  readonly serving?: ServingBackend;
}

/** The scaler fits the workloads: KEDA's name limit, a queue scaler for a queue worker, the backend's own rules. */
export function checkScalerFits(v: Validator, props: OnlineModelProps, fit: ScalerFit): void {
  const { name, role, variants, autoscaling, serving } = fit;
  if (autoscaling?.kind === 'keda') {
    const names = (serving?.scaledObjectNames ?? variantObjectNames)(name, variants);
    checkKedaNames(v, props.name !== undefined ? 'name' : 'id', names);
  }
  if (role === 'queue-worker') {
    v.check(
      autoscaling?.kind === 'keda',
      'role',
      role,
      'is "queue-worker" but no queue scaler is set',
      words`set ${prop('autoscaling.rabbitmq')} with the queue the worker consumes`,
    );
  }
  serving?.checkScaling?.(v, props, variants, autoscaling);
}
