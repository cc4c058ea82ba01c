/**
 * A fuzz worker: a long-lived child process that runs the CLI's exported `run(argv, io, cwd)` — the same
 * function bin/modelplane.js calls, loaded through the same bin/register.js transpiler — on the cases the
 * runner sends over IPC, and checks each run (test/fuzz/checks.ts) before answering. Anything written
 * to the real stdout/stderr while a case runs (a stray console.log, a process warning) counts as that
 * case's output, as it would in a real process; an uncaught exception or unhandled rejection is reported
 * as the case's finding. The runner kills and replaces a worker that does not answer in time.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { run } from '../../src/frontends/cli/main';
import { checkRun, CheckOutput, clip, Finding, RunResult } from './checks';
import { onSchemaCompile } from './crd-schemas';
import { SENTINEL } from './mutators';

/** A case as the runner sends it. */
export interface CaseMessage {
  /** Message type. */
  readonly type: 'case';
  /** Case index. */
  readonly id: number;
  /** `synth ...` arguments. */
  readonly argv: string[];
  /** Files named in argv. */
  readonly files: string[];
  /** Holds the output directory and nothing else. */
  readonly workDir: string;
  /** `-o`. */
  readonly outDir: string;
  /** The case text. */
  readonly caseText: string;
  /** Also run `validate` and compare. */
  readonly validate: boolean;
  /** Also synthesize a second time and compare the bytes. */
  readonly determinism: boolean;
  /** A sentinel case: the field path whose value carries the token {@link SENTINEL}. */
  readonly sentinel?: string;
  /** Re-synth: the unmutated seed's arguments (without -o); its output is put into the output directory first. */
  readonly seedArgv?: string[];
  /** Where the worker may keep the seeds' outputs. */
  readonly scratch?: string;
  /** Files that must be unchanged after the run (besides the input files). */
  readonly protect?: string[];
  /** Names in the work directory set up before the run (allowed to stay). */
  readonly keep?: string[];
  /** Only check this result (of a real subprocess) instead of running. */
  readonly given?: RunResult;
}

/** The worker's answer. */
export interface ResultMessage extends RunResult, CheckOutput {
  /** Message type. */
  readonly type: 'result';
  /** Case index. */
  readonly id: number;
  /** Milliseconds in run(). */
  readonly ms: number;
  /** The worker's resident memory after the case, in MB (the runner replaces a worker that grew too big). */
  readonly rssMb: number;
}

/**
 * Fields that are documented as not passed on, so their values are not expected in the output: a model's
 * `description` ("for readers of the file; not passed on", src/frontends/config/mapping-tables.ts).
 */
const DROPPED_ON_PURPOSE = /^models\[\d+\]\.description$/;

let capture: { out: string; err: string } | undefined;
const asyncFindings: Finding[] = [];

for (const [stream, key] of [
  [process.stdout, 'out'],
  [process.stderr, 'err'],
] as const) {
  const write = stream.write.bind(stream) as (...a: unknown[]) => boolean;
  (stream as { write: unknown }).write = (chunk: unknown, ...rest: unknown[]) => {
    if (capture) {
      capture[key] += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
      return true;
    }
    return write(chunk, ...rest);
  };
}
process.on('warning', (w) => {
  if (capture) capture.err += `(node:${process.pid}) ${w.name}: ${w.message}\n`;
});
process.on('unhandledRejection', (e) => {
  asyncFindings.push({ cls: 'unhandled-rejection', detail: clip(String((e as Error)?.stack ?? e)) });
});
process.on('uncaughtException', (e) => {
  asyncFindings.push({ cls: 'uncaught-exception', detail: clip(String(e?.stack ?? e)) });
});

/** Runs the CLI in this process, capturing everything it writes. */
async function runCli(argv: string[], cwd: string): Promise<RunResult & { ms: number }> {
  const c = { out: '', err: '' };
  capture = c;
  const t0 = Date.now();
  let code: number;
  try {
    code = run(argv, { out: (t) => (c.out += t), err: (t) => (c.err += t) }, cwd);
  } catch (e) {
    // run() catches everything itself; reaching this is a crash of the CLI's own error handling.
    c.err += `run() threw: ${String((e as Error)?.stack ?? e)}\n`;
    code = 4;
  }
  const ms = Date.now() - t0;
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  capture = undefined;
  return { code, out: c.out, err: c.err, ms };
}

