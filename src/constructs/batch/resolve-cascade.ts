/**
 * Resolving a Cascade: every check and default of its props, and the models of its blocks, as a pure
 * function of the props and the team's registered models (no construct is created, none is searched).
 * A block entry is a model name (looked up in the team's registry) or a model construct; a cascade
 * runs it only if it is {@link ICascadeRunnable}, and otherwise names the kind it was registered with.
 */
import type { IConstruct } from 'constructs';
import { checkOperatorInstalled, PlatformContext } from '../../core/context';
import { Resolution, Validator } from '../../core/errors';
import { codeOnly, kindRef, prop, propOf, words } from '../../core/words';
import { duplicates } from '../../core/records';
import { checkCron, checkName, checkText, INT32_MAX } from '../../core/validate';
import type { TeamModel } from '../team-models';
import { cascadeDagId } from './airflow/dag';
import { argoManifestProblems, manifestParams, modelFieldNamer } from './argo/manifest-values';
import { checkAssetUris, checkNoTemplate, checkOneOf, checkWholeNumbers } from './checks';
import { ICascadeRunnable, isCascadeRunnable } from './contracts';
import { MAX_BATCH_MODEL_NAME } from './resolve-model';
import { macroTargetFix, RunValueTarget } from './run-values';
import { BatchJob, CASCADE_STAGES, CascadeBlockShape } from './stages';
import type { CascadeAirflowForm, CascadeBlock, CascadeProps, CascadeTarget } from './cascade';

/** Longest cascade name (DAG id part, Argo CronWorkflow names are limited to 52). */
export const MAX_CASCADE_NAME = 40;
/** Longest block name. */
export const MAX_BLOCK_NAME = 40;

/** What resolving a cascade needs to know about its team: its name and its registered models. */
export interface CascadeContext {
  /** The team (and namespace). */
  readonly team: string;
  /** The team's registered models (`TeamModels.models`): block entries given by name are looked up here. */
  readonly models: readonly TeamModel[];
  /**
   * Registrations of models of other teams that blocks give as constructs, so a message can name
   * their kind. @default []
   */
  readonly elsewhere?: readonly TeamModel[];
  /** The platform the team runs on, for the operators it installs. @default - not known: not checked */
  readonly platform?: PlatformContext;
}

/** A Cascade after every check and default: what its construct renders. */
export interface ResolvedCascade {
  /** The construct id. */
  readonly id: string;
  /** Cascade name. */
  readonly name: string;
  /** The team. */
  readonly team: string;
  /** The Airflow DAG id `<team>.<name>`. */
  readonly dagId: string;
  /** The model run the `run` stage uses. */
  readonly job: BatchJob;
  /** Orchestrators to compile to. */
  readonly targets: readonly CascadeTarget[];
  /** Five-field cron schedule. @default - none (triggered only) */
  readonly schedule?: string;
  /** Airflow Asset URIs whose update starts a run. */
  readonly assets: readonly string[];
  /** Where download stages stage inputs. */
  readonly stagingUri: string;
  /** Seconds between two status reads. */
  readonly pollIntervalSeconds: number;
  /** Seconds one stage of one model may run. */
  readonly timeoutSeconds: number;
  /** Retries of a submit task. */
  readonly submitRetries: number;
  /** Description shown in Airflow. */
  readonly description: string;
  /** How the Airflow DAG lays out the models' tasks (`auto` decided by the number of models). */
  readonly airflowForm: CascadeAirflowForm;
  /** Blocks in order, with the names of their models in order. */
  readonly blocks: readonly CascadeBlockShape[];
  /** The models the blocks run, by name. */
  readonly models: ReadonlyMap<string, ICascadeRunnable>;
  /** The workflow parameters the models' `{{ params.NAME }}` run-time values need on Argo, sorted. */
  readonly argoParams: readonly string[];
}

/**
 * From how many models on `airflowForm: "auto"` gives the mapped form. Measured with bench/batch.ts:
 * below it the per-model form parses in well under a second and shows every model in the graph view.
 */
export const MAPPED_FROM_MODELS = 200;
/**
 * Most models a block may have in the mapped form: Airflow's default `[core] max_map_length`, beyond
 * which the select task's list fails the run.
 */
export const MAX_MAPPED_BLOCK = 1024;

const TARGETS: readonly CascadeTarget[] = ['airflow', 'argo'];
const AIRFLOW_FORMS: readonly (CascadeAirflowForm | 'auto')[] = ['auto', 'per-model', 'mapped'];

/**
 * The Airflow form: the one asked for, or for `auto` mapped from {@link MAPPED_FROM_MODELS} models on
 * unless a block has more than {@link MAX_MAPPED_BLOCK} models (which the mapped form cannot run).
 */
