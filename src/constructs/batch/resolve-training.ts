/**
 * Resolving a batch model's continuous training (the `registeredModel`, `minNewData`, `promote` and
 * `notify` of its `train` run) into the contract of ./airflow/training-spec.ts, as pure functions: the
 * props part with the model's own checks ({@link resolveTraining}), and the rollout targets from the
 * team's serving constructs ({@link resolveRolloutTargets}), known only once the team's models exist.
 */
import type { PlatformContext } from '../../core/context';
import { Resolution, Validator } from '../../core/errors';
import { duplicates, isRecord } from '../../core/records';
import { prop, propOf, words } from '../../core/words';
import { isRolloutRefusal, ServedVariant } from '../model-serving';
import type { ContinuousTrainingSpec, MinNewData, NotifySpec, PromotionSpec, RolloutPatch, RolloutTarget } from './airflow/training-spec';
import { trainingExperiment } from './airflow/training-spec';
import { isWholeIn } from './checks';
import type { MinNewDataProps, NotifyProps, PromoteProps, SparkDatasetProps, SparkRunProps } from './spark-batch-model';
import type { ResolvedDataset } from '../dataset';

/** The promotion as the props give it: everything but the targets, which the team's online models give. */
export type PromotionSettings = Omit<PromotionSpec, 'targets'>;

/** The continuous training of a model as its props give it: the contract's spec without the promotion's targets. */
export interface TrainingSettings extends Omit<ContinuousTrainingSpec, 'promote'> {
  /** The promotion rule, without its targets. @default - the trained version is registered only */
  readonly promote?: PromotionSettings;
}

/** The continuous-training props of a run, in the order they are checked. */
export const TRAINING_FIELDS = ['registeredModel', 'minNewData', 'promote', 'notify', 'snapshot'] as const;

/** Whether a run sets a continuous-training prop (`snapshot: false` sets nothing). */
function sets(run: SparkRunProps | undefined, f: (typeof TRAINING_FIELDS)[number]): boolean {
  return run?.[f] !== undefined && !(f === 'snapshot' && run[f] === false);
}

/** What resolving the continuous training needs besides the run. */
export interface TrainingContext {
  /** The team. */
  readonly team: string;
  /** The model name. */
  readonly model: string;
  /** Who runs the model's schedules. */
  readonly orchestrator: string;
  /** The platform (MLflow's tracking URI). */
  readonly platform: PlatformContext;
  /** The model's `datasets`, as the props give them (the snapshot step snapshots them). @default [] */
  readonly datasets?: readonly SparkDatasetProps[];
}

const REGISTERED_MODEL = /^[A-Za-z0-9._-]{1,256}$/;
const METRIC = /^[A-Za-z0-9_.\-/ ]{1,250}$/;
const ALIAS = /^[A-Za-z0-9_-]{1,255}$/;
const CONNECTION = /^[A-Za-z0-9_.-]{1,250}$/;

/** True when a run sets any continuous-training prop. */
export function hasTraining(run: SparkRunProps | undefined): boolean {
  return run !== undefined && TRAINING_FIELDS.some((f) => sets(run, f));
}

/** The scoring run takes no continuous-training props: one issue per prop it sets. */
export function checkNoScoreTraining(v: Validator, run: SparkRunProps | undefined): void {
  for (const f of TRAINING_FIELDS) {
    if (!sets(run, f)) continue;
    v.fail(
      `score.${f}`,
      run![f],
      'is continuous training, which only the training run does',
      words`move it to the training run: ${prop(`train.${f}`)}`,
    );
  }
}

/** The registered model: required by the other continuous-training props, and a valid MLflow name. */
function checkRegisteredModel(v: Validator, run: SparkRunProps): boolean {
  if (run.registeredModel === undefined) {
    const given = TRAINING_FIELDS.find((f) => sets(run, f))!;
    v.fail(
      `train.${given}`,
      run[given],
      words`is continuous training, which needs the MLflow registered model the training registers, and ${prop('train.registeredModel')} is not set`,
      words`add ${prop('train.registeredModel', 'churn')} (the name the training code registers its version under)`,
    );
    return false;
  }
  return v.check(
    typeof run.registeredModel === 'string' && REGISTERED_MODEL.test(run.registeredModel),
    'train.registeredModel',
    run.registeredModel,
    'is not an MLflow registered model name modelplane accepts (letters, digits, ".", "_" and "-", at most 256 characters)',
    'write e.g. "retail-churn"',
  );
}

