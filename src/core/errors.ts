/**
 * Errors raised while building the construct tree. Every message names the construct, the field,
 * the bad value and the fix, so a data scientist can correct the input without reading our code.
 * Validation happens in constructors, before anything is synthesized: bad input never produces
 * partial output.
 */

import { renderWords, Wording, WordsPart, wordsParts } from './words';

/** One problem with one field of one construct. */
export interface ValidationIssue {
  /** The construct kind, e.g. `MlflowServer`: front ends locate an issue by kind and id, never by parsing messages. */
  readonly kind: string;
  /** The construct id, e.g. `mlflow`. */
  readonly id: string;
  /** The construct kind and id as messages show them, e.g. `MlflowServer "mlflow"`. */
  readonly construct: string;
  /**
   * Where the construct's props sit inside a larger construct's props, when that one validated them
   * as a part of its own (e.g. `teams[2]` for a TeamSpace checked by its Platform). Front ends join
   * it with `field` to locate the issue; messages print `field` alone. @default - the props are the construct's own
   */
  readonly within?: string;
  /** The path of the field in the construct's props, e.g. `backendStore.external.uriSecret`. */
  readonly field: string;
  /** The value that was given (rendered with JSON.stringify). */
  readonly value: unknown;
  /** What is wrong with it (as code reads it: the props' own names). */
  readonly problem: string;
  /** What to do instead (as code reads it). */
  readonly fix: string;
  /**
   * The problem with the fields it names kept as references, for front ends that word them in their own
   * terms (see core/words.ts). @default - the problem names no field: `problem` is all there is
   */
  readonly problemParts?: readonly WordsPart[];
  /** The fix with the fields it names kept as references. @default - the fix names no field: `fix` is all there is */
  readonly fixParts?: readonly WordsPart[];
}

/**
 * Characters a message shows as `\uXXXX` escapes because a terminal would not show them as they are: C1
 * controls (U+0085 next line), invisible and typographic spaces (U+00A0, U+2000..U+200A, U+3000), zero-width
 * and bidirectional formatting characters, the line and paragraph separators, the byte order mark and
 * noncharacters. (JSON already escapes C0 controls and lone surrogates.)
 */
const INVISIBLE =
  /[\u007f-\u00a0\u00ad\u061c\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufdd0-\ufdef\ufeff\ufff9-\ufffb\ufffe\uffff]/g;

/** `text` with every {@link INVISIBLE} character written as a `\uXXXX` escape. */
function escapeInvisible(text: string): string {
  return text.replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Renders a value for an error message: strings quoted, objects as compact JSON, long ones cut, and
 * characters a terminal would not show written as `\uXXXX` (a no-break space in a cron schedule looks
 * like a space otherwise).
 */
export function renderValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  // JSON has no NaN or infinities (it would print null): say what the value is.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = stringOf(value);
  }
  text = escapeInvisible(text);
  // Cut at 117 characters, never inside an escape sequence.
  return text.length > 120 ? `${text.slice(0, 117).replace(/\\(u[0-9a-f]{0,3})?$/, '')}...` : text;
}

/**
 * What a message says after the field: `= "x" <problem>`, or, when no value was given, the problem alone
 * if it already says so ("is required", "is missing") and else `is not set, and <problem>` — a required
 * key left out never reads "= undefined".
 *
 * @param separator between the value and the problem @default " "
 */
export function valueClause(value: unknown, problem: string, separator = ' '): string {
  if (value !== undefined) return `= ${renderValue(value)}${separator}${problem}`;
  return /^(is (required|missing)|must be (given|set))\b/.test(problem) ? problem : `is not set, and ${problem}`;
}

/** `String(value)`, or a placeholder for a value that cannot be turned into text (a JavaScript caller's object whose `toString` throws or is no function). */
function stringOf(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '(a value that cannot be shown)';
  }
}

/** Formats one issue as a single line. */
export function formatIssue(issue: ValidationIssue): string {
  return `${issue.construct}: \`${issue.field}\` ${valueClause(issue.value, issue.problem, ': ')}. Fix: ${issue.fix}`;
}

