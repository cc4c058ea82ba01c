/**
 * The training DAG of a model with continuous training: `<team>.<model>.train` (the same id and file as a
 * plain training DAG), whose tasks are the loop training-spec.ts describes — the new-data check, the
 * MLflow run, the training SparkApplication, the evaluation against the champion, the approval gate, the
 * canary step and the promotion, each outcome sent to the configured connections.
 *
 * Self-contained like every generated DAG (no modelplane package on Airflow's side): MLflow is reached
 * through its REST API with the standard library, the Kubernetes API through the cncf.kubernetes
 * provider's hook (the same connection the SparkApplications are created with). Deterministic and
 * flake8-clean; the optional parts are left out of the file when the spec has no use for them.
 */
import { MANAGED_BY } from '../../../core/labels';
import { SNAPSHOT_KEYS, snapshotTag } from '../../dataset';
import { templateKey } from '../stages';
import {
  dagImports,
  dagOpen,
  dagFileName,
  MODEL_OPERATORS,
  ModelDagSpec,
  modelDagId,
  preamble,
  RUNTIME_HELPERS,
  scheduleLines,
} from './dag';
import { pyComment, pyStr, pyValue } from './python';
import {
  championMetricKey,
  ContinuousTrainingSpec,
  MODEL_VERSION_ANNOTATION,
  PROMOTE_FIELD_MANAGER,
  TRAINING_ENV,
  VERSION_TAGS,
} from './training-spec';

export { dagFileName, modelDagId };

/** A model's training DAG with continuous training. */
export interface TrainingDagSpec extends ModelDagSpec {
  /** The continuous-training settings. */
  readonly training: ContinuousTrainingSpec;
}

/** The MLflow run param holding the timestamp of the newest dataset event a training counted. */
export const THROUGH_PARAM = 'modelplane.data.through';

