#!/usr/bin/env bash
# Copies a migrated Airflow metadata DB (SQLite) to the path given, for a tier's throwaway AIRFLOW_HOME.
# Usage: airflow-db.sh VENV DB_PATH   (with the tier's AIRFLOW__* settings exported)
# The DB as `airflow db migrate` leaves it is made once per venv and settings and kept under the cache
# (a freshly migrated DB holds no paths, only the schema, the default pool and the log templates).
set -euo pipefail
venv="$1" db="$2"
key="$({ cat "$venv/.modelplane-stamp"; env | grep '^AIRFLOW__' | grep -v -e SQL_ALCHEMY_CONN -e DAGS_FOLDER | LC_ALL=C sort; } | sha256sum | cut -c1-16)"
template="${MODELPLANE_CACHE:-$HOME/.cache/modelplane}/airflow-db/$key/airflow.db"
if [[ -f "$template" ]]; then
  cp "$template" "$db"
  exit 0
fi
t=$SECONDS
log="$(dirname "$db")/db-migrate.log"
AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="sqlite:///$db" "$venv/bin/airflow" db migrate >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
mkdir -p "$(dirname "$template")"
cp "$db" "$template.tmp.$$" && mv "$template.tmp.$$" "$template"
echo "airflow-db.sh: airflow db migrate in $((SECONDS - t)) s; kept as $template" >&2
