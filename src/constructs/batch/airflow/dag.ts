/**
 * Generates Airflow 3 DAG files (Python source) for batch models and model cascades. The files are
 * self-contained (no modelplane package on Airflow's side), deterministic (same input, same bytes)
 * and flake8-clean with flake8's defaults. Parsing stays cheap: the Kubernetes client is imported
 * inside the task callables, not at the top of the file, and the structure is built by a short loop
 * over a literal table instead of thousands of generated lines. A cascade has two forms
 * ({@link CascadeDagForm}): tasks per model (Airflow's parse time grows with the models, about a
 * millisecond per task), or per block and stage a task group mapped over the selected models at run
 * time (parse time grows with the blocks).
 *
 * Runtime contract: each model's SparkApplication templates live in the ConfigMap `<model>-spark`
 * in the team namespace (written by SparkBatchModel), one JSON manifest per key. `submit` reads the
 * template, substitutes the run-time values of its arguments and env values (`{{ ds }}`, `{{ params.x }}`,
 * … — see run-values.ts; from the task's context, with one regular expression, never with Airflow's
 * Jinja), names it deterministically and uniquely for the run (`<model>-<stage>-<sha256(dag id /
 * run id)[:10]>`), adds the run's env (run id, stage, staging URI) and creates it; a retried
 * submit finds it already created and goes on. `wait` reads
 * `status.applicationState.state`: COMPLETED succeeds, FAILED fails the task (no retry), anything
 * else waits (mode reschedule: no worker slot held while Spark runs).
 */
import { SPARK_API } from '../spark';
import { BatchJob, CASCADE_STAGES, CascadeBlockShape, stageTemplateKey, templateKey } from '../stages';
import { RUN_MACROS, RUN_VALUES_DOC } from '../run-values';
import { pyComment, pyDocLines, pyStr, pyStrFitted, pyValue } from './python';

/** What the DAG needs to reach the cluster and pace its waits. */
export interface DagRuntime {
  /** Team (= namespace of the SparkApplications). */
  readonly team: string;
  /** Airflow connection id for Kubernetes. */
  readonly kubernetesConnId: string;
  /** Seconds between two status reads of a SparkApplication. */
  readonly pollSeconds: number;
  /** Seconds a wait may take before it fails. */
  readonly timeoutSeconds: number;
  /** Retries of the submit task (creation is idempotent). */
  readonly submitRetries: number;
  /** Cron schedule, or none (triggered only). */
  readonly schedule?: string;
  /** Airflow Asset URIs whose update triggers a run (with a cron: either triggers). */
  readonly assets: readonly string[];
  /** Extra tags. */
  readonly tags: readonly string[];
  /** Human description (first docstring paragraph and DAG description). */
  readonly description: string;
}

/** A cascade, as its DAG needs it. */
export interface CascadeDagSpec extends DagRuntime {
  /** Cascade name. */
  readonly cascade: string;
  /** Blocks in order, each with its models in order. */
  readonly blocks: readonly CascadeBlockShape[];
  /** Which model run the `run` stage uses. */
  readonly job: BatchJob;
  /** Base URI where the download stage stages inputs, per run and model. */
  readonly stagingUri: string;
  /** How the DAG lays out the models' tasks (see {@link CascadeDagForm}). */
  readonly form: CascadeDagForm;
}

/**
 * How a cascade's DAG lays out the tasks of its models. `per-model`: a task group per model and stage
 * (`<block>.<stage>.<model>.<select|submit|wait>`), parse time grows with the models. `mapped`: per block
 * and stage one `select` task and one task group mapped over the models it selects
 * (`<block>.<stage>.<submit|wait>`, map index shown as the model's name), parse time grows with the blocks.
 */
export type CascadeDagForm = 'per-model' | 'mapped';

/** One scheduled run of one model, as its DAG needs it. */
export interface ModelDagSpec extends DagRuntime {
  /** Model name. */
  readonly model: string;
  /** Which run. */
  readonly job: BatchJob;
}

/** DAG id of a cascade: `<team>.<cascade>`. */
export function cascadeDagId(team: string, cascade: string): string {
  return `${team}.${cascade}`;
}

/** DAG id of a model's scheduled run: `<team>.<model>.<job>`. */
export function modelDagId(team: string, model: string, job: BatchJob): string {
  return `${team}.${model}.${job}`;
}

/** File name of a DAG: its id plus `.py`. */
export function dagFileName(dagId: string): string {
  return `${dagId}.py`;
}

