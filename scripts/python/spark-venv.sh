#!/usr/bin/env bash
# Creates (once, cached) the virtualenv whose pyspark carries the spark-submit the operators tier's Spark Operator
# runs (SPARK_HOME = its pyspark package), and prints its path: "${MODELPLANE_CACHE:-$HOME/.cache/modelplane}/venvs/spark-<version>".
# The version is the one the Spark Operator's own image submits with (spark-operator v2.5.2's image is built FROM
# apache/spark:4.0.4, see its Dockerfile in the Go module cache): in a user's cluster that spark-submit, not the
# application's Spark, turns a SparkApplication into the driver pod, so the tier runs the same one.
# Versions: spark-requirements.txt (top level) and spark-constraints.txt (every package, frozen; regenerate with
# REFREEZE=1 bash scripts/python/spark-venv.sh and commit the result).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/venv-lib.sh"
version="$(sed -n 's/^pyspark==//p' "$here/spark-requirements.txt")"
build_venv "spark-$version" "$here/spark-requirements.txt" "$here/spark-constraints.txt"
