"""The real-Airflow tier: generated DAG files loaded by Airflow's DagBag and
executed with dag.test() against the real kube-apiserver that
scripts/kube/with-cluster.sh starts (KUBECONFIG).

Nothing here substitutes Airflow or the Kubernetes calls: the DAG's submit
task creates real SparkApplication objects in the API server, and its wait
task reads their status. The only stand-in is for the Spark operator, which
does not run here: SparkOperatorPlayer watches the SparkApplications and sets
their status subresource to RUNNING, then COMPLETED (or FAILED for the models
a test chooses), as the operator would.

The run-time values of arguments and env values ({{ ds }}, {{ params.x }})
are checked in the SparkApplications the runs create: the DAG substitutes them
from the run's logical date and conf.

Run with test/airflow/run.sh, which builds the venv, synthesizes the DAGs,
prepares AIRFLOW_HOME and starts the cluster.
"""
from __future__ import annotations

import copy
import os
import subprocess
import sys
import time

import pytest
from spark_standin import GROUP, PLURAL, VERSION, SparkOperatorStandIn, kube

FIXTURE = os.environ["MODELPLANE_AIRFLOW_FIXTURE"]
DAGS = os.path.join(FIXTURE, "dags")
TEAM = "cascade-test"
DAG_ID = "cascade-test.nightly"
# The same cascade in the mapped form, in a team of its own (run.sh runs the
# two forms' tests side by side; each namespace has its own operator stand-in).
MAPPED_TEAM = "cascade-mapped"
MAPPED_DAG_ID = "cascade-mapped.nightly-mapped"
BLOCKS = {
    "features": ["feat-a", "feat-b"],
    "scoring": ["score-a", "score-b"],
    "ensemble": ["ensemble"],
}
STAGES = ["download", "run", "export"]
SLOW_MODEL = "feat-a"
SLOW_SECONDS = 2.0


@pytest.fixture(scope="session")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=DAGS, include_examples=False)


@pytest.fixture(scope="session")
def dag(dagbag):
    return dagbag.dags[DAG_ID]


# ---------------------------------------------------------------------------
# Loading and structure
# ---------------------------------------------------------------------------


def test_every_generated_dag_loads_without_import_errors(dagbag):
    files = sorted(f for f in os.listdir(DAGS) if f.endswith(".py"))
    assert len(files) >= 3
    assert dagbag.import_errors == {}
    assert sorted(f"{d}.py" for d in dagbag.dags) == files


