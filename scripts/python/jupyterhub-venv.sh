#!/usr/bin/env bash
# Creates (once, cached) the virtualenv real JupyterHub runs from in the workspace tier (scripts/workspace/run-tier.sh,
# built by scripts/setup.sh): the hub with KubeSpawner (spawning notebook pods against the tier's API server),
# OAuthenticator's GenericOAuthenticator (signing in through the platform's OIDC issuer), the idle culler, and
# pytest for the tier's tests. Prints its path:
# "${MODELPLANE_CACHE:-$HOME/.cache/modelplane}/venvs/jupyterhub-<version>".
# Versions: jupyterhub-requirements.txt (top level) and jupyterhub-constraints.txt (every package, frozen;
# regenerate with REFREEZE=1 RESOLVE_BEFORE=<date> bash scripts/python/jupyterhub-venv.sh and commit the result).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/venv-lib.sh"
version="$(sed -n 's/^jupyterhub==//p' "$here/jupyterhub-requirements.txt")"
venv="$(build_venv "jupyterhub-$version" "$here/jupyterhub-requirements.txt" "$here/jupyterhub-constraints.txt")"
"$venv/bin/python" -c 'import jupyterhub, kubespawner, oauthenticator.generic' >&2
echo "$venv"
