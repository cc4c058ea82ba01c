"""The continuous-training tier: the translation and bank examples' generated
training DAGs run with dag.test() by real Airflow, against a real MLflow
(PostgreSQL backend) and a real kube-apiserver, as test/training/run.sh sets
them up.

Real: Airflow (scheduling of tasks, Asset events and their extras, XCom,
reschedules, callbacks, connections, `airflow tasks test`), MLflow (experiments,
runs, metrics and tags, the registry's versions, tags and aliases), the API
server (the examples' manifests, the promotion's patches and the translation
training's VolumeSnapshots under the worker ServiceAccount's RBAC, each patch a
new generation of the Deployment's spec; the external-snapshotter's CRDs) and
the `modelplane promote` and `modelplane restore` CLI.
Played: the Spark Operator (issue 15 makes it real): SparkPlayer runs the
training code (train_model.py, as a team writes it) with the env of the
SparkApplication's driver, then sets its state. No kubelet: the new pods stay
Pending; the rollout is proven by the Deployments' templates and generations.
No snapshot controller or CSI driver either: a VolumeSnapshot is stored and
validated against its CRD, never taken (status.readyToUse stays unset), and a
restored claim is only admitted by a server-side dry run, never populated.

The tests run in file order and build on each other (the registry's
versions 1, 2, 3 of the translation model).
"""
from __future__ import annotations

import ast
import http.server
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import pytest
# The admin's view of the API server (the DAG's tasks use the worker ServiceAccount's token).
from spark_standin import SparkOperatorStandIn, kube

MLFLOW = os.environ["MODELPLANE_MLFLOW_URI"]
IN_CLUSTER_MLFLOW = os.environ["MODELPLANE_IN_CLUSTER_MLFLOW"]
DAGS = os.environ["MODELPLANE_TRAINING_DAGS"]
SYNTH = os.environ["MODELPLANE_TRAINING_SYNTH"]
SERVING_PYTHON = os.environ["MODELPLANE_SERVING_PYTHON"]
REPO = os.environ["MODELPLANE_REPO"]
HERE = os.path.dirname(os.path.abspath(__file__))

TRANSLATION = "translation.translate-train.train"
BANK = "retail-risk.churn-train.train"
# The bank's DAG as a model of its own whose approval times out after 5 s (run.sh).
TIMEOUT = "retail-risk.churn-timeout.train"
INGEST = "modelplane-test.ingest"
ANNOTATION = "modelplane.dev/model-version"
# The commit run.sh synthesizes with (modelplane synth --commit).
COMMIT = os.environ["MODELPLANE_TRAINING_COMMIT"]
KUBECTL = os.environ.get("MODELPLANE_KUBECTL", "kubectl")


# ---------------------------------------------------------------------------
# MLflow, the Kubernetes API, notifications
# ---------------------------------------------------------------------------


def mlflow(method, path, body=None, **query):
    url = f"{MLFLOW}/api/2.0/mlflow/{path}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        body = error.read().decode(errors="replace")
        # Missing: 404 RESOURCE_DOES_NOT_EXIST; an unset alias: 400 "... not found."
        if error.code == 404 or (error.code == 400 and "not found" in body):
            return None
        raise AssertionError(f"MLflow {method} {path}: {error.code} {body}") from None


def alias(model, name):
    found = mlflow("GET", "registered-models/alias", name=model, alias=name)
    return found["model_version"]["version"] if found else None


def version_tags(model, version):
    found = mlflow("GET", "model-versions/get", name=model, version=version)
    return {t["key"]: t["value"] for t in found["model_version"].get("tags", [])}


def versions(model):
    found = mlflow("GET", "model-versions/search", filter=f"name='{model}'")
    return sorted(int(v["version"]) for v in (found or {}).get("model_versions", []))


