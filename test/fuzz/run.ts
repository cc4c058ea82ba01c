/**
 * The fuzz tier: generated inputs through the `modelplane` CLI as users run it (`synth -f CASE` for team
 * files, `synth --platform CASE` for platform files, each with the other files of its example), each of
 * which must be refused with exit 1 and located messages (or exit 2 and a usage message) or accepted with
 * output that passes the same checks as the examples' output (test/fuzz/checks.ts: YAML, identities, DNS
 * names, labels, quantities, numbers, references, the operators' CRD schemas, the operators the platform
 * installs, Pod Security, secrets; DAG files compile). Never exit 4, a stack trace, a hang, partial output
 * or a leftover temporary directory.
 *
 *   bash test/fuzz/run.sh                                   # 1,000 cases, seed 11
 *   FUZZ_SEED=7 FUZZ_CASES=5000 bash test/fuzz/run.sh
 *   FUZZ_SEED=11 FUZZ_ONLY=123,456 bash test/fuzz/run.sh    # replay cases (their failure line prints this)
 *   FUZZ_MINIMIZE=1 bash test/fuzz/run.sh                   # also shrink one failing case per class
 *
 * Design, and why:
 * - A plain Node program rather than jest: it owns its worker processes (a case that loops forever is
 *   killed with its worker and counted as a hang; jest cannot stop a synchronous loop in a test), it starts
 *   in about a second (the product is transpiled by bin/register.js, cached, as `modelplane` itself does,
 *   rather than by ts-jest), and it prints one summary of counts and failing cases for the CI log.
 * - Inputs: the cases are mutations (test/fuzz/mutators.ts) of every example file (team and platform files)
 *   and of every YAML case of the bad-input corpus (test/fuzz/seeds.ts); the first cases are the seeds
 *   themselves, unmutated (examples must be accepted, corpus cases refused). Case i depends only on the
 *   seed files, FUZZ_SEED and i, through its own seeded generator (test/fuzz/prng.ts): on one tree,
 *   FUZZ_ONLY replays it byte for byte (a new corpus file changes which seed later cases draw).
 *   12% of the cases are "sentinel" cases: one value gets a token that an accepted output must carry, in
 *   its files or, for a platform file, in the Helm values `modelplane operators [--workspaces]` prints
 *   ("nothing lost": a value accepted but silently dropped fails as value-lost).
 * - Speed: a process start costs ~0.8 s here, so cases run in FUZZ_WORKERS (default 2) long-lived workers
 *   calling the CLI's `run(argv, io, cwd)` over IPC (test/fuzz/worker.ts), each case bounded by
 *   FUZZ_TIMEOUT_MS (default 30 s; the largest accepted cases take ~3 s on a loaded machine). Every
 *   FUZZ_SUBPROCESS_EVERY-th case (default 25) also runs through the real `node bin/modelplane.js` in a
 *   child process, which shows what only a process shows (unhandled rejections, process.exit, warnings
 *   printed by Node) and must agree with the in-process run. Every 10th case also runs `validate` (same
 *   verdict, same problems, nothing left in TMPDIR) and every 10th accepted one is synthesized twice
 *   (same bytes). Every 10th case of a valid seed runs over the seed's own earlier output (refused: that
 *   output untouched; accepted: exactly what a fresh synth writes). DAG files of accepted cases are compiled by one `python3` process per batch of 40 cases.
 * - Failures: each failing case is written to .fuzz/failures/<index>.yaml (its exact bytes) with a .txt
 *   beside it (command, mutations, findings, stderr), and printed with the line that replays it. The run
 *   exits 1 when any case failed.
 */
import { ChildProcess, fork, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Finding, firstLines, RunResult } from './checks';
import { CRD_DIR, crdKinds } from './crd-schemas';
import { minimize } from './minimize';
import { mutate, SENTINEL } from './mutators';
import { Rng } from './prng';
import { loadSeeds, ROOT, Seed } from './seeds';
import type { CaseMessage, ResultMessage } from './worker';