/** The helpers every model and cascade DAG shares: run names, the Kubernetes hook, run values, submit and wait. */
export const RUNTIME_HELPERS = `

def app_name(dag_id, run_id, model, step):
    """Name of the SparkApplication of one step of one model in one run.

    Deterministic (a retried task finds the same application) and unique
    per run (the digest of the DAG id and the run id).
    """
    digest = hashlib.sha256(f"{dag_id}/{run_id}".encode()).hexdigest()
    return f"{model}-{step}-{digest[:10]}"


def _kubernetes():
    # Imported when a task runs, not when the file is parsed: parsing stays
    # fast however many models the DAG has.
    from airflow.providers.cncf.kubernetes.hooks.kubernetes import (
        KubernetesHook,
    )

    return KubernetesHook(conn_id=KUBERNETES_CONN_ID)


def run_values(dag_run, logical_date, data_interval_start, data_interval_end):
    """The values of the date and run macros ({{ ds }}, ...) for this run.

    A run without a logical date (started by an asset update, or by hand
    without one) takes the time it was queued (run_after) for every date.
    """
    when = logical_date or dag_run.run_after
    return {
        "ds": when.strftime("%Y-%m-%d"),
        "ds_nodash": when.strftime("%Y%m%d"),
        "ts": when.isoformat(),
        "logical_date": when.isoformat(),
        "data_interval_start": (data_interval_start or when).isoformat(),
        "data_interval_end": (data_interval_end or when).isoformat(),
        "run_id": dag_run.run_id,
    }


def render(text, values, params):
    """Substitute the run-time values in one argument or env value.

    Only the macros of RUN_VALUE are replaced (modelplane refused any other
    template at synth time); no template engine ever sees the text.
    """

    def value(match):
        name = match.group(1)
        if not name.startswith("params."):
            return values[name]
        key = name[len("params."):]
        if key not in params:
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(
                f"{{{{ {name} }}}}: the run has no param {key!r}; trigger"
                f" the DAG with the conf {{{key!r}: ...}}"
            )
        found = params[key]
        return found if isinstance(found, str) else json.dumps(found)

    return re.sub(RUN_VALUE, value, text)


def submit(
    model,
    step,
    template,
    env,
    dag_run,
    params,
    logical_date=None,
    data_interval_start=None,
    data_interval_end=None,
):
    """Create the model's SparkApplication for this run from its template.

    Airflow passes the run's context by name (dag_run, params, the logical
    date and data interval when the run has them); the run-time values of
    the template's arguments and env are substituted from it.
    """
    from kubernetes.client.exceptions import ApiException

    hook = _kubernetes()
    config_map = hook.core_v1_client.read_namespaced_config_map(
        f"{model}-spark", NAMESPACE
    )
    app = json.loads(config_map.data[template])
    values = run_values(
        dag_run, logical_date, data_interval_start, data_interval_end
    )
    spec = app["spec"]
    spec["arguments"] = [
        render(a, values, params) for a in spec.get("arguments", [])
    ]
    name = app_name(dag_run.dag_id, dag_run.run_id, model, step)
    run_key = name.rsplit("-", 1)[1]
    app["metadata"]["name"] = name
    app["metadata"]["namespace"] = NAMESPACE
    app["metadata"].setdefault("labels", {}).update(
        {"modelplane.dev/step": step, "modelplane.dev/run": run_key}
    )
    run_env = {
        "MODELPLANE_DAG_ID": dag_run.dag_id,
        "MODELPLANE_RUN_ID": dag_run.run_id,
        "MODELPLANE_STEP": step,
    }
    for key, value in env.items():
        run_env[key] = value.replace("{run}", run_key)
    for role in ("driver", "executor"):
        env_vars = spec[role].setdefault("envVars", {})
        for key, value in env_vars.items():
            env_vars[key] = render(value, values, params)
        env_vars.update(run_env)
    try:
        hook.custom_object_client.create_namespaced_custom_object(
            SPARK_GROUP, SPARK_VERSION, NAMESPACE, SPARK_PLURAL, app
        )
        print(f"created SparkApplication {NAMESPACE}/{name}")
    except ApiException as error:
        if error.status != 409:
            raise
        print(f"SparkApplication {NAMESPACE}/{name} exists (task retried)")
    return name


def finished(model, step, dag_run):
    """True once the SparkApplication completed; fails the task on failure."""
    from airflow.sdk.exceptions import AirflowFailException

    name = app_name(dag_run.dag_id, dag_run.run_id, model, step)
    app = _kubernetes().custom_object_client.get_namespaced_custom_object(
        SPARK_GROUP, SPARK_VERSION, NAMESPACE, SPARK_PLURAL, name
    )
    state = (app.get("status") or {}).get("applicationState") or {}
    if state.get("state") == "COMPLETED":
        return True
    if state.get("state") == "FAILED":
        message = state.get("errorMessage") or "no error message"
        raise AirflowFailException(
            f"SparkApplication {NAMESPACE}/{name} failed: {message}"
        )
    print(f"SparkApplication {NAMESPACE}/{name}: {state.get('state')}")
    return False
`;