function resolveAirflowForm(v: Validator, form: CascadeProps['airflowForm'], blocks: readonly CascadeBlockShape[]): CascadeAirflowForm {
  const asked = form ?? 'auto';
  checkOneOf(v, 'airflowForm', asked, AIRFLOW_FORMS, 'is not an Airflow DAG form', 'use "auto" (the default), "per-model" or "mapped"');
  const largest = blocks.reduce((a, b) => (b.models.length > a.models.length ? b : a), { name: '', models: [] });
  const mappable = largest.models.length <= MAX_MAPPED_BLOCK;
  if (asked === 'mapped')
    v.check(
      mappable,
      'airflowForm',
      asked,
      `cannot run block "${largest.name}": its ${largest.models.length} models are more than Airflow's max_map_length (${MAX_MAPPED_BLOCK})`,
      `split the block into blocks of at most ${MAX_MAPPED_BLOCK} models, or use "per-model"`,
    );
  if (asked === 'per-model' || asked === 'mapped') return asked;
  const models = blocks.reduce((n, b) => n + b.models.length, 0);
  return models >= MAPPED_FROM_MODELS && mappable ? 'mapped' : 'per-model';
}

const JOBS: readonly BatchJob[] = ['score', 'train'];
const STAGING_URI = /^s3a:\/\/[^\s/]+(\/\S*)?$/;

/** The job, the targets (at least one, each known, none twice), the schedule and the Assets. */
function checkTriggers(v: Validator, job: BatchJob, targets: readonly CascadeTarget[], props: CascadeProps): void {
  checkOneOf(v, 'job', job, JOBS, 'is not a model run', 'use "score" (batch inference) or "train"');
  v.check(
    Array.isArray(targets) && targets.length > 0,
    'targets',
    targets,
    'must name at least one orchestrator',
    'use ["airflow"], ["argo"] or both',
  );
  for (const [i, t] of [...targets].entries())
    checkOneOf(v, `targets[${i}]`, t, TARGETS, 'is not a cascade orchestrator', 'use "airflow" or "argo"');
  for (const d of duplicates([...targets])) v.fail('targets', d, 'is listed twice', 'list each orchestrator once');
  if (props.schedule !== undefined) checkCron(v, 'schedule', props.schedule);
  const assets = props.assets ?? [];
  checkAssetUris(v, 'assets', assets);
  v.check(
    assets.length === 0 || targets.includes('airflow'),
    'assets',
    assets,
    'are Airflow Assets but Airflow is not a target',
    words`set ${prop('targets', ['airflow'])}, or start the runs by a cron ${prop('schedule')} instead`,
  );
}

/** The staging URI and the pacing of the waits and submits, with their defaults. */
function resolveRuntime(
  v: Validator,
  props: CascadeProps,
  defaultStaging: string,
): Pick<ResolvedCascade, 'stagingUri' | 'pollIntervalSeconds' | 'timeoutSeconds' | 'submitRetries'> {
  const stagingUri = props.stagingUri ?? defaultStaging;
  // The staging URI reaches the DAG's task arguments, which Airflow renders with Jinja: no template syntax.
  if (
    v.check(
      STAGING_URI.test(stagingUri) && !stagingUri.endsWith('/'),
      'stagingUri',
      stagingUri,
      'is not an s3a:// URI without a trailing "/"',
      'write it like "s3a://staging/team/cascade"',
    ) &&
    checkText(v, 'stagingUri', stagingUri)
  )
    checkNoTemplate(v, 'stagingUri', stagingUri);
  const pollIntervalSeconds = props.pollIntervalSeconds ?? 30;
  const timeoutSeconds = props.timeoutSeconds ?? 21600;
  const submitRetries = props.submitRetries ?? 2;
  checkWholeNumbers(v, [
    {
      field: 'pollIntervalSeconds',
      value: pollIntervalSeconds,
      min: 1,
      max: 3600,
      problem: 'must be a whole number from 1 to 3600',
      fix: 'keep the default 30',
    },
    {
      field: 'timeoutSeconds',
      value: timeoutSeconds,
      min: 60,
      max: INT32_MAX,
      problem: `must be a whole number of seconds from 60 to ${INT32_MAX}`,
      fix: 'keep the default 21600 (6 h)',
    },
    {
      field: 'submitRetries',
      value: submitRetries,
      min: 0,
      max: 10,
      problem: 'must be a whole number from 0 to 10',
      fix: 'keep the default 2',
    },
  ]);
  return { stagingUri, pollIntervalSeconds, timeoutSeconds, submitRetries };
}

