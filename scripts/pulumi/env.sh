# shellcheck shell=bash
# Source this file to use the Pulumi engine that scripts/pulumi/install.sh builds from the Go module proxy:
#   source scripts/pulumi/env.sh && pulumi version
# It runs install.sh (a no-op when the binaries are cached), puts its bin dir first on PATH and sets the
# variables that keep the CLI off the network: no update check, no plugin downloads (plugins come from the
# bin dir on PATH or from `pulumi plugin install ... --file`). State and secrets stay local: use
#   export PULUMI_BACKEND_URL="file://<dir>" PULUMI_CONFIG_PASSPHRASE=<passphrase>
# (or `pulumi login file://<dir>`) before `pulumi stack init`.

_mp_pulumi_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if _mp_pulumi_bin="$(bash "$_mp_pulumi_here/install.sh")"; then
  case ":$PATH:" in
    *":$_mp_pulumi_bin:"*) ;;
    *) export PATH="$_mp_pulumi_bin:$PATH" ;;
  esac
  # Plugins, workspace settings and credentials live with the other cached tools, not in ~/.pulumi.
  export PULUMI_HOME="${PULUMI_HOME:-${MODELPLANE_CACHE:-$HOME/.cache/modelplane}/pulumi/home}"
  export PULUMI_SKIP_UPDATE_CHECK=true
  export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
  export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
  mkdir -p "$PULUMI_HOME"
  unset _mp_pulumi_here _mp_pulumi_bin
else
  unset _mp_pulumi_here _mp_pulumi_bin
  echo "scripts/pulumi/env.sh: install.sh failed; the Pulumi engine is not on PATH" >&2
  return 1 2>/dev/null || exit 1
fi
