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