/** The cascade's per-model task group (select >> submit >> wait) and the selection test behind it. */
const CASCADE_HELPERS = `
def selected(block, model, params):
    """True when the run selected both the block and the model."""
    return block in params["blocks"] and model in params["models"]


def model_group(parent, block, stage, model):
    """The select >> submit >> wait group of one model in one stage."""
    # Groups are passed explicitly rather than nested with "with": Airflow
    # compares a new node with its enclosing group, which costs more the
    # larger the group.
    group = TaskGroup(model, parent_group=parent)
    env = {
        "MODELPLANE_CASCADE": CASCADE,
        "MODELPLANE_BLOCK": block,
        "MODELPLANE_STAGE": stage,
        "MODELPLANE_STAGING_URI": f"{STAGING_URI}/{{run}}/{model}",
    }
    select = ShortCircuitOperator(
        task_id="select",
        task_group=group,
        python_callable=selected,
        op_kwargs={"block": block, "model": model},
        # Skip only this group; later stages and blocks still run.
        ignore_downstream_trigger_rules=False,
    )
    start = PythonOperator(
        task_id="submit",
        task_group=group,
        python_callable=submit,
        op_kwargs={
            "model": model,
            "step": stage,
            "template": TEMPLATES[stage],
            "env": env,
        },
        retries=SUBMIT_RETRIES,
    )
    wait = PythonSensor(
        task_id="wait",
        task_group=group,
        python_callable=finished,
        op_kwargs={"model": model, "step": stage},
        mode="reschedule",
        poke_interval=POLL_SECONDS,
        timeout=TIMEOUT_SECONDS,
    )
    select >> start >> wait
`;

/** The end of a cascade's `with DAG(...)`: the trigger form's params `blocks` and `models`. */
const CASCADE_PARAMS = `    # The trigger form's params, attached once the tasks exist: a task built
    # inside a DAG that already has params deep-copies them, and Airflow
    # merges the DAG's params into every task's context at run time anyway.
    dag.params.update(
        {
            "blocks": Param(
                list(BLOCKS),
                type="array",
                items={"type": "string", "enum": list(BLOCKS)},
                examples=list(BLOCKS),
                title="Blocks",
                description="Blocks to run (default: all).",
            ),
            "models": Param(
                MODELS,
                type="array",
                items={"type": "string", "enum": MODELS},
                examples=MODELS,
                title="Models",
                description="Models to run (default: all).",
            ),
        }
    )
`;

/** The body of a cascade's `with DAG(...)`: block and stage groups in order, then the trigger params. */
const CASCADE_DAG_BODY = `    previous = None
    for block, models in BLOCKS.items():
        block_group = TaskGroup(block)
        for stage in STAGES:
            stage_group = TaskGroup(stage, parent_group=block_group)
            for model in models:
                model_group(stage_group, block, stage, model)
            # The join lets skipped models through and stops on a failure.
            done = EmptyOperator(
                task_id=f"{stage}_done",
                task_group=block_group,
                trigger_rule="none_failed",
            )
            if previous is not None:
                previous >> stage_group
            stage_group >> done
            previous = done
${CASCADE_PARAMS}`;

/**
 * The mapped form's helpers: the selection of one block's models, and the submit >> wait group mapped
 * over them (one task instance per selected model, its map index shown as the model's name).
 */
