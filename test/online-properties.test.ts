/**
 * Property tests of the online models' pure checks (fast-check): traffic splits between variants,
 * the shadow's share, KEDA's name limit, the PodDisruptionBudget policy and the HPA metrics. Each
 * property states what holds for every input, not for a few chosen ones.
 */
import fc from 'fast-check';
import { Validator } from '../src/core/errors';
import { platformContext } from '../src/core/context';
import { hpaMetrics, KEDA_MAX_NAME } from '../src/constructs/online/autoscaling';
import { resolvedVariants, resolveOnlineModel } from '../src/constructs/online/resolve';
import { checkKedaNames } from '../src/constructs/online/resolve-scaling';
import { checkVariants, OnlineVariant } from '../src/constructs/online/rollouts';
import { disruptionPolicy } from '../src/constructs/online/shared';

const context = { team: 'risk', platform: platformContext() };

/** `n` whole percentages from 0 to 100 summing to exactly 100 (cut points on 0..100). */
const splitOf = (n: number) =>
  fc
    .uniqueArray(fc.integer({ min: 0, max: 100 }), { minLength: n - 1, maxLength: n - 1 })
    .map((cuts) => [0, ...[...cuts].sort((a, b) => a - b), 100])
    .map((points) => points.slice(1).map((p, i) => p - points[i]));

/** Live variants with the given traffic, and optionally one shadow after the primary. */
const variantsWith = (traffic: readonly number[], shadowAt: number | undefined): OnlineVariant[] => {
  const live: OnlineVariant[] = traffic.map((t, i) => ({ name: `v${i}`, model: `models:/m/${i + 1}`, traffic: t }));
  if (shadowAt === undefined) return live;
  const at = 1 + (shadowAt % live.length);
  return [...live.slice(0, at), { name: 'shadow', model: 'models:/m/99', shadow: true }, ...live.slice(at)];
};

const liveCount = fc.integer({ min: 2, max: 6 });
const shadowAt = fc.option(fc.nat({ max: 10 }), { nil: undefined });

describe('traffic splits (checkVariants)', () => {
  test('any live split summing to 100 is accepted with exactly that split, a shadow or not', () => {
    fc.assert(
      fc.property(liveCount.chain(splitOf), shadowAt, (split, s) => {
        const v = new Validator('OnlineModel', 'fraud');
        expect(checkVariants(v, 'variants', variantsWith(split, s))).toEqual(split);
        expect(v.found).toEqual([]);
      }),
    );
  });

  test('any other sum is refused, naming the sum', () => {
    const traffic = fc
      .array(fc.integer({ min: 0, max: 100 }), { minLength: 2, maxLength: 6 })
      .filter((t) => t.reduce((a, b) => a + b, 0) !== 100);
    fc.assert(
      fc.property(traffic, shadowAt, (split, s) => {
        const v = new Validator('OnlineModel', 'fraud');
        const sum = split.reduce((a, b) => a + b, 0);
        expect(checkVariants(v, 'variants', variantsWith(split, s))).toBeUndefined();
        expect(v.found).toHaveLength(1);
        expect(v.found[0]).toMatchObject({ field: 'variants', problem: `has live traffic summing to ${sum}, not 100` });
      }),
    );
  });

  test('a single live variant takes 100%, whatever else it is given is refused', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), (t) => {
        const v = new Validator('OnlineModel', 'fraud');
        const split = checkVariants(v, 'variants', [{ name: 'main', model: 'models:/m/1', traffic: t }]);
        expect(split).toEqual(t === 100 ? [100] : undefined);
      }),
    );
  });

  test('shadows never take traffic: 0% for the shadow, the split in order for the live variants', () => {
    fc.assert(
      fc.property(liveCount.chain(splitOf), shadowAt, (split, s) => {
        const given = variantsWith(split, s);
        const resolved = resolvedVariants('fraud', given, split);
        expect(resolved.filter((x) => x.shadow).map((x) => x.traffic)).toEqual(s === undefined ? [] : [0]);
        expect(resolved.filter((x) => !x.shadow).map((x) => x.traffic)).toEqual(split);
        expect(resolved.map((x) => x.objectName)).toEqual(given.map((x, i) => (i === 0 ? 'fraud' : `fraud-${x.name}`)));
      }),
    );
  });

  test('a shadow given traffic is refused, whatever the live split', () => {
    fc.assert(
      fc.property(liveCount.chain(splitOf), fc.integer({ min: 1, max: 100 }), (split, t) => {
        const v = new Validator('OnlineModel', 'fraud');
        const given = [...variantsWith(split, undefined), { name: 'shadow', model: 'models:/m/9', shadow: true, traffic: t }];
        expect(checkVariants(v, 'variants', given)).toBeUndefined();
        expect(v.found.map((i) => i.field)).toEqual([`variants[${split.length}].traffic`]);
      }),
    );
  });

  test('through resolveOnlineModel on the deployment backend: live traffic sums to 100, the shadow has none', () => {
    fc.assert(
      fc.property(liveCount.chain(splitOf), shadowAt, (split, s) => {
        const r = resolveOnlineModel('fraud', { backend: 'deployment', variants: variantsWith(split, s) }, context);
        expect(r.issues).toEqual([]);
        const live = r.spec!.variants.filter((x) => !x.shadow);
        expect(live.reduce((a, x) => a + x.traffic, 0)).toBe(100);
        expect(r.spec!.variants.filter((x) => x.shadow).every((x) => x.traffic === 0)).toBe(true);
      }),
    );
  });
});

