/**
 * The pure parts of `modelplane promote` (see ./promote.ts): who approves, from which commit and where, read
 * from an environment object; what the command does to a version; and the kubectl commands that roll the
 * online models out when no training run does. No I/O: ./promote-run.ts reads, asks MLflow and prints.
 */
import {
  MODEL_VERSION_ANNOTATION,
  PROMOTE_FIELD_MANAGER,
  PromotionSpec,
  RolloutPatch,
  VERSION_TAGS,
} from '../../constructs/batch/airflow/training-spec';
import { UsageError } from '../config/usage-error';
import type { Env } from './exit';

/** The approval `modelplane promote` records on the version (the `VERSION_TAGS.approved*` tags). */
export interface Approval {
  /** Who approves. */
  readonly by: string;
  /** When, ISO 8601 UTC. */
  readonly at: string;
  /** The commit of the team repository. */
  readonly commit: string;
  /** The CI job URL, or `cli`. */
  readonly from: string;
}

/** The first of `names` set to something other than blanks in `env`. */
function firstSet(env: Env, names: readonly string[]): string | undefined {
  for (const n of names) {
    const v = env[n]?.trim();
    if (v) return v;
  }
  return undefined;
}

/** The CI variables naming who runs the job: GitLab, GitHub Actions, Jenkins (build-user-vars plugin), then the login. */
export const APPROVER_ENV = ['GITLAB_USER_LOGIN', 'GITHUB_ACTOR', 'BUILD_USER_ID', 'USER'] as const;
/** The CI variables holding the commit: GitLab, GitHub Actions, Jenkins (git plugin). */
export const COMMIT_ENV = ['CI_COMMIT_SHA', 'GITHUB_SHA', 'GIT_COMMIT'] as const;

/** Who approves: `--by`, else the CI's user, else `$USER`; refused when none of them says. */
export function approver(env: Env, by?: string): string {
  if (by !== undefined) {
    if (by.trim() === '') throw new UsageError('--by = "": the approver is empty. Fix: pass --by with a name, such as --by alice');
    return by.trim();
  }
  const found = firstSet(env, APPROVER_ENV);
  if (found) return found;
  throw new UsageError(`cannot tell who approves: --by is not given and none of ${APPROVER_ENV.join(', ')} is set. Fix: pass --by NAME`);
}

/** The commit approved from: `--commit`, else the CI's, else `git rev-parse HEAD` (`gitHead`), else `unknown`. */
export function approvedCommit(env: Env, commit: string | undefined, gitHead: () => string | undefined): string {
  if (commit !== undefined) {
    if (commit.trim() === '') throw new UsageError('--commit = "": the commit is empty. Fix: pass the commit SHA, or leave --commit out');
    return commit.trim();
  }
  return firstSet(env, COMMIT_ENV) ?? gitHead() ?? 'unknown';
}

/** Where the approval comes from: the CI job's URL (GitLab, GitHub Actions, Jenkins), else `cli`. */
export function approvalSource(env: Env): string {
  const gitlab = firstSet(env, ['CI_JOB_URL']);
  if (gitlab) return gitlab;
  const [server, repo, run] = ['GITHUB_SERVER_URL', 'GITHUB_REPOSITORY', 'GITHUB_RUN_ID'].map((n) => firstSet(env, [n]));
  if (server && repo && run) return `${server.replace(/\/+$/, '')}/${repo}/actions/runs/${run}`;
  return firstSet(env, ['BUILD_URL']) ?? 'cli';
}

/** The approval to record now. */
export function approvalOf(
  env: Env,
  o: { readonly by?: string; readonly commit?: string },
  now: Date,
  gitHead: () => string | undefined,
): Approval {
  return { by: approver(env, o.by), at: now.toISOString(), commit: approvedCommit(env, o.commit, gitHead), from: approvalSource(env) };
}

/**
 * The approval as the version tags it is recorded in, in the order they are set: `approvedBy` last, since
 * the training DAG's `await_approval` waits for that one (it then finds the other three set).
 */
export function approvalTags(a: Approval): Array<[string, string]> {
  return [
    [VERSION_TAGS.approvedAt, a.at],
    [VERSION_TAGS.approvedCommit, a.commit],
    [VERSION_TAGS.approvedFrom, a.from],
    [VERSION_TAGS.approvedBy, a.by],
  ];
}

