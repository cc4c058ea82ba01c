/**
 * What an App's `synth()` leaves in its outdir when it writes there directly (the cdk8s path:
 * `stacks/main.ts`, a model repository's own app). cdk8s's `App.synth()` creates the outdir and
 * overwrites one `<chart>.k8s.yaml` per chart, and deletes nothing: a chart that is gone leaves its old
 * file behind. (The `cdk8s synth` command, not the App, empties the whole output directory before it
 * runs the app.) For an App this module is installed on, `synth()` then also writes the files of the
 * registered writers (the team DAG files), removes the files of the previous synth that it no longer
 * writes — only those the previous output manifest lists with an unchanged hash — and writes the new
 * manifest (`.modelplane-output`, see core/output-manifest.ts). Files it did not write stay.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, YamlOutputType } from 'cdk8s';
import { OUTPUT_MANIFEST, ownedOutputFiles, removeStaleOutput, writeOutputManifest } from '../core/output-manifest';
import { chartFileNames, synthLinear } from '../core/synth-charts';

/** Writes files into the outdir after cdk8s wrote the charts; returns what it wrote, relative to the outdir. */
export type OutputWriter = (outdir: string) => readonly string[];

const installed = new WeakMap<App, OutputWriter[]>();

/**
 * Makes `app.synth()` synthesize in linear time and record its output (once per App): cdk8s's files
 * written by {@link synthLinear} (the same files; cdk8s's own synth for layouts it does not handle),
 * then `writer` (if given) runs, stale files of the previous synth are removed and the output manifest
 * is written. Nothing of this runs when synth fails. Every modelplane chart installs it on its App.
 */
export function recordSynthOutput(app: App, writer?: OutputWriter): void {
  let writers = installed.get(app);
  if (!writers) {
    writers = [];
    installed.set(app, writers);
    const synth = app.synth.bind(app);
    const all = writers;
    app.synth = () => {
      const owned = ownedOutputFiles(app.outdir);
      if (!synthLinear(app)) synth();
      const written = all.flatMap((w) => [...w(app.outdir)]);
      const charts = chartFiles(app);
      if (!charts) {
        // An output layout this module does not know: no manifest (so nothing is ever removed).
        rmSync(join(app.outdir, OUTPUT_MANIFEST), { force: true });
        return;
      }
      written.push(...charts);
      removeStaleOutput(app.outdir, owned, new Set(written));
      writeOutputManifest(app.outdir, written);
    };
  }
  if (writer) writers.push(writer);
}

/**
 * The files cdk8s's `App.synth()` just wrote (node_modules/cdk8s/lib/app.js): one per chart, named by
 * `Names.toDnsLabel(chart)` and prefixed `0000-`, `0001-`, ... in dependency order when any chart
 * depends on another; or `app.k8s.yaml` for a file per app. Undefined for the other layouts, or when a
 * file is not there (cdk8s named it otherwise).
 */
function chartFiles(app: App): string[] | undefined {
  const ext = app.outputFileExtension;
  const charts = app.charts;
  let files: string[];
  if (app.yamlOutputType === YamlOutputType.FILE_PER_APP) files = charts.length > 0 ? [`app${ext}`] : [];
  else if (app.yamlOutputType === YamlOutputType.FILE_PER_CHART) files = chartFileNames(app, charts);
  else return undefined;
  // Construct metadata is written only when asked for (a private setting of the App).
  if ((app as unknown as { recordConstructMetadata?: boolean }).recordConstructMetadata) files.push('construct-metadata.json');
  return files.every((f) => existsSync(join(app.outdir, f))) ? files : undefined;
}
