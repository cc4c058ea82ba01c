"""The training code of the training tier's models, as a team would write it
(run by the Spark stand-in with the env of the training SparkApplication's
driver): resumes the MLflow run the DAG created (MLFLOW_RUN_ID), trains a
logistic regression on synthetic data, logs `auc` on a fixed test set, scores
the champion (MODELPLANE_CHAMPION_URI) on the same test set as
`champion.auc`, and registers the model under MODELPLANE_REGISTERED_MODEL.

Set by the test, not by modelplane: MODELPLANE_TEST_QUALITY picks how good
the candidate is ("good": clean labels, "ok": one feature missing from training,
"poor": most labels flipped and the features scrambled); MODELPLANE_TEST_METRIC names the metric
the model's promotion rule compares (default auc) and MODELPLANE_TEST_SCALE
scales it (100 gives points, as BLEU is reported).
"""
import os

import mlflow
import numpy as np
from mlflow.models import infer_signature
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

rng = np.random.default_rng(11)
weights = np.array([1.5, -2.0, 0.7, 0.0])


def dataset(n, seed):
    r = np.random.default_rng(seed)
    x = r.normal(size=(n, len(weights)))
    y = (x @ weights + r.normal(scale=0.5, size=n) > 0).astype(int)
    return x, y


x_test, y_test = dataset(400, 99)  # the same test set every time
x_train, y_train = dataset(600, 1)
quality = os.environ.get("MODELPLANE_TEST_QUALITY", "good")
if quality == "poor":
    flip = rng.random(len(y_train)) < 0.45
    y_train = np.where(flip, 1 - y_train, y_train)
    x_train = x_train[:, ::-1]  # and the features scrambled
elif quality == "ok":
    x_train = x_train.copy()
    x_train[:, 1] = 0.0  # one informative feature missing from training

metric = os.environ.get("MODELPLANE_TEST_METRIC", "auc")
scale = float(os.environ.get("MODELPLANE_TEST_SCALE", "1"))
name = os.environ["MODELPLANE_REGISTERED_MODEL"]
champion = os.environ.get("MODELPLANE_CHAMPION_URI", "")
with mlflow.start_run():  # resumes MLFLOW_RUN_ID
    model = LogisticRegression().fit(x_train, y_train)
    auc = roc_auc_score(y_test, model.predict_proba(x_test)[:, 1])
    mlflow.log_metric(metric, auc * scale)
    if champion:
        previous = mlflow.sklearn.load_model(champion)
        score = previous.predict_proba(x_test)[:, 1]
        champion_auc = roc_auc_score(y_test, score)
        mlflow.log_metric(f"champion.{metric}", champion_auc * scale)
    mlflow.sklearn.log_model(
        model,
        name="model",
        signature=infer_signature(x_test, model.predict(x_test)),
        registered_model_name=name,
    )
print(f"trained {name}: {metric} {auc * scale:.4f} ({quality})")
