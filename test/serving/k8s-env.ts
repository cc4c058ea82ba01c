/**
 * Runs a synthesized container's program on this machine the way the kubelet would start it: env
 * values and Secret references resolved, `$(VAR)` references expanded as Kubernetes does (in env
 * values, to variables defined earlier in the list; in command and args, to any of the container's
 * variables; `$$` escapes), then in-cluster addresses swapped for the loopback servers standing in for them.
 */
import { ChildProcess, spawn } from 'child_process';
import { appendFileSync, closeSync, openSync } from 'fs';
import * as net from 'net';

/** A container as it appears in synthesized YAML. */
export interface SynthContainer {
  readonly name: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
}

/** Expands `$(VAR)` in `text` with `vars`, as Kubernetes does; unknown references stay as written. */
export function expand(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : m;
  });
}

/** The container's env, with Secret references looked up in `secrets` (keyed "secret/key"). */
export function resolveEnv(c: SynthContainer, secrets: Record<string, string>): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (e.value !== undefined) vars[e.name] = expand(e.value, vars);
    else if (e.valueFrom?.secretKeyRef) {
      const k = `${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`;
      if (!(k in secrets)) throw new Error(`container ${c.name}: env ${e.name} reads Secret key ${k}, which the test does not provide`);
      vars[e.name] = secrets[k];
    } else {
      throw new Error(`container ${c.name}: env ${e.name} has a source the test cannot resolve: ${JSON.stringify(e)}`);
    }
  }
  return vars;
}

/** The argv (command + args) with `$(VAR)` expanded. */
export function resolveArgv(c: SynthContainer, vars: Record<string, string>): string[] {
  return [...(c.command ?? []), ...(c.args ?? [])].map((a) => expand(a, vars));
}

/** Replaces every occurrence of each key with its value. */
export function swap(text: string, swaps: Record<string, string>): string {
  let out = text;
  for (const [from, to] of Object.entries(swaps)) out = out.split(from).join(to);
  return out;
}

/** Starts a long-running server in its own process group; its pid is recorded for the tier's trap. */
export function startServer(argv: string[], env: Record<string, string>, logFile: string, pidFile?: string): ChildProcess {
  const out = openSync(logFile, 'a');
  const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', out, out], detached: true });
  closeSync(out);
  if (pidFile && child.pid) appendFileSync(pidFile, `${child.pid}\n`);
  return child;
}

/** Stops a server started with {@link startServer}: SIGTERM to its group, SIGKILL after a grace period. */
export async function stopServer(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null) return;
  const pid = child.pid;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15000));
  if ((await Promise.race([exited, timer])) === 'timeout') {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** Polls `url` until it answers 200 (optionally with headers), or fails after `seconds`. */
export async function waitFor(url: string, seconds: number, child?: ChildProcess, headers: Record<string, string> = {}): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  let last = '';
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${url}: the server exited with code ${child.exitCode}`);
    try {
      const r = await fetch(url, { headers });
      if (r.status === 200) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = String(e);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`${url} did not answer 200 within ${seconds}s (last: ${last})`);
}

/** A TCP port free on 127.0.0.1 right now (the server started next binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
