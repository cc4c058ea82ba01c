#!/usr/bin/env bash
# Creates (once, cached) the virtualenv the S3 tier runs real DVC from (test/s3/dvc.test.ts): DVC with its S3
# remote plugin (dvc-s3, over s3fs and aiobotocore), the data-versioning tool `modelplane init` configures a
# repository for (.dvc/config, its default remote the team's prefix on the platform's object store). Prints
# its path: "${MODELPLANE_CACHE:-$HOME/.cache/modelplane}/venvs/dvc-<version>".
# Versions: dvc-requirements.txt (top level; the same pins as src/frontends/cli/init-templates.ts, checked
# here) and dvc-constraints.txt (every package, frozen; regenerate with REFREEZE=1 bash
# scripts/python/dvc-venv.sh and commit the result).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/venv-lib.sh"
templates="$here/../../src/frontends/cli/init-templates.ts"
read_pin() { sed -n "s/^export const $1 = '\([0-9.]*\)';.*/\1/p" "$templates"; }
version="$(sed -n 's/^dvc==//p' "$here/dvc-requirements.txt")"
s3_version="$(sed -n 's/^dvc-s3==//p' "$here/dvc-requirements.txt")"
if [[ "$version" != "$(read_pin DVC_VERSION)" || "$s3_version" != "$(read_pin DVC_S3_VERSION)" ]]; then
  echo "dvc-venv.sh: dvc-requirements.txt pins dvc $version and dvc-s3 $s3_version, but init-templates.ts's" \
    "DVC_VERSION and DVC_S3_VERSION are $(read_pin DVC_VERSION) and $(read_pin DVC_S3_VERSION): keep them equal" >&2
  exit 1
fi
venv="$(build_venv "dvc-$version" "$here/dvc-requirements.txt" "$here/dvc-constraints.txt")"
# DVC's own check that it runs and has its S3 remote (a missing plugin is `dvc version` without s3).
"$venv/bin/dvc" version 2>&1 | grep -q 's3 ' || {
  echo "dvc-venv.sh: dvc in $venv has no s3 support:" >&2
  "$venv/bin/dvc" version >&2
  exit 1
}
echo "$venv"