/** The threshold: exactly one of rows and files, a positive whole number, and the Assets it counts in. */
function resolveMinNewData(v: Validator, run: SparkRunProps): MinNewData | undefined {
  const m: MinNewDataProps | undefined = run.minNewData;
  if (m === undefined) return undefined;
  const f = 'train.minNewData';
  const units = isRecord(m) ? (['rows', 'files'] as const).filter((u) => m[u] !== undefined) : [];
  if (!v.check(units.length === 1, f, m, 'must give exactly one of rows and files', words`write ${prop(f, { rows: 100000 })}`))
    return undefined;
  const unit = units[0];
  const count = m[unit];
  const okCount = v.check(
    isWholeIn(count, 1, Number.MAX_SAFE_INTEGER),
    `${f}.${unit}`,
    count,
    'must be a positive whole number',
    words`write e.g. ${prop(`${f}.${unit}`, unit === 'rows' ? 100000 : 20)}`,
  );
  const okAssets = v.check(
    (run.assets ?? []).length > 0,
    f,
    m,
    words`counts the new data the datasets' Asset events report, but ${prop('train.assets')} names no dataset`,
    words`add the datasets the ingestion pipeline updates: ${prop('train.assets', ['s3://bucket/dataset'])}, or drop ${prop(f)}`,
  );
  return okCount && okAssets ? { unit, count: count! } : undefined;
}

/** An alias of the registry: letters, digits, `_` and `-`; never `v<digits>` nor `latest`, which MLflow reserves. */
function checkAlias(v: Validator, field: string, alias: unknown, example: string): boolean {
  if (
    !v.check(
      typeof alias === 'string' && ALIAS.test(alias),
      field,
      alias,
      'is not a registry alias (letters, digits, "_" and "-")',
      `write e.g. "${example}"`,
    )
  )
    return false;
  return v.check(
    !/^v\d+$/i.test(alias as string) && (alias as string).toLowerCase() !== 'latest',
    field,
    alias,
    'is reserved by MLflow (v<digits> names a version, latest the newest version)',
    `use another alias, e.g. "${example}"`,
  );
}

/** The comparison: metric, mode and minimum improvement. */
function checkRule(v: Validator, p: PromoteProps, mode: unknown, minDelta: unknown): void {
  const f = 'train.promote';
  v.check(
    typeof p.metric === 'string' && METRIC.test(p.metric),
    `${f}.metric`,
    p.metric,
    p.metric === undefined ? 'is required' : 'is not an MLflow metric key (letters, digits, "_", "-", ".", "/" and spaces)',
    words`name the metric the training code logs, e.g. ${prop(`${f}.metric`, 'auc')}`,
  );
  v.check(
    mode === 'max' || mode === 'min',
    `${f}.mode`,
    mode,
    'is not a comparison mode',
    'use "max" (higher is better) or "min" (lower is better)',
  );
  v.check(
    typeof minDelta === 'number' && Number.isFinite(minDelta) && minDelta >= 0,
    `${f}.minDelta`,
    minDelta,
    'must be a finite number, at least 0',
    'write e.g. 0.002 (the least improvement over the champion that promotes)',
  );
}

