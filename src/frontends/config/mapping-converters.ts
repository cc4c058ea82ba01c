/**
 * The named converters of the mapping tables (`./mapping-tables.ts`): the few YAML fields that do not
 * become a prop as they are. A converter of one value may say where, below its field, a problem with
 * a part of the prop is written; a converter that builds several props from several fields
 * ({@link ComposedRow}) carries its inverse with it.
 */
import { compact, isRecord } from '../../core/records';
import { suggestName } from '../../core/validate';
import type { ComposedRow, ValueConverter } from './mapping';
import type { BatchModelConfig, BlockConfig, OnlineModelConfig } from './types';

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

/** Spark and Hadoop settings: every value as a string (YAML reads `200` and `true` as a number and a boolean). */
export const STRING_VALUES: ValueConverter = {
  name: 'string values',
  note: 'numbers and booleans are written as strings',
  forward: (r) => (isRecord(r) ? Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)])) : r),
};

/** One quantity: a number is written as the quantity string constructs take. */
export const QUANTITY: ValueConverter = {
  name: 'quantity',
  note: 'a number is written as a quantity string (`size: 10` → `"10"`)',
  forward: (x) => (typeof x === 'number' ? String(x) : x),
};

/** CPU, memory and storage as the quantity strings constructs take (`cpu: 1` -> `"1"`). */
export const QUANTITIES: ValueConverter = {
  name: 'quantities',
  note: 'numbers are written as quantity strings (`cpu: 1` → `"1"`)',
  forward: (r) => {
    if (!isRecord(r)) return r;
    const q = (x: unknown) => (x === undefined ? undefined : String(x));
    return compact({ cpu: q(r.cpu), memory: q(r.memory), cpuLimit: q(r.cpuLimit), ephemeralStorage: q(r.ephemeralStorage) });
  },
};

/** A batch model's inputs: a URI alone becomes `{ name, uri }` named by {@link inputName}. */
export const INPUTS: ValueConverter = {
  name: 'inputs',
  note: 'a URI alone becomes `{ name, uri }`, named after the last part of the URI (`hive://risk.features_daily` → `features-daily`)',
  forward: (list) => (list as ReadonlyArray<unknown>).map((i) => (typeof i === 'string' ? { name: inputName(i), uri: i } : i)),
  // A problem with an input's name or URI is reported at the input (a URI alone has no `name` to point at).
  locate: (rest) => rest.slice(0, 1),
};

/** The RabbitMQ Secret: a name alone means the key `host`. */
export const HOST_SECRET: ValueConverter = {
  name: 'secret key',
  note: 'a Secret name alone becomes `{ name, key: "host" }`',
  forward: (s) => (typeof s === 'string' ? { name: s, key: 'host' } : s),
  back: (s) => (isRecord(s) && s.key === 'host' && typeof s.name === 'string' ? s.name : s),
};

/** One value as a list of one (`orchestrator: argo` -> `targets: ["argo"]`). */
export const ONE_ITEM_LIST: ValueConverter = {
  name: 'list of one',
  note: 'the one orchestrator becomes a list of one target',
  forward: (x) => [x],
  locate: () => [],
  back: (x) => (Array.isArray(x) && x.length === 1 ? x[0] : x),
};

/** A cascade's blocks, each a fresh `{ name, models }`. */
export const BLOCKS: ValueConverter = {
  name: 'blocks',
  note: "each block as `{ name, models }`; the models are the team's batch models by name",
  forward: (blocks) => (blocks as readonly BlockConfig[]).map((b) => ({ name: b.name, models: [...(b.models ?? [])] })),
};

/** The main, canary and shadow versions of an online model as the variants they mean. */
function splitVariants(m: OnlineModelConfig): Array<Record<string, unknown>> {
  const canary = m.canary?.traffic ?? 0;
  return [
    compact({ name: 'main', model: m.model, traffic: 100 - canary }),
    ...(m.canary ? [compact({ name: 'canary', model: m.canary.model, traffic: canary })] : []),
    ...(m.shadow ? [compact({ name: 'shadow', model: m.shadow.model, shadow: true })] : []),
  ];
}