const MAPPED_HELPERS = `
def selected_models(block, params):
    """The block's models the run selected: none unless it selected the block.

    The stage's submit and wait are mapped over this list; a model that is
    not in it gets no task instance at all.
    """
    if block not in params["blocks"]:
        return []
    return [model for model in BLOCKS[block] if model in params["models"]]


def submit_model(
    block,
    stage,
    model,
    dag_run,
    params,
    logical_date=None,
    data_interval_start=None,
    data_interval_end=None,
):
    """Create one model's SparkApplication of one stage for this run."""
    env = {
        "MODELPLANE_CASCADE": CASCADE,
        "MODELPLANE_BLOCK": block,
        "MODELPLANE_STAGE": stage,
        "MODELPLANE_STAGING_URI": f"{STAGING_URI}/{{run}}/{model}",
    }
    return submit(
        model,
        stage,
        TEMPLATES[stage],
        env,
        dag_run,
        params,
        logical_date,
        data_interval_start,
        data_interval_end,
    )


@task_group
def model_tasks(block, stage, model):
    """The submit >> wait of one model in one stage (mapped over models)."""
    start = PythonOperator(
        task_id="submit",
        python_callable=submit_model,
        op_kwargs={"block": block, "stage": stage, "model": model},
        retries=SUBMIT_RETRIES,
        map_index_template=MODEL_LABEL,
    )
    wait = PythonSensor(
        task_id="wait",
        python_callable=finished,
        op_kwargs={"model": model, "step": stage},
        mode="reschedule",
        poke_interval=POLL_SECONDS,
        timeout=TIMEOUT_SECONDS,
        map_index_template=MODEL_LABEL,
    )
    start >> wait
`;

/** The mapped form's `with DAG(...)` body: per block and stage a select, the mapped group and a join. */
const MAPPED_DAG_BODY = `    previous = None
    for block in BLOCKS:
        block_group = TaskGroup(block)
        for stage in STAGES:
            select = PythonOperator(
                task_id=f"{stage}_select",
                task_group=block_group,
                python_callable=selected_models,
                op_kwargs={"block": block},
            )
            models = (
                model_tasks.override(group_id=stage, parent_group=block_group)
                .partial(block=block, stage=stage)
                .expand(model=select.output)
            )
            # The join lets an empty selection through and stops on a failure.
            done = EmptyOperator(
                task_id=f"{stage}_done",
                task_group=block_group,
                trigger_rule="none_failed",
            )
            if previous is not None:
                previous >> select
            select >> models >> done
            previous = done
${CASCADE_PARAMS}`;

/** The body of a model run's `with DAG(...)`: Spark Submit, then Spark Wait. */
const MODEL_DAG_BODY = `    spark_submit = PythonOperator(
        task_id="spark_submit",
        python_callable=submit,
        op_kwargs={
            "model": MODEL,
            "step": JOB,
            "template": TEMPLATE,
            "env": {},
        },
        retries=SUBMIT_RETRIES,
    )
    spark_wait = PythonSensor(
        task_id="spark_wait",
        python_callable=finished,
        op_kwargs={"model": MODEL, "step": JOB},
        mode="reschedule",
        poke_interval=POLL_SECONDS,
        timeout=TIMEOUT_SECONDS,
    )
    spark_submit >> spark_wait
`;

const ASSET_IMPORT = 'from airflow.sdk import Asset';

/** How a DAG is scheduled: a cron, Assets, both (either starts a run), or none. */
export interface DagSchedule {
  /** Imports the schedule expression needs. */
  readonly imports: readonly string[];
  /** The `schedule=` expression. */
  readonly expr: string;
}

function header(title: string, description: string, extra: string): string {
  const body = [...pyDocLines(title, 0, 3), '', ...pyDocLines(description), '', ...pyDocLines(extra)];
  return `"""${body.join('\n')}\n"""\n`;
}

/** The schedule of a DAG from its cron and Assets. */
export function scheduleLines(rt: DagRuntime): DagSchedule {
  const cron = rt.schedule;
  const assets = rt.assets;
  if (assets.length === 0) return { imports: [], expr: cron ? pyStr(cron) : 'None' };
  const assetList = assets.map((a) => `Asset(${pyStr(a)})`);
  const anyOf = assetList.length === 1 ? assetList[0] : `(${assetList.join(' | ')})`;
  if (!cron) return { imports: [ASSET_IMPORT], expr: anyOf };
  return {
    imports: [
      ASSET_IMPORT,
      'from airflow.timetables.assets import AssetOrTimeSchedule',
      'from airflow.timetables.trigger import CronTriggerTimetable',
    ],
    expr: `AssetOrTimeSchedule(\n        timetable=CronTriggerTimetable(${pyStr(cron)}, timezone="UTC"),\n        assets=${anyOf},\n    )`,
  };
}