def test_generated_files_are_flake8_clean():
    flake8 = os.path.join(os.path.dirname(sys.executable), "flake8")
    result = subprocess.run(
        [flake8, DAGS], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dags_load_from_a_mounted_config_map(tmp_path):
    """The Platform's Airflow mounts each team's DAG ConfigMap; kubelet lays
    a ConfigMap volume out as ..<timestamp>/ files behind a ..data link, which
    Airflow's folder walk refuses unless the generated .airflowignore hides
    it. Rebuild that layout from the synthesized ConfigMap and load it."""
    import yaml
    from airflow.dag_processing.dagbag import DagBag

    for team in (TEAM, MAPPED_TEAM):
        with open(os.path.join(FIXTURE, f"models-{team}.k8s.yaml")) as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
        [config_map] = [
            d for d in docs
            if d["kind"] == "ConfigMap"
            and d["metadata"]["name"] == f"modelplane-dags-{team}"
        ]
        assert config_map["metadata"]["namespace"] == "airflow"
        volume = tmp_path / "modelplane" / team
        stamp = volume / "..2026_01_01_00_00_00.000000001"
        stamp.mkdir(parents=True)
        for key, text in config_map["data"].items():
            (stamp / key).write_text(text)
        (volume / "..data").symlink_to(stamp.name)
        for key in config_map["data"]:
            (volume / key).symlink_to(f"..data/{key}")
    bag = DagBag(dag_folder=str(tmp_path), include_examples=False)
    assert bag.import_errors == {}
    assert sorted(bag.dags) == sorted([DAG_ID, MAPPED_DAG_ID])


def expected_task_ids():
    ids = set()
    for block, models in BLOCKS.items():
        for stage in STAGES:
            ids.add(f"{block}.{stage}_done")
            for model in models:
                for task in ("select", "submit", "wait"):
                    ids.add(f"{block}.{stage}.{model}.{task}")
    return ids


def test_task_ids_follow_the_contract(dag):
    assert set(dag.task_ids) == expected_task_ids()
    groups = dag.task_group_dict
    for block, models in BLOCKS.items():
        assert block in groups
        for stage in STAGES:
            assert f"{block}.{stage}" in groups
            for model in models:
                assert f"{block}.{stage}.{model}" in groups


def test_dependencies_and_trigger_rules(dag):
    previous_join = None
    for block, models in BLOCKS.items():
        for stage in STAGES:
            join = dag.get_task(f"{block}.{stage}_done")
            assert join.trigger_rule == "none_failed"
            waits = {f"{block}.{stage}.{m}.wait" for m in models}
            assert join.upstream_task_ids == waits
            for model in models:
                prefix = f"{block}.{stage}.{model}"
                select = dag.get_task(f"{prefix}.select")
                submit = dag.get_task(f"{prefix}.submit")
                wait = dag.get_task(f"{prefix}.wait")
                assert type(select).__name__ == "ShortCircuitOperator"
                assert select.ignore_downstream_trigger_rules is False
                assert select.op_kwargs == {"block": block, "model": model}
                expected_up = {previous_join} if previous_join else set()
                assert select.upstream_task_ids == expected_up
                assert submit.upstream_task_ids == {f"{prefix}.select"}
                assert wait.upstream_task_ids == {f"{prefix}.submit"}
                assert submit.trigger_rule == "all_success"
                assert wait.trigger_rule == "all_success"
                assert wait.mode == "reschedule"
            previous_join = join.task_id
    assert dag.get_task("ensemble.export_done").downstream_task_ids == set()


def test_params_default_to_everything_and_are_multi_selects(dag):
    models = [m for ms in BLOCKS.values() for m in ms]
    blocks_param = dag.params.get_param("blocks")
    models_param = dag.params.get_param("models")
    assert blocks_param.value == list(BLOCKS)
    assert models_param.value == models
    assert blocks_param.schema["type"] == "array"
    assert blocks_param.schema["examples"] == list(BLOCKS)
    assert models_param.schema["examples"] == models
    assert models_param.schema["items"]["enum"] == models
    assert dag.params.validate() == {"blocks": list(BLOCKS), "models": models}
    # The trigger form refuses names that are not in the cascade.
    from airflow.sdk.exceptions import ParamValidationError

    bad = copy.deepcopy(dag.params)
    with pytest.raises(ParamValidationError):
        bad["models"] = ["no-such-model"]
        bad.validate()


def test_schedule_tags_and_runs(dag):
    assert dag.timetable.expression == "0 2 * * *"
    assert dag.max_active_runs == 1
    assert dag.catchup is False
    assert {"modelplane", "cascade", "team:cascade-test"} <= set(dag.tags)


def test_model_dag_has_spark_submit_and_wait(dagbag):
    dag = dagbag.dags["demo.churn.train"]
    assert set(dag.task_ids) == {"spark_submit", "spark_wait"}
    assert dag.get_task("spark_wait").upstream_task_ids == {"spark_submit"}
    # Retrained weekly or when its feature table is updated.
    assert type(dag.timetable).__name__ == "AssetOrTimeSchedule"
    assert dag.timetable.description.startswith("Triggered by assets or")
    assert "s3://lake/features/churn" in repr(dag.timetable.asset_condition)


# ---------------------------------------------------------------------------
# Execution against the real API server
# ---------------------------------------------------------------------------


class SparkOperatorPlayer(SparkOperatorStandIn):
    """Plays the Spark operator: every new SparkApplication goes RUNNING,
    then COMPLETED, or FAILED if its model and stage are in `fail`. The
    applications of SLOW_MODEL stay RUNNING for SLOW_SECONDS (twice the
    fixture's 1-second poll), so that their wait task sees an unfinished
    application and reschedules itself (test_run_everything counts that)."""

    def __init__(self, namespace, fail=()):
        super().__init__(namespace)
        self.fail = set(fail)
        self.created = []

    def play(self):
        seen = set()
        pending = []
        while not self.stopped():
            for app in self.applications():
                name = app["metadata"]["name"]
                if name in seen:
                    continue
                seen.add(name)
                self.created.append(app)
                self.set_state(name, "RUNNING")
                model = app["metadata"]["labels"]["modelplane.dev/model"]
                delay = SLOW_SECONDS if model == SLOW_MODEL else 0.0
                pending.append((time.monotonic() + delay, app))
            now = time.monotonic()
            for due, app in list(pending):
                if due > now:
                    continue
                pending.remove((due, app))
                labels = app["metadata"]["labels"]
                key = (
                    labels["modelplane.dev/model"],
                    labels["modelplane.dev/step"],
                )
                name = app["metadata"]["name"]
                if key in self.fail:
                    self.set_state(name, "FAILED", "driver exited 1")
                else:
                    self.set_state(name, "COMPLETED")
            time.sleep(0.2)

    def runs(self, run_key):
        """(model, stage) of the applications of one run, in creation order."""
        out = []
        for app in self.created:
            labels = app["metadata"]["labels"]
            if labels["modelplane.dev/run"] == run_key:
                out.append(
                    (
                        labels["modelplane.dev/model"],
                        labels["modelplane.dev/step"],
                    )
                )
        return out


def run_key(run):
    import hashlib

    digest = hashlib.sha256(f"{run.dag_id}/{run.run_id}".encode())
    return digest.hexdigest()[:10]


def execute(dag, conf, fail=(), team=TEAM, **test_args):
    # A freshly parsed DAG per run: dag.test() runs every task in this
    # process, and resolving a run's conf writes the values into the DAG's
    # Param objects, which would carry one run's selection into the next (in
    # Airflow proper every task runs in a fresh process, so this cannot).
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=DAGS, include_examples=False).dags[dag.dag_id]
    with SparkOperatorPlayer(team, fail) as player:
        run = dag.test(run_conf=conf, **test_args)
    return run, player.runs(run_key(run)), player


