"""The ingestion pipeline of the training tier (the test's own DAG, not
modelplane's): each run emits one event of the translation corpus' Asset with
the number of new rows in its extra, as a team's ingestion DAG does after it
landed a batch (docs/cookbook/continuous-training.md)."""
import pendulum
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, Asset, Param

CORPUS = Asset("s3://corpora/translation/en-da/parallel")


def emit(params, outlet_events):
    outlet_events[CORPUS].extra = {"rows": params["rows"]}


with DAG(
    dag_id="modelplane-test.ingest",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    params={"rows": Param(0, type="integer")},
):
    PythonOperator(task_id="emit", python_callable=emit, outlets=[CORPUS])