/** Thrown when one or more props are invalid. Carries every issue found, not just the first. */
export class ModelplaneValidationError extends Error {
  public readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ModelplaneValidationError';
    this.issues = issues;
  }
}

/** An issue of construct `kind` `id`: the code's rendering of the problem and fix, with their references when they name fields. */
export function validationIssue(
  c: { readonly kind: string; readonly id: string },
  field: string,
  value: unknown,
  problem: Wording,
  fix: Wording,
): ValidationIssue {
  const problemParts = wordsParts(problem);
  const fixParts = wordsParts(fix);
  return {
    kind: c.kind,
    id: c.id,
    construct: constructLabel(c.kind, c.id),
    field,
    value,
    problem: renderWords(problem),
    fix: renderWords(fix),
    ...(problemParts ? { problemParts } : {}),
    ...(fixParts ? { fixParts } : {}),
  };
}

/** How a construct is named in messages: its kind and id, e.g. `MlflowServer "mlflow"`. */
export function constructLabel(kind: string, id: string): string {
  return `${kind} "${id}"`;
}

/**
 * What a pure `resolve...` function returns: the resolved spec, or every problem found (never both).
 * Constructors pass it to {@link orThrow} before they call `super()`, so invalid props create nothing.
 */
export type Resolution<T> =
  { readonly spec: T; readonly issues: readonly [] } | { readonly spec?: undefined; readonly issues: readonly ValidationIssue[] };

/** The spec of a resolution, or a {@link ModelplaneValidationError} with every issue. */
export function orThrow<T>(r: Resolution<T>): T {
  if (r.spec === undefined || r.issues.length > 0) throw new ModelplaneValidationError(r.issues);
  return r.spec;
}

/**
 * Collects issues for one construct and throws them together.
 *
 * @example
 * const v = new Validator('MlflowServer', id);
 * v.check(replicas >= 2, 'replicas', replicas, 'must be at least 2 for zero-downtime upgrades', 'set replicas to 2 or more');
 * v.done();
 */
export class Validator {
  /** The construct as messages name it, e.g. `MlflowServer "mlflow"`. */
  public readonly construct: string;
  private readonly issues: ValidationIssue[] = [];

  /**
   * @param kind the construct kind, e.g. `MlflowServer`
   * @param id the construct id
   */
  constructor(
    public readonly kind: string,
    public readonly id: string,
  ) {
    this.construct = constructLabel(kind, id);
  }

  /**
   * Records an issue unless `ok` holds. Returns `ok` so callers can skip dependent checks. A problem or
   * fix naming other fields is given as `words` (core/words.ts), so that front ends can name them their way.
   */
  public check(ok: boolean, field: string, value: unknown, problem: Wording, fix: Wording): boolean {
    if (!ok) this.fail(field, value, problem, fix);
    return ok;
  }

  /** Records an issue unconditionally. */
  public fail(field: string, value: unknown, problem: Wording, fix: Wording): void {
    this.issues.push(validationIssue({ kind: this.kind, id: this.id }, field, value, problem, fix));
  }

  /** Adds issues found by another validator or helper. */
  public addAll(issues: readonly ValidationIssue[]): void {
    this.issues.push(...issues);
  }

  /**
   * Adds the issues of a part this construct validates (e.g. a TeamSpace of a Platform), marked with
   * where the part's props sit in this construct's props (`within`, e.g. `teams[2]`).
   */
  public addPart(within: string, issues: readonly ValidationIssue[]): void {
    this.issues.push(...issues.map((i) => ({ ...i, within: i.within ? `${within}.${i.within}` : within })));
  }

  /** The issues recorded so far. */
  public get found(): readonly ValidationIssue[] {
    return this.issues;
  }

  /** True while no issue has been recorded. */
  public get ok(): boolean {
    return this.issues.length === 0;
  }

  /** Throws a {@link ModelplaneValidationError} with every recorded issue, if there is any. */
  public done(): void {
    if (this.issues.length > 0) throw new ModelplaneValidationError(this.issues);
  }

  /** The resolution: `spec()` when no issue was recorded, otherwise the issues (`spec` is then not called). */
  public result<T>(spec: () => T): Resolution<T> {
    return this.issues.length > 0 ? { issues: [...this.issues] } : { spec: spec(), issues: [] };
  }
}