/** The import lines of a DAG file: the standard ones, the DAG's operators, its schedule's, then the Airflow SDK names. */
export function dagImports(operators: readonly string[], sched: DagSchedule, sdkNames: readonly string[]): string {
  const asset = sched.imports.includes(ASSET_IMPORT) ? ['Asset'] : [];
  return [
    'import hashlib',
    'import json',
    'import re',
    '',
    'import pendulum',
    ...operators,
    ...sched.imports.filter((i) => i !== ASSET_IMPORT),
    `from airflow.sdk import ${['DAG', ...asset, ...sdkNames].join(', ')}`,
  ].join('\n');
}

/** The macros the DAG substitutes and the expression that finds them: {@link RUN_VALUE_PYTHON_PATTERN}, in Python. */
const RUN_VALUE_SOURCE = `${pyComment(`Run-time values in arguments and env values (${RUN_VALUES_DOC}): the macros, and {{ params.NAME }}.`)}
RUN_MACROS = ${pyValue([...RUN_MACROS], 0, 13)}
RUN_VALUE = (
    r"\\{\\{ *("
    + "|".join(RUN_MACROS)
    + r"|params\\.[A-Za-z_][A-Za-z0-9_]*) *\\}\\}"
)`;

function constants(rt: DagRuntime, dagId: string): string {
  return [
    `DAG_ID = ${pyStr(dagId)}`,
    `NAMESPACE = ${pyStr(rt.team)}`,
    `KUBERNETES_CONN_ID = ${pyStr(rt.kubernetesConnId)}`,
    `SPARK_GROUP = ${pyStr(SPARK_API.group)}`,
    `SPARK_VERSION = ${pyStr(SPARK_API.version)}`,
    `SPARK_PLURAL = ${pyStr(SPARK_API.plural)}`,
    `POLL_SECONDS = ${rt.pollSeconds}`,
    `TIMEOUT_SECONDS = ${rt.timeoutSeconds}`,
    `SUBMIT_RETRIES = ${rt.submitRetries}`,
    RUN_VALUE_SOURCE,
  ].join('\n');
}

/** What opens every DAG file: the docstring, the imports and the runtime constants. */
export interface DagPreamble {
  /** The docstring's first paragraph. */
  readonly title: string;
  /** The docstring's last paragraph (what the DAG does). */
  readonly extra: string;
  /** The import lines. */
  readonly imports: string;
}

/** The docstring, imports and runtime constants that open a DAG file. */
export function preamble(rt: DagRuntime, dagId: string, p: DagPreamble): string {
  return `${header(p.title, rt.description, p.extra)}from __future__ import annotations

${p.imports}

${constants(rt, dagId)}
`;
}

/** The `with DAG(...) as dag:` line block every DAG file shares. */
export function dagOpen(rt: DagRuntime, sched: DagSchedule, tags: readonly string[]): string {
  return `with DAG(
    dag_id=DAG_ID,
    description=${pyStrFitted(rt.description, 4, 16)},
    schedule=${sched.expr},
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=${pyValue(tags, 4, 9)},
) as dag:
`;
}

const CASCADE_OPERATORS = [
  'from airflow.providers.standard.operators.empty import EmptyOperator',
  'from airflow.providers.standard.operators.python import (',
  '    PythonOperator,',
  '    ShortCircuitOperator,',
  ')',
  'from airflow.providers.standard.sensors.python import PythonSensor',
];

const CASCADE_DOC =
  'Blocks run in sequence; the models of a block run in parallel. Each block runs three stages in order: download (stage the inputs), run (the model) and export (write the predictions). For every model in every stage a task group holds three tasks: select (skips the group unless the run selected the block and the model), submit (creates the SparkApplication) and wait (until it completed or failed). Trigger with params "blocks" and "models" (default: all) to run a part.';

const MAPPED_OPERATORS = [
  'from airflow.providers.standard.operators.empty import EmptyOperator',
  'from airflow.providers.standard.operators.python import PythonOperator',
  'from airflow.providers.standard.sensors.python import PythonSensor',
];

const MAPPED_DOC =
  'Blocks run in sequence; the models of a block run in parallel. Each block runs three stages in order: download (stage the inputs), run (the model) and export (write the predictions). In every stage a select task lists the models the run selected (params "blocks" and "models", default: all), and a task group mapped over that list holds two tasks per model, shown with the model\'s name as map index: submit (creates the SparkApplication) and wait (until it completed or failed). An unselected model has no task instance in the run.';