/** The state of resolving the blocks: the team's models and what the blocks have claimed so far. */
interface BlockResolver {
  readonly v: Validator;
  readonly team: string;
  readonly job: BatchJob;
  /** The team's registered models, by name. */
  readonly byName: ReadonlyMap<string, TeamModel>;
  /** Every known registration, by construct. */
  readonly byConstruct: ReadonlyMap<IConstruct, TeamModel>;
  /** The block each model was first listed in. */
  readonly firstBlock: Map<string, string>;
  /** The models the blocks run, by name. */
  readonly models: Map<string, ICascadeRunnable>;
  /** With Argo a target: how its runs give run-time values (`argo-cron` when scheduled). @default - Argo is not a target */
  readonly argo?: RunValueTarget;
  /** The `{{ params.NAME }}` names the models use (Argo workflow parameters). */
  readonly params: Set<string>;
}

/** A block entry as a model: found by name in the registry, or given as a construct. */
interface BlockEntry {
  /** The name messages show. */
  readonly name: string;
  /** The runnable model, when the entry is one. */
  readonly runnable?: ICascadeRunnable;
  /** The kind the entry was registered with. @default - not registered (messages say "unknown") */
  readonly kind?: string;
}

/** Finds a block entry; undefined (with the issue recorded) when a name is not a model of the team. */
function lookUp(r: BlockResolver, ref: string | IConstruct, field: string): BlockEntry | undefined {
  if (typeof ref !== 'string') {
    if (isCascadeRunnable(ref)) return { name: ref.modelName, runnable: ref };
    return { name: String(ref?.node?.id ?? ref), kind: r.byConstruct.get(ref)?.kind };
  }
  const registered = r.byName.get(ref);
  if (registered === undefined) {
    r.v.fail(
      field,
      ref,
      `is not a model of team "${r.team}" (known: ${[...r.byName.keys()].sort().join(', ') || 'none'})`,
      words`add ${kindRef('SparkBatchModel')} named "${ref}" to the team${codeOnly(' (its TeamModels chart) before the cascade')}, or use one of the known names`,
    );
    return undefined;
  }
  const c = registered.construct;
  return { name: ref, runnable: isCascadeRunnable(c) ? c : undefined, kind: registered.kind };
}

/** Whether a runnable model may join the cascade here: its team, its name's length, listed once. */
function admits(r: BlockResolver, model: ICascadeRunnable, name: string, block: string, field: string): boolean {
  const v = r.v;
  if (
    !v.check(model.team === r.team, field, name, `belongs to team "${model.team}", not "${r.team}"`, "use models of the cascade's own team")
  )
    return false;
  const len = name.length;
  if (
    !v.check(
      len <= MAX_BATCH_MODEL_NAME,
      field,
      name,
      `is ${len} characters long, the limit is ${MAX_BATCH_MODEL_NAME}`,
      'shorten the model name',
    )
  )
    return false;
  const prev = r.firstBlock.get(name);
  if (prev === undefined) return true;
  const problem = prev === block ? `is listed twice in block "${block}"` : `is already in block "${prev}"; a model runs in one block only`;
  v.fail(field, name, problem, 'keep the model in one block');
  return false;
}

/** One block entry: the model it names, if the cascade can run it (every problem recorded). */
function resolveEntry(r: BlockResolver, ref: string | IConstruct, block: string, field: string): string | undefined {
  const entry = lookUp(r, ref, field);
  if (entry === undefined) return undefined;
  const { name, runnable: model } = entry;
  if (model === undefined) {
    r.v.fail(
      field,
      name,
      `is an online model (${entry.kind ?? 'unknown'}); a cascade runs batch models only`,
      words`serve it on its own, or define it as ${kindRef('SparkBatchModel')}`,
    );
    return undefined;
  }
  if (!admits(r, model, name, block, field)) return undefined;
  r.firstBlock.set(name, block);
  r.v.check(
    model.jobs.includes(r.job),
    field,
    name,
    `has no ${r.job} run, which the cascade's run stage uses`,
    words`add ${propOf('SparkBatchModel', r.job, { mainApplicationFile: `local:///app/${r.job}.py` })} to the model, or set the cascade's ${prop('job')}`,
  );
  r.v.check(
    model.cascadeReady,
    field,
    name,
    'has no cascade output (where its predictions go)',
    words`add ${propOf('SparkBatchModel', 'cascade.outputTable', 'db.table')} or ${propOf('SparkBatchModel', 'cascade.outputPath', 's3a://…')} to the model`,
  );
  if (r.argo) checkArgoValues(r, model, field);
  r.models.set(name, model);
  return name;
}

/**
 * On Argo, what the model's stages would pass to Argo: run-time values Argo cannot express and template
 * syntax elsewhere are refused at the block entry (where a YAML user named the model), naming the
 * model's field and value; each field once (the env and the conf are in every stage). The params it
 * uses are noted (they become workflow parameters).
 */