describe("KEDA's name limit", () => {
  const name = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'.split('')), minLength: 1, maxLength: 100 });

  test(`names of at most ${KEDA_MAX_NAME} characters pass, longer ones are refused with their length`, () => {
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 4 }), (names) => {
        const v = new Validator('OnlineModel', 'm');
        const long = names.filter((n) => n.length > KEDA_MAX_NAME);
        expect(checkKedaNames(v, 'name', names)).toBe(long.length === 0);
        expect(v.found.map((i) => i.value)).toEqual(long);
        v.found.forEach((i, k) => expect(i.problem).toContain(`${long[k].length} characters`));
      }),
    );
  });

  test('a queue-scaled KServe model is refused exactly when "<name>-predictor" is over the limit', () => {
    const modelName = fc.integer({ min: 1, max: 50 }).map((n) => 'm'.repeat(n));
    fc.assert(
      fc.property(modelName, (n) => {
        const rabbitmq = { queueName: 'q', hostSecret: { name: 'r', key: 'url' } };
        const r = resolveOnlineModel(n, { model: 'models:/m/1', autoscaling: { maxReplicas: 2, rabbitmq } }, context);
        // Names over 40 characters are refused on their own; the ScaledObject is named after KServe's predictor Deployment.
        const fields = [...(n.length > 40 ? ['name'] : []), ...(`${n}-predictor`.length > KEDA_MAX_NAME ? ['id'] : [])];
        expect(r.issues.map((i) => i.field)).toEqual(fields);
      }),
    );
  });
});

describe('the PodDisruptionBudget policy', () => {
  test('never blocks a drain of a single replica; keeps min-1 available otherwise', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), (min) => {
        const p = disruptionPolicy(min);
        if (min < 2) expect(p).toEqual({ maxUnavailable: 1 });
        else {
          expect(p).toEqual({ minAvailable: min - 1 });
          // One pod may always go, and never more than one.
          expect(min - p.minAvailable!).toBe(1);
        }
      }),
    );
  });
});

describe('HPA metrics', () => {
  test('one utilization metric per given target, CPU first', () => {
    const pct = fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined });
    fc.assert(
      fc.property(pct, pct, (cpu, memory) => {
        const metrics = hpaMetrics({ kind: 'hpa', minReplicas: 1, maxReplicas: 2, cpuUtilization: cpu, memoryUtilization: memory });
        const expected = [...(cpu === undefined ? [] : [['cpu', cpu]]), ...(memory === undefined ? [] : [['memory', memory]])];
        expect(metrics.map((m) => [m.resource.name, m.resource.target.averageUtilization])).toEqual(expected);
        expect(metrics.every((m) => m.type === 'Resource' && m.resource.target.type === 'Utilization')).toBe(true);
      }),
    );
  });
});

describe('resolveOnlineModel is pure', () => {
  test('the same input gives the same resolution, and the input is not changed', () => {
    const backend = fc.constantFrom('kserve', 'seldon', 'deployment', 'triton');
    const replicas = fc.option(fc.integer({ min: -1, max: 5 }), { nil: undefined });
    fc.assert(
      fc.property(backend, replicas, (b, n) => {
        const props = { model: 's3://bucket/model', backend: b as never, replicas: n };
        const before = JSON.stringify(props);
        const a = resolveOnlineModel('fraud', props, context);
        expect(resolveOnlineModel('fraud', props, context)).toEqual(a);
        expect(JSON.stringify(props)).toBe(before);
        expect(a.spec === undefined).toBe(a.issues.length > 0);
      }),
    );
  });
});
