#!/usr/bin/env bash
# Creates (once, cached) the Kubeflow Pipelines SDK virtualenv the batch benchmark uses as its peer, and
# prints its path: "${MODELPLANE_CACHE:-$HOME/.cache/modelplane}/venvs/kfp-<version>".
# Versions: kfp-requirements.txt (top level) and kfp-constraints.txt (every package, frozen; regenerate
# with REFREEZE=1 bash scripts/python/kfp-venv.sh and commit the result).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/venv-lib.sh"
version="$(sed -n 's/^kfp==//p' "$here/kfp-requirements.txt")"
build_venv "kfp-$version" "$here/kfp-requirements.txt" "$here/kfp-constraints.txt"
