# Sourced by scripts/test-all.sh, scripts/setup.sh and each tier script: puts the Node.js of
# .node-version (installed by scripts/node/install.sh) first on PATH, so node, npm and npx run under
# it. Under CI=true it must be there: a missing one fails loudly instead of testing on another Node.
# Elsewhere a missing one is a warning, and the machine's node is used.
_mp_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
_mp_version="$(tr -d ' \n' < "$_mp_root/.node-version")"
_mp_bin="${MODELPLANE_CACHE:-$HOME/.cache/modelplane}/node/$_mp_version/bin"
if [[ -x "$_mp_bin/node" ]]; then
  case ":$PATH:" in
    *":$_mp_bin:"*) ;;
    *) export PATH="$_mp_bin:$PATH" ;;
  esac
elif [[ "$(node --version 2>/dev/null)" != "v$_mp_version" ]]; then
  if [[ "${CI:-}" == "true" ]]; then
    echo "scripts/node/env.sh: Node.js $_mp_version (.node-version) is not installed at $_mp_bin, and CI must test on it (node on PATH: $(node --version 2>/dev/null || echo none)). Fix: bash scripts/setup.sh (or bash scripts/node/install.sh)" >&2
    exit 1
  fi
  echo "scripts/node/env.sh: warning: testing on node $(node --version 2>/dev/null || echo none), not $_mp_version (.node-version). Fix: bash scripts/node/install.sh" >&2
fi
unset _mp_root _mp_version _mp_bin