const env = (k: string, d: number) => (process.env[k] !== undefined && process.env[k] !== '' ? Number(process.env[k]) : d);
const SEED = env('FUZZ_SEED', 11);
const CASES = env('FUZZ_CASES', 1000);
const WORKERS = Math.max(1, env('FUZZ_WORKERS', 2));
const TIMEOUT_MS = env('FUZZ_TIMEOUT_MS', 30_000);
const SUBPROCESS_EVERY = env('FUZZ_SUBPROCESS_EVERY', 25);
const VALIDATE_EVERY = env('FUZZ_VALIDATE_EVERY', 10);
const DETERMINISM_EVERY = env('FUZZ_DETERMINISM_EVERY', 10);
const RESYNTH_EVERY = env('FUZZ_RESYNTH_EVERY', 10);
const RECYCLE_MB = env('FUZZ_RECYCLE_MB', 1500);
const DAG_BATCH = 40;
const ONLY = (process.env.FUZZ_ONLY ?? '')
  .split(',')
  .filter((s) => s.trim() !== '')
  .map(Number);
const FAILURES = join(ROOT, '.fuzz', 'failures');

/** One generated case. */
interface Case {
  readonly index: number;
  readonly seed: Seed;
  readonly log: readonly string[];
  readonly bytes: Buffer;
  readonly file: string;
  readonly workDir: string;
  readonly outDir: string;
  readonly argv: string[];
  readonly files: string[];
  readonly sentinel?: string;
  /** Files set up for a command variant: they must be unchanged afterwards. */
  readonly protect?: string[];
  /** Names in the case's directory set up for a command variant (allowed to stay). */
  readonly keep?: string[];
}

/** What became of a case. */
interface Outcome {
  readonly c: Case;
  code: number;
  err: string;
  findings: Finding[];
  objects: number;
  dags: string[];
  ms: number;
}

const root = mkdtempSync(join(tmpdir(), 'modelplane-fuzz-'));
const seeds = loadSeeds();
const stats = { resynth: 0, subprocess: 0, validate: 0, determinism: 0, dagFiles: 0, workersStarted: 0 };

/** Case `index` of run SEED: a seed unmutated (the first cases), or a mutation of one. */
function makeCase(index: number): Case {
  let seed: Seed;
  let bytes: Buffer;
  let log: string[];
  let sentinel: string | undefined;
  if (index < seeds.length) {
    seed = seeds[index]!;
    bytes = Buffer.from(seed.text, 'utf8');
    log = ['(unmutated seed)'];
  } else {
    const rng = new Rng(SEED, index);
    seed = rng.weighted(seeds.map((s) => [s.weight, s] as const));
    try {
      ({ bytes, log, sentinel } = mutate(rng, seed.text));
    } catch (e) {
      // A bug of the fuzzer itself: the case runs unmutated and fails as fuzzer-error (see runCase).
      bytes = Buffer.from(seed.text, 'utf8');
      log = [
        `(fuzzer-error: the mutator threw ${String((e as Error)?.stack ?? e)
          .split('\n')
          .slice(0, 3)
          .join(' | ')})`,
      ];
    }
  }
  const file = join(root, 'cases', `${index}.yaml`);
  writeFileSync(file, bytes);
  const workDir = join(root, 'w', String(index));
  const outDir = join(workDir, 'dist');
  const argv = ['synth', seed.role === 'platform' ? '--platform' : '-f', file, ...seed.others, '-o', outDir];
  const files = [file, ...seed.others.filter((a) => !a.startsWith('-'))];
  const c: Case = { index, seed, log, bytes, file, workDir, outDir, argv, files, sentinel };
  const variant = index >= seeds.length && !sentinel ? commandVariant(new Rng(SEED ^ 0x5eed, index), c) : undefined;
  return variant ? { ...c, ...variant, log: [...log, variant.log] } : c;
}

/** What a command-line variant changes in a case. */
type Variant = Pick<Case, 'argv' | 'files'> &
  Partial<Pick<Case, 'outDir'>> & { readonly protect: string[]; readonly keep: string[]; readonly log: string };

/**
 * 5% of the cases: the command misused as users do — an output directory holding a file synth did not write,
 * an output path that is a file, the input's own directory as output, a directory or a missing file as
 * input, a file given twice, an unknown option, an empty output path, the file given in the other role.
 * What it set up in the case's directory must be there, unchanged, afterwards.
 */