def assert_in_stage_order(created, expected_models_by_block):
    """Applications appear stage by stage: all of (block, stage) before any
    of the next stage; models of a stage in any order."""
    expected = []
    for block, models in expected_models_by_block.items():
        for stage in STAGES:
            if models:
                expected.append(sorted((m, stage) for m in models))
    position = 0
    for group in expected:
        chunk = created[position:position + len(group)]
        assert sorted(chunk) == group, (created, expected)
        position += len(group)
    assert position == len(created), created


def states(run):
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def reschedules(run, task_id):
    """How often the run's task rescheduled itself (mode reschedule)."""
    from airflow.models.taskreschedule import TaskReschedule
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    [ti] = [t for t in run.get_task_instances() if t.task_id == task_id]
    with create_session() as session:
        return session.scalar(
            select(func.count(TaskReschedule.id)).where(
                TaskReschedule.ti_id == ti.id
            )
        )


@pytest.fixture(scope="session")
def cluster_ready():
    if not os.environ.get("KUBECONFIG"):
        pytest.fail("no KUBECONFIG: run the tier with test/airflow/run.sh")
    client = kube()
    core = client.CoreV1Api()
    for team in (TEAM, MAPPED_TEAM):
        cms = core.list_namespaced_config_map(team).items
        names = {cm.metadata.name for cm in cms}
        for models in BLOCKS.values():
            for model in models:
                assert f"{model}-spark" in names, (team, model)
    return True


def test_run_everything(dag, cluster_ready):
    run, created, player = execute(dag, None)
    assert run.state == "success", states(run)
    assert_in_stage_order(created, BLOCKS)
    assert len(created) == 15
    # feat-a's waits saw RUNNING first and were rescheduled, then succeeded.
    for stage in STAGES:
        wait = f"features.{stage}.{SLOW_MODEL}.wait"
        assert states(run)[wait] == "success"
        assert reschedules(run, wait) >= 1, wait
    app = player.created[0]
    name = app["metadata"]["name"]
    model, stage = created[0]
    assert name == f"{model}-{stage}-{run_key(run)}"
    env = app["spec"]["driver"]["envVars"]
    assert env["MODELPLANE_STAGE"] == stage
    assert env["MODELPLANE_RUN_ID"] == run.run_id
    assert env["MODELPLANE_STAGING_URI"].endswith(f"/{run_key(run)}/{model}")
    assert env["MODELPLANE_OUTPUT"].startswith("hive:scores.")
    # The packed environment: an s3a:// archive is fetched by the pods' init container, not by spark-submit.
    init = app["spec"]["driver"]["template"]["spec"]["initContainers"][0]
    assert init["name"] == "modelplane-environment"
    assert dict((e["name"], e.get("value")) for e in init["env"])["MODELPLANE_ENVIRONMENT_ARCHIVE"].startswith("s3a://")
    assert "deps" not in app["spec"]
    assert app["spec"]["timeToLiveSeconds"] >= 3600


