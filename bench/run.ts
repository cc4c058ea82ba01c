/**
 * `npm run bench [-- --case platform --sizes 1,10,100 --reps 3]`: synthesizes every case in
 * bench/cases/ at each size with modelplane and with its hand-written cdk8s/cdk8s-plus baseline,
 * each run in its own plain-Node child process (compiled once with tsc), and reports the median wall
 * time of synthesis, the median peak RSS, and their ratios (modelplane / baseline). Results go to .bench/latest.json and
 * .bench/bench-<time>.json. A script, not a timed test: nothing here passes or fails on speed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchCase, Measurement, Variant } from './types';
import { VARIANTS } from './types';

const ROOT = resolve(__dirname, '..');

interface Options {
  readonly cases?: string[];
  readonly sizes?: number[];
  readonly reps: number;
  /** Skip the Pulumi part (bench/pulumi.ts), which needs the engine and a local API server. */
  readonly noPulumi: boolean;
}

function parseArgs(argv: string[]): Options {
  let cases: string[] | undefined;
  let sizes: number[] | undefined;
  let reps = 3;
  let noPulumi = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--case') cases = next().split(',');
    else if (a === '--sizes') sizes = next().split(',').map(Number);
    else if (a === '--reps') reps = Number(next());
    else if (a === '--no-pulumi') noPulumi = true;
    else throw new Error(`unknown argument ${a}; use --case NAME[,NAME] --sizes N[,N] --reps N --no-pulumi`);
  }
  if (!Number.isInteger(reps) || reps < 1) throw new Error('--reps must be a positive whole number');
  if (sizes && sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--sizes must be positive whole numbers');
  return { cases, sizes, reps, noPulumi };
}