/** The approval gate's timeout and the canary step's alias and soak, with their defaults. */
function resolveSteps(
  v: Validator,
  p: PromoteProps,
  alias: string,
): Pick<PromotionSettings, 'approvalTimeoutHours' | 'canary'> | undefined {
  const f = 'train.promote';
  const timeout = p.approval === undefined ? undefined : (p.approval?.timeoutHours ?? 72);
  const okTimeout =
    timeout === undefined ||
    v.check(
      typeof timeout === 'number' && Number.isFinite(timeout) && timeout > 0,
      `${f}.approval.timeoutHours`,
      timeout,
      'must be a positive number of hours',
      'write e.g. 72',
    );
  if (p.canary === undefined) return okTimeout ? { approvalTimeoutHours: timeout } : undefined;
  const canaryAlias = p.canary?.alias ?? 'canary';
  const soakMinutes = p.canary?.soakMinutes ?? 30;
  let ok = checkAlias(v, `${f}.canary.alias`, canaryAlias, 'canary');
  ok =
    v.check(
      canaryAlias !== alias,
      `${f}.canary.alias`,
      canaryAlias,
      words`is the champion alias (${prop(`${f}.alias`)}) too`,
      'give the canary an alias of its own, e.g. "canary"',
    ) && ok;
  ok =
    v.check(
      isWholeIn(soakMinutes, 1),
      `${f}.canary.soakMinutes`,
      soakMinutes,
      'must be a positive whole number of minutes',
      'write e.g. 30',
    ) && ok;
  return ok && okTimeout ? { approvalTimeoutHours: timeout, canary: { alias: canaryAlias, soakMinutes } } : undefined;
}

/** The promotion rule with its defaults (mode max, minDelta 0, alias champion, 72 h approval, canary 30 min). */
function resolvePromote(v: Validator, p: PromoteProps | undefined): PromotionSettings | undefined {
  if (p === undefined) return undefined;
  if (!v.check(isRecord(p), 'train.promote', p, 'must be a map', words`write ${prop('train.promote', { metric: 'auc', mode: 'max' })}`))
    return undefined;
  const mode = p.mode ?? 'max';
  const minDelta = p.minDelta ?? 0;
  const alias = p.alias ?? 'champion';
  const before = v.found.length;
  checkRule(v, p, mode, minDelta);
  const okAlias = checkAlias(v, 'train.promote.alias', alias, 'champion');
  const steps = okAlias ? resolveSteps(v, p, alias) : undefined;
  if (v.found.length > before || !steps) return undefined;
  const { approvalTimeoutHours, canary } = steps;
  return {
    metric: p.metric,
    mode: mode as 'max' | 'min',
    minDelta: minDelta as number,
    alias,
    ...(approvalTimeoutHours !== undefined ? { approvalTimeoutHours } : {}),
    ...(canary ? { canary } : {}),
  };
}

/** One notify entry: exactly one of slack and webhook, an Airflow connection id (never a URL). */
function notifyOf(v: Validator, field: string, n: NotifyProps): NotifySpec | undefined {
  const kinds = isRecord(n) ? (['slack', 'webhook'] as const).filter((k) => n[k] !== undefined) : [];
  if (
    !v.check(
      kinds.length === 1,
      field,
      n,
      'must give exactly one of slack and webhook',
      words`write ${prop(field, { slack: 'ml-alerts' })}`,
    )
  )
    return undefined;
  const kind = kinds[0];
  const connection = n[kind];
  const at = `${field}.${kind}`;
  if (typeof connection === 'string' && connection.includes('://')) {
    // A webhook URL is a secret (Slack's carries its token): never shown, never written into the DAG.
    v.fail(
      at,
      '<redacted URL>',
      'is a URL; the DAG file would carry it (a webhook URL is a secret)',
      `put the URL in an Airflow connection (e.g. \`airflow connections add ml-alerts --conn-type http --conn-host <URL>\`) and give its id, e.g. "ml-alerts"`,
    );
    return undefined;
  }
  if (
    !v.check(
      typeof connection === 'string' && CONNECTION.test(connection),
      at,
      connection,
      'is not an Airflow connection id (letters, digits, "_", "." and "-")',
      'write e.g. "ml-alerts"',
    )
  )
    return undefined;
  return { kind, connection: connection as string };
}

