/**
 * Helpers of the output-directory tests (test/outdir-*.test.ts): run the real `modelplane` command,
 * take byte-exact snapshots of directory trees, and find temporary folders left behind.
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root. */
export const ROOT = resolve(__dirname, '..', '..');
/** The `modelplane` command. */
export const BIN = join(ROOT, 'bin', 'modelplane.js');
/** The file synth writes into every output directory: what it wrote, with hashes. */
export const MANIFEST = '.modelplane-output';

/** A small, valid team file with a cascade (so the output has dags/). */
export const TEAM = `team: risk
defaults:
  image: docker.io/apache/spark:3.5.3-python3
  python: "3.11"
  environment: s3a://envs/risk/base-1.0.0.tar.gz
  spark: { version: "3.5.3" }
models:
  - name: churn
    type: batch
    main: s3a://code/risk/churn/score.py
    schedule: "0 3 * * *"
    output: hive://risk.churn_scores
  - name: ltv
    type: batch
    main: s3a://code/risk/ltv/score.py
    output: hive://risk.ltv_scores
cascades:
  - name: nightly
    schedule: "0 1 * * *"
    blocks:
      - { name: first, models: [churn] }
      - { name: second, models: [ltv] }
`;

/** What a command run returned. */
export interface Run {
  code: number;
  out: string;
  err: string;
}

/** Runs `modelplane ARGS` in `cwd` as a child process (extra environment in `env`). */
export function mp(args: string[], cwd: string, env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** A fresh temporary directory. */
export function temp(prefix = 'mp-outdir-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Every entry under `dir`: files with their bytes (base64), directories as `<dir>`, symbolic links as
 * `-> target`. Two equal snapshots mean nothing was added, removed, changed or replaced.
 */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string, rel: string) => {
    for (const name of readdirSync(p).sort()) {
      const full = join(p, name);
      const st = lstatSync(full);
      const r = `${rel}${name}`;
      if (st.isSymbolicLink()) out[r] = `-> ${readlinkSync(full)}`;
      else if (st.isDirectory()) {
        out[`${r}/`] = '<dir>';
        walk(full, `${r}/`);
      } else out[r] = readFileSync(full).toString('base64');
    }
  };
  walk(dir, '');
  return out;
}

/** Names of the temporary folders synth, validate or diff leave in `dir` (there must be none). */
export function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.includes('.modelplane-') || n.startsWith('modelplane-check'));
}