def test_run_one_block_only(dag, cluster_ready):
    run, created, _ = execute(dag, {"blocks": ["scoring"]})
    assert run.state == "success", states(run)
    assert_in_stage_order(created, {"scoring": BLOCKS["scoring"]})
    st = states(run)
    assert st["features.download.feat-a.select"] == "success"
    assert st["features.download.feat-a.submit"] == "skipped"
    assert st["features.download.feat-a.wait"] == "skipped"
    assert st["features.export_done"] == "success"
    assert st["ensemble.run.ensemble.submit"] == "skipped"


def test_run_two_named_models(dag, cluster_ready):
    run, created, _ = execute(dag, {"models": ["score-b", "feat-b"]})
    assert run.state == "success", states(run)
    assert_in_stage_order(
        created, {"features": ["feat-b"], "scoring": ["score-b"]}
    )
    assert len(created) == 6


def test_run_nothing_selected(dag, cluster_ready):
    run, created, _ = execute(dag, {"blocks": [], "models": []})
    assert run.state == "success", states(run)
    assert created == []
    st = states(run)
    assert all(
        st[t] == "skipped" for t in st if t.endswith((".submit", ".wait"))
    )


def test_a_failing_model_fails_the_run_and_stops_later_blocks(
    dag, cluster_ready
):
    run, created, _ = execute(dag, None, fail={("score-b", "run")})
    assert run.state == "failed"
    expected_prefix = [
        sorted((m, s) for m in BLOCKS["features"]) for s in STAGES
    ] + [sorted((m, "download") for m in BLOCKS["scoring"])]
    position = 0
    for group in expected_prefix:
        assert sorted(created[position:position + len(group)]) == group
        position += len(group)
    # The run stage of the scoring block started both models (they run in
    # parallel); nothing after it started.
    assert sorted(created[position:]) == sorted(
        (m, "run") for m in BLOCKS["scoring"]
    )
    st = states(run)
    assert st["scoring.run.score-b.wait"] == "failed"
    assert st["scoring.run.score-a.wait"] == "success"
    assert st["scoring.run_done"] == "upstream_failed"
    assert st["scoring.export.score-a.select"] == "upstream_failed"
    assert st["ensemble.download.ensemble.select"] == "upstream_failed"
    assert st["ensemble.export_done"] == "upstream_failed"


# ---------------------------------------------------------------------------
# Run-time values ({{ ds }}, {{ params.NAME }}, ...): substituted by the
# DAG's submit from the run (docs/cookbook/run-time-values.md)
# ---------------------------------------------------------------------------

RUN_VALUES_TEAM = "run-values"


def utc(*args):
    from datetime import datetime, timezone

    return datetime(*args, tzinfo=timezone.utc)


def apps_of(player, run, step=None):
    return [
        app
        for app in player.created
        if app["metadata"]["labels"]["modelplane.dev/run"] == run_key(run)
        and step in (None, app["metadata"]["labels"]["modelplane.dev/step"])
    ]


def window(run):
    start = run.data_interval_start or run.logical_date
    end = run.data_interval_end or run.logical_date
    return f"{start.isoformat()}/{end.isoformat()}"


def test_a_cascade_run_passes_its_date_and_run_id_to_spark(dag, cluster_ready):
    run, created, player = execute(dag, None, logical_date=utc(2024, 5, 17, 2))
    assert run.state == "success", states(run)
    assert len(created) == 15
    runs = apps_of(player, run, "run")
    assert len(runs) == 5
    for app in runs:
        assert app["spec"]["arguments"] == [
            "--date",
            "2024-05-17",
            "--run",
            run.run_id,
        ]
    for app in apps_of(player, run):
        for role in ("driver", "executor"):
            assert app["spec"][role]["envVars"]["RUN_DAY"] == "20240517"


def test_params_take_the_runs_conf(dagbag, cluster_ready):
    dag = dagbag.dags["run-values.adhoc"]
    run, created, player = execute(
        dag,
        {"segment": "retail"},
        team=RUN_VALUES_TEAM,
        logical_date=utc(2024, 6, 1, 3),
    )
    assert run.state == "success", states(run)
    assert created == [(m, s) for s in STAGES for m in ["segmenter"]]
    [app] = apps_of(player, run, "run")
    assert app["spec"]["arguments"] == [
        "--segment",
        "retail",
        "--day",
        "20240601",
        "--window",
        window(run),
    ]
    env = app["spec"]["driver"]["envVars"]
    assert env["STAMP"] == "2024-06-01T03:00:00+00:00"


