/**
 * A team's models against its ResourceQuota, as pure functions of plain data. TeamSpace renders the
 * quota as `requests.cpu`, `requests.memory`, `requests.nvidia.com/gpu` and `pods`: the API server
 * refuses a pod whose requests (never its limits) would take the namespace over any of them, so a
 * model that scales up into the quota simply stops scaling, and a Spark job waits for executors that
 * never come. Each model says what it requests at its most ({@link QuotaDemand}, from its resolved
 * props: see online/quota-demand.ts and batch/quota-demand.ts), and {@link quotaOverages} sums them.
 *
 * What is counted (docs/platform.md, "Quotas"):
 *   - an online model: every variant's pods at their maximum replicas (the autoscaler's maximum, or
 *     the fixed replicas; KServe canaries run fixed replicas), each pod its container's requests and
 *     GPUs (modelplane renders no other container: sidecars or init containers an operator injects,
 *     such as KServe's storage initializer or Seldon's executor, are not counted);
 *   - a batch model: one run at a time (the scheduled runs are `max_active_runs=1` / `Forbid`; a
 *     model's training and scoring runs are counted as one run, as are the cascades running it), its
 *     driver and its executors at their most (`executor.instances`, or the dynamic allocation's
 *     `maxExecutors`), each pod Spark's request: its cores, and its memory plus the memory overhead
 *     (the given one, else Spark's factor for Python jobs, 0.4, at least 384MiB);
 *   - every model of the team at its most at once: online models scale independently, and batch
 *     models' schedules and cascades may overlap.
 * Model tests and retro tests (Jobs that run now and then) are not counted, nor the one surge pod a
 * rolling update adds per variant.
 */
import { ValidationIssue, Validator } from '../core/errors';
import { cpuMillicores, quantityUnits } from '../core/validate';
import { propOf, words, Words } from '../core/words';

/** The resources a ResourceQuota of a team space limits. */
export type QuotaResource = 'cpu' | 'memory' | 'gpus' | 'pods';

/** Every quota resource, in the order messages list them. */
export const QUOTA_RESOURCES: readonly QuotaResource[] = ['cpu', 'memory', 'gpus', 'pods'];

/** One model's requests at its most, for its team's quota. */
export interface QuotaDemand {
  /** The model's name. */
  readonly model: string;
  /** The construct kind, e.g. `OnlineModel` (messages name the fields of its props). */
  readonly kind: string;
  /** CPU requests, in millicores. */
  readonly cpuMillis: bigint;
  /** Memory requests, in bytes. */
  readonly memoryBytes: bigint;
  /** GPUs requested. */
  readonly gpus: number;
  /** Pods. */
  readonly pods: number;
  /** How each total is made up, for messages: e.g. `6 × 4` (replicas × CPUs of a replica), `1 + 9 × 3`. */
  readonly how: Readonly<Record<QuotaResource, string>>;
  /** The field of the model's props that sets how many pods it runs at most, e.g. `autoscaling.maxReplicas`. */
  readonly scaledBy: string;
}

/** A team's quota, as TeamSpace resolves it. */
export interface QuotaLimits {
  /** Total CPU requests (a quantity). */
  readonly cpu: string;
  /** Total memory requests (a quantity). */
  readonly memory: string;
  /** GPUs requested. */
  readonly gpus: number;
  /** Pods. */
  readonly pods: number;
}

/** One quota resource the models exceed. */
export interface QuotaOverage {
  /** The resource. */
  readonly resource: QuotaResource;
  /** What the models request together, in the resource's unit (millicores, bytes, GPUs, pods). */
  readonly requested: bigint;
  /** The quota, in the same unit. */
  readonly limit: bigint;
  /** The models requesting any of it, the largest share first (ties by name). */
  readonly models: readonly QuotaDemand[];
}

/** A demand's amount of one resource, in the resource's unit. */
export function demandOf(d: QuotaDemand, resource: QuotaResource): bigint {
  if (resource === 'cpu') return d.cpuMillis;
  if (resource === 'memory') return d.memoryBytes;
  return BigInt(resource === 'gpus' ? d.gpus : d.pods);
}

/** The quota of one resource in its unit; undefined when the quota's value is not a quantity (TeamSpace refuses it). */
function limitOf(q: QuotaLimits, resource: QuotaResource): bigint | undefined {
  if (resource === 'cpu') return cpuMillicores(q.cpu);
  if (resource === 'memory') return quantityUnits(q.memory);
  const n = resource === 'gpus' ? q.gpus : q.pods;
  return Number.isSafeInteger(n) ? BigInt(n) : undefined;
}

/**
 * The quota resources the demands exceed together, in {@link QUOTA_RESOURCES} order. Pure: the sum
 * does not depend on the order of the demands, and a quota at least the sum of every demand is never
 * exceeded.
 */
