/**
 * Problems of a Pulumi stack's configuration. Stack config has no lines: each problem names the
 * config key it is about, down to the field (`modelplane:platform.teams[0].quota`), and all of them
 * are thrown together as one error before any resource is registered.
 */
import * as pulumi from '@pulumi/pulumi';
import type { IssueLocator } from '../config/schema-issues';
import { formatPlatformIssue, PlatformIssue } from '../config/platform-build';
import { pathLocator } from '../config/platform-load';

/** The stack config key holding the platform configuration. */
export const PLATFORM_CONFIG_KEY = 'modelplane:platform';

/** Locates problems of the `modelplane:platform` object by path (`modelplane:platform.teams[0].quota`). */
export function platformConfigLocator(): IssueLocator {
  return pathLocator(PLATFORM_CONFIG_KEY);
}

/** A platform problem as a line of a {@link StackConfigError}. */
export function stackProblem(issue: PlatformIssue): string {
  return `Pulumi config: ${formatPlatformIssue(issue)}`;
}

/**
 * Thrown when the stack configuration has problems: every one, one per line, each naming its config key. A
 * `pulumi.RunError`, so the engine prints the problems alone: no stack trace, no program source.
 */
export class StackConfigError extends pulumi.RunError {
  /** Every problem, one line each. */
  public readonly problems: readonly string[];

  /** @param problems one line per problem, each starting with `Pulumi config:` */
  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'StackConfigError';
    this.problems = problems;
  }
}