/** What differs between the two forms of a cascade DAG file. */
interface CascadeForm {
  /** The operator imports. */
  readonly operators: readonly string[];
  /** The Airflow SDK names imported besides DAG (and Asset). */
  readonly sdk: readonly string[];
  /** The docstring's last paragraph. */
  readonly doc: string;
  /** The helpers after the runtime ones. */
  readonly helpers: string;
  /** The `with DAG(...)` body. */
  readonly body: string;
  /** Constants after the blocks. */
  readonly constants: string;
}

const MAPPED_LABEL = `${pyComment("The label of a mapped task instance in Airflow's UI: its model's name.")}
MODEL_LABEL = ${pyStr("{{ task.op_kwargs['model'] }}")}`;

const FORMS: Readonly<Record<CascadeDagForm, CascadeForm>> = {
  'per-model': {
    operators: CASCADE_OPERATORS,
    sdk: ['Param', 'TaskGroup'],
    doc: CASCADE_DOC,
    helpers: CASCADE_HELPERS,
    body: CASCADE_DAG_BODY,
    constants: '',
  },
  mapped: {
    operators: MAPPED_OPERATORS,
    sdk: ['Param', 'TaskGroup', 'task_group'],
    doc: MAPPED_DOC,
    helpers: MAPPED_HELPERS,
    body: MAPPED_DAG_BODY,
    constants: `\n${MAPPED_LABEL}`,
  },
};

/** The cascade's own constants: its name, staging URI, the template of each stage and the blocks. */
function cascadeConstants(spec: CascadeDagSpec): string {
  const blocks: Record<string, string[]> = {};
  for (const b of spec.blocks) blocks[b.name] = [...b.models];
  const templates: Record<string, string> = {};
  for (const stage of CASCADE_STAGES) templates[stage] = stageTemplateKey(stage, spec.job);
  return `CASCADE = ${pyStr(spec.cascade)}
STAGING_URI = ${pyStr(spec.stagingUri)}
STAGES = ${pyTuple(CASCADE_STAGES)}
${pyComment("The template (key of the model's ConfigMap) each stage creates its SparkApplication from.")}
TEMPLATES = ${pyValue(templates, 0, 12)}
${pyComment('Blocks in order, each with its models (which run in parallel).')}
BLOCKS = ${pyValue(blocks, 0, 9)}
MODELS = [model for models in BLOCKS.values() for model in models]`;
}

function pyTuple(items: readonly string[]): string {
  return `(${items.map(pyStr).join(', ')})`;
}

/** The DAG file of a cascade. */
export function cascadeDag(spec: CascadeDagSpec): string {
  const dagId = cascadeDagId(spec.team, spec.cascade);
  const sched = scheduleLines(spec);
  const tags = ['modelplane', 'cascade', `team:${spec.team}`, ...spec.tags];
  const title = `Model cascade ${dagId}, generated by modelplane. Do not edit: change the Cascade in the team's repository and synthesize again.`;
  const form = FORMS[spec.form];
  const imports = dagImports(form.operators, sched, form.sdk);
  return `${preamble(spec, dagId, { title, extra: form.doc, imports })}${cascadeConstants(spec)}${form.constants}
${RUNTIME_HELPERS}
${form.helpers}

${dagOpen(spec, sched, tags)}${form.body}`;
}

/** The operator imports of a model DAG. */
export const MODEL_OPERATORS = [
  'from airflow.providers.standard.operators.python import PythonOperator',
  'from airflow.providers.standard.sensors.python import PythonSensor',
];

/** The DAG file of one scheduled run (train or score) of one model: submit >> wait. */
export function modelDag(spec: ModelDagSpec): string {
  const dagId = modelDagId(spec.team, spec.model, spec.job);
  const sched = scheduleLines(spec);
  const tags = ['modelplane', 'batch-model', `team:${spec.team}`, `job:${spec.job}`, ...spec.tags];
  const title = `Batch model ${spec.model} (${spec.job}) of team ${spec.team}, generated by modelplane. Do not edit: change the SparkBatchModel in the team's repository and synthesize again.`;
  const extra = "Spark Submit creates the model's SparkApplication for the run; Spark Wait watches it until it completed or failed.";
  const imports = dagImports(MODEL_OPERATORS, sched, []);
  return `${preamble(spec, dagId, { title, extra, imports })}MODEL = ${pyStr(spec.model)}
JOB = ${pyStr(spec.job)}
TEMPLATE = ${pyStr(templateKey(spec.job))}
${RUNTIME_HELPERS}

${dagOpen(spec, sched, tags)}${MODEL_DAG_BODY}`;
}