/**
 * An online model's versions: `model` alone stays `model`; `model` with `canary` and/or `shadow`
 * becomes the variants `main`, `canary`, `shadow` (the canary's traffic taken from main's 100%);
 * `variants` are passed as they are. Back: `variants[i]` is the i-th of model, canary, shadow.
 */
export const VARIANTS: ComposedRow<OnlineModelConfig> = {
  kind: 'composed',
  name: 'variants',
  yaml: ['model', 'canary', 'shadow', 'variants'],
  props: ['model', 'variants'],
  note: '`model` alone stays `model`; with `canary`/`shadow` it becomes the variants main, canary, shadow (the canary takes its traffic from main); `variants` pass as they are, instead of `model`, `canary` and `shadow` (never with them)',
  exclusive: [['variants'], ['model', 'canary', 'shadow']],
  forward: (m) => {
    if (m.canary !== undefined || m.shadow !== undefined) return [['variants', splitVariants(m)]];
    if (m.variants !== undefined) return [['variants', m.variants.map((x) => ({ ...x }))]];
    return [['model', m.model]];
  },
  inverse: (m, p) => {
    if (p[0] !== 'variants' || m.variants !== undefined) return p;
    const written = ['model', ...(m.canary ? ['canary'] : []), ...(m.shadow ? ['shadow'] : [])];
    if (typeof p[1] !== 'number') return [written[1] ?? 'model'];
    const which = written[p[1]] ?? 'model';
    return which === 'model' ? ['model'] : [which, ...(p[2] === 'traffic' || p[2] === 'model' ? [p[2]] : [])];
  },
  // A message suggesting a second variant (e.g. a canary for a promotion) names it as the file writes one: `canary`.
  field: (m, p) =>
    p[0] === 'variants' && p[1] === 1 && m.variants === undefined && !m.canary && !m.shadow
      ? ['canary', ...p.slice(2)]
      : VARIANTS.inverse(m, p),
};

/** `replicas`: a number is the fixed replica count; `{ min, max }` is the autoscaling range. */
export const REPLICAS: ComposedRow<OnlineModelConfig> = {
  kind: 'composed',
  name: 'replicas',
  yaml: ['replicas'],
  props: ['replicas', 'autoscaling.minReplicas', 'autoscaling.maxReplicas'],
  note: 'a number is `replicas`; `{ min, max }` is `autoscaling.minReplicas`/`maxReplicas`',
  forward: (m) => {
    const r = m.replicas;
    if (typeof r === 'object')
      return [
        ['autoscaling.minReplicas', r?.min],
        ['autoscaling.maxReplicas', r?.max],
      ];
    return [['replicas', typeof r === 'number' ? r : undefined]];
  },
  inverse: (_m, p) => {
    if (p[0] === 'replicas') return p;
    return ['replicas', p[1] === 'minReplicas' ? 'min' : 'max'];
  },
};

/** A batch model's `output`: `hive://db.table` is the cascade's output table, anything else its output path. */
export const OUTPUT: ComposedRow<BatchModelConfig> = {
  kind: 'composed',
  name: 'output',
  yaml: ['output'],
  props: ['cascade.outputTable', 'cascade.outputPath'],
  note: '`hive://db.table` is `cascade.outputTable` (`db.table`); an `s3a://` URI is `cascade.outputPath`',
  forward: (m) => {
    const hive = m.output?.startsWith('hive://') ? m.output.slice('hive://'.length) : undefined;
    return [
      ['cascade.outputTable', hive],
      ['cascade.outputPath', hive === undefined ? m.output : undefined],
    ];
  },
  inverse: () => ['output'],
  back: (prop, value) => (prop === 'cascade.outputTable' && typeof value === 'string' ? `hive://${value}` : value),
};
