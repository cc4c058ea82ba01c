/**
 * The benchmark's cases stay honest: every case in bench/cases/ builds with both variants, and the
 * hand-written baseline writes the same objects (kind by kind) as modelplane, so the bench's ratios
 * compare like with like. Timing is not tested here (`npm run bench` is a script).
 */
import { Testing } from 'cdk8s';
import { discoverCases } from '../bench/run';
import { VARIANTS } from '../bench/types';
import { appObjects } from './support/manifests';

const kinds = (objs: Record<string, unknown>[]) => {
  const out: Record<string, number> = {};
  for (const o of objs) out[String(o.kind)] = (out[String(o.kind)] ?? 0) + 1;
  return out;
};

const cases = discoverCases();

test('the platform case is discovered', () => {
  expect(cases.map((c) => c.name)).toContain('platform');
  for (const c of cases) expect(c.sizes.length).toBeGreaterThan(0);
});

test.each(cases.map((c) => [c.name, c] as const))('%s: baseline and modelplane write the same kinds of objects at size 2', (_name, c) => {
  const counts = VARIANTS.map((v) => {
    const app = Testing.app();
    c.load(v)(app, 2);
    return kinds(appObjects(app));
  });
  expect(counts[1]).toEqual(counts[0]);
  expect(Object.values(counts[0]).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
});

test('the fleet case spreads 10,000 models over 300 teams, and 100 models over 3 with the same kinds as its baseline', () => {
  const { fleetTeams } = require('../bench/cases/fleet') as typeof import('../bench/cases/fleet');
  expect([100, 1000, 3000, 10000].map(fleetTeams)).toEqual([3, 30, 90, 300]);
  expect(fleetTeams(2)).toBe(1);
  const fleet = cases.find((c) => c.name === 'fleet')!;
  const counts = VARIANTS.map((v) => {
    const app = Testing.app();
    fleet.load(v)(app, 100);
    return kinds(appObjects(app));
  });
  expect(counts[1]).toEqual(counts[0]);
  expect(counts[0].Namespace).toBeGreaterThanOrEqual(3);
  expect(counts[0].Deployment).toBeGreaterThanOrEqual(100);
});

test('linearityOf: time per unit at each size, memory added per unit between sizes, and their spreads', () => {
  const { linearityOf } = require('../bench/run') as typeof import('../bench/run');
  const row = (n: number, ms: [number, number], rss: [number, number]) => ({
    case: 'c',
    unit: 'models',
    n,
    synthMs: { modelplane: ms[0], baseline: ms[1] },
    maxRssMiB: { modelplane: rss[0], baseline: rss[1] },
  });
  const lin = linearityOf([
    row(1000, [2000, 1000], [300, 200]),
    row(100, [200, 100], [120, 110]),
    row(10000, [30000, 10000], [2100, 1100]),
  ]);
  const mp = lin.find((l) => l.variant === 'modelplane')!;
  expect(mp.msPerUnit).toEqual({ 100: 2, 1000: 2, 10000: 3 });
  expect(mp.msPerUnitSpread).toBeCloseTo(1.5);
  expect(mp.rssKiBPerUnit['100-1000']).toBeCloseTo((180 * 1024) / 900);
  expect(mp.rssKiBPerUnit['1000-10000']).toBeCloseTo((1800 * 1024) / 9000);
  const base = lin.find((l) => l.variant === 'baseline')!;
  expect(base.msPerUnitSpread).toBeCloseTo(1);
  // One size alone says nothing about growth.
  expect(linearityOf([row(100, [1, 1], [1, 1])])).toEqual([]);
});
