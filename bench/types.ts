/**
 * A benchmark case: a workload synthesized at several sizes two ways, with modelplane and with a
 * hand-written baseline producing the same objects directly with cdk8s/cdk8s-plus. Each case is a
 * module in bench/cases/ whose default export is a {@link BenchCase}; `npm run bench` finds them all.
 * Later issues add their workloads (batch cascades, online models, ...) as new modules there.
 */
import type { App } from 'cdk8s';

/** One benchmark case. */
export interface BenchCase {
  /** Short id, e.g. `platform` (also the module's file name). */
  readonly name: string;
  /** What is synthesized, for the report. */
  readonly description: string;
  /** What the size counts, e.g. `teams` or `models`. */
  readonly unit: string;
  /** The sizes measured by default. */
  readonly sizes: readonly number[];
  /**
   * Loads one variant's builder: `modelplane` builds the workload of size `n` with modelplane into
   * `app`, `baseline` builds the same objects directly with cdk8s/cdk8s-plus (neither synthesizes).
   * Load lazily (`require` inside), so a measuring process holds only its variant's modules.
   */
  load(variant: Variant): Builder;
}

/** Builds a workload of size `n` into `app`. */
export type Builder = (app: App, n: number) => void;

/** The variants measured for each case and size. */
export const VARIANTS = ['modelplane', 'baseline'] as const;
/** A variant. */
export type Variant = (typeof VARIANTS)[number];

/** What one child process reports. */
export interface Measurement {
  /** Case name. */
  readonly case: string;
  /** Variant. */
  readonly variant: Variant;
  /** Size. */
  readonly n: number;
  /** Milliseconds from the first construct to the last file written (modules already loaded). */
  readonly synthMs: number;
  /** Milliseconds from process start to the end of synthesis (includes Node, ts-node and module loading). */
  readonly processMs: number;
  /** Peak resident set size of the process, in MiB. */
  readonly maxRssMiB: number;
  /** Objects written. */
  readonly objects: number;
  /** Objects written per kind, to check that both variants write the same things. */
  readonly kinds: Readonly<Record<string, number>>;
  /** Bytes written. */
  readonly bytes: number;
}
