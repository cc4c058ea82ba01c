"""Trains a small scikit-learn model, logs and registers it through the MLflow server named by
MLFLOW_TRACKING_URI (no S3 credentials here: the server proxies artifacts), sets an alias, and writes
the reference dataset (features + expected scores) and a dated history for the retro test."""
import csv
import json
import sys

import mlflow
import numpy as np
import pandas as pd
from mlflow.models import infer_signature
from sklearn.linear_model import Ridge

out_dir, model_name, alias = sys.argv[1], sys.argv[2], sys.argv[3]

rng = np.random.default_rng(7)


def features(n):
    return pd.DataFrame({
        "amount": rng.normal(100.0, 30.0, n).round(2),
        "age_days": rng.integers(1, 1000, n).astype("float64"),
        "velocity": rng.normal(0.0, 1.0, n).round(4),
    })


X = features(300)
y = 0.02 * X["amount"] - 0.001 * X["age_days"] + 0.5 * X["velocity"] + rng.normal(0.0, 0.1, len(X))
model = Ridge(alpha=1.0).fit(X, y)

mlflow.set_experiment("modelplane-serving-proof")
with mlflow.start_run() as run:
    info = mlflow.sklearn.log_model(model, name="model", signature=infer_signature(X, model.predict(X)),
                                    registered_model_name=model_name)
client = mlflow.MlflowClient()
version = info.registered_model_version
client.set_registered_model_alias(model_name, alias, version)

ref = features(25)
ref["expected"] = model.predict(ref)
ref.to_csv("%s/reference.csv" % out_dir, index=False, float_format="%.17g")

hist = features(60)
hist.insert(0, "date", pd.date_range("2025-01-01", periods=60, freq="3D").strftime("%Y-%m-%d"))
hist.to_csv("%s/history.csv" % out_dir, index=False, float_format="%.17g")
in_period = hist[(hist["date"] >= "2025-02-01") & (hist["date"] <= "2025-03-31")]
expected_period = model.predict(in_period[["amount", "age_days", "velocity"]])

json.dump({
    "runId": run.info.run_id,
    "version": str(version),
    "artifactUri": run.info.artifact_uri,
    "periodRows": int(len(in_period)),
    "periodScores": [float(s) for s in expected_period],
}, open("%s/registered.json" % out_dir, "w"))
print(json.dumps({"version": version, "runId": run.info.run_id}))