function commandVariant(rng: Rng, c: Case): Variant | undefined {
  if (!rng.chance(0.05)) return undefined;
  const flag = c.seed.role === 'platform' ? '--platform' : '-f';
  const replaceOut = (to: string) => c.argv.map((a) => (a === c.outDir ? to : a));
  const replaceIn = (to: string) => c.argv.map((a, i) => (a === c.file && c.argv[i - 1] === flag ? to : a));
  mkdirSync(c.workDir, { recursive: true });
  switch (rng.int(0, 8)) {
    case 0: {
      const foreign = join(c.outDir, 'notes.txt');
      mkdirSync(c.outDir, { recursive: true });
      writeFileSync(foreign, 'my notes: not written by modelplane\n');
      return {
        argv: c.argv,
        files: c.files,
        protect: [foreign],
        keep: ['dist'],
        log: 'command: a file synth did not write in the output directory',
      };
    }
    case 1:
      writeFileSync(c.outDir, 'a file where the output directory should go\n');
      return { argv: c.argv, files: c.files, protect: [c.outDir], keep: ['dist'], log: 'command: the output path is a file' };
    case 2: {
      const input = join(c.workDir, 'in', 'modelplane.yaml');
      mkdirSync(join(c.workDir, 'in'), { recursive: true });
      writeFileSync(input, c.bytes);
      const argv = replaceIn(input).map((a) => (a === c.outDir ? join(c.workDir, 'in') : a));
      return {
        argv,
        files: [input, ...c.files.slice(1)],
        outDir: join(c.workDir, 'in'),
        protect: [input],
        keep: ['in'],
        log: "command: -o is the input's own directory",
      };
    }
    case 3: {
      const dir = join(c.workDir, 'adir.yaml');
      mkdirSync(dir);
      return {
        argv: replaceIn(dir),
        files: [dir, ...c.files.slice(1)],
        protect: [],
        keep: ['adir.yaml'],
        log: 'command: the input is a directory',
      };
    }
    case 4: {
      const missing = join(c.workDir, 'missing.yaml');
      return {
        argv: replaceIn(missing),
        files: [missing, ...c.files.slice(1)],
        protect: [],
        keep: [],
        log: 'command: the input file does not exist',
      };
    }
    case 5:
      return { argv: [...c.argv, '--frobnicate'], files: c.files, protect: [], keep: [], log: 'command: an unknown option' };
    case 6:
      return {
        argv: [...c.argv.slice(0, -2), flag, c.file, '-o', c.outDir],
        files: c.files,
        protect: [],
        keep: [],
        log: 'command: the file given twice',
      };
    case 7:
      return { argv: replaceOut(''), files: c.files, protect: [], keep: [], log: 'command: an empty output path' };
    default:
      return {
        argv: c.argv.map((a, i) => (i === 1 ? (flag === '-f' ? '--platform' : '-f') : a)),
        files: c.files,
        protect: [],
        keep: [],
        log: `command: the file given with ${flag === '-f' ? '--platform' : '-f'} instead of ${flag}`,
      };
  }
}

/** A worker process and what it is doing. */
class Slot {
  private child?: ChildProcess;
  private rssMb = 0;
  private extend?: () => void;
  /** Set when the worker says the CLI finished the current case (its run() time). */
  private ranMs?: number;
  private pending?: { resolve: (m: ResultMessage | { died: string }) => void };
  private log = '';

  constructor(private readonly n: number) {}

  /** Starts (or restarts) the worker. */
  async start(): Promise<void> {
    const tmp = join(root, `tmp-${this.n}`);
    mkdirSync(tmp, { recursive: true });
    stats.workersStarted++;
    const child = fork(join(__dirname, 'worker.ts'), [], {
      cwd: root,
      execArgv: ['-r', join(ROOT, 'bin', 'register.js'), '--no-warnings'],
      env: { ...process.env, TMPDIR: tmp, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    this.rssMb = 0;
    this.log = '';
    child.stdout!.on('data', (d) => (this.log += d));
    child.stderr!.on('data', (d) => (this.log += d));
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: { type: string }) => {
        if (m.type === 'ready') {
          child.off('message', onMessage);
          resolve();
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code, signal) => reject(new Error(`fuzz worker exited on start (${code ?? signal}): ${this.log}`)));
    });
    child.removeAllListeners('exit');
    child.on(
      'message',
      (m: ResultMessage | { type: 'error'; error: string } | { type: 'compiling'; kind: string } | { type: 'ran'; ms: number }) => {
        if (m.type === 'compiling') {
          this.extend?.();
          return;
        }
        if (m.type === 'ran') {
          this.ranMs = m.ms;
          return;
        }
        const p = this.pending;
        this.pending = undefined;
        if (m.type === 'error') p?.resolve({ died: `the fuzz worker failed: ${m.error}` });
        else p?.resolve(m);
      },
    );
    child.on('exit', (code, signal) => {
      const p = this.pending;
      this.pending = undefined;
      p?.resolve({ died: `the worker process exited (${signal ?? `code ${code}`}) during the case: ${firstLines(this.log, 6)}` });
    });
  }