function checkArgoValues(r: BlockResolver, model: ICascadeRunnable, field: string): void {
  const seen = new Set<string>();
  for (const stage of CASCADE_STAGES) {
    const manifest = model.stageTemplate(stage, r.job);
    const argsField = (i: number) => (stage === 'run' ? `${r.job}.arguments[${i}]` : `cascade.${stage}.arguments[${i}]`);
    for (const p of argoManifestProblems(manifest, r.argo!, modelFieldNamer(argsField))) {
      if (seen.has(p.field)) continue;
      seen.add(p.field);
      const problem = `runs on Argo, but the model's ${p.field} = ${JSON.stringify(p.value)} ${p.problem}`;
      r.v.fail(field, model.modelName, problem, macroTargetFix(r.argo!));
    }
    for (const p of manifestParams(manifest)) r.params.add(p);
  }
}

/** One block: its name and its models (at least one). */
function resolveBlock(r: BlockResolver, b: CascadeBlock, i: number): CascadeBlockShape {
  checkName(r.v, `blocks[${i}].name`, b.name, MAX_BLOCK_NAME);
  const models: string[] = [];
  const nonEmpty = r.v.check(
    Array.isArray(b.models) && b.models.length > 0,
    `blocks[${i}].models`,
    b.models,
    'is empty; a block needs at least one model',
    'add models to the block or remove it',
  );
  if (nonEmpty)
    b.models.forEach((ref, j) => {
      const name = resolveEntry(r, ref, b.name, `blocks[${i}].models[${j}]`);
      if (name !== undefined) models.push(name);
    });
  return { name: b.name, models };
}

/** The blocks (at least one, unique names), each with its models. */
function resolveBlocks(r: BlockResolver, blocks: readonly CascadeBlock[]): CascadeBlockShape[] {
  if (
    !r.v.check(
      Array.isArray(blocks) && blocks.length > 0,
      'blocks',
      blocks,
      'a cascade needs at least one block',
      'pass blocks: [{ name: "features", models: [...] }]',
    )
  )
    return [];
  for (const d of duplicates(blocks.map((b) => b.name)))
    r.v.fail('blocks', d, 'names the same block twice', 'give every block its own name, or merge the two blocks');
  return blocks.map((b, i) => resolveBlock(r, b, i));
}

/**
 * Resolves a Cascade: checks every prop and every block entry (all problems at once, in a fixed
 * order), finds the models the blocks run, and applies the defaults. Pure: the team's models come as
 * data in `context`.
 *
 * @param id the construct id (messages name the cascade by it)
 * @param props the cascade's props
 * @param context the team and its registered models
 */
export function resolveCascade(id: string, props: CascadeProps, context: CascadeContext): Resolution<ResolvedCascade> {
  const name = props.name ?? id;
  const team = context.team;
  const v = new Validator('Cascade', id);
  checkName(v, 'name', name, MAX_CASCADE_NAME);
  const job = props.job ?? 'score';
  const targets = props.targets ?? ['airflow'];
  checkTriggers(v, job, targets, props);
  if (context.platform && Array.isArray(targets) && targets.includes('airflow'))
    checkOperatorInstalled(
      v,
      `targets[${targets.indexOf('airflow')}]`,
      'airflow',
      context.platform,
      'airflow',
      'run the cascade on "argo"',
    );
  if (context.platform && Array.isArray(targets) && targets.includes('argo'))
    checkOperatorInstalled(
      v,
      `targets[${targets.indexOf('argo')}]`,
      'argo',
      context.platform,
      'argoWorkflows',
      'run the cascade on "airflow"',
    );
  const runtime = resolveRuntime(v, props, `s3a://modelplane-staging/${team}/${name}`);
  const registrations = [...context.models, ...(context.elsewhere ?? [])];
  const r: BlockResolver = {
    v,
    team,
    job,
    byName: new Map(context.models.map((m) => [m.name, m])),
    byConstruct: new Map(registrations.map((m) => [m.construct, m])),
    firstBlock: new Map(),
    models: new Map(),
    argo: Array.isArray(targets) && targets.includes('argo') ? (props.schedule !== undefined ? 'argo-cron' : 'argo-template') : undefined,
    params: new Set(),
  };
  const blocks = resolveBlocks(r, props.blocks);
  const description = props.description ?? `Cascade ${name} of team ${team}: ${blocks.length} blocks, ${r.models.size} models.`;
  if (props.description !== undefined) checkText(v, 'description', props.description, { multiline: true });
  const airflowForm = resolveAirflowForm(v, props.airflowForm, blocks);
  return v.result(() => ({
    id,
    name,
    team,
    dagId: cascadeDagId(team, name),
    job,
    targets,
    schedule: props.schedule,
    assets: props.assets ?? [],
    ...runtime,
    description,
    airflowForm,
    blocks,
    models: r.models,
    argoParams: [...r.params].sort(),
  }));
}
