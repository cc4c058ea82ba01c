#!/usr/bin/env bash
# Creates (once, cached) the virtualenv whose pyspark carries the spark-submit the operators tier's Spark Operator
# runs (SPARK_HOME = its pyspark package), at the Spark version the examples' SparkApplications declare, and
# prints its path: "${MODELPLANE_CACHE:-$HOME/.cache/modelplane}/venvs/spark-<version>".
# Versions: spark-requirements.txt (top level) and spark-constraints.txt (every package, frozen; regenerate with
# REFREEZE=1 bash scripts/python/spark-venv.sh and commit the result).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/venv-lib.sh"
version="$(sed -n 's/^pyspark==//p' "$here/spark-requirements.txt")"
build_venv "spark-$version" "$here/spark-requirements.txt" "$here/spark-constraints.txt"