export function quotaOverages(demands: readonly QuotaDemand[], quota: QuotaLimits): QuotaOverage[] {
  const out: QuotaOverage[] = [];
  for (const resource of QUOTA_RESOURCES) {
    const limit = limitOf(quota, resource);
    if (limit === undefined) continue;
    const requested = demands.reduce((sum, d) => sum + demandOf(d, resource), 0n);
    if (requested <= limit) continue;
    const models = demands
      .filter((d) => demandOf(d, resource) > 0n)
      .sort((a, b) => {
        const x = demandOf(a, resource);
        const y = demandOf(b, resource);
        return x === y ? (a.model < b.model ? -1 : a.model > b.model ? 1 : 0) : x > y ? -1 : 1;
      });
    out.push({ resource, requested, limit, models });
  }
  return out;
}

/** Millicores as CPUs: `24`, `2.5`, `0.25`. */
export function formatCpu(millis: bigint): string {
  const whole = millis / 1000n;
  const frac = (millis % 1000n).toString().padStart(3, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

const BINARY_UNITS: ReadonlyArray<readonly [string, bigint]> = [
  ['Ti', 2n ** 40n],
  ['Gi', 2n ** 30n],
  ['Mi', 2n ** 20n],
  ['Ki', 2n ** 10n],
];

/**
 * Bytes in the largest binary unit, with at most two decimals: `96Gi`, `1.5Gi`, `512Mi`; rounded to the
 * nearest, or with `up` never below the amount (for "at least" in a fix).
 */
export function formatBytes(bytes: bigint, up = false): string {
  for (const [unit, size] of BINARY_UNITS) {
    if (bytes < size) continue;
    const hundredths = (bytes * 100n + (up ? size - 1n : size / 2n)) / size;
    const whole = hundredths / 100n;
    const frac = (hundredths % 100n).toString().padStart(2, '0').replace(/0+$/, '');
    return frac ? `${whole}.${frac}${unit}` : `${whole}${unit}`;
  }
  return `${bytes}`;
}

/** An amount of a resource as messages write it (with `up`, memory is rounded up). */
export function formatAmount(resource: QuotaResource, amount: bigint, up = false): string {
  return resource === 'cpu' ? formatCpu(amount) : resource === 'memory' ? formatBytes(amount, up) : `${amount}`;
}

/** A model construct that can say what it requests at its most. */
export interface QuotaDemanding {
  /** The model's requests at its most. */
  quotaDemand(): QuotaDemand;
}

/** True for a {@link QuotaDemanding} construct. */
export function isQuotaDemanding(x: unknown): x is QuotaDemanding {
  return typeof (x as Partial<QuotaDemanding> | undefined)?.quotaDemand === 'function';
}

/** How a message says what the models request of a resource. */
const REQUEST_WORDS: Readonly<Record<QuotaResource, (amount: string) => string>> = {
  cpu: (a) => `request ${a} CPUs`,
  memory: (a) => `request ${a} of memory`,
  gpus: (a) => `request ${a} GPUs`,
  pods: (a) => `run ${a} pods`,
};

/** At most this many models are listed in a message (the largest shares). */
const LISTED = 4;

/** One overage as an issue of the team's TeamModels chart, at `team`. */
function overageIssue(v: Validator, team: string, o: QuotaOverage, quotaField: string): void {
  const amount = (d: QuotaDemand) => formatAmount(o.resource, demandOf(d, o.resource));
  const listed = o.models.slice(0, LISTED).map((d) => `${d.model} ${d.how[o.resource]} = ${amount(d)}`);
  const more = o.models.length > LISTED ? `, and ${o.models.length - LISTED} more` : '';
  const problem = `has models that ${REQUEST_WORDS[o.resource](formatAmount(o.resource, o.requested))} at their maximum replicas (${listed.join(', ')}${more}), over the quota's ${formatAmount(o.resource, o.limit)}`;
  const lower = o.models
    .slice(0, 2)
    .map((d) => words`${propOf(d.kind, d.scaledBy)} of ${d.model}`)
    .reduce<Words | undefined>((all, w) => (all ? words`${all} or ${w}` : w), undefined);
  v.fail(
    'team',
    team,
    problem,
    words`raise ${propOf('Platform', `${quotaField}.${o.resource}`)} to at least ${formatAmount(o.resource, o.requested, true)}, or lower ${lower ?? 'the replicas'}`,
  );
}

/**
 * The issues of a team whose models exceed its quota, one per resource, as issues of its TeamModels
 * chart at `team`: naming the models and their numbers, and the fixes (the quota at `quotaField` of the
 * platform's props, e.g. `teams[0].quota`, or the field that scales the largest models).
 */
export function teamQuotaIssues(
  team: string,
  demands: readonly QuotaDemand[],
  quota: QuotaLimits,
  quotaField: string,
): readonly ValidationIssue[] {
  const v = new Validator('TeamModels', team);
  for (const o of quotaOverages(demands, quota)) overageIssue(v, team, o, quotaField);
  return v.found;
}
