/** What every CLI module shares: exit codes, the output streams, the default file. Loads nothing else. */

/** Exit codes of the CLI. */
export const EXIT = { ok: 0, invalid: 1, usage: 2, changes: 3, internal: 4, remote: 5 } as const;

/** Where the CLI writes. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** Environment variables, as `process.env` holds them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A failure carrying its exit code. */
export class Exit extends Error {
  constructor(public readonly code: number) {
    super(`exit ${code}`);
  }
}

/** The team file commands read when no `-f` is given. */
export const DEFAULT_FILE = 'modelplane.yaml';
