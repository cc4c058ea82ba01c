#!/usr/bin/env bash
# Synthesizes every example into examples/<name>/dist/ with the modelplane CLI (and the model
# repository with its own `npm run synth`). Part of the README's main command; also a test tier.
# Set MODELPLANE_EXAMPLES_TEST=1 to also run examples/model-repo's own tests.
set -euo pipefail
cd "$(dirname "$0")/.."
mp() { node bin/modelplane.js "$@"; }
echo "== examples: bank-cascades (the bank's cascades)"
mp synth -f examples/bank-cascades/modelplane.yaml -o examples/bank-cascades/dist
echo "== examples: translation-gpu (the translation team)"
mp synth -f examples/translation-gpu/modelplane.yaml -o examples/translation-gpu/dist
echo "== examples: small-team (the small team)"
mp synth --platform examples/small-team/platform.yaml -o examples/small-team/dist
echo "== examples: team-workspaces (beeline business)"
mp synth --platform examples/team-workspaces/platform.yaml \
  -f examples/team-workspaces/b2b-scoring.yaml -f examples/team-workspaces/geo-analytics.yaml \
  -o examples/team-workspaces/dist
echo "== examples: model-repo (a data-science repository with its own package.json)"
(
  cd examples/model-repo
  npm ci --no-audit --no-fund --loglevel=error
  if [ "${MODELPLANE_EXAMPLES_TEST:-0}" = "1" ]; then
    npm test
    # The CLI is a bin of the dependency: it runs from the model repository too.
    npx --no-install modelplane validate -f ../bank-cascades/modelplane.yaml
    npx --no-install modelplane graph nightly -f ../bank-cascades/modelplane.yaml | grep -q '^flowchart TB$'
  fi
  npm run --silent synth
  echo "wrote examples/model-repo/dist/ ($(ls dist/*.yaml | wc -l) manifest files, $(ls dist/dags/*.py | wc -l) DAG files)"
)