/** Where outcomes are sent, in the order given; the same connection twice is refused (it would be told twice). */
function resolveNotify(v: Validator, notify: readonly NotifyProps[] | undefined): NotifySpec[] {
  if (notify === undefined) return [];
  if (
    !v.check(
      Array.isArray(notify),
      'train.notify',
      notify,
      'must be a list',
      words`write ${prop('train.notify', [{ slack: 'ml-alerts' }])}`,
    )
  )
    return [];
  const out = notify.flatMap((n, i) => notifyOf(v, `train.notify[${i}]`, n) ?? []);
  for (const d of duplicates(out.map((n) => `${n.kind}: ${n.connection}`)))
    v.fail('train.notify', d, 'names the same connection twice; each outcome would be sent twice', 'list every connection once');
  return out;
}

/**
 * The continuous training of a model's `train` run, checked, with its defaults; undefined when the run sets
 * none of {@link TRAINING_FIELDS} (or has problems, recorded on `v`). Airflow runs it: another orchestrator is
 * refused. The MLflow tracking URI is the platform's; the experiment {@link trainingExperiment}.
 */
export function resolveTraining(v: Validator, run: SparkRunProps | undefined, ctx: TrainingContext): TrainingSettings | undefined {
  if (!run || !hasTraining(run)) return undefined;
  const given = TRAINING_FIELDS.find((f) => sets(run, f))!;
  const before = v.found.length;
  v.check(
    ctx.orchestrator === 'airflow',
    `train.${given}`,
    run[given],
    `is continuous training, which the training DAG on Airflow runs, but orchestrator is "${ctx.orchestrator}"`,
    words`use ${prop('orchestrator', 'airflow')}, or drop the continuous-training fields (${prop('train.registeredModel')}, ${prop('train.minNewData')}, ${prop('train.promote')}, ${prop('train.notify')}, ${prop('train.snapshot')})`,
  );
  const okName = checkRegisteredModel(v, run);
  const minNewData = resolveMinNewData(v, run);
  const promote = resolvePromote(v, run.promote);
  const notify = resolveNotify(v, run.notify);
  const volumes = resolveSnapshot(v, run.snapshot, ctx.datasets);
  if (!okName || v.found.length > before) return undefined;
  return {
    mlflowTrackingUri: ctx.platform.mlflowTrackingUri,
    registeredModel: run.registeredModel!,
    experiment: trainingExperiment(ctx.team, ctx.model),
    ...(minNewData ? { minNewData } : {}),
    ...(promote ? { promote } : {}),
    notify,
    ...(volumes ? { snapshot: { volumes } } : {}),
  };
}

/**
 * The volumes `train.snapshot` snapshots: every mounted dataset, each a {@link Dataset} construct (its
 * snapshot class names the VolumeSnapshotClass, its size, access modes and storage class make the
 * restored claim). Undefined without `snapshot: true`, or with problems (recorded on `v`).
 */
function resolveSnapshot(
  v: Validator,
  snapshot: unknown,
  datasets: readonly SparkDatasetProps[] | undefined,
): ResolvedDataset[] | undefined {
  if (snapshot === undefined || snapshot === false) return undefined;
  const f = 'train.snapshot';
  if (!v.check(snapshot === true, f, snapshot, 'must be true or false', words`write ${prop(f, true)}, or leave it out`)) return undefined;
  const list = Array.isArray(datasets) ? datasets : [];
  if (
    !v.check(
      list.length > 0,
      f,
      snapshot,
      words`snapshots the model's mounted datasets after each successful training, but ${prop('datasets')} mounts none`,
      words`mount the training data and the model volume: ${prop('datasets', [{ dataset: 'corpus', mountPath: '/data/corpus' }])}, or drop ${prop(f)}`,
    )
  )
    return undefined;
  const volumes: ResolvedDataset[] = [];
  list.forEach((d, i) => {
    const spec = isRecord(d) && isRecord(d.dataset) ? (d.dataset as { spec?: ResolvedDataset }).spec : undefined;
    if (
      v.check(
        spec !== undefined,
        `datasets[${i}].dataset`,
        isRecord(d) ? d.dataset : d,
        words`is a claim's name, but ${prop(f)} snapshots Datasets: the restored claim needs the Dataset's size, access modes and classes`,
        "name one of the team's datasets (modelplane.yaml: an entry of the file's `datasets`; TypeScript: the Dataset construct instead of its name)",
      )
    )
      volumes.push(spec!);
  });
  return volumes.length === list.length ? volumes : undefined;
}