/** The API of the VolumeSnapshots the snapshot step creates (the external-snapshotter's CRDs). */
export const SNAPSHOT_API = { group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshots' } as const;

/** The KServe API the promotion patches InferenceServices through. */
const KSERVE_API = { group: 'serving.kserve.io', version: 'v1beta1', plural: 'inferenceservices' };

/** The Python helpers of a training DAG: MLflow's REST API, the data check, evaluation, rollout, notifications. */
const MLFLOW_HELPERS = `

def _now_ms():
    return int(pendulum.now("UTC").timestamp() * 1000)


def mlflow_call(method, path, payload=None, query=None, missing_ok=False):
    """One call of MLflow's REST API 2.0; None for a missing object when
    missing_ok. Credentials, when MLflow wants them, come from the worker's
    environment under MLflow's own names (MLFLOW_TRACKING_TOKEN, or
    MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD)."""
    import base64
    import os
    import urllib.error
    import urllib.parse
    import urllib.request

    url = f"{MLFLOW_URI.rstrip('/')}/api/2.0/mlflow/{path}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    token = os.environ.get("MLFLOW_TRACKING_TOKEN")
    user = os.environ.get("MLFLOW_TRACKING_USERNAME")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    elif user:
        secret = os.environ.get("MLFLOW_TRACKING_PASSWORD", "")
        pair = base64.b64encode(f"{user}:{secret}".encode()).decode()
        request.add_header("Authorization", f"Basic {pair}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        body = error.read().decode(errors="replace")
        # A missing object is 404 RESOURCE_DOES_NOT_EXIST; an unset alias is
        # 400 INVALID_PARAMETER_VALUE "Registered model alias ... not found."
        missing = "RESOURCE_DOES_NOT_EXIST" in body or (
            error.code == 400 and "not found" in body
        )
        if missing_ok and missing:
            return None
        raise RuntimeError(
            f"MLflow {method} {path}: HTTP {error.code}: {body[:300]}"
        ) from None


def experiment_id():
    """The id of the model's experiment, created on first use."""
    query = {"experiment_name": EXPERIMENT}
    found = mlflow_call(
        "GET", "experiments/get-by-name", query=query, missing_ok=True
    )
    if found:
        return found["experiment"]["experiment_id"]
    try:
        body = {"name": EXPERIMENT}
        return mlflow_call("POST", "experiments/create", body)["experiment_id"]
    except RuntimeError:
        # Another run created it meanwhile.
        found = mlflow_call(
            "GET", "experiments/get-by-name", query=query, missing_ok=True
        )
        if not found:
            raise
        return found["experiment"]["experiment_id"]


def search_runs(experiment, text, limit=1):
    body = {
        "experiment_ids": [experiment],
        "filter": text,
        "order_by": ["attributes.start_time DESC"],
        "max_results": limit,
    }
    return mlflow_call("POST", "runs/search", body).get("runs", [])


def run_params(run):
    return {p["key"]: p["value"] for p in run["data"].get("params", [])}


def run_metrics(run_id):
    run = mlflow_call("GET", "runs/get", query={"run_id": run_id})["run"]
    return {m["key"]: m["value"] for m in run["data"].get("metrics", [])}


def alias_version(alias):
    """The version an alias of the registered model points to, or None."""
    found = mlflow_call(
        "GET",
        "registered-models/alias",
        query={"name": REGISTERED_MODEL, "alias": alias},
        missing_ok=True,
    )
    return found["model_version"]["version"] if found else None


def set_alias(alias, version):
    body = {"name": REGISTERED_MODEL, "alias": alias, "version": version}
    mlflow_call("POST", "registered-models/alias", body)


def version_tags(version):
    query = {"name": REGISTERED_MODEL, "version": version}
    found = mlflow_call("GET", "model-versions/get", query=query)
    tags = found["model_version"].get("tags", [])
    return {t["key"]: t["value"] for t in tags}


def tag_version(version, tags):
    for key, value in tags.items():
        body = {
            "name": REGISTERED_MODEL,
            "version": version,
            "key": key,
            "value": str(value),
        }
        mlflow_call("POST", "model-versions/set-tag", body)


def run_key_of(dag_run):
    return app_name(dag_run.dag_id, dag_run.run_id, MODEL, JOB).rsplit("-")[-1]


def notify(event, text, version=None, dag_run=None):
    """Send one outcome to every configured connection; a failed send is
    logged and never fails the task."""
    print(f"{event}: {text}")
    for target in NOTIFY:
        try:
            send(target, event, text, version, dag_run)
        except Exception as error:
            print(f"notification to {target['connection']} failed: {error}")


def send(target, event, text, version, dag_run):
    """POST one outcome to the URL of an Airflow (HTTP) connection: Slack's
    incoming-webhook JSON, or modelplane's event JSON (with the connection's
    password, if any, as a bearer token)."""
    import urllib.request

    from airflow.sdk import Connection

    conn = Connection.get(target["connection"])
    url = conn.host or ""
    if "://" not in url:
        port = f":{conn.port}" if conn.port else ""
        url = f"{conn.schema or 'https'}://{url}{port}"
    url += (conn.extra_dejson or {}).get("endpoint", "")
    if target["kind"] == "slack":
        body = {"text": f"[{DAG_ID}] {text}"}
    else:
        body = {
            "source": "modelplane",
            "dag_id": DAG_ID,
            "dag_run_id": dag_run.run_id if dag_run else None,
            "team": NAMESPACE,
            "model": MODEL,
            "registered_model": REGISTERED_MODEL,
            "event": event,
            "version": version,
            "text": text,
        }
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST"
    )
    request.add_header("Content-Type", "application/json")
    if conn.password and target["kind"] == "webhook":
        request.add_header("Authorization", f"Bearer {conn.password}")
    urllib.request.urlopen(request, timeout=30).close()
`;

/** The new-data check: sums the Assets' event extras since the last training's watermark. */
const DATA_CHECK = `

def count_new_data(events_by_asset, through):
    """New data in the events after the watermark: (amount, events, newest).

    An event's amount is its extra's MIN_NEW_DATA["unit"] ("rows" or
    "files"); an event without it counts 0 and is named in the log.
    """
    import datetime

    unit = MIN_NEW_DATA["unit"]
    after = datetime.datetime.fromisoformat(through) if through else None
    amount, counted, newest = 0, 0, after
    for uri, events in events_by_asset.items():
        for event in events:
            if after is not None and event.timestamp <= after:
                continue
            value = (event.extra or {}).get(unit)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                print(
                    f"asset event {event.id} of {uri} has no number under"
                    f" {unit!r} in its extra ({event.extra!r}): counted as 0"
                )
                value = 0
            amount += value
            counted += 1
            if newest is None or event.timestamp > newest:
                newest = event.timestamp
    stamp = newest.isoformat(timespec="microseconds") if newest else None
    return amount, counted, stamp


def enough_new_data(inlet_events):
    """Train only when the dataset Assets' events since the last training
    (the THROUGH_PARAM of the newest finished training run) bring at least
    MIN_NEW_DATA["count"] rows or files."""
    finished = search_runs(
        experiment_id(),
        f"tags.\`modelplane.dag_id\` = '{DAG_ID}'"
        " and attributes.status = 'FINISHED'",
    )
    through = run_params(finished[0]).get(THROUGH_PARAM) if finished else None
    events = {}
    for uri in DATA_ASSETS:
        accessor = inlet_events[Asset(uri)]
        events[uri] = accessor.after(through) if through else accessor
    amount, counted, newest = count_new_data(events, through)
    unit, needed = MIN_NEW_DATA["unit"], MIN_NEW_DATA["count"]
    since = "with no training before"
    if through:
        since = f"since the last training (data through {through})"
    if amount < needed:
        print(
            f"{amount:g} new {unit} in {counted} dataset event(s) {since}:"
            f" below minNewData {needed}; not training this time"
        )
        return False
    print(f"{amount:g} new {unit} in {counted} dataset event(s) {since}")
    return {"amount": amount, "events": counted, "through": newest}
`;

/** The MLflow run the training resumes, and the training's submit. */
const START_AND_SUBMIT = `

def start_training_run(dag_run, ti):
    """The MLflow run of this training (found again when the task is
    retried), with what it trains on as params, and the champion's version
    when the training starts."""
    experiment = experiment_id()
    key = run_key_of(dag_run)
    found = search_runs(experiment, f"tags.\`modelplane.run_key\` = '{key}'")
    if found:
        run_id = found[0]["info"]["run_id"]
    else:
        tags = {
            "modelplane.team": NAMESPACE,
            "modelplane.model": MODEL,
            "modelplane.dag_id": DAG_ID,
            "modelplane.dag_run_id": dag_run.run_id,
            "modelplane.run_key": key,
        }
        body = {
            "experiment_id": experiment,
            "run_name": f"{MODEL}-{JOB}-{key}",
            "start_time": _now_ms(),
            "tags": [{"key": k, "value": v} for k, v in tags.items()],
        }
        run = mlflow_call("POST", "runs/create", body)["run"]
        run_id = run["info"]["run_id"]
    params = {"modelplane.data.assets": " ".join(DATA_ASSETS)}
    data = ti.xcom_pull(task_ids="check_data") if MIN_NEW_DATA else None
    if data:
        params[THROUGH_PARAM] = data["through"]
        params[f"modelplane.data.new_{MIN_NEW_DATA['unit']}"] = data["amount"]
        params["modelplane.data.events"] = data["events"]
    batch = [{"key": k, "value": str(v)} for k, v in params.items() if v]
    mlflow_call("POST", "runs/log-batch", {"run_id": run_id, "params": batch})
    champion = alias_version(ALIAS) if ALIAS else None
    print(f"MLflow run {run_id} in {EXPERIMENT}; {ALIAS}: {champion}")
    return {
        "run_id": run_id,
        "experiment_id": experiment,
        "champion": champion,
    }


def submit_training(
    dag_run,
    params,
    ti,
    logical_date=None,
    data_interval_start=None,
    data_interval_end=None,
):
    """Create the training SparkApplication, with the MLflow run to resume
    and the model to register in its env."""
    started = ti.xcom_pull(task_ids="start_run")
    champion = started["champion"]
    env = {
        TRAINING_ENV["runId"]: started["run_id"],
        TRAINING_ENV["experimentId"]: started["experiment_id"],
        TRAINING_ENV["registeredModel"]: REGISTERED_MODEL or "",
        TRAINING_ENV["championUri"]: (
            f"models:/{REGISTERED_MODEL}/{champion}" if champion else ""
        ),
        TRAINING_ENV["championVersion"]: champion or "",
    }
    return submit(
        MODEL,
        JOB,
        TEMPLATE,
        env,
        dag_run,
        params,
        logical_date,
        data_interval_start,
        data_interval_end,
    )


def on_failure(context):
    """A failed task: the MLflow run marked FAILED (when the training
    failed), the version's status (when its approval timed out), and a
    notification."""
    ti = context["ti"]
    task = ti.task_id
    try:
        started = ti.xcom_pull(task_ids="start_run")
        if task.startswith("spark_") and started:
            body = {
                "run_id": started["run_id"],
                "status": "FAILED",
                "end_time": _now_ms(),
            }
            mlflow_call("POST", "runs/update", body)
        evaluated = ti.xcom_pull(task_ids="evaluate")
        if task == "await_approval" and evaluated:
            status = {VERSION_TAGS["status"]: "approval-timed-out"}
            tag_version(evaluated["version"], status)
    except Exception as error:
        print(f"recording the failure in MLflow failed: {error}")
    text = f"{task} failed in run {context['dag_run'].run_id}"
    error = context.get("exception") or "see the task's log"
    notify("failed", f"{text}: {error}")
`;

/** The evaluation: the candidate version from this run, judged against the champion. */
const EVALUATION = `

def candidate_version(run_id):
    """The version this run registered (the highest, if several)."""
    found = mlflow_call(
        "GET", "model-versions/search", query={"filter": f"run_id='{run_id}'"}
    )
    versions = [
        v
        for v in found.get("model_versions", [])
        if v["name"] == REGISTERED_MODEL
    ]
    if not versions:
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(
            f"the training run {run_id} registered no version of"
            f" {REGISTERED_MODEL}: inside mlflow.start_run() (which resumes"
            f" the run from {TRAINING_ENV['runId']}), log the model with"
            " registered_model_name=os.environ"
            f"[{TRAINING_ENV['registeredModel']!r}]"
        )
    return max(versions, key=lambda v: int(v["version"]))["version"]


def judge(metrics, champion, champion_metrics):
    """(decision, reason) of the promotion rule: promote when the candidate
    beats the champion by more than nothing and at least minDelta."""
    metric, alias = PROMOTE["metric"], PROMOTE["alias"]
    if metric not in metrics:
        return "incomparable", (
            f"the training run logged no metric {metric!r}; log it with"
            f" mlflow.log_metric({metric!r}, value)"
        )
    value = metrics[metric]
    if champion is None:
        return "promote", f"{metric} {value:.6g}; no {alias} yet"
    if CHAMPION_METRIC in metrics:
        base = metrics[CHAMPION_METRIC]
        basis = "on the candidate's test set"
    elif metric in champion_metrics:
        base = champion_metrics[metric]
        basis = "as logged by its own training run"
    else:
        return "incomparable", (
            f"{alias} version {champion} has no metric {metric!r} and the"
            f" training run logged no {CHAMPION_METRIC!r}"
        )
    gain = value - base if PROMOTE["mode"] == "max" else base - value
    text = (
        f"{metric} {value:.6g} against {alias} version {champion}'s"
        f" {base:.6g} {basis}: {'better' if gain > 0 else 'not better'}"
        f" by {abs(gain):.6g} ({PROMOTE['mode']}imize, minDelta"
        f" {PROMOTE['min_delta']:g})"
    )
    if gain > 0 and gain >= PROMOTE["min_delta"]:
        return "promote", text
    return "reject", text


def evaluate_candidate(dag_run, ti):
    """Find the version the training registered and judge it; the outcome
    is tagged on the version and sent."""
    started = ti.xcom_pull(task_ids="start_run")
    run_id = started["run_id"]
    info = mlflow_call("GET", "runs/get", query={"run_id": run_id})
    if info["run"]["info"]["status"] == "RUNNING":
        body = {"run_id": run_id, "status": "FINISHED", "end_time": _now_ms()}
        mlflow_call("POST", "runs/update", body)
    version = candidate_version(run_id)
    if not PROMOTE:
        notify("registered", f"{REGISTERED_MODEL} version {version}", version)
        return {"version": version, "decision": "registered"}
    champion = started["champion"]
    metrics = run_metrics(run_id)
    champion_metrics = {}
    if champion is not None and CHAMPION_METRIC not in metrics:
        query = {"name": REGISTERED_MODEL, "version": champion}
        found = mlflow_call("GET", "model-versions/get", query=query)
        champion_metrics = run_metrics(found["model_version"]["run_id"])
    decision, reason = judge(metrics, champion, champion_metrics)
    tags = {
        VERSION_TAGS["evaluation"]: decision,
        VERSION_TAGS["reason"]: reason,
    }
    if decision != "promote":
        tags[VERSION_TAGS["status"]] = "rejected"
    tag_version(version, tags)
    verdict = "promoting" if decision == "promote" else "not promoted"
    text = f"{REGISTERED_MODEL} version {version}: {reason}; {verdict}"
    notify("evaluated", text, version, dag_run)
    return {"version": version, "decision": decision, "champion": champion}


def should_promote(ti):
    evaluated = ti.xcom_pull(task_ids="evaluate")
    return evaluated["decision"] == "promote"
`;

/** The rollout: patches that restart the serving pods, which resolve the moved alias when they start. */
const ROLLOUT = `

def roll_out(which, version):
    """Patch the team's online models serving the alias (which: "champion"
    or "canary") so that their pods restart on the new version; returns
    what was patched."""
    from kubernetes.client.exceptions import ApiException

    hook = _kubernetes()
    annotations = {VERSION_ANNOTATION: str(version)}
    patched = []
    for target in TARGETS:
        for obj in target[which]:
            try:
                if obj["kind"] == "Deployment":
                    hook.apps_v1_client.patch_namespaced_deployment(
                        obj["name"],
                        NAMESPACE,
                        {"spec": {"template": {"metadata": {
                            "annotations": annotations
                        }}}},
                        field_manager=FIELD_MANAGER,
                    )
                else:
                    hook.custom_object_client.patch_namespaced_custom_object(
                        KSERVE_GROUP,
                        KSERVE_VERSION,
                        NAMESPACE,
                        KSERVE_PLURAL,
                        obj["name"],
                        {"spec": {"predictor": {"annotations": annotations}}},
                        field_manager=FIELD_MANAGER,
                    )
            except ApiException as error:
                raise RuntimeError(
                    f"{obj['kind']} {NAMESPACE}/{obj['name']} (online model"
                    f" {target['onlineModel']}): HTTP {error.status}"
                    f" {error.reason}; apply the team's synthesized manifests"
                    " and check the rollout Role"
                ) from None
            patched.append(f"{obj['kind']}/{obj['name']}")
    return patched


def promote_version(dag_run, ti):
    """Move the alias (and the canary alias, kept equal) to the candidate
    and roll the online models serving it."""
    version = ti.xcom_pull(task_ids="evaluate")["version"]
    previous = alias_version(ALIAS)
    set_alias(ALIAS, version)
    if CANARY:
        set_alias(CANARY["alias"], version)
    patched = roll_out("champion", version)
    tag_version(
        version,
        {
            VERSION_TAGS["status"]: "champion",
            "modelplane.promoted.at": pendulum.now("UTC").isoformat(),
            "modelplane.promoted.previous": previous or "",
        },
    )
    rolled = ", ".join(patched) or "no online model serves it"
    text = (
        f"{REGISTERED_MODEL} version {version} is {ALIAS} (was"
        f" {previous or 'none'}); rolled out: {rolled}"
    )
    notify("promoted", text, version, dag_run)
    return {"version": version, "previous": previous, "patched": patched}
`;

/** The approval gate: waits for the tags `modelplane promote MODEL VERSION` writes. */
const APPROVAL = `

def approved(dag_run, ti):
    """True once the version carries the approval modelplane promote
    records; the first check marks it awaiting approval and says how."""
    version = ti.xcom_pull(task_ids="evaluate")["version"]
    tags = version_tags(version)
    who = tags.get(VERSION_TAGS["approvedBy"])
    if who:
        print(
            f"version {version} approved by {who} at"
            f" {tags.get(VERSION_TAGS['approvedAt'])} from commit"
            f" {tags.get(VERSION_TAGS['approvedCommit'])}"
            f" ({tags.get(VERSION_TAGS['approvedFrom'])})"
        )
        return True
    how = f"modelplane promote {MODEL} {version}"
    if tags.get(VERSION_TAGS["status"]) != "awaiting-approval":
        tag_version(version, {VERSION_TAGS["status"]: "awaiting-approval"})
        text = f"{REGISTERED_MODEL} version {version} awaits approval: {how}"
        notify("awaiting-approval", text, version, dag_run)
    print(f"version {version} awaits approval: {how}")
    return False
`;

/** The canary step: the canary alias moves first, the champion after the soak. */
const CANARY_STEP = `

def move_canary(dag_run, ti):
    """Move the canary alias to the candidate and roll the canary
    variants; the soak starts now."""
    version = ti.xcom_pull(task_ids="evaluate")["version"]
    set_alias(CANARY["alias"], version)
    patched = roll_out("canary", version)
    tag_version(version, {VERSION_TAGS["status"]: "canary"})
    rolled = ", ".join(patched)
    text = (
        f"{REGISTERED_MODEL} version {version} on the canary ({rolled}) for"
        f" {CANARY['soak_minutes']:g} min"
    )
    notify("canary", text, version, dag_run)
    return {"version": version, "since": pendulum.now("UTC").isoformat()}


def soaked(ti):
    """True once the canary has served for the soak time; fails when the
    canary alias was moved away meanwhile (a rollback by hand)."""
    from airflow.sdk.exceptions import AirflowFailException

    canary = ti.xcom_pull(task_ids="promote_canary")
    current = alias_version(CANARY["alias"])
    if current != canary["version"]:
        raise AirflowFailException(
            f"the {CANARY['alias']} alias moved to version {current} during"
            f" the soak: the promotion of version {canary['version']} stops"
        )
    since = pendulum.parse(canary["since"])
    served = (pendulum.now("UTC") - since).total_seconds()
    left = CANARY["soak_minutes"] * 60 - served
    if left > 0:
        print(f"canary version {canary['version']}: {left:.0f} s of soak left")
        return False
    return True
`;

/** The snapshot step: a VolumeSnapshot of each mounted dataset, then the MLflow run's tags naming them. */
const SNAPSHOT_STEP = `

def label_value(text):
    """text as a Kubernetes label value, as modelplane's labelValue() writes
    it: characters outside [A-Za-z0-9_.-] become "_", the ends are trimmed,
    and a value over 63 characters ends in a digest of text instead."""
    import hashlib
    import re

    value = re.sub(r"[^A-Za-z0-9_.-]", "_", text).strip("_.-")
    if value and len(value) <= 63:
        return value
    digest = hashlib.sha256(text.encode()).hexdigest()[:10]
    return f"{value[:52].rstrip('_.-')}-{digest}".lstrip("-")


def snapshot_body(volume, run_id, dag_run_id):
    """The VolumeSnapshot of one dataset for this training run."""
    dataset = volume["dataset"]
    labels = {
        "app.kubernetes.io/managed-by": MANAGED_BY,
        SNAPSHOT_KEYS["dataset"]: dataset,
        SNAPSHOT_KEYS["model"]: MODEL,
        SNAPSHOT_KEYS["mlflowRun"]: run_id,
        SNAPSHOT_KEYS["dagRunLabel"]: label_value(dag_run_id),
    }
    annotations = {SNAPSHOT_KEYS["dagRun"]: dag_run_id}
    if GIT_COMMIT:
        labels[SNAPSHOT_KEYS["gitCommit"]] = GIT_COMMIT[:40]
        annotations[SNAPSHOT_KEYS["gitCommit"]] = GIT_COMMIT
    spec = {"source": {"persistentVolumeClaimName": dataset}}
    if volume["snapshotClass"]:
        spec["volumeSnapshotClassName"] = volume["snapshotClass"]
    return {
        "apiVersion": f"{SNAPSHOT_GROUP}/{SNAPSHOT_VERSION}",
        "kind": "VolumeSnapshot",
        "metadata": {
            "name": f"{dataset}-{run_id}",
            "namespace": NAMESPACE,
            "labels": labels,
            "annotations": annotations,
        },
        "spec": spec,
    }


def create_or_get(api, body, run_id):
    """Create the snapshot; on a retry, the one an earlier try created
    (the same run and claim) is taken as it is."""
    from kubernetes.client.exceptions import ApiException

    name = body["metadata"]["name"]
    claim = body["spec"]["source"]["persistentVolumeClaimName"]
    where = f"VolumeSnapshot {NAMESPACE}/{name}"
    args = (SNAPSHOT_GROUP, SNAPSHOT_VERSION, NAMESPACE, SNAPSHOT_PLURAL)
    try:
        api.create_namespaced_custom_object(*args, body)
        print(f"{where} of claim {claim} created")
        return
    except ApiException as error:
        if error.status != 409:
            raise RuntimeError(
                f"{where}: HTTP {error.status} {error.reason}; apply the"
                " team's synthesized manifests (the snapshot Role) and"
                " register the snapshot.storage.k8s.io CRDs"
            ) from None
    found = api.get_namespaced_custom_object(*args, name)
    labels = found["metadata"].get("labels") or {}
    source = found["spec"].get("source") or {}
    if (
        labels.get(SNAPSHOT_KEYS["mlflowRun"]) != run_id
        or source.get("persistentVolumeClaimName") != claim
    ):
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(
            f"{where} exists but is not this run's snapshot of claim"
            f" {claim}: delete it, then clear this task"
        )
    print(f"{where} exists already (an earlier try of this task)")


def take_snapshots(dag_run, ti):
    """After a successful training: one VolumeSnapshot per mounted dataset,
    named <dataset>-<MLflow run id>, then the MLflow run tagged
    modelplane.snapshot.<dataset> = its name."""
    run_id = ti.xcom_pull(task_ids="start_run")["run_id"]
    api = _kubernetes().custom_object_client
    names = {}
    for volume in SNAPSHOT_VOLUMES:
        body = snapshot_body(volume, run_id, dag_run.run_id)
        create_or_get(api, body, run_id)
        names[volume["dataset"]] = body["metadata"]["name"]
    tags = [
        {"key": f"{SNAPSHOT_TAG_PREFIX}{dataset}", "value": name}
        for dataset, name in names.items()
    ]
    mlflow_call("POST", "runs/log-batch", {"run_id": run_id, "tags": tags})
    return names
`;

/** The constants of the snapshot step. */
function snapshotConstants(spec: TrainingDagSpec): string {
  const s = spec.training.snapshot;
  if (!s) return '';
  const volumes = s.volumes.map((d) => ({ dataset: d.name, snapshotClass: d.snapshotClassName ?? null }));
  return [
    '',
    pyComment('The snapshot step: the mounted datasets, and the commit this DAG was synthesized from.'),
    `SNAPSHOT_VOLUMES = ${pyValue(volumes, 0, 19)}`,
    `GIT_COMMIT = ${s.gitCommit !== undefined ? pyStr(s.gitCommit) : 'None'}`,
    `SNAPSHOT_KEYS = ${pyValue({ ...SNAPSHOT_KEYS }, 0, 16)}`,
    `SNAPSHOT_TAG_PREFIX = ${pyStr(snapshotTag(''))}`,
    `MANAGED_BY = ${pyStr(MANAGED_BY)}`,
    `SNAPSHOT_GROUP = ${pyStr(SNAPSHOT_API.group)}`,
    `SNAPSHOT_VERSION = ${pyStr(SNAPSHOT_API.version)}`,
    `SNAPSHOT_PLURAL = ${pyStr(SNAPSHOT_API.plural)}`,
  ].join('\n');
}

/** The constants of a training DAG. */
function trainingConstants(spec: TrainingDagSpec): string {
  const t = spec.training;
  const p = t.promote;
  const promote = p ? { metric: p.metric, mode: p.mode, min_delta: p.minDelta, alias: p.alias } : null;
  const canary = p?.canary ? { alias: p.canary.alias, soak_minutes: p.canary.soakMinutes } : null;
  const targets = (p?.targets ?? []).map((x) => ({
    onlineModel: x.onlineModel,
    champion: x.champion.map((o) => ({ kind: o.kind, name: o.name })),
    canary: x.canary.map((o) => ({ kind: o.kind, name: o.name })),
  }));
  return (
    [
      `MODEL = ${pyStr(spec.model)}`,
      `JOB = ${pyStr(spec.job)}`,
      `TEMPLATE = ${pyStr(templateKey(spec.job))}`,
      `MLFLOW_URI = ${pyStr(t.mlflowTrackingUri)}`,
      `EXPERIMENT = ${pyStr(t.experiment)}`,
      `REGISTERED_MODEL = ${t.registeredModel ? pyStr(t.registeredModel) : 'None'}`,
      `DATA_ASSETS = ${pyValue([...spec.assets], 0, 14)}`,
      `THROUGH_PARAM = ${pyStr(THROUGH_PARAM)}`,
      pyComment('At least this much new data in the dataset events starts a training (None: any trigger).'),
      `MIN_NEW_DATA = ${pyValue(t.minNewData ? { unit: t.minNewData.unit, count: t.minNewData.count } : null, 0, 15)}`,
      pyComment('The promotion rule (None: the trained version is registered only).'),
      `PROMOTE = ${pyValue(promote, 0, 10)}`,
      `ALIAS = ${p ? pyStr(p.alias) : 'None'}`,
      `CHAMPION_METRIC = ${p ? pyStr(championMetricKey(p.metric)) : 'None'}`,
      `CANARY = ${pyValue(canary, 0, 9)}`,
      pyComment("The team's online models serving the alias, and what rolls them."),
      `TARGETS = ${pyValue(targets, 0, 10)}`,
      `NOTIFY = ${pyValue(
        t.notify.map((n) => ({ kind: n.kind, connection: n.connection })),
        0,
        9,
      )}`,
      `TRAINING_ENV = ${pyValue({ ...TRAINING_ENV }, 0, 15)}`,
      `VERSION_TAGS = ${pyValue({ ...VERSION_TAGS }, 0, 15)}`,
      `VERSION_ANNOTATION = ${pyStr(MODEL_VERSION_ANNOTATION)}`,
      `FIELD_MANAGER = ${pyStr(PROMOTE_FIELD_MANAGER)}`,
      `KSERVE_GROUP = ${pyStr(KSERVE_API.group)}`,
      `KSERVE_VERSION = ${pyStr(KSERVE_API.version)}`,
      `KSERVE_PLURAL = ${pyStr(KSERVE_API.plural)}`,
    ].join('\n') + snapshotConstants(spec)
  );
}

/** One task of the DAG body: its Python statement and the variable it binds. */
interface TaskLine {
  readonly name: string;
  readonly source: string;
}

const sensor = (name: string, callable: string, poke: string, timeout: string, failure: boolean, extra: string[] = []): TaskLine => ({
  name,
  source: `    ${name} = PythonSensor(
        task_id="${name}",
        python_callable=${callable},${extra.map((e) => `\n        ${e},`).join('')}
        mode="reschedule",
        poke_interval=${poke},
        timeout=${timeout},${failure ? '\n        on_failure_callback=on_failure,' : ''}
    )
`,
});

const python = (name: string, callable: string, extra: string[] = []): TaskLine => ({
  name,
  source: `    ${name} = PythonOperator(
        task_id="${name}",
        python_callable=${callable},${extra.map((e) => `\n        ${e},`).join('')}
    )
`,
});

const shortCircuit = (name: string, callable: string, extra: string[] = []): TaskLine => ({
  name,
  source: `    ${name} = ShortCircuitOperator(
        task_id="${name}",
        python_callable=${callable},${extra.map((e) => `\n        ${e},`).join('')}
    )
`,
});

/** The tasks of the DAG, in order (each depends on the one before). */
function trainingTasks(spec: TrainingDagSpec): TaskLine[] {
  const t = spec.training;
  const p = t.promote;
  const onFailure = 'on_failure_callback=on_failure';
  const tasks: TaskLine[] = [];
  if (t.minNewData) tasks.push(shortCircuit('check_data', 'enough_new_data', ['inlets=[Asset(uri) for uri in DATA_ASSETS]']));
  tasks.push(python('start_run', 'start_training_run', ['retries=SUBMIT_RETRIES']));
  tasks.push(python('spark_submit', 'submit_training', ['retries=SUBMIT_RETRIES', onFailure]));
  tasks.push(sensor('spark_wait', 'finished', 'POLL_SECONDS', 'TIMEOUT_SECONDS', true, ['op_kwargs={"model": MODEL, "step": JOB}']));
  if (t.snapshot) tasks.push(python('snapshot', 'take_snapshots', ['retries=SUBMIT_RETRIES', onFailure]));
  if (!t.registeredModel) return tasks;
  tasks.push(python('evaluate', 'evaluate_candidate', [onFailure]));
  if (!p) return tasks;
  tasks.push(shortCircuit('decide', 'should_promote'));
  if (p.approvalTimeoutHours !== undefined) {
    tasks.push(sensor('await_approval', 'approved', 'POLL_SECONDS', 'APPROVAL_TIMEOUT_SECONDS', true));
  }
  if (p.canary) {
    tasks.push(python('promote_canary', 'move_canary', ['retries=SUBMIT_RETRIES', onFailure]));
    tasks.push(sensor('soak', 'soaked', 'min(POLL_SECONDS, SOAK_POLL_SECONDS)', 'TIMEOUT_SECONDS', true));
  }
  tasks.push(python('promote', 'promote_version', ['retries=SUBMIT_RETRIES', onFailure]));
  return tasks;
}

/** The chain of tasks, wrapped at 79 columns. */
function chainLine(names: readonly string[]): string {
  const one = `    ${names.join(' >> ')}\n`;
  if (one.length <= 80) return one;
  return `    (\n${names.map((n, i) => `        ${i > 0 ? '>> ' : ''}${n}\n`).join('')}    )\n`;
}

/** The helpers a spec needs besides the shared ones. */
function trainingHelpers(spec: TrainingDagSpec): string {
  const t = spec.training;
  const p = t.promote;
  return [
    MLFLOW_HELPERS,
    t.minNewData ? DATA_CHECK : '',
    START_AND_SUBMIT,
    t.snapshot ? SNAPSHOT_STEP : '',
    t.registeredModel ? EVALUATION : '',
    p ? ROLLOUT : '',
    p?.approvalTimeoutHours !== undefined ? APPROVAL : '',
    p?.canary ? CANARY_STEP : '',
  ].join('');
}

/** Timeouts and poll intervals of the gate and the soak. */
function gateConstants(spec: TrainingDagSpec): string {
  const p = spec.training.promote;
  const lines: string[] = [];
  if (p?.approvalTimeoutHours !== undefined) {
    lines.push(`APPROVAL_TIMEOUT_SECONDS = ${Math.round(p.approvalTimeoutHours * 3600)}`);
  }
  if (p?.canary) lines.push(`SOAK_POLL_SECONDS = ${Math.max(1, Math.round((p.canary.soakMinutes * 60) / 10))}`);
  return lines.length > 0 ? `\n${lines.join('\n')}` : '';
}

/** The DAG file of a model's training run with continuous training. */
export function trainingDag(spec: TrainingDagSpec): string {
  const dagId = modelDagId(spec.team, spec.model, spec.job);
  const sched = scheduleLines(spec);
  const t = spec.training;
  const tags = ['modelplane', 'batch-model', `team:${spec.team}`, `job:${spec.job}`, 'continuous-training', ...spec.tags];
  const title = `Continuous training of batch model ${spec.model} of team ${spec.team}, generated by modelplane. Do not edit: change the SparkBatchModel in the team's repository and synthesize again.`;
  const steps = [
    t.minNewData
      ? `check_data trains only when the dataset events since the last training bring at least ${t.minNewData.count} new ${t.minNewData.unit}`
      : '',
    'start_run creates the MLflow run the training resumes (MLFLOW_RUN_ID)',
    "spark_submit and spark_wait run the model's training SparkApplication",
    t.snapshot
      ? `snapshot takes a VolumeSnapshot of ${t.snapshot.volumes.map((d) => d.name).join(', ')} and tags the MLflow run with their names`
      : '',
    t.registeredModel
      ? `evaluate finds the version of ${t.registeredModel} it registered${
          t.promote
            ? ` and judges it against ${t.promote.alias} by ${t.promote.metric} (${t.promote.mode}imize, minDelta ${t.promote.minDelta}); decide stops a loser`
            : ''
        }`
      : '',
    t.promote?.approvalTimeoutHours !== undefined ? 'await_approval waits for modelplane promote' : '',
    t.promote?.canary ? `promote_canary and soak serve it on the canary for ${t.promote.canary.soakMinutes} min` : '',
    t.promote ? `promote moves ${t.promote.alias} and rolls out the online models serving it` : '',
  ].filter((s) => s !== '');
  const extra = `${steps.join('; ')}.`;
  const operators = [
    'from airflow.providers.standard.operators.python import (',
    '    PythonOperator,',
    '    ShortCircuitOperator,',
    ')',
    ...MODEL_OPERATORS.slice(1),
  ];
  const needsAsset = t.minNewData && !sched.imports.includes('from airflow.sdk import Asset');
  const imports = dagImports(operators, sched, needsAsset ? ['Asset'] : []);
  const tasks = trainingTasks(spec);
  const usesShortCircuit = tasks.some((x) => x.source.includes('ShortCircuitOperator('));
  const importLines = usesShortCircuit
    ? imports
    : imports.replace(
        'from airflow.providers.standard.operators.python import (\n    PythonOperator,\n    ShortCircuitOperator,\n)',
        'from airflow.providers.standard.operators.python import PythonOperator',
      );
  return `${preamble(spec, dagId, { title, extra, imports: importLines })}${trainingConstants(spec)}${gateConstants(spec)}
${RUNTIME_HELPERS}${trainingHelpers(spec)}

${dagOpen(spec, sched, tags)}${tasks.map((x) => x.source).join('')}${chainLine(tasks.map((x) => x.name))}`;
}