def training_runs(experiment):
    found = mlflow("GET", "experiments/get-by-name", experiment_name=experiment)
    if not found:
        return []
    body = {
        "experiment_ids": [found["experiment"]["experiment_id"]],
        "order_by": ["attributes.start_time ASC"],
    }
    return mlflow("POST", "runs/search", body).get("runs", [])


def snapshots(namespace="translation", **labels):
    """The VolumeSnapshots of a namespace with these labels, by name."""
    selector = ",".join(f"{key}={value}" for key, value in labels.items())
    found = kube().CustomObjectsApi().list_namespaced_custom_object(
        "snapshot.storage.k8s.io", "v1", namespace, "volumesnapshots", label_selector=selector
    )
    return sorted(found["items"], key=lambda s: s["metadata"]["name"])


def run_tags(run_id):
    found = mlflow("GET", "runs/get", run_id=run_id)
    return {t["key"]: t["value"] for t in found["run"]["data"].get("tags", [])}


def deployment(namespace, name):
    return kube().AppsV1Api().read_namespaced_deployment(name, namespace)


def template_version(namespace, name):
    annotations = deployment(namespace, name).spec.template.metadata.annotations
    return (annotations or {}).get(ANNOTATION)


def generation(namespace, name):
    """The Deployment's generation: the API server counts each change of its
    spec (the deployment controller, which would number the ReplicaSets as
    revisions, is not among the local control plane's controllers)."""
    return deployment(namespace, name).metadata.generation


