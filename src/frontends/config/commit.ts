/**
 * The Git commit a synthesis is made from (`modelplane synth --commit SHA`, the cdk8s app's
 * MODELPLANE_GIT_COMMIT): checked here, set as the cdk8s context `modelplane:gitCommit` that the training
 * DAGs with `train.snapshot` label their VolumeSnapshots with. Never read from git implicitly: without a
 * commit the output carries none, so the same files give the same output. No construct is imported, so
 * that the CLI checks the option before it loads cdk8s (a unit test holds {@link GIT_COMMIT_CONTEXT_KEY}
 * and the pattern equal to the constructs' `GIT_COMMIT_CONTEXT` and `isGitCommit`).
 */

/** The cdk8s context key of the commit: the constructs' `GIT_COMMIT_CONTEXT` (src/constructs/dataset.ts). */
export const GIT_COMMIT_CONTEXT_KEY = 'modelplane:gitCommit';

/** A full Git commit id: 40 (SHA-1) or 64 (SHA-256 repositories) lower-case hexadecimal digits. */
const FULL_COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * Why `value`, given as `source` (`--commit`, `MODELPLANE_GIT_COMMIT`), is not a commit synth can label
 * snapshots with, with the fix; undefined when it is one. A short commit id is refused: it is ambiguous as
 * the repository grows, and a snapshot's commit must find the same code for good.
 */
export function commitProblem(value: string, source: string): string | undefined {
  if (FULL_COMMIT.test(value)) return undefined;
  const fix =
    source === '--commit'
      ? '--commit "$(git rev-parse HEAD)" (in CI: --commit "$CI_COMMIT_SHA", "$GITHUB_SHA" or "$GIT_COMMIT")'
      : `${source}="$(git rev-parse HEAD)"`;
  const what =
    value === ''
      ? 'is empty (an unset CI variable?)'
      : /^[0-9a-fA-F]{7,39}$/.test(value)
        ? 'is a short commit id'
        : /^[0-9A-F]{40}([0-9A-F]{24})?$/i.test(value)
          ? 'has upper-case digits'
          : 'is not a Git commit id';
  return `${source} ${JSON.stringify(value)} ${what}; it must be a full commit id (40 or 64 lower-case hexadecimal digits), which train.snapshot labels the training's VolumeSnapshots with. Fix: ${fix}`;
}

/** The object a commit is set on: a cdk8s App (its `node.setContext`), before any construct is created. */
export interface ContextTarget {
  /** The construct node of the App. */
  readonly node: { setContext(key: string, value: unknown): void };
}

/** Sets `commit` (already checked with {@link commitProblem}) as the context of `app`; nothing when undefined. */
export function setCommitContext(app: ContextTarget, commit: string | undefined): void {
  if (commit !== undefined) app.node.setContext(GIT_COMMIT_CONTEXT_KEY, commit);
}
