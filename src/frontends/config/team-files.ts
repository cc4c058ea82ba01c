/**
 * Team files (`modelplane.yaml`) given together — to `modelplane synth -f A -f B` or in a Pulumi stack's
 * `modelplane:teamFiles` — loaded and checked as a set before any construct is created: each team is
 * described by one file.
 */
import { resolve } from 'node:path';
import type { ConfigIssue } from './errors';
import { LoadedConfig, loadConfigFile } from './load';

/** What {@link loadTeamFiles} returns. */
export interface LoadedTeamFiles {
  /** Every file, loaded (each with its own problems). */
  readonly loaded: readonly LoadedConfig[];
  /** The problems of the set: a file given twice, a team described by two files. */
  readonly issues: readonly ConfigIssue[];
}

/**
 * Loads every team file and checks that no team is described twice. `givenTwiceFix` is the fix for a file
 * given twice, in the reader's terms (e.g. "pass each file once with -f").
 */
export function loadTeamFiles(files: readonly string[], givenTwiceFix: string): LoadedTeamFiles {
  const loaded = files.map((f) => loadConfigFile(f));
  return { loaded, issues: sameTeamTwice(loaded, givenTwiceFix) };
}

/** A problem at the `team:` of every file whose team an earlier file already describes. */
function sameTeamTwice(loaded: readonly LoadedConfig[], givenTwiceFix: string): ConfigIssue[] {
  const first = new Map<string, LoadedConfig>();
  const issues: ConfigIssue[] = [];
  for (const l of loaded) {
    const team = l.config?.team;
    if (typeof team !== 'string') continue;
    const earlier = first.get(team);
    if (!earlier) {
      first.set(team, l);
      continue;
    }
    if (resolve(earlier.file) === resolve(l.file)) {
      issues.push(l.issueAt(['team'], `= "${team}": the file ${earlier.file} is given twice`, givenTwiceFix));
      continue;
    }
    const at = earlier.issueAt(['team'], '', '');
    issues.push(
      l.issueAt(
        ['team'],
        `= "${team}" is also the team of ${earlier.file} (${at.file}:${at.line}:${at.col}); a team is described by one file`,
        `merge the two files into one, or change \`team:\` in ${l.file}`,
      ),
    );
  }
  return issues;
}