def dag_constant(dag_file, name):
    """A literal constant of a generated DAG file."""
    tree = ast.parse(open(os.path.join(DAGS, dag_file)).read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == name:
            return ast.literal_eval(node.value)
    raise KeyError(name)


class Receiver(http.server.ThreadingHTTPServer):
    """The notifications' receiver: every POST body, by path."""

    def __init__(self):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                received.append((self.path, json.loads(self.rfile.read(length))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def since(self, mark):
        return self.received[mark:]


@pytest.fixture(scope="session")
def receiver():
    """Every notification connection of the examples' DAGs, as an HTTP
    connection to the receiver (path /<connection id>)."""
    server = Receiver()
    port = server.server_address[1]
    for dag_file in os.listdir(DAGS):
        if not dag_file.endswith(".train.py"):
            continue
        for target in dag_constant(dag_file, "NOTIFY"):
            conn = target["connection"]
            os.environ[f"AIRFLOW_CONN_{conn.upper()}"] = json.dumps(
                {
                    "conn_type": "http",
                    "host": f"http://127.0.0.1:{port}",
                    "extra": {"endpoint": f"/{conn}"},
                }
            )
    yield server
    server.shutdown()


# ---------------------------------------------------------------------------
# The Spark Operator's part, and running DAGs
# ---------------------------------------------------------------------------


class SparkPlayer(SparkOperatorStandIn):
    """Plays the Spark Operator for the training SparkApplications of one
    namespace: runs the training code with the driver's env (MLflow's
    in-cluster address swapped for the loopback one), then sets the state
    the exit code says."""

    def __init__(self, namespace, quality="good", fail=False, metric="auc", scale=1):
        super().__init__(namespace, join_seconds=120)
        self.quality, self.fail = quality, fail
        self.metric, self.scale = metric, scale
        self.apps, self.outputs = [], []

    def play(self):
        seen = {a["metadata"]["name"] for a in self.applications()}
        while not self.stopped():
            for app in self.applications():
                name = app["metadata"]["name"]
                if name not in seen:
                    seen.add(name)
                    self._play(app)
            time.sleep(0.2)

    def _play(self, app):
        name = app["metadata"]["name"]
        self.apps.append(app)
        self.set_state(name, "RUNNING")
        if self.fail:
            self.set_state(name, "FAILED", "driver exited 1")
            return
        env = dict(os.environ)
        for key, value in app["spec"]["driver"].get("envVars", {}).items():
            env[key] = value.replace(IN_CLUSTER_MLFLOW, MLFLOW)
        env["MODELPLANE_TEST_QUALITY"] = self.quality
        env["MODELPLANE_TEST_METRIC"] = self.metric
        env["MODELPLANE_TEST_SCALE"] = str(self.scale)
        result = subprocess.run(
            [SERVING_PYTHON, os.path.join(HERE, "train_model.py")],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        self.outputs.append(result.stdout + result.stderr)
        if result.returncode == 0:
            self.set_state(name, "COMPLETED")
        else:
            self.set_state(name, "FAILED", f"driver exited {result.returncode}")


def fresh(dag_id):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=DAGS, include_examples=False)
    assert bag.import_errors == {}
    return bag.dags[dag_id]


def ingest(rows):
    run = fresh(INGEST).test(run_conf={"rows": rows})
    assert run.state == "success"


def train(dag_id, namespace, **player):
    with SparkPlayer(namespace, **player) as spark:
        run = fresh(dag_id).test()
    return run, spark


def states(run):
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def texts(messages):
    return [body["text"] for _, body in messages]


# ---------------------------------------------------------------------------
# The DAGs as synthesized
# ---------------------------------------------------------------------------


def test_the_examples_training_dags_load_and_are_flake8_clean():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=DAGS, include_examples=False)
    assert bag.import_errors == {}
    assert sorted(bag.dags) == sorted([TRANSLATION, BANK, TIMEOUT, INGEST])
    assert list(bag.dags[TRANSLATION].task_dict) == [
        "check_data",
        "start_run",
        "spark_submit",
        "spark_wait",
        "snapshot",
        "evaluate",
        "decide",
        "promote_canary",
        "soak",
        "promote",
    ]
    assert list(bag.dags[BANK].task_dict) == [
        "start_run",
        "spark_submit",
        "spark_wait",
        "evaluate",
        "decide",
        "await_approval",
        "promote",
    ]
    flake8 = os.path.join(os.path.dirname(sys.executable), "flake8")
    originals = [
        os.path.join(SYNTH, "dags", f"{TRANSLATION}.py"),
        os.path.join(SYNTH, "dags", f"{BANK}.py"),
    ]
    result = subprocess.run([flake8, *originals], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# ---------------------------------------------------------------------------
# Translation: retrain on a threshold of new rows, promote through a canary
# ---------------------------------------------------------------------------

TR_MODEL = "translate-en-da"
TR_EXPERIMENT = "modelplane/translation/translate-train"
TR_DAG_FILE = f"{TRANSLATION}.py"
# The translation example's datasets (its corpus and model volumes): claim -> snapshot class.
TR_DATASETS = {"corpus": "csi-snapshots", "nmt-model": "csi-snapshots"}
# The first trained version's DAG run and MLflow run, for the snapshot tests after it.
FIRST = {}


def test_below_the_threshold_nothing_trains(receiver, capsys):
    assert dag_constant(TR_DAG_FILE, "MIN_NEW_DATA") == {"unit": "rows", "count": 100000}
    ingest(40000)
    run, spark = train(TRANSLATION, "translation", metric="bleu", scale=100)
    assert run.state == "success"
    got = states(run)
    assert got["check_data"] == "success"
    assert {got[t] for t in got if t != "check_data"} == {"skipped"}
    assert spark.apps == []
    assert training_runs(TR_EXPERIMENT) == []
    assert "40000 new rows in 1 dataset event(s) with no training before:" " below minNewData 100000" in capsys.readouterr().out


def test_enough_new_rows_train_the_first_version_and_promote_it(receiver):
    mark = len(receiver.received)
    targets = dag_constant(TR_DAG_FILE, "TARGETS")
    assert {t["onlineModel"] for t in targets} >= {"translate-api", "translate-worker"}
    before = {d["name"]: generation("translation", d["name"]) for t in targets for d in t["champion"] + t["canary"]}
    ingest(70000)  # 40,000 + 70,000 since no training: above 100,000
    run, spark = train(TRANSLATION, "translation", metric="bleu", scale=100, quality="ok")
    assert run.state == "success", states(run)
    assert len(spark.apps) == 1
    env = spark.apps[0]["spec"]["driver"]["envVars"]
    assert env["MODELPLANE_REGISTERED_MODEL"] == TR_MODEL
    assert env["MODELPLANE_CHAMPION_URI"] == ""
    [mlrun] = training_runs(TR_EXPERIMENT)
    assert mlrun["info"]["run_id"] == env["MLFLOW_RUN_ID"]
    assert mlrun["info"]["status"] == "FINISHED"
    params = {p["key"]: p["value"] for p in mlrun["data"]["params"]}
    assert params["modelplane.data.new_rows"] == "110000"
    assert params["modelplane.data.events"] == "2"
    assert params["modelplane.data.assets"] == "s3://corpora/translation/en-da/parallel"
    tags = {t["key"]: t["value"] for t in mlrun["data"]["tags"]}
    assert tags["modelplane.dag_run_id"] == run.run_id
    assert versions(TR_MODEL) == [1]
    assert alias(TR_MODEL, "champion") == "1"
    assert alias(TR_MODEL, "canary") == "1"
    assert version_tags(TR_MODEL, "1")["modelplane.status"] == "champion"
    for t in targets:
        for d in t["champion"] + t["canary"]:
            assert template_version("translation", d["name"]) == "1", d
            assert generation("translation", d["name"]) == before[d["name"]] + 1, d
    events = [body["event"] if "event" in body else body["text"] for _, body in receiver.since(mark)]
    said = texts(receiver.since(mark))
    assert len(said) == 3, said
    assert "no champion yet; promoting" in said[0]
    assert "on the canary" in said[1]
    assert "is champion (was none)" in said[2]
    assert events
    FIRST.update(run=run, run_id=mlrun["info"]["run_id"])


# ---------------------------------------------------------------------------
# Lineage: the first version's training snapshotted its volumes
# ---------------------------------------------------------------------------


def test_the_training_snapshotted_both_volumes_with_commit_dag_run_and_mlflow_run():
    """The snapshot task (right after spark_wait) created one VolumeSnapshot
    per mounted dataset in the team namespace, through the DAG's Kubernetes
    connection (the worker ServiceAccount's token) and the synthesized Role.
    Stored only: no snapshot controller runs here, so readyToUse stays unset."""
    run, run_id = FIRST["run"], FIRST["run_id"]
    assert states(run)["snapshot"] == "success"
    assert dag_constant(TR_DAG_FILE, "GIT_COMMIT") == COMMIT
    found = snapshots(**{"modelplane.dev/mlflow-run-id": run_id})
    assert [s["metadata"]["name"] for s in found] == [f"{d}-{run_id}" for d in sorted(TR_DATASETS)]
    # The DAG run id (manual__<ISO time>) as a label value: ":" and "+" become "_".
    dag_run_label = run.run_id.replace(":", "_").replace("+", "_")
    assert len(dag_run_label) <= 63 and dag_run_label != run.run_id
    for snapshot, dataset in zip(found, sorted(TR_DATASETS)):
        meta = snapshot["metadata"]
        assert meta["labels"] == {
            "app.kubernetes.io/managed-by": "modelplane",
            "modelplane.dev/dataset": dataset,
            "modelplane.dev/model": "translate-train",
            "modelplane.dev/mlflow-run-id": run_id,
            "modelplane.dev/dag-run": dag_run_label,
            "modelplane.dev/git-commit": COMMIT,
        }
        assert meta["annotations"] == {
            "modelplane.dev/dag-run-id": run.run_id,
            "modelplane.dev/git-commit": COMMIT,
        }
        assert snapshot["spec"] == {
            "source": {"persistentVolumeClaimName": dataset},
            "volumeSnapshotClassName": TR_DATASETS[dataset],
        }
        assert "readyToUse" not in (snapshot.get("status") or {})
        # The claim it names is the synthesized one (Pending: no provisioner here).
        kube().CoreV1Api().read_namespaced_persistent_volume_claim(dataset, "translation")
    # Found by the DAG run and by the commit as well as by the MLflow run.
    assert snapshots(**{"modelplane.dev/dag-run": dag_run_label}) == found
    assert [s["metadata"]["name"] for s in snapshots(**{"modelplane.dev/git-commit": COMMIT})] == [
        s["metadata"]["name"] for s in found
    ]


def test_the_worker_may_create_and_get_snapshots_of_its_team_only():
    """What let the task create them: the Role modelplane-airflow-snapshots,
    create and get in the translation namespace, nothing more."""
    worker = "system:serviceaccount:airflow:airflow-worker"

    def can(verb, namespace):
        result = subprocess.run(
            [KUBECTL, "auth", "can-i", verb, "volumesnapshots.snapshot.storage.k8s.io", "-n", namespace, "--as", worker],
            capture_output=True,
            text=True,
        )
        assert result.stdout.strip() in ("yes", "no"), result.stdout + result.stderr
        return result.stdout.strip() == "yes"

    assert [can(v, "translation") for v in ("create", "get")] == [True, True]
    assert [can(v, "translation") for v in ("delete", "update", "patch", "list")] == [False] * 4
    assert [can(v, "retail-risk") for v in ("create", "get")] == [False, False]


def test_the_mlflow_run_is_tagged_with_its_snapshots():
    run_id = FIRST["run_id"]
    tags = run_tags(run_id)
    assert {k: v for k, v in tags.items() if k.startswith("modelplane.snapshot.")} == {
        f"modelplane.snapshot.{d}": f"{d}-{run_id}" for d in TR_DATASETS
    }
    assert tags["modelplane.dag_run_id"] == FIRST["run"].run_id


def test_running_the_snapshot_task_again_takes_the_snapshots_as_they_are(capsys):
    """`airflow tasks test` of the snapshot task in the same DAG run (what a
    cleared task's retry does): the existing snapshots are this run's, so the
    task succeeds and changes nothing."""
    from airflow.cli.cli_parser import get_parser
    from airflow.models.dagrun import DagRun

    run, run_id = FIRST["run"], FIRST["run_id"]
    before = {s["metadata"]["name"]: s["metadata"]["resourceVersion"] for s in snapshots()}
    tags = run_tags(run_id)
    capsys.readouterr()
    args = get_parser().parse_args(["tasks", "test", TRANSLATION, "snapshot", run.run_id])
    args.func(args)
    [again] = DagRun.find(dag_id=TRANSLATION, run_id=run.run_id)
    assert again.get_task_instance("snapshot").state == "success"
    out = capsys.readouterr().out
    for dataset in TR_DATASETS:
        assert f"VolumeSnapshot translation/{dataset}-{run_id} exists already" in out, out
    assert {s["metadata"]["name"]: s["metadata"]["resourceVersion"] for s in snapshots()} == before
    assert run_tags(run_id) == tags


def test_without_the_snapshot_role_binding_the_task_is_refused(capsys):
    """The task's identity: with the RoleBinding of modelplane-airflow-snapshots
    removed, the same task in the same DAG run is refused (HTTP 403; the
    admin's credentials would have passed), so it is the worker's token that
    creates the snapshots. The binding is put back as it was."""
    from airflow.cli.cli_parser import get_parser
    from airflow.models.dagrun import DagRun

    rbac = kube().RbacAuthorizationV1Api()
    name = "modelplane-airflow-snapshots"
    binding = rbac.read_namespaced_role_binding(name, "translation").to_dict()
    restore = {
        "metadata": {"name": name, "namespace": "translation", "labels": binding["metadata"]["labels"]},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
        "subjects": [{"kind": s["kind"], "name": s["name"], "namespace": s["namespace"]} for s in binding["subjects"]],
    }
    worker = ["--as", "system:serviceaccount:airflow:airflow-worker"]

    def may_create():
        result = subprocess.run(
            [KUBECTL, "auth", "can-i", "create", "volumesnapshots.snapshot.storage.k8s.io", "-n", "translation", *worker],
            capture_output=True,
            text=True,
        )
        return result.stdout.strip() == "yes"

    def until(expected):
        deadline = time.monotonic() + 30
        while may_create() != expected:
            assert time.monotonic() < deadline, f"can-i create never became {expected}"
            time.sleep(0.2)

    before = {s["metadata"]["name"]: s["metadata"]["resourceVersion"] for s in snapshots()}
    rbac.delete_namespaced_role_binding(name, "translation")
    try:
        until(False)
        capsys.readouterr()
        args = get_parser().parse_args(["tasks", "test", TRANSLATION, "snapshot", FIRST["run"].run_id])
        args.func(args)
        [again] = DagRun.find(dag_id=TRANSLATION, run_id=FIRST["run"].run_id)
        assert again.get_task_instance("snapshot").state in ("failed", "up_for_retry")
        captured = capsys.readouterr()
        assert "HTTP 403" in captured.out + captured.err, captured.out + captured.err
    finally:
        rbac.create_namespaced_role_binding("translation", restore)
        until(True)
    assert {s["metadata"]["name"]: s["metadata"]["resourceVersion"] for s in snapshots()} == before


def test_modelplane_restore_prints_claims_the_api_server_admits():
    """`modelplane restore translate-train --run RUN_ID`, applied with a
    server-side dry run: a new claim per dataset whose dataSource is the run's
    VolumeSnapshot (admitted, not created: nothing would populate it here)."""
    run_id = FIRST["run_id"]
    restore = subprocess.run(
        [
            "node",
            os.path.join(REPO, "bin", "modelplane.js"),
            "restore",
            "translate-train",
            "--run",
            run_id,
            "-f",
            os.path.join(REPO, "examples", "translation-gpu", "modelplane.yaml"),
        ],
        capture_output=True,
        text=True,
    )
    assert restore.returncode == 0, restore.stderr
    applied = subprocess.run(
        [KUBECTL, "apply", "--dry-run=server", "-f", "-", "-o", "json"],
        input=restore.stdout,
        capture_output=True,
        text=True,
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    body = json.loads(applied.stdout)
    claims = body["items"] if body.get("kind") == "List" else [body]
    assert [(c["kind"], c["metadata"]["namespace"], c["metadata"]["name"]) for c in claims] == [
        ("PersistentVolumeClaim", "translation", f"{d}-restored") for d in TR_DATASETS
    ]
    for claim, dataset in zip(claims, TR_DATASETS):
        assert claim["spec"]["dataSource"] == {
            "apiGroup": "snapshot.storage.k8s.io",
            "kind": "VolumeSnapshot",
            "name": f"{dataset}-{run_id}",
        }
    listed = kube().CoreV1Api().list_namespaced_persistent_volume_claim("translation").items
    assert sorted(c.metadata.name for c in listed) == sorted(TR_DATASETS)


def test_no_new_data_since_the_last_training_skips(receiver, capsys):
    run, spark = train(TRANSLATION, "translation", metric="bleu", scale=100)
    assert states(run)["start_run"] == "skipped"
    assert spark.apps == []
    out = capsys.readouterr().out
    assert "0 new rows in 0 dataset event(s) since the last training" in out


def test_a_better_candidate_goes_to_the_canary_first_then_to_everyone(receiver):
    mark = len(receiver.received)
    targets = dag_constant(TR_DAG_FILE, "TARGETS")
    canary = [d["name"] for t in targets for d in t["canary"]]
    main = [d["name"] for t in targets for d in t["champion"]]
    assert canary, "the translation example has a canary variant on @canary"
    ingest(120000)
    run, spark = train(TRANSLATION, "translation", metric="bleu", scale=100, quality="good")
    assert run.state == "success", states(run)
    env = spark.apps[0]["spec"]["driver"]["envVars"]
    assert env["MODELPLANE_CHAMPION_URI"] == f"models:/{TR_MODEL}/1"
    assert alias(TR_MODEL, "champion") == "2"
    assert alias(TR_MODEL, "canary") == "2"
    tags = version_tags(TR_MODEL, "2")
    assert tags["modelplane.evaluation"] == "promote"
    assert "on the candidate's test set" in tags["modelplane.evaluation.reason"]
    assert tags["modelplane.promoted.previous"] == "1"
    for name in canary + main:
        assert template_version("translation", name) == "2", name
    said = texts(receiver.since(mark))
    assert [("canary" in s, "is champion" in s) for s in said] == [
        (False, False),
        (True, False),
        (False, True),
    ], said
    # The canary's Deployment was patched before the main ones: managedFields
    # record the patch time of the promotion's field manager.
    def patched_at(name):
        [entry] = [m for m in deployment("translation", name).metadata.managed_fields if m.manager == "modelplane-promote"]
        return entry.time

    assert max(patched_at(n) for n in canary) <= min(patched_at(n) for n in main)


def test_a_losing_candidate_is_registered_but_changes_nothing(receiver):
    mark = len(receiver.received)
    targets = dag_constant(TR_DAG_FILE, "TARGETS")
    names = [d["name"] for t in targets for d in t["champion"] + t["canary"]]
    generations = {n: deployment("translation", n).metadata.generation for n in names}
    ingest(120000)
    run, _ = train(TRANSLATION, "translation", metric="bleu", scale=100, quality="poor")
    assert run.state == "success", states(run)
    got = states(run)
    assert got["evaluate"] == "success"
    assert got["decide"] == "success"
    assert {got["promote_canary"], got["soak"], got["promote"]} == {"skipped"}
    assert versions(TR_MODEL) == [1, 2, 3]
    assert alias(TR_MODEL, "champion") == "2"
    assert alias(TR_MODEL, "canary") == "2"
    tags = version_tags(TR_MODEL, "3")
    assert tags["modelplane.evaluation"] == "reject"
    assert tags["modelplane.status"] == "rejected"
    assert "not better" in tags["modelplane.evaluation.reason"]
    assert {n: deployment("translation", n).metadata.generation for n in names} == generations
    [said] = texts(receiver.since(mark))
    assert "version 3" in said and "not promoted" in said


def test_a_failed_training_fails_the_run_marks_it_in_mlflow_and_says_so(receiver):
    mark = len(receiver.received)
    ingest(120000)
    run, _ = train(TRANSLATION, "translation", metric="bleu", scale=100, fail=True)
    assert run.state == "failed"
    assert states(run)["spark_wait"] == "failed"
    last = training_runs(TR_EXPERIMENT)[-1]
    assert last["info"]["status"] == "FAILED"
    # No snapshot of a failed training: the task never ran, and every snapshot
    # is one of the three successful trainings' (two volumes each).
    assert states(run)["snapshot"] == "upstream_failed"
    assert snapshots(**{"modelplane.dev/mlflow-run-id": last["info"]["run_id"]}) == []
    assert not any(t.startswith("modelplane.snapshot.") for t in run_tags(last["info"]["run_id"]))
    finished = [r["info"]["run_id"] for r in training_runs(TR_EXPERIMENT) if r["info"]["status"] == "FINISHED"]
    assert len(finished) == 3
    assert sorted(s["metadata"]["name"] for s in snapshots()) == sorted(f"{d}-{r}" for d in TR_DATASETS for r in finished)
    said = texts(receiver.since(mark))
    assert any("spark_wait failed" in s for s in said), said
    assert alias(TR_MODEL, "champion") == "2"


# ---------------------------------------------------------------------------
# Bank: a gated promotion, approved through `modelplane promote`
# ---------------------------------------------------------------------------

BANK_MODEL = "retail-churn"
BANK_DAG_FILE = f"{BANK}.py"


def test_a_gated_promotion_waits_for_modelplane_promote(receiver):
    mark = len(receiver.received)
    targets = dag_constant(BANK_DAG_FILE, "TARGETS")
    assert targets, "the bank example serves retail-churn@champion"
    seen = {}

    def approve():
        try:
            approve_when_waiting()
        except BaseException as error:
            seen["error"] = repr(error)
        finally:
            # Never leave the run waiting 72 hours: whatever happened above,
            # the gate opens (the assertions below then fail on "error").
            if "cli" not in seen or seen["cli"].returncode != 0:
                seen.setdefault("error", "the CLI did not approve")
                for key, value in {"modelplane.approval.by": "test-fail-safe"}.items():
                    mlflow("POST", "model-versions/set-tag", {"name": BANK_MODEL, "version": "1", "key": key, "value": value})

    def approve_when_waiting():
        # What the team's CI does after the merge request is merged.
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if versions(BANK_MODEL) and version_tags(BANK_MODEL, "1").get("modelplane.status") == "awaiting-approval":
                break
            time.sleep(0.5)
        seen["alias while waiting"] = alias(BANK_MODEL, "champion")
        time.sleep(3)  # the gate keeps waiting: a few more pokes
        seen["alias after waiting"] = alias(BANK_MODEL, "champion")
        seen["cli"] = subprocess.run(
            [
                "node",
                os.path.join(REPO, "bin", "modelplane.js"),
                "promote",
                "churn-train",
                "1",
                "-f",
                os.path.join(REPO, "examples", "bank-cascades", "modelplane.yaml"),
                "--tracking-uri",
                MLFLOW,
                "--by",
                "alice",
                "--commit",
                "0123abc",
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "CI_JOB_URL": "https://gitlab.example.com/risk/models/-/jobs/42"},
        )

    approver = threading.Thread(target=approve, daemon=True)
    approver.start()
    run, _ = train(BANK, "retail-risk", quality="good")
    approver.join(timeout=60)
    assert "error" not in seen, seen
    cli = seen["cli"]
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert run.state == "success", states(run)
    assert seen["alias while waiting"] is None
    assert seen["alias after waiting"] is None
    assert alias(BANK_MODEL, "champion") == "1"
    tags = version_tags(BANK_MODEL, "1")
    assert tags["modelplane.approval.by"] == "alice"
    assert tags["modelplane.approval.commit"] == "0123abc"
    assert tags["modelplane.approval.source"] == "https://gitlab.example.com/risk/models/-/jobs/42"
    assert tags["modelplane.status"] == "champion"
    said = [body for _, body in receiver.since(mark)]
    assert [b["event"] for b in said] == ["evaluated", "awaiting-approval", "promoted"], said
    assert "modelplane promote churn-train 1" in said[1]["text"]
    for t in targets:
        for obj in t["champion"]:
            if obj["kind"] == "Deployment":
                assert template_version("retail-risk", obj["name"]) == "1"
            else:
                isvc = kube().CustomObjectsApi().get_namespaced_custom_object(
                    "serving.kserve.io", "v1beta1", "retail-risk", "inferenceservices", obj["name"]
                )
                assert isvc["spec"]["predictor"]["annotations"][ANNOTATION] == "1"


def test_an_unanswered_gate_times_out_and_leaves_the_champion_alone(receiver):
    mark = len(receiver.received)
    run, _ = train(TIMEOUT, "retail-risk", quality="good")
    assert run.state == "failed"
    got = states(run)
    assert got["await_approval"] == "failed"
    assert got["promote"] == "upstream_failed"
    model = "retail-churn-timeout"
    assert alias(model, "champion") is None
    assert version_tags(model, "1")["modelplane.status"] == "approval-timed-out"
    events = [b["event"] for _, b in receiver.since(mark)]
    assert events == ["evaluated", "awaiting-approval", "failed"], events
