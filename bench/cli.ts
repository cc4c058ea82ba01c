/**
 * `npm run bench:cli [-- --reps 7]`: the CPU time (user + system) and peak RSS of `modelplane` commands,
 * each a fresh process on the compiled build/ (what the published package runs): `--version`, `--help`,
 * and `validate` and `synth` of examples/bank-cascades. Node.js itself (`node -e 0`) is measured in the
 * same run as the floor. Prints medians; a script, not a timed test. Builds first (`npm run build`), so a
 * build/ left from an earlier `npm pack` never stands in for the sources.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';

const ROOT = resolve(__dirname, '..');
const BIN = join(ROOT, 'bin', 'modelplane.js');
const BANK = join(ROOT, 'examples', 'bank-cascades');

/** A preload that writes the process's own resource usage (since it started) when it exits. */
const PROBE = `process.on('exit', () => require('node:fs').writeFileSync(process.env.BENCH_CLI_USAGE, JSON.stringify(process.resourceUsage())));`;

/** CPU ms (user + system, the whole process) and peak RSS MiB of one run. */
function once(args: string[], cwd: string, dir: string): { cpuMs: number; rssMiB: number } {
  const usage = join(dir, 'usage.json');
  rmSync(usage, { force: true });
  const r = spawnSync(process.execPath, ['--require', join(dir, 'probe.js'), ...args], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MODELPLANE_USE_BUILD: '1', BENCH_CLI_USAGE: usage },
  });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const u = JSON.parse(readFileSync(usage, 'utf8')) as { userCPUTime: number; systemCPUTime: number; maxRSS: number };
  return { cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, rssMiB: u.maxRSS / 1024 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function main(): void {
  const repsArg = process.argv.indexOf('--reps');
  const reps = repsArg > 0 ? Number(process.argv[repsArg + 1]) : 7;
  if (!Number.isInteger(reps) || reps < 1) throw new Error('--reps must be a positive whole number');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const out = mkdtempSync(join(tmpdir(), 'bench-cli-'));
  writeFileSync(join(out, 'probe.js'), PROBE);
  try {
    const cases: [string, string[], string][] = [
      ['node -e 0 (floor)', ['-e', '0'], ROOT],
      ['modelplane --version', [BIN, '--version'], ROOT],
      ['modelplane --help', [BIN, '--help'], ROOT],
      ['modelplane validate (bank-cascades)', [BIN, 'validate'], BANK],
      ['modelplane synth (bank-cascades)', [BIN, 'synth', '-q', '-o', join(out, 'dist')], BANK],
    ];
    // One unmeasured run each fills the caches (V8 code, transpile, schema), as any second run finds them.
    for (const [, args, cwd] of cases) once(args, cwd, out);
    const models = (YAML.parse(readFileSync(join(BANK, 'modelplane.yaml'), 'utf8')) as { models: unknown[] }).models.length;
    process.stdout.write(
      `median of ${reps} runs, each a fresh process on build/ (user + system CPU); bank-cascades has ${models} models\n`,
    );
    for (const [name, args, cwd] of cases) {
      const runs = Array.from({ length: reps }, () => once(args, cwd, out));
      process.stdout.write(
        `  ${name.padEnd(38)} ${median(runs.map((r) => r.cpuMs))
          .toFixed(0)
          .padStart(5)} ms CPU  ${median(runs.map((r) => r.rssMiB))
          .toFixed(0)
          .padStart(4)} MiB\n`,
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (require.main === module) main();