/** Every file under `dir` with its bytes, for a byte-for-byte comparison. */
function tree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

/** Outputs of the unmutated seeds (by their argv), synthesized once per worker; undefined when refused. */
const previousOutputs = new Map<string, string | undefined>();

/** The output of `seedArgv` (synthesized into a directory of this worker on first use). */
async function previousOutput(seedArgv: string[], scratch: string): Promise<string | undefined> {
  const key = JSON.stringify(seedArgv);
  if (previousOutputs.has(key)) return previousOutputs.get(key);
  const dir = join(scratch, `previous-${process.pid}-${previousOutputs.size}`, 'dist');
  mkdirSync(join(dir, '..'), { recursive: true });
  const r = await runCli([...seedArgv, '-o', dir, '-q'], scratch);
  const out = r.code === 0 ? dir : undefined;
  previousOutputs.set(key, out);
  return out;
}

/** The output directory holds exactly `expected` (file by file, byte for byte). */
function sameTree(dir: string, expected: Map<string, Buffer>): string[] {
  const now = existsSync(dir) ? tree(dir) : new Map<string, Buffer>();
  return [...new Set([...now.keys(), ...expected.keys()])].filter(
    (k) => !now.get(k) || !expected.get(k) || !now.get(k)!.equals(expected.get(k)!),
  );
}

async function handle(m: CaseMessage): Promise<ResultMessage> {
  mkdirSync(m.workDir, { recursive: true });
  // Re-synth: the output directory already holds the seed's output, as after an earlier synth.
  const previous = m.seedArgv && !m.given ? await previousOutput(m.seedArgv, m.scratch!) : undefined;
  const before = previous ? tree(previous) : undefined;
  if (previous) cpSync(previous, m.outDir, { recursive: true });
  const guarded = [...new Set([...m.files, ...(m.protect ?? [])])].filter((p) => existsSync(p) && statSync(p).isFile());
  const hashes = new Map(guarded.map((p) => [p, readFileSync(p)]));
  const r = m.given ? { ...m.given, ms: 0 } : await runCli(m.argv, m.workDir);
  // The CLI is done: a timeout from here on is the checks' (the runner says so instead of "hang").
  process.send!({ type: 'ran', ms: r.ms });
  const damaged = [...hashes].filter(([p, b]) => !existsSync(p) || !statSync(p).isFile() || !readFileSync(p).equals(b)).map(([p]) => p);
  const resynth = before ? await checkResynth(m, r, before) : [];
  // commander keeps the last of a repeated option
  const platformFile = m.argv[m.argv.lastIndexOf('--platform') + 1];
  const checked = checkRun({
    ...r,
    files: m.files,
    workDir: m.workDir,
    outDir: m.outDir,
    caseText: m.caseText,
    platformFile: m.argv.includes('--platform') ? platformFile : undefined,
    keep: [...(m.keep ?? []), ...(before ? [basename(m.outDir)] : [])],
  });
  const findings = [...checked.findings, ...resynth, ...asyncFindings.splice(0)];
  if (r.code === 0 && m.argv.filter((a) => a === '--platform').length > 1)
    findings.push({ cls: 'value-lost', detail: '--platform was given twice and synth succeeded: one platform file was silently ignored' });
  for (const p of damaged)
    findings.push({ cls: 'deleted-foreign-file', detail: `${p} (not written by modelplane) was ${existsSync(p) ? 'changed' : 'deleted'}` });
  if (
    m.sentinel &&
    !DROPPED_ON_PURPOSE.test(m.sentinel) &&
    r.code === 0 &&
    existsSync(m.outDir) &&
    ![...tree(m.outDir).values()].some((b) => b.includes(SENTINEL)) &&
    !(await inHelmValues(m, platformFile))
  )
    findings.push({
      cls: 'value-lost',
      detail: `${m.sentinel} was accepted but its value (suffix "${SENTINEL}") is nowhere in the output`,
    });
  if (!m.given && m.validate) findings.push(...(await compareValidate(m, r)));
  if (!m.given && m.determinism && r.code === 0) findings.push(...(await compareAgain(m)));
  return { type: 'result', id: m.id, ...r, ...checked, findings, rssMb: Math.round(process.memoryUsage().rss / 1e6) };
}

/**
 * Whether the sentinel reached the Helm values a platform file gives its releases (the operators', and the teams'
 * JupyterHubs, whose settings such as `workspace.url` go nowhere else): the output a platform engineer installs
 * with `modelplane operators [--workspaces]`.
 */
