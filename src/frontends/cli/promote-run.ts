/**
 * The action of `modelplane promote MODEL VERSION` (see ./promote.ts): reads the team file like `validate`,
 * records the approval on the MLflow model version and, when no training run waits for it, moves the
 * aliases itself and prints the rollout commands. Loaded only when the command runs.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { modelDagId } from '../../constructs/batch/airflow/dag';
import { PromotionSpec, VERSION_TAGS } from '../../constructs/batch/airflow/training-spec';
import { SparkBatchModel } from '../../constructs/batch/spark-batch-model';
import { buildTeamModels, BuiltTeamModels } from '../config/build';
import { ConfigIssue, formatConfigIssue } from '../config/errors';
import { LoadedConfig, loadConfigFile } from '../config/load';
import { synthToTemp } from '../config/synth';
import { UsageError } from '../config/usage-error';
import { Env, Exit, EXIT, Io } from './exit';
import { MlflowConnection, MlflowError, mlflowConnection, MlflowRest } from './mlflow-rest';
import { Approval, approvalOf, AWAITING_APPROVAL, checkEvaluation, promotePlan, PromotePlan } from './promote-plan';
import { trainingOf } from './promote-training';

/** The options of `modelplane promote`. */
export interface PromoteOptions {
  /** The team file. */
  readonly file: string;
  /** `--tracking-uri`. @default - MLFLOW_TRACKING_URI */
  readonly trackingUri?: string;
  /** `--by`. @default - the CI's user, else USER */
  readonly by?: string;
  /** `--commit`. @default - the CI's commit, else `git rev-parse HEAD` beside the file, else `unknown` */
  readonly commit?: string;
  /** `--dry-run`: read only, print what would be done. @default false */
  readonly dryRun?: boolean;
  /** `--force`: promote a version the evaluation rejected. @default false */
  readonly force?: boolean;
}