  /** Sends one message; resolves with the answer, a death or a timeout. */
  async send(m: CaseMessage): Promise<ResultMessage | { died: string } | { hang: true; ranMs?: number }> {
    if (!this.child || this.rssMb > RECYCLE_MB) {
      if (process.env.FUZZ_DEBUG) console.log(`fuzz: worker ${this.n} restarts at ${this.rssMb} MB`);
      await this.restart();
    }
    const answer = new Promise<ResultMessage | { died: string }>((resolve) => (this.pending = { resolve }));
    this.child!.send(m);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ hang: true }>((resolve) => {
      timer = setTimeout(() => resolve({ hang: true }), TIMEOUT_MS);
      // A CRD schema compiled for the first time (seconds): the case starts its time again.
      this.extend = () => {
        clearTimeout(timer);
        timer = setTimeout(() => resolve({ hang: true }), TIMEOUT_MS);
      };
    });
    this.ranMs = undefined;
    const r: ResultMessage | { died: string } | { hang: true; ranMs?: number } = await Promise.race([answer, timeout]);
    clearTimeout(timer);
    this.extend = undefined;
    if ('hang' in r) r.ranMs = this.ranMs;
    if ('hang' in r || 'died' in r) await this.restart();
    else if ('rssMb' in r) this.rssMb = r.rssMb;
    return r;
  }

  /** Kills the worker (if any) and starts a new one. */
  async restart(): Promise<void> {
    this.stop();
    await this.start();
  }

  /** Kills the worker. */
  stop(): void {
    const c = this.child;
    this.child = undefined;
    this.pending = undefined;
    if (c && c.exitCode === null && c.signalCode === null) {
      c.removeAllListeners('exit');
      c.kill('SIGKILL');
    }
  }
}

/** Runs the real CLI in a child process (for the sample of cases). */
function runProcess(argv: string[], cwd: string, tmp: string): Promise<RunResult & { hang?: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'modelplane.js'), ...argv], {
      cwd,
      env: { ...process.env, TMPDIR: tmp, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let hang = false;
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => {
      hang = true;
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? -1 : 0), out, err, hang });
    });
  });
}

/** Runs one case in a slot: in process, and for the sample also as a real process. */
async function runCase(slot: Slot, c: Case): Promise<Outcome> {
  const message: CaseMessage = {
    type: 'case',
    id: c.index,
    argv: c.argv,
    files: c.files,
    workDir: c.workDir,
    outDir: c.outDir,
    caseText: c.bytes.toString('utf8'),
    validate: VALIDATE_EVERY > 0 && c.index % VALIDATE_EVERY === 5 && !c.keep,
    protect: c.protect,
    keep: c.keep,
    determinism: DETERMINISM_EVERY > 0 && c.index % DETERMINISM_EVERY === 0,
    sentinel: c.sentinel,
    ...(RESYNTH_EVERY > 0 && c.index % RESYNTH_EVERY === 3 && c.seed.valid && !c.keep
      ? { seedArgv: c.argv.slice(0, -2).map((a) => (a === c.file ? join(ROOT, c.seed.path) : a)), scratch: join(root, 'scratch') }
      : {}),
  };
  if (message.seedArgv) stats.resynth++;
  if (message.validate) stats.validate++;
  const r = await slot.send(message);
  const o: Outcome = { c, code: -1, err: '', findings: [], objects: 0, dags: [], ms: TIMEOUT_MS };
  if ('hang' in r && r.ranMs !== undefined)
    o.findings.push({
      cls: 'checker-timeout',
      detail: `the CLI finished in ${r.ranMs} ms, but the fuzz checks did not within ${TIMEOUT_MS} ms (a bug of the fuzzer)`,
    });
  else if ('hang' in r) o.findings.push({ cls: 'hang', detail: `no answer within ${TIMEOUT_MS} ms (the worker was killed)` });
  else if ('died' in r) o.findings.push({ cls: 'crash', detail: r.died });
  else {
    Object.assign(o, { code: r.code, err: r.err, findings: r.findings, objects: r.objects, dags: r.dags, ms: r.ms });
    if (message.determinism && r.code === 0) stats.determinism++;
  }
  if (c.log[0]?.startsWith('(fuzzer-error')) o.findings.push({ cls: 'fuzzer-error', detail: c.log[0] });
  if (SUBPROCESS_EVERY > 0 && c.index % SUBPROCESS_EVERY === 0 && !('hang' in r) && !c.keep)
    o.findings.push(...(await viaProcess(slot, c, o)));
  return o;
}