def test_a_run_without_the_param_fails_its_submit(dagbag, cluster_ready):
    dag = dagbag.dags["run-values.adhoc"]
    run, created, _ = execute(
        dag, None, team=RUN_VALUES_TEAM, logical_date=utc(2024, 6, 2, 3)
    )
    assert run.state == "failed"
    st = states(run)
    assert st["all.download.segmenter.wait"] == "success"
    assert st["all.run.segmenter.submit"] == "failed"
    assert ("segmenter", "run") not in created


def test_the_model_dag_substitutes_too(dagbag, cluster_ready):
    dag = dagbag.dags["run-values.segmenter.score"]
    run, _, _ = execute(
        dag,
        {"segment": "smb"},
        team=RUN_VALUES_TEAM,
        logical_date=utc(2024, 6, 3, 3),
        mark_success_pattern="spark_wait",
    )
    assert run.state == "success", states(run)
    # Read from the API server: the run ends as soon as it is submitted (its
    # wait is marked successful), maybe before the operator stand-in saw it.
    app = kube().CustomObjectsApi().get_namespaced_custom_object(
        GROUP,
        VERSION,
        RUN_VALUES_TEAM,
        PLURAL,
        f"segmenter-score-{run_key(run)}",
    )
    assert app["spec"]["arguments"][:4] == [
        "--segment",
        "smb",
        "--day",
        "20240603",
    ]
    assert app["spec"]["executor"]["envVars"]["STAMP"] == (
        "2024-06-03T03:00:00+00:00"
    )


# ---------------------------------------------------------------------------
# The mapped form (cascades of MAPPED_FROM_MODELS models and more, or
# airflowForm: "mapped"): per block and stage a select task and a task group
# mapped over the models it selected; the model's name is the map index label
# ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def mapped(dagbag):
    return dagbag.dags[MAPPED_DAG_ID]


def test_mapped_task_ids_and_groups(mapped):
    ids = set()
    for block in BLOCKS:
        for stage in STAGES:
            ids |= {f"{block}.{stage}_select", f"{block}.{stage}_done"}
            ids |= {f"{block}.{stage}.submit", f"{block}.{stage}.wait"}
    assert set(mapped.task_ids) == ids
    groups = mapped.task_group_dict
    for block in BLOCKS:
        assert type(groups[block]).__name__ == "TaskGroup"
        for stage in STAGES:
            group = groups[f"{block}.{stage}"]
            assert type(group).__name__ == "MappedTaskGroup"


def test_mapped_dependencies_and_labels(mapped):
    previous_join = None
    for block in BLOCKS:
        for stage in STAGES:
            prefix = f"{block}.{stage}"
            select = mapped.get_task(f"{prefix}_select")
            submit = mapped.get_task(f"{prefix}.submit")
            wait = mapped.get_task(f"{prefix}.wait")
            join = mapped.get_task(f"{prefix}_done")
            expected_up = {previous_join} if previous_join else set()
            assert select.upstream_task_ids == expected_up
            assert select.op_kwargs == {"block": block}
            assert submit.upstream_task_ids == {f"{prefix}_select"}
            # wait takes its model from the select's list too.
            assert wait.upstream_task_ids == {
                f"{prefix}.submit",
                f"{prefix}_select",
            }
            assert join.upstream_task_ids == {f"{prefix}.wait"}
            assert join.trigger_rule == "none_failed"
            assert wait.mode == "reschedule"
            assert submit.retries == 1
            for task in (submit, wait):
                assert task.map_index_template == (
                    "{{ task.op_kwargs['model'] }}"
                )
            previous_join = join.task_id
    models = [m for ms in BLOCKS.values() for m in ms]
    assert mapped.params.validate() == {
        "blocks": list(BLOCKS),
        "models": models,
    }


def model_states(run):
    """{task id: {model: state}} of the mapped tasks that have instances
    for models (an empty mapping leaves one skipped, unlabelled instance)."""
    out = {}
    for ti in run.get_task_instances():
        if ti.map_index >= 0:
            out.setdefault(ti.task_id, {})[ti.rendered_map_index] = ti.state
    return out


def test_mapped_run_everything(mapped, cluster_ready):
    run, created, player = execute(mapped, None, team=MAPPED_TEAM)
    assert run.state == "success", states(run)
    assert_in_stage_order(created, BLOCKS)
    assert len(created) == 15
    ms = model_states(run)
    for block, models in BLOCKS.items():
        for stage in STAGES:
            for task in ("submit", "wait"):
                assert ms[f"{block}.{stage}.{task}"] == {
                    m: "success" for m in models
                }
    # The namespace holds earlier tests' applications too: this run's only.
    app = apps_of(player, run)[0]
    model, stage = created[0]
    assert app["metadata"]["name"] == f"{model}-{stage}-{run_key(run)}"
    env = app["spec"]["driver"]["envVars"]
    assert env["MODELPLANE_CASCADE"] == "nightly-mapped"
    assert env["MODELPLANE_STAGE"] == stage
    assert env["MODELPLANE_STAGING_URI"].endswith(f"/{run_key(run)}/{model}")


