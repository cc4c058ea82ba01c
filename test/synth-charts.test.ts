/**
 * The linear synth writes what cdk8s's own `App.synth()` writes: the same files with the same bytes, on
 * random construct trees (charts nested in charts, objects depending on objects and charts of other
 * charts, a chart or an object added after others depend on it) and on the repository's own outputs
 * (the default app and every example are compared in test/examples.test.ts and by `npm run synth`).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiObject, App, Chart, YamlOutputType } from 'cdk8s';
import { Construct } from 'constructs';
import fc from 'fast-check';
import { chartFileNames, synthesizeCharts, synthLinear } from '../src/core/synth-charts';

/** A random app: charts (some nested), objects in them, and dependencies between any two nodes. */
interface Shape {
  readonly charts: readonly { parent: number | null; objects: number; ns: boolean }[];
  readonly deps: readonly [number, number][];
}

const shape: fc.Arbitrary<Shape> = fc
  .array(fc.record({ parent: fc.option(fc.nat(8), { nil: null }), objects: fc.nat(4), ns: fc.boolean() }), { minLength: 1, maxLength: 8 })
  .chain((charts) => fc.record({ charts: fc.constant(charts), deps: fc.array(fc.tuple(fc.nat(40), fc.nat(40)), { maxLength: 12 }) }));

function build(s: Shape, props: { outdir: string; yamlOutputType?: YamlOutputType }): App {
  const app = new App(props);
  const charts: Chart[] = [];
  const nodes: Construct[] = [];
  s.charts.forEach((c, i) => {
    // A parent index points at an earlier chart only (or the app).
    const parent = c.parent !== null && c.parent < i ? charts[c.parent]! : app;
    const chart = new Chart(parent, `c${i}`, c.ns ? { namespace: `ns${i}` } : {});
    charts.push(chart);
    nodes.push(chart);
    for (let o = 0; o < c.objects; o++) {
      const group = new Construct(chart, `g${o}`);
      nodes.push(
        new ApiObject(group, `o${o}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}-${o}` }, data: { i: `${i}` } }),
      );
    }
  });
  for (const [a, b] of s.deps) {
    const [x, y] = [nodes[a % nodes.length]!, nodes[b % nodes.length]!];
    // Only dependencies that keep the graph acyclic (cdk8s refuses cycles either way): earlier on later.
    if (nodes.indexOf(x) < nodes.indexOf(y) && !x.node.scopes.includes(y) && !y.node.scopes.includes(x)) x.node.addDependency(y);
  }
  return app;
}

const read = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );

function both(s: Shape, yamlOutputType?: YamlOutputType): [Record<string, string>, Record<string, string>] {
  const [a, b] = [mkdtempSync(join(tmpdir(), 'linear-')), mkdtempSync(join(tmpdir(), 'cdk8s-'))];
  try {
    const linear = build(s, { outdir: a, yamlOutputType });
    expect(synthLinear(linear)).toBe(true);
    build(s, { outdir: b, yamlOutputType }).synth();
    return [read(a), read(b)];
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
}

test('a file per chart: the same files, names and bytes as App.synth()', () => {
  fc.assert(
    fc.property(shape, (s) => {
      const [linear, cdk8s] = both(s);
      expect(linear).toEqual(cdk8s);
    }),
    { numRuns: 150 },
  );
});

test('a file per app: the same file as App.synth()', () => {
  fc.assert(
    fc.property(shape, (s) => {
      const [linear, cdk8s] = both(s, YamlOutputType.FILE_PER_APP);
      expect(linear).toEqual(cdk8s);
    }),
    { numRuns: 60 },
  );
});

test('synthesizeCharts gives each chart what chart.toJson() gives', () => {
  fc.assert(
    fc.property(shape, (s) => {
      const ours = synthesizeCharts(build(s, { outdir: 'unused' }));
      const app = build(s, { outdir: 'unused' });
      // As App.synth(): the chart order after the app is resolved, then chart.toJson() for each.
      app.charts[0]!.toJson();
      const theirs = app.charts.map((c) => ({ id: c.node.path, objects: c.toJson() }));
      expect(ours.map((r) => ({ id: r.chart.node.path, objects: r.objects }))).toEqual(theirs);
    }),
    { numRuns: 100 },
  );
});

test('chart dependencies number the files in dependency order, as cdk8s does', () => {
  const app = new App({ outdir: 'unused' });
  const a = new Chart(app, 'a');
  const b = new Chart(app, 'b');
  a.addDependency(b);
  synthesizeCharts(app);
  expect(chartFileNames(app)).toEqual(['0000-b.k8s.yaml', '0001-a.k8s.yaml']);
});

test('a failing validation throws before anything is written, with the message cdk8s gives', () => {
  const dir = mkdtempSync(join(tmpdir(), 'linear-invalid-'));
  try {
    const app = new App({ outdir: join(dir, 'out') });
    const chart = new Chart(app, 'c');
    new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap' });
    new ApiObject(new Chart(app, 'd'), 'o', { apiVersion: 'v1', kind: 'ConfigMap' });
    chart.node.addValidation({ validate: () => ['too large'] });
    expect(() => synthLinear(app)).toThrow(/Validation failed with the following errors:\s*\[c\] too large/);
    expect(readdirSync(dir)).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('layouts it does not handle, and an app without charts, are left to cdk8s (nothing written)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'linear-other-'));
  try {
    const perResource = new App({ outdir: join(dir, 'a'), yamlOutputType: YamlOutputType.FILE_PER_RESOURCE });
    new ApiObject(new Chart(perResource, 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap' });
    expect(synthLinear(perResource)).toBe(false);
    expect(synthLinear(new App({ outdir: join(dir, 'b') }))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