/** What the command needs besides its options. */
export interface PromoteDeps {
  /** Where it prints. */
  readonly io: Io;
  /** The environment (MLflow's and the CI's variables). */
  readonly env: Env;
  /** Prints the problems of the team file and exits 1, as `validate` does. */
  readonly fail: (issues: readonly ConfigIssue[]) => never;
  /** `fetch`. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** The model promote works on, from the team file. */
export interface PromotionTarget {
  /** The team: the online models' namespace. */
  readonly team: string;
  /** The batch model's name. */
  readonly model: string;
  /** The registered model its training registers versions of. */
  readonly registeredModel: string;
  /** Its promotion. */
  readonly promote: PromotionSpec;
}

/** `modelplane promote MODEL VERSION`. */
export async function promote(model: string, version: string, o: PromoteOptions, deps: PromoteDeps): Promise<void> {
  const connection = mlflowConnection(o.trackingUri, deps.env);
  const target = promotionTarget(o.file, model, deps.fail);
  const approval = approvalOf(deps.env, o, new Date(), () => gitHead(o.file));
  const client = new MlflowRest(connection, deps.fetch);
  try {
    await promoteVersion(client, connection, { target, version, approval, o, io: deps.io });
  } catch (e) {
    if (!(e instanceof MlflowError)) throw e;
    deps.io.err(`modelplane: ${e.message}\n`);
    throw new Exit(EXIT.remote);
  }
}

/** One run of the command, its inputs resolved. */
interface Run {
  readonly target: PromotionTarget;
  readonly version: string;
  readonly approval: Approval;
  readonly o: PromoteOptions;
  readonly io: Io;
}

/** Reads the version and the aliases, decides, then (unless a dry run) writes and says what it did. */
async function promoteVersion(client: MlflowRest, connection: MlflowConnection, r: Run): Promise<void> {
  const { registeredModel, promote: spec } = r.target;
  const mv = await client.modelVersion(registeredModel, r.version);
  if ('missing' in mv) {
    const said = mv.missing.replace(/[.\s]+$/, '');
    throw new UsageError(
      `registered model "${registeredModel}" has no version ${r.version} (MLflow at ${connection.base}${said ? ` says: ${said}` : ''}). Fix: pass a version its training registered: the training run's notification names it, and the MLflow UI lists them under Models > ${registeredModel}`,
    );
  }
  checkEvaluation(registeredModel, r.version, mv.tags, r.o.force ?? false);
  const waits = mv.tags[VERSION_TAGS.status] === AWAITING_APPROVAL;
  const current: Record<string, string | undefined> = {};
  if (!waits) for (const alias of aliasesOf(spec)) current[alias] = await client.aliasVersion(registeredModel, alias);
  const plan = promotePlan({ team: r.target.team, version: r.version, tags: mv.tags, promote: spec, approval: r.approval, current });
  const dry = r.o.dryRun ?? false;
  const out = (line: string) => r.io.out(`${line}\n`);
  if (dry) out('Dry run: nothing is written to MLflow.');
  out(
    `${dry ? 'Would approve' : 'Approving'} version ${r.version} of registered model "${registeredModel}" (batch model ${r.target.model} of team ${r.target.team}):`,
  );
  for (const [key, value] of plan.tags) {
    if (!dry) await client.setVersionTag(registeredModel, r.version, key, value);
    out(`  ${key} = ${value}`);
  }
  if (plan.dagWaits) {
    out(waitingText(r, dry));
    return;
  }
  await moveAliases(client, r, plan, mv.tags[VERSION_TAGS.status], out);
}

/** The aliases the promotion keeps equal: the champion's, then the canary's. */
function aliasesOf(spec: PromotionSpec): string[] {
  return [spec.alias, ...(spec.canary ? [spec.canary.alias] : [])];
}

/** What the waiting training run does next. */
function waitingText(r: Run, dry: boolean): string {
  const spec = r.target.promote;
  const dag = modelDagId(r.target.team, r.target.model, 'train');
  const steps = spec.canary
    ? `moves ${spec.canary.alias}, soaks ${spec.canary.soakMinutes} minutes, then moves ${spec.alias}`
    : `moves ${spec.alias}`;
  return (
    `Version ${r.version} is ${VERSION_TAGS.status} = ${AWAITING_APPROVAL}: the run of the Airflow DAG ${dag} waiting in await_approval ` +
    `${dry ? 'would then promote' : 'now promotes'} it (${steps}) and rolls out the online models. promote moves no alias itself.`
  );
}

/** No training run waits: moves the aliases, sets the status, prints the rollout commands. */
async function moveAliases(
  client: MlflowRest,
  r: Run,
  plan: PromotePlan,
  status: string | undefined,
  out: (line: string) => void,
): Promise<void> {
  const name = r.target.registeredModel;
  const dry = r.o.dryRun ?? false;
  out(
    `No training run waits for version ${r.version} (${VERSION_TAGS.status} ${status === undefined ? 'is not set' : `= ${status}`}): ${dry ? 'promote would move' : 'moving'} the aliases itself.`,
  );
  for (const m of plan.moves) {
    if (!dry) await client.setAlias(name, m.alias, r.version);
    const from = m.from === undefined ? 'no version' : `version ${m.from}`;
    const what = m.from === r.version ? `already pointed to version ${r.version} (set again)` : `from ${from} to ${r.version}`;
    out(`${dry ? 'Would move' : 'Moved'} alias ${m.alias} of "${name}" ${what}.`);
  }
  if (!dry) await client.setVersionTag(name, r.version, VERSION_TAGS.status, 'champion');
  out(`${dry ? 'Would set' : 'Set'} ${VERSION_TAGS.status} = champion on version ${r.version}.`);
  if (plan.rollout.length === 0) {
    out(
      `No online model of team ${r.target.team} serves "${name}" through ${aliasesOf(r.target.promote).join(' or ')}: nothing to roll out.`,
    );
    return;
  }
  out(`Nothing rolls the online models out: ${dry ? 'then run' : 'run'} (with a kubeconfig of the cluster)`);
  for (const c of plan.rollout) out(`  ${c}`);
}

/** Builds the team file as `validate` does, then finds the batch model with continuous training and promote. */
export function promotionTarget(file: string, model: string, fail: (issues: readonly ConfigIssue[]) => never): PromotionTarget {
  let loaded: LoadedConfig | undefined;
  let built: BuiltTeamModels | undefined;
  const { dir, issues } = synthToTemp(join(tmpdir(), 'modelplane-check'), (app) => {
    loaded = loadConfigFile(file);
    built = buildTeamModels(app, loaded);
    return { issues: built.issues, source: file };
  });
  if (!dir) fail(issues);
  rmSync(dir, { recursive: true, force: true });
  return targetIn(loaded!, built!, model);
}

/** The model `name` of a built file, refused unless it is a batch model whose training promotes. */
function targetIn(loaded: LoadedConfig, built: BuiltTeamModels, name: string): PromotionTarget {
  const models = loaded.config?.models ?? [];
  const index = models.findIndex((m) => m.name === name);
  const construct = built.models.get(name);
  if (index < 0 || !construct) {
    const names = [...built.models].filter(([, c]) => c instanceof SparkBatchModel && trainingOf(c)?.promote).map(([n]) => n);
    throw new UsageError(
      `MODEL = "${name}": ${loaded.file} has no model "${name}". Fix: ${names.length ? `name one of its batch models whose train run promotes: ${names.sort().join(', ')}` : 'add `train.registers` and `train.promote` to a batch model, then name it'}`,
    );
  }
  const at = (path: ReadonlyArray<string | number>, problem: string, fix: string) =>
    new UsageError(formatConfigIssue(loaded.issueAt(path, problem, fix)));
  if (!(construct instanceof SparkBatchModel)) {
    throw at(
      ['models', index, 'type'],
      `= "${models[index].type}": promote takes a batch model with continuous training; "${name}" is not one`,
      'name the batch model whose training registers the version (its `train.registers`)',
    );
  }
  const training = trainingOf(construct);
  if (!training?.promote) {
    throw at(
      ['models', index, 'train', training ? 'promote' : 'registers'],
      `is not set: batch model "${name}" has no continuous training with promotion, so there is nothing to promote`,
      'add `train.registers: <registered model>` and `train.promote: { metric: ..., mode: max }` to the model (see docs/modelplane-yaml.md)',
    );
  }
  return { team: construct.team, model: name, registeredModel: training.registeredModel, promote: training.promote };
}

/** `git rev-parse HEAD` in the file's directory; undefined outside a git repository or without git. */
export function gitHead(file: string): string | undefined {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: dirname(resolve(file)),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    }).trim();
    return /^[0-9a-f]{40,64}$/.test(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}
