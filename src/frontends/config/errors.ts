/**
 * Errors found in a `modelplane.yaml`: each names the file, line and column, the field path, what is
 * wrong and the fix, so a data scientist can correct the file without reading our code.
 */

/** One problem at one place in a configuration file. */
export interface ConfigIssue {
  /** The file, as the user named it. */
  readonly file: string;
  /** 1-based line of the offending node (0 when the file itself is the problem). */
  readonly line: number;
  /** 1-based column of the offending node (0 when the file itself is the problem). */
  readonly col: number;
  /** The field path in the file, e.g. `models[3].spark.executor.memory`; empty for the whole file. */
  readonly path: string;
  /** What is wrong. */
  readonly problem: string;
  /** What to do instead. */
  readonly fix: string;
  /**
   * The problem is how YAML read what was written (`3.10` as the number 3.1 where the field takes text):
   * it explains, better than a construct can, any complaint about the value at the same field.
   * @default false
   */
  readonly yamlRead?: boolean;
}

/** Formats one issue as `file:line:col: path: problem. Fix: fix`. */
export function formatConfigIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.col}` : issue.file;
  const path = issue.path ? ` \`${issue.path}\`` : '';
  const problem = issue.problem.replace(/[.\s]+$/, '');
  const fix = issue.fix.replace(/[.\s]+$/, '');
  return `${where}:${path} ${problem}. Fix: ${fix}.`;
}

/** Sorts issues by file, line, column, then message; drops exact duplicates. */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  const out: ConfigIssue[] = [];
  for (const i of issues) {
    const key = formatConfigIssue(i);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(i);
  }
  return out.sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.col - b.col ||
      a.path.localeCompare(b.path) ||
      a.problem.localeCompare(b.problem),
  );
}