/** Every case module in bench/cases/, sorted by name. */
export function discoverCases(): BenchCase[] {
  return readdirSync(join(__dirname, 'cases'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => (require(join(__dirname, 'cases', f)) as { default: BenchCase }).default);
}

/**
 * Compiles the measuring program (bench/child.ts, the cases and what they load) to plain JavaScript
 * once, so each measured process runs on plain Node: no TypeScript compiler in its time or memory.
 */
function compile(): string {
  // Inside the repository (under the ignored .bench/), so the compiled code resolves node_modules.
  const outDir = join(ROOT, '.bench', 'build');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  try {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(__dirname, 'tsconfig.json'), '--outDir', outDir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    // Type errors elsewhere in the repository do not stop emission; a missing program does.
    if (!existsSync(join(outDir, 'bench', 'child.js'))) throw e;
  }
  return join(outDir, 'bench', 'child.js');
}

function measure(child: string, c: BenchCase, variant: Variant, n: number): Measurement {
  const outdir = mkdtempSync(join(tmpdir(), `bench-${c.name}-${variant}-${n}-`));
  try {
    const out = execFileSync(process.execPath, [child, c.name, variant, String(n), outdir], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(out.trim().split('\n').pop() as string) as Measurement;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** One row of the report. */
export interface Row {
  readonly case: string;
  readonly unit: string;
  readonly n: number;
  readonly objects: Record<Variant, number>;
  readonly sameObjects: boolean;
  readonly kindDiff: Record<string, [number, number]>;
  readonly synthMs: Record<Variant, number>;
  readonly processMs: Record<Variant, number>;
  readonly maxRssMiB: Record<Variant, number>;
  readonly synthRatio: number;
  readonly rssRatio: number;
  readonly runs: Measurement[];
}

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  const all = discoverCases();
  const unknown = (opts.cases ?? []).filter((n) => !all.some((c) => c.name === n));
  if (unknown.length > 0) throw new Error(`unknown case(s) ${unknown.join(', ')}; known: ${all.map((c) => c.name).join(', ')}`);
  const cases = opts.cases ? all.filter((c) => opts.cases!.includes(c.name)) : all;
  const child = compile();
  const rows: Row[] = [];
  for (const c of cases) {
    for (const n of opts.sizes ?? c.sizes) {
      const runs: Measurement[] = [];
      for (let r = 0; r < opts.reps; r++) {
        // Alternate the order so drift (thermal, caches) does not favour one variant.
        for (const v of r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
          const m = measure(child, c, v, n);
          runs.push(m);
          process.stderr.write(
            `  ${c.name} n=${n} ${v} #${r + 1}: ${m.synthMs.toFixed(0)} ms, ${m.maxRssMiB.toFixed(0)} MiB, ${m.objects} objects\n`,
          );
        }
      }
      const by = (v: Variant) => runs.filter((m) => m.variant === v);
      const stat = (f: (m: Measurement) => number) =>
        Object.fromEntries(VARIANTS.map((v) => [v, median(by(v).map(f))])) as Record<Variant, number>;
      const kindsMp = by('modelplane')[0].kinds;
      const kindsBase = by('baseline')[0].kinds;
      const kindDiff: Record<string, [number, number]> = {};
      for (const k of [...new Set([...Object.keys(kindsMp), ...Object.keys(kindsBase)])].sort()) {
        if ((kindsMp[k] ?? 0) !== (kindsBase[k] ?? 0)) kindDiff[k] = [kindsMp[k] ?? 0, kindsBase[k] ?? 0];
      }
      const synthMs = stat((m) => m.synthMs);
      const maxRssMiB = stat((m) => m.maxRssMiB);
      rows.push({
        case: c.name,
        unit: c.unit,
        n,
        objects: stat((m) => m.objects),
        sameObjects: Object.keys(kindDiff).length === 0,
        kindDiff,
        synthMs,
        processMs: stat((m) => m.processMs),
        maxRssMiB,
        synthRatio: synthMs.modelplane / synthMs.baseline,
        rssRatio: maxRssMiB.modelplane / maxRssMiB.baseline,
        runs,
      });
    }
  }
  printTable(rows, opts.reps);
  const linearity = linearityOf(rows);
  printLinearity(linearity);
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    reps: opts.reps,
    rows,
    linearity,
  };
  const dir = join(ROOT, '.bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(dir, `bench-${result.date.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\nresults: .bench/latest.json\n`);
}

function printTable(rows: Row[], reps: number): void {
  const header = [
    'case',
    'size',
    'objects',
    'synth ms modelplane',
    'synth ms baseline',
    'ratio',
    'peak RSS MiB modelplane',
    'peak RSS MiB baseline',
    'ratio',
    'process ms mp / base',
  ];
  const lines = rows.map((r) => [
    r.case,
    `${r.n} ${r.unit}`,
    r.sameObjects ? String(r.objects.modelplane) : `${r.objects.modelplane} vs ${r.objects.baseline} (!)`,
    r.synthMs.modelplane.toFixed(0),
    r.synthMs.baseline.toFixed(0),
    `${r.synthRatio.toFixed(2)}x`,
    r.maxRssMiB.modelplane.toFixed(0),
    r.maxRssMiB.baseline.toFixed(0),
    `${r.rssRatio.toFixed(2)}x`,
    `${r.processMs.modelplane.toFixed(0)} / ${r.processMs.baseline.toFixed(0)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  process.stdout.write(`\nmedian of ${reps} run(s) per variant, each in its own process; ratio = modelplane / baseline\n`);
  process.stdout.write(`${fmt(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n`);
  for (const l of lines) process.stdout.write(`${fmt(l)}\n`);
  for (const r of rows.filter((x) => !x.sameObjects)) {
    process.stdout.write(
      `(!) ${r.case} n=${r.n}: the baseline no longer writes the same objects (kind: [modelplane, baseline]) ${JSON.stringify(r.kindDiff)}; update bench/baseline/\n`,
    );
  }
}

/** How one case's cost grows with its size, per variant: the figures the "linear within 20%" claim rests on. */
export interface Linearity {
  readonly case: string;
  readonly unit: string;
  readonly variant: Variant;
  /** Synthesis milliseconds per unit at each size. */
  readonly msPerUnit: Record<number, number>;
  /** Largest over smallest of msPerUnit across the sizes (1.00 is perfectly linear). */
  readonly msPerUnitSpread: number;
  /** Peak RSS added per unit between consecutive sizes, in KiB (`"100-1000"` -> KiB per unit). */
  readonly rssKiBPerUnit: Record<string, number>;
  /** Largest over smallest of rssKiBPerUnit (needs three sizes or more). */
  readonly rssPerUnitSpread: number | null;
}

/** The per-unit figures of every case measured at two sizes or more (a pure function of the rows, tested). */
export function linearityOf(rows: readonly Pick<Row, 'case' | 'unit' | 'n' | 'synthMs' | 'maxRssMiB'>[]): Linearity[] {
  const out: Linearity[] = [];
  for (const name of [...new Set(rows.map((r) => r.case))]) {
    const rs = rows.filter((r) => r.case === name).sort((a, b) => a.n - b.n);
    if (rs.length < 2) continue;
    for (const variant of VARIANTS) {
      const msPerUnit = Object.fromEntries(rs.map((r) => [r.n, r.synthMs[variant] / r.n]));
      const rssKiBPerUnit: Record<string, number> = {};
      for (let i = 1; i < rs.length; i++) {
        const [a, b] = [rs[i - 1], rs[i]];
        rssKiBPerUnit[`${a.n}-${b.n}`] = ((b.maxRssMiB[variant] - a.maxRssMiB[variant]) * 1024) / (b.n - a.n);
      }
      const spread = (xs: number[]) => (xs.length < 2 || Math.min(...xs) <= 0 ? null : Math.max(...xs) / Math.min(...xs));
      out.push({
        case: name,
        unit: rs[0].unit,
        variant,
        msPerUnit,
        msPerUnitSpread: spread(Object.values(msPerUnit)) ?? 1,
        rssKiBPerUnit,
        rssPerUnitSpread: spread(Object.values(rssKiBPerUnit)),
      });
    }
  }
  return out;
}

function printLinearity(lin: readonly Linearity[]): void {
  if (lin.length === 0) return;
  process.stdout.write(`\nper unit (linear when the spread, largest / smallest across sizes, stays near 1.00; the issue's bar is 1.20)\n`);
  for (const l of lin) {
    const ms = Object.entries(l.msPerUnit)
      .map(([n, v]) => `${n}: ${v.toFixed(2)}`)
      .join(', ');
    const rss = Object.entries(l.rssKiBPerUnit)
      .map(([k, v]) => `${k}: ${v.toFixed(0)}`)
      .join(', ');
    const rssSpread = l.rssPerUnitSpread === null ? 'n/a' : `${l.rssPerUnitSpread.toFixed(2)}x`;
    process.stdout.write(
      `  ${l.case} ${l.variant}: synth ms per ${l.unit.replace(/s$/, '')} ${ms} (spread ${l.msPerUnitSpread.toFixed(2)}x); ` +
        `peak RSS KiB added per ${l.unit.replace(/s$/, '')} ${rss} (spread ${rssSpread})\n`,
    );
  }
}

if (require.main === module) {
  main();
  // Then pulumi preview/up of the platform plus 100 models next to kubectl (bench/pulumi.ts), unless only some cases were asked for.
  const opts = parseArgs(process.argv.slice(2));
  if (!opts.noPulumi && !opts.cases) execFileSync('npm', ['run', '--silent', 'bench:pulumi'], { cwd: ROOT, stdio: 'inherit' });
}