/** The same case through `node bin/modelplane.js`: checked alike, and the same verdict as in process. */
async function viaProcess(slot: Slot, c: Case, inProcess: Outcome): Promise<Finding[]> {
  stats.subprocess++;
  const workDir = `${c.workDir}-process`;
  const outDir = join(workDir, 'dist');
  const tmp = join(root, `tmp-process-${c.index}`);
  mkdirSync(workDir, { recursive: true });
  mkdirSync(tmp, { recursive: true });
  const argv = c.argv.map((a) => (a === c.outDir ? outDir : a));
  const p = await runProcess(argv, workDir, tmp);
  const findings: Finding[] = [];
  if (p.hang) findings.push({ cls: 'hang', detail: `bin/modelplane.js did not exit within ${TIMEOUT_MS} ms` });
  else {
    const check: CaseMessage = {
      type: 'case',
      id: c.index,
      argv,
      files: c.files,
      workDir,
      outDir,
      caseText: c.bytes.toString('utf8'),
      validate: false,
      determinism: false,
      given: p,
    };
    const r = await slot.send(check);
    if ('findings' in r) findings.push(...r.findings.map((f) => ({ cls: f.cls, detail: `(bin/modelplane.js) ${f.detail}` })));
    if (p.code !== inProcess.code || (p.code === 1 && p.err !== inProcess.err))
      findings.push({
        cls: 'process-differs',
        detail: `in process exit ${inProcess.code}, bin/modelplane.js exit ${p.code}: ${firstLines(p.err)}`,
      });
  }
  rmSync(workDir, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
  return findings;
}

/** Compiles the DAG files of a batch of accepted cases in one python3 process. */
async function compileDags(batch: Outcome[]): Promise<void> {
  const files = batch.flatMap((o) => o.dags);
  if (files.length === 0) return;
  const script = [
    'import json, sys',
    'for p in json.load(sys.stdin):',
    '    try:',
    '        compile(open(p, "rb").read(), p, "exec")',
    '    except Exception as e:',
    '        print(json.dumps({"file": p, "error": f"{type(e).__name__}: {e}"}))',
  ].join('\n');
  const out = await new Promise<string>((resolve) => {
    const py = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let text = '';
    let err = '';
    py.stdout.on('data', (d) => (text += d));
    py.stderr.on('data', (d) => (err += d));
    py.on('close', (code) =>
      resolve(code === 0 ? text : `${text}${JSON.stringify({ file: '', error: `python3 exited ${code}: ${err}` })}\n`),
    );
    py.stdin.end(JSON.stringify(files));
  });
  stats.dagFiles += files.length;
  for (const line of out.split('\n').filter((l) => l.trim() !== '')) {
    const { file, error } = JSON.parse(line) as { file: string; error: string };
    const o = batch.find((b) => b.dags.includes(file)) ?? batch[0]!;
    o.findings.push({ cls: 'dag-does-not-compile', detail: `${relative(o.c.outDir, file)}: ${error}` });
  }
}

/** Keeps a failing case in .fuzz/failures; prints it. */
function recordFailure(o: Outcome, mode: 'full' | 'brief' | 'quiet'): void {
  mkdirSync(FAILURES, { recursive: true });
  const yaml = join(FAILURES, `${o.c.index}.yaml`);
  copyFileSync(o.c.file, yaml);
  const shown = relative(ROOT, yaml);
  const command = ['node bin/modelplane.js', ...o.c.argv.map((a) => (a === o.c.file ? shown : a.startsWith(ROOT) ? relative(ROOT, a) : a))]
    .join(' ')
    .replace(o.c.outDir, '/tmp/fuzz-out');
  const text = [
    `case ${o.c.index} of FUZZ_SEED=${SEED}: ${o.c.seed.name} (${o.c.seed.role}), ${o.c.bytes.length} bytes`,
    `mutations: ${o.c.log.join('; ')}`,
    `replay: FUZZ_SEED=${SEED} FUZZ_ONLY=${o.c.index} bash test/fuzz/run.sh`,
    `command: ${command}`,
    `exit: ${o.code}`,
    ...o.findings.map((f) => `[${f.cls}] ${f.detail}`),
    'stderr:',
    o.err,
  ].join('\n');
  writeFileSync(join(FAILURES, `${o.c.index}.txt`), text);
  const classes = [...new Set(o.findings.map((f) => f.cls))].join(', ');
  if (mode === 'quiet') return;
  if (mode === 'brief') {
    console.log(`FAIL #${o.c.index} [${classes}] ${o.c.seed.name}: ${o.c.log.join('; ').slice(0, 160)} -> ${shown}`);
    return;
  }
  console.log(`FAIL #${o.c.index} [${classes}] ${o.c.seed.name} (${o.c.seed.role}) — mutations: ${o.c.log.join('; ')}`);
  for (const f of o.findings.slice(0, 4)) console.log(`    [${f.cls}] ${f.detail}`);
  console.log(`    case: ${shown} (${o.c.bytes.length} bytes); replay: FUZZ_SEED=${SEED} FUZZ_ONLY=${o.c.index} bash test/fuzz/run.sh`);
  console.log(`    command: ${command}`);
  for (const l of changedLines(o.c)) console.log(`    | ${l}`);
}

/** Up to 6 lines of the case that are not in its seed (the mutation, as the user would see it). */
function changedLines(c: Case): string[] {
  const before = new Set(c.seed.text.split('\n'));
  const lines = c.bytes
    .toString('utf8')
    .split('\n')
    .filter((l) => !before.has(l));
  const show = (l: string) => {
    const j = JSON.stringify(l).slice(1, -1);
    return j.length > 160 ? `${j.slice(0, 160)}...(${l.length} chars)` : j;
  };
  return [...lines.slice(0, 6).map(show), ...(lines.length > 6 ? [`... ${lines.length - 6} more changed lines`] : [])];
}

/** Runs every case; prints the counts; exits 1 on any failure. */
async function main(): Promise<void> {
  const t0 = Date.now();
  mkdirSync(join(root, 'cases'), { recursive: true });
  // Failures of an earlier run (this runner's own files only).
  if (existsSync(FAILURES))
    for (const f of readdirSync(FAILURES).filter((e) => /^\d+\.(yaml|txt|min\.yaml)$/.test(e))) rmSync(join(FAILURES, f));
  const indexes = ONLY.length ? ONLY : Array.from({ length: Math.max(CASES, seeds.length) }, (_, i) => i);
  console.log(
    `fuzz: FUZZ_SEED=${SEED}, ${indexes.length} cases from ${seeds.length} seed files, ${WORKERS} workers, ${TIMEOUT_MS} ms per case, every ${SUBPROCESS_EVERY}th case also through bin/modelplane.js, ${crdKinds()} CRD schemas from ${CRD_DIR}`,
  );
  const outcomes: Outcome[] = [];
  const dagQueue: Outcome[] = [];
  const compiling: Promise<void>[] = [];
  const done = (os: Outcome[]) => {
    for (const o of os) {
      rmSync(o.c.workDir, { recursive: true, force: true });
      rmSync(o.c.file, { force: true, recursive: false });
    }
  };
  const slots = Array.from({ length: WORKERS }, (_, n) => new Slot(n));
  let next = 0;
  const loop = async (slot: Slot) => {
    while (next < indexes.length) {
      const c = makeCase(indexes[next++]!);
      const o = await runCase(slot, c);
      outcomes.push(o);
      if (o.findings.length > 0) {
        // kept (with its file) for the report; the output is not needed
        rmSync(o.c.workDir, { recursive: true, force: true });
      } else if (o.dags.length > 0) {
        dagQueue.push(o);
        if (dagQueue.length >= DAG_BATCH) {
          const batch = dagQueue.splice(0);
          compiling.push(compileDags(batch).then(() => done(batch.filter((b) => b.findings.length === 0))));
        }
      } else done([o]);
      if (outcomes.length % 100 === 0)
        console.log(
          `fuzz: ${outcomes.length}/${indexes.length} cases, ${outcomes.filter((x) => x.findings.length).length} failing, ${((Date.now() - t0) / 1000).toFixed(0)} s`,
        );
    }
  };
  try {
    await Promise.all(slots.map((s) => s.start()));
    await Promise.all(slots.map(loop));
    const batch = dagQueue.splice(0);
    compiling.push(compileDags(batch).then(() => done(batch.filter((b) => b.findings.length === 0))));
    await Promise.all(compiling);
    report(
      outcomes.sort((a, b) => a.c.index - b.c.index),
      Date.now() - t0,
    );
    if (process.env.FUZZ_MINIMIZE === '1') await minimizeClasses(slots[0]!, outcomes);
  } finally {
    for (const s of slots) s.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

/** What identifies a failure when shrinking: its class, and for a crash the error's first line. */
function signature(cls: string, findings: readonly Finding[]): string | undefined {
  const f = findings.find((x) => x.cls === cls);
  if (!f) return undefined;
  if (cls !== 'crash' && cls !== 'internal-error' && cls !== 'stack-trace') return cls;
  const m = /(internal error: |run\(\) threw: )([^|]*)/.exec(f.detail);
  return `${cls}: ${(m?.[2] ?? f.detail).split(' at ')[0]!.trim()}`;
}

/** FUZZ_MINIMIZE=1: the smallest failing case of each class, shrunk, written beside it and printed. */
async function minimizeClasses(slot: Slot, outcomes: Outcome[]): Promise<void> {
  const classes = [...new Set(outcomes.flatMap((o) => o.findings.map((f) => f.cls)))].sort();
  for (const cls of classes.filter((c) => c !== 'process-differs' && c !== 'dag-does-not-compile')) {
    const o = outcomes.filter((x) => x.findings.some((f) => f.cls === cls)).sort((a, b) => a.c.bytes.length - b.c.bytes.length)[0]!;
    const want = signature(cls, o.findings);
    let n = 0;
    const stillFails = async (bytes: Buffer): Promise<boolean> => {
      if (o.c.sentinel && !bytes.includes(SENTINEL)) return false;
      const file = join(root, 'cases', `min-${o.c.index}-${n++}.yaml`);
      writeFileSync(file, bytes);
      const workDir = join(root, 'w', `min-${o.c.index}-${n}`);
      const outDir = join(workDir, 'dist');
      const argv = o.c.argv.map((a) => (a === o.c.file ? file : a === o.c.outDir ? outDir : a));
      const files = o.c.files.map((a) => (a === o.c.file ? file : a));
      const r = await slot.send({
        type: 'case',
        id: o.c.index,
        argv,
        files,
        workDir,
        outDir,
        caseText: bytes.toString('utf8'),
        validate: cls === 'validate-differs',
        determinism: cls === 'nondeterministic',
        sentinel: o.c.sentinel,
      });
      rmSync(workDir, { recursive: true, force: true });
      rmSync(file, { force: true });
      const findings = 'findings' in r ? r.findings : 'hang' in r ? [{ cls: 'hang', detail: '' }] : [{ cls: 'crash', detail: r.died }];
      return signature(cls, findings) === want;
    };
    const small = await minimize(o.c.bytes, stillFails);
    mkdirSync(FAILURES, { recursive: true });
    const out = join(FAILURES, `${o.c.index}.min.yaml`);
    writeFileSync(out, small);
    console.log(
      `minimized [${want}] case #${o.c.index} (${o.c.seed.name}, ${o.c.seed.role}): ${o.c.bytes.length} -> ${small.length} bytes, ${relative(ROOT, out)}`,
    );
    for (const l of small.toString('utf8').split('\n').slice(0, 30)) console.log(`    | ${JSON.stringify(l).slice(1, -1).slice(0, 200)}`);
  }
}

/** Mean milliseconds in the CLI's run() by verdict, and the slowest case. */
function timing(outcomes: Outcome[]): string {
  const mean = (os: Outcome[]) => (os.length ? Math.round(os.reduce((s, o) => s + o.ms, 0) / os.length) : 0);
  const slowest = outcomes.reduce((a, b) => (b.ms > a.ms ? b : a), outcomes[0]!);
  const bySeed = new Map<string, number>();
  for (const o of outcomes) bySeed.set(o.c.seed.name, (bySeed.get(o.c.seed.name) ?? 0) + o.ms);
  const top = [...bySeed.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name, ms]) => `${name} ${(ms / 1000).toFixed(0)} s`)
    .join(', ');
  return `accepted ${mean(outcomes.filter((o) => o.code === 0))} ms, refused ${mean(outcomes.filter((o) => o.code === 1 || o.code === 2))} ms on average; slowest #${slowest?.c.index} ${slowest?.ms} ms (${slowest?.c.seed.name}); most time: ${top}`;
}

/** Prints failures (in full for the first 3 of each class) and the counts; sets the exit code. */
function report(outcomes: Outcome[], ms: number): void {
  const failing = outcomes.filter((o) => o.findings.length > 0);
  const shownPerClass = new Map<string, number>();
  let brief = 0;
  for (const o of failing) {
    const fresh = o.findings.map((f) => f.cls).filter((cls) => (shownPerClass.get(cls) ?? 0) < 3);
    for (const cls of new Set(o.findings.map((f) => f.cls))) shownPerClass.set(cls, (shownPerClass.get(cls) ?? 0) + 1);
    recordFailure(o, fresh.length > 0 ? 'full' : brief++ < 40 ? 'brief' : 'quiet');
  }
  const byClass = new Map<string, number>();
  for (const o of failing) for (const cls of new Set(o.findings.map((f) => f.cls))) byClass.set(cls, (byClass.get(cls) ?? 0) + 1);
  const n = (p: (o: Outcome) => boolean) => outcomes.filter(p).length;
  const has = (cls: string) => (o: Outcome) => o.findings.some((f) => f.cls === cls);
  const lines = [
    `fuzz: FUZZ_SEED=${SEED}: ${outcomes.length} cases in ${(ms / 1000).toFixed(1)} s (${WORKERS} workers)`,
    `  accepted (exit 0): ${n((o) => o.code === 0)}, ${outcomes.reduce((s, o) => s + o.objects, 0)} objects checked`,
    `  refused: ${n((o) => o.code === 1)} with exit 1, ${n((o) => o.code === 2)} with exit 2`,
    `  crashes: ${n(has('crash'))} (exit 4 or a dead worker)`,
    `  stack traces: ${n(has('stack-trace'))}`,
    `  hangs: ${n(has('hang'))} (over ${TIMEOUT_MS} ms)`,
    `  partial outputs: ${n(has('partial-output'))}`,
    `  DAG files compiled: ${stats.dagFiles}; also through bin/modelplane.js: ${stats.subprocess}; validate compared: ${stats.validate}; synthesized twice: ${stats.determinism}; over an earlier output: ${stats.resynth}; workers started: ${stats.workersStarted}`,
    `  time in run(): ${timing(outcomes)}`,
    `  failing cases: ${failing.length}${failing.length ? ` (in ${relative(ROOT, FAILURES)}/)` : ''}`,
    ...[...byClass.entries()].sort((a, b) => b[1] - a[1]).map(([cls, k]) => `    ${cls}: ${k}`),
  ];
  console.log(lines.join('\n'));
  if (failing.length > 0 || outcomes.length < Math.min(CASES, ONLY.length || CASES)) process.exitCode = 1;
}

main().catch((e) => {
  console.error(`fuzz: the runner failed: ${String((e as Error)?.stack ?? e)}`);
  process.exitCode = 1;
});