/** The `modelplane.status` of a version a training run is waiting on in `await_approval`. */
export const AWAITING_APPROVAL = 'awaiting-approval';

/** One alias the command moves. */
export interface AliasMove {
  /** The alias. */
  readonly alias: string;
  /** The version it points to now. @default - it points to no version */
  readonly from?: string;
}

/** What `modelplane promote` does to a version, decided from its tags. */
export interface PromotePlan {
  /** The approval tags, set on the version first. */
  readonly tags: ReadonlyArray<[string, string]>;
  /** A training run waits for the approval: it moves the aliases and rolls out; the command moves nothing. */
  readonly dagWaits: boolean;
  /** The aliases the command moves (none when a training run waits): the champion, then the canary. */
  readonly moves: readonly AliasMove[];
  /** The kubectl commands that roll the online models out (none when a training run waits). */
  readonly rollout: readonly string[];
}

/** What the plan is decided from. */
export interface PlanInput {
  /** The team: the online models' namespace. */
  readonly team: string;
  /** The version to promote. */
  readonly version: string;
  /** The version's tags. */
  readonly tags: Readonly<Record<string, string>>;
  /** The promotion of the model. */
  readonly promote: PromotionSpec;
  /** The approval. */
  readonly approval: Approval;
  /** Where each alias points now (absent: nowhere). */
  readonly current: Readonly<Record<string, string | undefined>>;
  /** Promote a version the evaluation rejected. @default false */
  readonly force?: boolean;
}

/** The evaluation rejected the version: refused without `force`, naming the reason tag. */
export function checkEvaluation(registeredModel: string, version: string, tags: Readonly<Record<string, string>>, force: boolean): void {
  if (tags[VERSION_TAGS.evaluation] !== 'reject' || force) return;
  const reason = tags[VERSION_TAGS.reason];
  throw new UsageError(
    `version ${version} of registered model "${registeredModel}" has ${VERSION_TAGS.evaluation} = "reject": the evaluation found it does not beat the champion` +
      `${reason ? ` (${VERSION_TAGS.reason}: ${reason.replace(/[.\s]+$/, '')})` : ''}. Fix: promote another version, or pass --force to promote this one anyway`,
  );
}

/** Decides what the command does (see {@link PromotePlan}). */
export function promotePlan(p: PlanInput): PromotePlan {
  const tags = approvalTags(p.approval);
  if (p.tags[VERSION_TAGS.status] === AWAITING_APPROVAL) return { tags, dagWaits: true, moves: [], rollout: [] };
  const aliases = [p.promote.alias, ...(p.promote.canary ? [p.promote.canary.alias] : [])];
  return {
    tags,
    dagWaits: false,
    moves: aliases.map((alias) => ({ alias, from: p.current[alias] })),
    rollout: rolloutCommands(p.team, p.version, p.promote),
  };
}

/**
 * The kubectl commands that set {@link MODEL_VERSION_ANNOTATION} to `version` on every rollout target's
 * champion and canary objects (both aliases moved), each object once, in the targets' order.
 */
export function rolloutCommands(team: string, version: string, promote: PromotionSpec): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const t of promote.targets) {
    for (const patch of [...t.champion, ...t.canary]) {
      const key = `${patch.kind}/${patch.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(patchCommand(team, version, patch));
    }
  }
  return out;
}

/** One object's patch: a Deployment's pod template (strategic merge), an InferenceService's predictor (merge). */
export function patchCommand(team: string, version: string, patch: RolloutPatch): string {
  const annotations = { [MODEL_VERSION_ANNOTATION]: version };
  const [resource, type, body] =
    patch.kind === 'Deployment'
      ? ['deployment.apps', 'strategic', { spec: { template: { metadata: { annotations } } } }]
      : ['inferenceservice.serving.kserve.io', 'merge', { spec: { predictor: { annotations } } }];
  return `kubectl -n ${team} patch ${resource}/${patch.name} --type ${type} --field-manager ${PROMOTE_FIELD_MANAGER} -p '${JSON.stringify(body)}'`;
}
