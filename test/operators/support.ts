/**
 * Shared by the operators tier's tests (test/operators/*.test.ts): the environment run-tier.sh provides, log
 * tails for failure messages, kubectl JSON reads and polling with the controller's own words on timeout.
 */
import * as fs from 'fs';
import { kubectlOk } from '../cluster/kube';

/** An environment variable scripts/operators/run-tier.sh sets; throws naming the command to run otherwise. */
export function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this tier through scripts/operators/run-tier.sh (npm run test:operators)`);
  return v;
}

/** The last `lines` lines of a log file, or "(none)". */
export function tail(file: string, lines = 30): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '(none)';
}

/** `kubectl ARGS -o json`, parsed. */
export function getJson(args: string[]): any {
  return JSON.parse(kubectlOk([...args, '-o', 'json']).stdout);
}

/** A controller's log, for failure messages: what to call it and its file. */
export interface ControllerLog {
  readonly name: string;
  readonly file: string;
}

/**
 * Polls `probe` every second until it returns a value, or fails with `what`, the last value seen and the tail of
 * each controller log.
 */
export async function eventually<T>(
  what: string,
  seconds: number,
  probe: () => T | undefined,
  last: () => string,
  logs: ControllerLog | readonly ControllerLog[],
): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const tails = (Array.isArray(logs) ? logs : [logs]) as readonly ControllerLog[];
  throw new Error(
    `${what} within ${seconds} s; last seen: ${last()}\n` + tails.map((l) => `${l.name} log (tail):\n${tail(l.file)}`).join('\n'),
  );
}