def test_mapped_selection_creates_no_instances_for_other_models(
    mapped, cluster_ready
):
    run, created, _ = execute(
        mapped, {"models": ["score-b", "feat-b"]}, team=MAPPED_TEAM
    )
    assert run.state == "success", states(run)
    assert_in_stage_order(
        created, {"features": ["feat-b"], "scoring": ["score-b"]}
    )
    assert len(created) == 6
    ms = model_states(run)
    assert ms["features.run.submit"] == {"feat-b": "success"}
    assert ms["scoring.export.wait"] == {"score-b": "success"}
    # The ensemble block selected nothing: no model instance, the join runs.
    assert "ensemble.run.submit" not in ms
    st = states(run)
    assert st["ensemble.run.submit"] == "skipped"
    assert st["ensemble.export_done"] == "success"


def test_mapped_block_selection(mapped, cluster_ready):
    run, created, _ = execute(
        mapped, {"blocks": ["scoring"]}, team=MAPPED_TEAM
    )
    assert run.state == "success", states(run)
    assert_in_stage_order(created, {"scoring": BLOCKS["scoring"]})
    assert set(model_states(run)) == {
        f"scoring.{stage}.{task}"
        for stage in STAGES
        for task in ("submit", "wait")
    }


def test_mapped_failing_model_fails_the_run_and_stops_later_blocks(
    mapped, cluster_ready
):
    run, created, _ = execute(
        mapped, None, fail={("score-b", "run")}, team=MAPPED_TEAM
    )
    assert run.state == "failed"
    assert sorted(created[-2:]) == sorted(
        (m, "run") for m in BLOCKS["scoring"]
    )
    assert len(created) == 3 * 2 + 2 + 2
    ms = model_states(run)
    assert ms["scoring.run.wait"] == {
        "score-a": "success",
        "score-b": "failed",
    }
    st = states(run)
    assert st["scoring.run_done"] == "upstream_failed"
    assert st["scoring.export_select"] == "upstream_failed"
    assert st["ensemble.download_select"] == "upstream_failed"
    assert st["ensemble.export_done"] == "upstream_failed"


def test_mapped_submit_is_idempotent(mapped, cluster_ready):
    """A retried submit finds its SparkApplication already created (here:
    created beforehand under the name the run will give it) and goes on."""
    import hashlib
    import json

    # dag.test names its run after run_after: fixed, the name is known.
    when = utc(2024, 5, 18, 2)
    run_id = f"manual__{when.isoformat()}"
    key = hashlib.sha256(f"{MAPPED_DAG_ID}/{run_id}".encode()).hexdigest()
    name = f"feat-b-download-{key[:10]}"
    core = kube().CoreV1Api()
    template = core.read_namespaced_config_map(
        "feat-b-spark", MAPPED_TEAM
    )
    app = json.loads(template.data["download.json"])
    app["metadata"]["name"] = name
    app["metadata"]["namespace"] = MAPPED_TEAM
    app["metadata"].setdefault("labels", {}).update(
        {"modelplane.dev/step": "download", "modelplane.dev/run": key[:10]}
    )
    api = kube().CustomObjectsApi()
    uid = api.create_namespaced_custom_object(
        GROUP, VERSION, MAPPED_TEAM, PLURAL, app
    )["metadata"]["uid"]
    run, created, _ = execute(
        mapped,
        {"models": ["feat-b"]},
        team=MAPPED_TEAM,
        logical_date=when,
        run_after=when,
    )
    assert run.run_id == run_id
    assert run.state == "success", states(run)
    ms = model_states(run)
    assert ms["features.download.submit"] == {"feat-b": "success"}
    assert sorted(created) == [
        ("feat-b", s) for s in sorted(["download", "run", "export"])
    ]
    # The pre-created application was kept, not replaced: same object, and
    # without the run's env that submit would have added.
    kept = api.get_namespaced_custom_object(
        GROUP, VERSION, MAPPED_TEAM, PLURAL, name
    )
    assert kept["metadata"]["uid"] == uid
    env = kept["spec"]["driver"].get("envVars") or {}
    assert "MODELPLANE_RUN_ID" not in env
