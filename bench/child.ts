/**
 * One measurement in its own process, so peak RSS belongs to one case, one variant and one size:
 * `child.js <case> <variant> <n> <outdir>` (compiled by run.ts) prints a {@link Measurement} as JSON on stdout.
 * Only the measured variant's modules are loaded.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdk8s';
import YAML from 'yaml';
import type { BenchCase, Measurement, Variant } from './types';

function main(): void {
  const [caseName, variant, nText, outdir] = process.argv.slice(2);
  const mod = require(join(__dirname, 'cases', caseName)) as { default: BenchCase };
  const c = mod.default;
  const n = Number(nText);
  if (variant !== 'modelplane' && variant !== 'baseline') throw new Error(`unknown variant ${variant}`);
  const build = c.load(variant as Variant);
  const start = process.hrtime.bigint();
  const app = new App({ outdir });
  build(app, n);
  app.synth();
  const synthMs = Number(process.hrtime.bigint() - start) / 1e6;
  const processMs = performance.now();
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  // Count what was written (after the measurement).
  const kinds: Record<string, number> = {};
  let objects = 0;
  let bytes = 0;
  for (const f of readdirSync(outdir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const text = readFileSync(join(outdir, f), 'utf8');
    bytes += Buffer.byteLength(text);
    for (const doc of YAML.parseAllDocuments(text)) {
      const obj = doc.toJS() as { kind?: string } | null;
      if (!obj) continue;
      objects += 1;
      kinds[String(obj.kind)] = (kinds[String(obj.kind)] ?? 0) + 1;
    }
  }
  const m: Measurement = { case: c.name, variant: variant as Variant, n, synthMs, processMs, maxRssMiB, objects, kinds, bytes };
  process.stdout.write(`${JSON.stringify(m)}\n`);
}

main();
