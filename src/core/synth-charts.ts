/**
 * Synthesis in time linear in the size of the app. cdk8s 2.70's `App.synth()` renders each chart with
 * `chart.toJson()`, and each of those first resolves the dependencies of the whole app and validates
 * the whole app again (`App._synthChart` in node_modules/cdk8s/lib/app.js): with C charts of N objects
 * in all, that is C x N work — a platform with 300 teams spent most of its synth there. Resolving and
 * validating is idempotent (cdk8s repeats it per chart anyway), so doing it once and then rendering
 * each chart's objects exactly as `_synthChart` does gives the same objects in the same order; the
 * tests compare both on every output of the repository and on random construct trees.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ApiObject, App, Chart, DependencyGraph, Names, Yaml, YamlOutputType } from 'cdk8s';

/** One chart and its rendered objects. */
export interface SynthesizedChart {
  /** The chart. */
  readonly chart: Chart;
  /** Its objects as JSON, in cdk8s's dependency order. */
  readonly objects: readonly Record<string, unknown>[];
}

/**
 * Every chart of `app` with its objects, in the order `App.synth()` writes them: the app's
 * dependencies are resolved and its constructs validated once (a validation error is thrown before
 * anything is rendered), then each chart is rendered as `chart.toJson()` would.
 */
export function synthesizeCharts(app: App): SynthesizedChart[] {
  const before = app.charts;
  if (before.length === 0) return [];
  // cdk8s's own entry point for one chart: resolves and validates the whole app, and renders this chart.
  const first = before[0]!;
  const firstObjects = first.toJson() as Record<string, unknown>[];
  // Resolving adds chart dependencies, which can change the order of the charts.
  return app.charts.map((chart) => ({ chart, objects: chart === first ? firstObjects : chartObjects(chart) }));
}

/** A chart's objects as `App._synthChart` renders them once the app is resolved. */
function chartObjects(chart: Chart): Record<string, unknown>[] {
  return new DependencyGraph(chart.node)
    .topology()
    .filter((x): x is ApiObject => x instanceof ApiObject)
    .filter((x) => Chart.of(x) === chart) // an object belongs to its closest chart only
    .map((x) => x.toJson() as Record<string, unknown>);
}

/**
 * The file each chart is written to by `App.synth()` with a file per chart: `<chart>.k8s.yaml`, or
 * `0000-<chart>.k8s.yaml`, `0001-…` in dependency order when any chart depends on another (after
 * resolution: cdk8s records nested charts and cross-chart references as chart dependencies).
 */
export function chartFileNames(app: App, charts: readonly Chart[] = app.charts): string[] {
  const indexed = charts.some((c) => c.node.dependencies.some((d) => d instanceof Chart && d !== c));
  return charts.map((c, i) => `${indexed ? `${String(i).padStart(4, '0')}-` : ''}${Names.toDnsLabel(c)}${app.outputFileExtension}`);
}

/**
 * Writes what `app.synth()` writes, in linear time, for the layouts modelplane uses (a file per chart,
 * cdk8s's default, or a file per app); returns false, writing nothing, for any other layout, an app
 * without charts or one that records construct metadata, so the caller runs cdk8s's own synth instead. Every chart is rendered
 * before the first file is written.
 */
export function synthLinear(app: App): boolean {
  const layout = app.yamlOutputType;
  if (layout !== YamlOutputType.FILE_PER_CHART && layout !== YamlOutputType.FILE_PER_APP) return false;
  if ((app as unknown as { recordConstructMetadata?: boolean }).recordConstructMetadata) return false;
  // No chart: nothing to render, and cdk8s's synth still validates the constructs.
  if (app.charts.length === 0) return false;
  const rendered = synthesizeCharts(app);
  mkdirSync(app.outdir, { recursive: true });
  if (layout === YamlOutputType.FILE_PER_APP) {
    Yaml.save(
      join(app.outdir, `app${app.outputFileExtension}`),
      rendered.flatMap((r) => r.objects),
    );
    return true;
  }
  const names = chartFileNames(
    app,
    rendered.map((r) => r.chart),
  );
  rendered.forEach((r, i) => Yaml.save(join(app.outdir, names[i]!), [...r.objects]));
  return true;
}
