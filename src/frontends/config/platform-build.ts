/**
 * Builds a loaded platform configuration into the construct tree and turns every problem into data:
 * the schema's (from ./platform-load.ts) and the constructs' (the Platform reports each part's issues
 * with `within`, e.g. `teams[2]`, so each is located at `within` + `field` where the configuration
 * sets it). Front ends only choose how to print them.
 */
import type { App } from 'cdk8s';
import { Platform } from '../../constructs/platform/platform';
import { formatIssue, ModelplaneValidationError, ValidationIssue } from '../../core/errors';
import { constructIssues } from './build';
import { ConfigIssue, sortIssues } from './errors';
import type { LoadedPlatform } from './platform-load';

/** One problem of a platform configuration. */
export interface PlatformIssue {
  /** The problem where the configuration sets the field (the CLI prints this one). */
  readonly located: ConfigIssue;
  /** The construct's own issue, when a construct found the problem. @default - a problem of the schema or of the input */
  readonly construct?: ValidationIssue;
}

/** What {@link buildLoadedPlatform} built. */
export interface BuiltPlatformConfig {
  /** The platform, when its constructs found no problem (schema problems may remain in `issues`). @default - none */
  readonly platform?: Platform;
  /** Every problem, sorted by position; nothing should be deployed unless empty. */
  readonly issues: readonly PlatformIssue[];
}

/** Builds the platform of a loaded configuration into `app` as `id`; collects the schema's and the constructs' problems. */
export function buildLoadedPlatform(app: App, loaded: LoadedPlatform, id = 'platform'): BuiltPlatformConfig {
  const schema: PlatformIssue[] = loaded.issues.map((located) => ({ located }));
  if (!loaded.props) return { issues: schema };
  let platform: Platform | undefined;
  let found: PlatformIssue[] = [];
  try {
    platform = new Platform(app, id, loaded.props);
  } catch (e) {
    found = errorIssues(loaded, e);
    // A construct failing on a value of the wrong shape is explained by the schema's problems.
    if (!(e instanceof ModelplaneValidationError) && schema.length > 0) found = [];
  }
  // A construct's problem says more than the schema's at the same field (or at a field it contains),
  // but for how YAML read the value (a number where text was meant), which explains the construct's.
  const read = schema.filter((s) => s.located.yamlRead);
  const told = found.filter((c) => !read.some((s) => s.located.path === c.located.path));
  const kept = schema.filter((s) => s.located.yamlRead || !told.some((c) => within(c.located.path, s.located.path)));
  return { platform: found.length > 0 ? undefined : platform, issues: sortPlatformIssues([...kept, ...told]) };
}

/** The issues of an error thrown while building, each located by `constructIssues` at the issue's `within` + `field`. */
function errorIssues(loaded: LoadedPlatform, e: unknown): PlatformIssue[] {
  const at = { issueAt: loaded.at.issue.bind(loaded.at) };
  if (!(e instanceof ModelplaneValidationError)) return constructIssues(at, [], e).map((located) => ({ located }));
  return e.issues.map((construct) => ({ located: constructIssues(at, [], new ModelplaneValidationError([construct]))[0], construct }));
}

/** True when `path` is `outer` or a field inside it. */
function within(path: string, outer: string): boolean {
  return path === outer || path.startsWith(`${outer}.`) || path.startsWith(`${outer}[`);
}

/** Sorted by position like {@link sortIssues}, exact repeats dropped. */
function sortPlatformIssues(issues: readonly PlatformIssue[]): PlatformIssue[] {
  const of = new Map(issues.map((i) => [i.located, i]));
  return sortIssues(issues.map((i) => i.located)).map((l) => of.get(l)!);
}

/**
 * One problem as one line for the front ends that print the constructs' own messages (the cdk8s
 * app, the Pulumi program): where (`FILE:LINE:COL`, or `` `name.path` `` for a configuration without
 * positions, such as `` `modelplane:platform.teams[0].quota` ``), then the construct's message, or
 * the problem and its fix as the CLI words them.
 */
export function formatPlatformIssue(issue: PlatformIssue): string {
  const { file, line, col, path, problem, fix } = issue.located;
  const named = path ? `\`${line > 0 ? path : `${file}${path.startsWith('[') ? '' : '.'}${path}`}\`` : '';
  const where = line > 0 ? `${file}:${line}:${col}:` : named ? '' : `${file}:`;
  if (issue.construct) return `${where || `${named}:`} ${formatIssue(issue.construct)}`;
  const text = `${problem.replace(/[.\s]+$/, '')}. Fix: ${fix.replace(/[.\s]+$/, '')}.`;
  return [where, named, text].filter(Boolean).join(' ');
}

/** Thrown when a platform configuration has problems; carries all of them, one per line in the message. */
export class PlatformConfigError extends Error {
  /** Every problem, sorted by position. */
  public readonly issues: readonly PlatformIssue[];

  /** @param issues the problems (at least one) */
  constructor(issues: readonly PlatformIssue[]) {
    super(issues.map(formatPlatformIssue).join('\n'));
    this.name = 'PlatformConfigError';
    this.issues = issues;
  }
}
