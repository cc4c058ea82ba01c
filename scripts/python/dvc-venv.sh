#!/usr/bin/env bash
# Builds the Python venv the S3 tier runs real DVC from (test/s3/dvc.test.ts): DVC with its S3 remote
# plugin (dvc-s3, over s3fs and aiobotocore), the data-versioning tool `modelplane init` configures a
# repository for (.dvc/config, its default remote the team's prefix on the platform's object store).
# Every package that decides how DVC talks to S3 is pinned below.
#
# The venv lives outside the repo, under
#   "${MODELPLANE_CACHE:-$HOME/.cache/modelplane}/venvs/dvc-<dvc version>-<hash of the pins>"
# and is reused when it is complete (a marker file is written last). Prints the venv directory on
# stdout (last line). Needs python3 3.10-3.12 (what the tiers' other venvs run on).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# The DVC pins are the constants in src/frontends/cli/init-templates.ts: the release the scaffold's README
# tells a data scientist to install is the one this venv proves the scaffold's .dvc/config with.
templates="$repo_root/src/frontends/cli/init-templates.ts"
read_pin() { sed -n "s/^export const $1 = '\([0-9.]*\)';.*/\1/p" "$templates"; }
dvc_version="$(read_pin DVC_VERSION)"
dvc_s3_version="$(read_pin DVC_S3_VERSION)"
for v in "$dvc_version" "$dvc_s3_version"; do
  if [[ ! "$v" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "dvc-venv.sh: cannot read DVC_VERSION and DVC_S3_VERSION from src/frontends/cli/init-templates.ts (got '$dvc_version', '$dvc_s3_version')" >&2
    exit 1
  fi
done

pins=(
  "dvc==${dvc_version}"
  "dvc-s3==${dvc_s3_version}"
  # What dvc-s3 3.3.0 reaches S3 through; pinned so that a new release of either cannot change what
  # the tier proves (s3fs pins its fsspec exactly).
  "s3fs==2026.9.0"
  "aiobotocore==3.10.0"
)

python="${MODELPLANE_PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
  echo "dvc-venv.sh: '$python' is not on PATH; install Python 3.10-3.12 (e.g. apt-get install python3 python3-venv)" >&2
  exit 1
fi
pyver="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
case "$pyver" in
  3.10|3.11|3.12) ;;
  *) echo "dvc-venv.sh: $python is Python $pyver; this venv is proven on 3.10-3.12 (set MODELPLANE_PYTHON)" >&2; exit 1 ;;
esac

hash="$(printf '%s\n' "py$pyver" "${pins[@]}" | sha256sum | cut -c1-10)"
cache_root="${MODELPLANE_CACHE:-$HOME/.cache/modelplane}"
venv="$cache_root/venvs/dvc-${dvc_version}-${hash}"
marker="$venv/.modelplane-complete"

if [[ -f "$marker" ]]; then
  echo "dvc-venv.sh: cached: $venv" >&2
  echo "$venv"
  exit 0
fi

mkdir -p "$cache_root/venvs"
# Built in place (a venv's scripts carry absolute shebangs, so it cannot be moved); the marker file
# is written last, so an interrupted build is never taken for a complete one and is redone.
rm -rf "$venv"
trap 'rm -rf "$venv"' EXIT
start=$SECONDS
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip==25.3"
"$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar off \
  --cache-dir "$cache_root/pip" "${pins[@]}" >&2
# DVC's own check that it runs and has its S3 remote (a missing plugin is `dvc version` without s3).
"$venv/bin/dvc" version 2>&1 | grep -q 's3 ' || { echo "dvc-venv.sh: dvc in $venv has no s3 support:" >&2; "$venv/bin/dvc" version >&2; exit 1; }
# Record exactly what was resolved, for the report and for debugging a later resolution change.
"$venv/bin/python" -m pip freeze --disable-pip-version-check >"$venv/requirements.lock"
touch "$marker"
trap - EXIT
echo "dvc-venv.sh: built $venv in $((SECONDS - start))s" >&2
echo "$venv"