async function inHelmValues(m: CaseMessage, platformFile: string): Promise<boolean> {
  if (!m.argv.includes('--platform')) return false;
  for (const extra of [[], ['--workspaces']]) {
    const o = await runCli(['operators', '--platform', platformFile, ...extra], m.workDir);
    if (o.code === 0 && o.out.includes(SENTINEL)) return true;
  }
  return false;
}

/** `validate` with the same files: the same verdict (and the same problems) as `synth`, nothing left in TMPDIR. */
async function compareValidate(m: CaseMessage, synth: RunResult): Promise<Finding[]> {
  const args: string[] = ['validate'];
  for (let i = 1; i < m.argv.length; i++) {
    if (m.argv[i] === '-o') i++;
    else if (m.argv[i] !== '-q') args.push(m.argv[i]!);
  }
  const v = await runCli(args, m.workDir);
  const out: Finding[] = [];
  if (v.code !== synth.code)
    out.push({ cls: 'validate-differs', detail: `synth exit ${synth.code}, validate exit ${v.code}: ${clip(v.err)}` });
  else if (v.code === 1 && v.err !== synth.err) out.push({ cls: 'validate-differs', detail: 'validate and synth list different problems' });
  const tmp = process.env.TMPDIR;
  if (tmp) {
    const left = readdirSync(tmp);
    if (left.length > 0) out.push({ cls: 'partial-output', detail: `validate left ${left.join(', ')} in TMPDIR` });
    for (const e of left) rmSync(join(tmp, e), { recursive: true, force: true });
  }
  return out;
}

/**
 * Over an earlier output: a refused synth leaves it exactly as it was; an accepted one leaves exactly what a
 * synth into a new directory writes (no stale file of the earlier output, nothing missing).
 */
async function checkResynth(m: CaseMessage, r: RunResult, before: Map<string, Buffer>): Promise<Finding[]> {
  if (r.code !== 0) {
    const differ = sameTree(m.outDir, before);
    return differ.length
      ? [
          {
            cls: 'previous-output-damaged',
            detail: `refused (exit ${r.code}) but changed the earlier output: ${differ.slice(0, 5).join(', ')}`,
          },
        ]
      : [];
  }
  const fresh = join(`${m.workDir}-fresh`, 'dist');
  mkdirSync(join(fresh, '..'), { recursive: true });
  try {
    const again = await runCli(
      m.argv.map((a) => (a === m.outDir ? fresh : a)),
      m.workDir,
    );
    if (again.code !== 0)
      return [{ cls: 'nondeterministic', detail: `a synth into a new directory exited ${again.code} where the re-synth exited 0` }];
    const differ = sameTree(m.outDir, tree(fresh));
    return differ.length
      ? [
          {
            cls: 'stale-output',
            detail: `a re-synth over the earlier output differs from a fresh synth in ${differ.slice(0, 5).join(', ')}`,
          },
        ]
      : [];
  } finally {
    rmSync(`${m.workDir}-fresh`, { recursive: true, force: true });
  }
}

/** A second synth of the same input writes the same bytes. */
async function compareAgain(m: CaseMessage): Promise<Finding[]> {
  const again = join(`${m.workDir}-again`, 'dist');
  mkdirSync(`${m.workDir}-again`, { recursive: true });
  const argv = m.argv.map((a) => (a === m.outDir ? again : a));
  try {
    const r = await runCli(argv, m.workDir);
    if (r.code !== 0) return [{ cls: 'nondeterministic', detail: `the second synth exited ${r.code}: ${clip(r.err)}` }];
    const [a, b] = [tree(m.outDir), tree(again)];
    const differ = [...new Set([...a.keys(), ...b.keys()])].filter((k) => !a.get(k) || !b.get(k) || !a.get(k)!.equals(b.get(k)!));
    return differ.length ? [{ cls: 'nondeterministic', detail: `two synths of one input differ in ${differ.slice(0, 5).join(', ')}` }] : [];
  } finally {
    rmSync(`${m.workDir}-again`, { recursive: true, force: true });
  }
}

onSchemaCompile((kind) => process.send!({ type: 'compiling', kind }));

process.on('message', (m: CaseMessage) => {
  handle(m).then(
    (r) => process.send!(r),
    (e) => process.send!({ type: 'error', id: m.id, error: String((e as Error)?.stack ?? e) }),
  );
});
process.send!({ type: 'ready' });