/** A serving construct of the team, as the targets are resolved from it: plain data. */
export interface ServingModel {
  /** The model (service) name. */
  readonly name: string;
  /** Its variants. */
  readonly variants: readonly ServedVariant[];
}

/** The `models:/` URIs of the champion and (with a canary step) the canary alias. */
export function aliasUris(t: TrainingSettings): { champion?: string; canary?: string } {
  const p = t.promote;
  if (!p) return {};
  return {
    champion: `models:/${t.registeredModel}@${p.alias}`,
    ...(p.canary ? { canary: `models:/${t.registeredModel}@${p.canary.alias}` } : {}),
  };
}

/** Patches sorted by kind and name, each once. */
function sortedPatches(patches: readonly RolloutPatch[]): RolloutPatch[] {
  const byKey = new Map(patches.map((p) => [`${p.kind}/${p.name}`, p]));
  return [...byKey.keys()].sort().map((k) => byKey.get(k)!);
}

/** One serving model as a target: its variants on the champion and canary aliases; a refused variant is an issue. */
function targetOf(v: Validator, t: TrainingSettings, s: ServingModel): RolloutTarget | undefined {
  const uris = aliasUris(t);
  const champion: RolloutPatch[] = [];
  const canary: RolloutPatch[] = [];
  for (const x of s.variants) {
    const into = x.modelUri === uris.champion ? champion : uris.canary !== undefined && x.modelUri === uris.canary ? canary : undefined;
    if (!into) continue;
    if (isRolloutRefusal(x.rollout)) {
      v.fail(
        'train.promote',
        x.modelUri,
        `is an alias the promotion moves, rolling the team's online models that serve it; online model "${s.name}" serves it on its variant "${x.variant}", but ${x.rollout.problem}`,
        x.rollout.fix,
      );
      continue;
    }
    into.push(x.rollout);
  }
  if (champion.length === 0 && canary.length === 0) return undefined;
  return { onlineModel: s.name, champion: sortedPatches(champion), canary: sortedPatches(canary) };
}

/**
 * The promotion's rollout targets: every serving model of the team with a variant on
 * `models:/<registeredModel>@<alias>` (champion patches) or on the canary alias (canary patches), sorted
 * by name. A variant its backend cannot roll is refused, and so is a canary step no target has a canary
 * variant for. Pure: the serving models come as data. `t` is the model's resolved training.
 */
export function resolveRolloutTargets(
  kind: string,
  id: string,
  t: TrainingSettings,
  servings: readonly ServingModel[],
): Resolution<RolloutTarget[]> {
  const v = new Validator(kind, id);
  if (!t.promote) return v.result(() => []);
  const sorted = [...servings].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const targets = sorted.flatMap((s) => targetOf(v, t, s) ?? []);
  const uris = aliasUris(t);
  if (uris.canary !== undefined && v.ok && !targets.some((x) => x.canary.length > 0)) {
    const on = targets.map((x) => `"${x.onlineModel}"`).join(', ') || 'none';
    v.fail(
      'train.promote.canary',
      t.promote.canary,
      `moves ${uris.canary} first, but no online model of the team serves it on a canary variant (online models serving ${uris.champion}: ${on})`,
      words`give an online model serving ${uris.champion!} a canary variant: ${propOf('OnlineModel', 'variants[1]', { model: uris.canary, traffic: 10 })}, or drop ${prop('train.promote.canary')}`,
    );
  }
  return v.result(() => targets);
}

/** The full contract: the settings with the promotion's targets. */
export function trainingSpec(t: TrainingSettings, targets: readonly RolloutTarget[]): ContinuousTrainingSpec {
  const { promote, ...rest } = t;
  return promote ? { ...rest, promote: { ...promote, targets } } : rest;
}
