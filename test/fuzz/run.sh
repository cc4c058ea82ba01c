#!/usr/bin/env bash
# The fuzz tier (test/fuzz/run.ts): FUZZ_CASES (default 1000) generated inputs through the modelplane CLI.
# FUZZ_SEED=n reproduces a run, FUZZ_ONLY=i,j replays cases; failing cases land in .fuzz/failures/.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/node/env.sh
exec node -r ./bin/register.js test/fuzz/run.ts "$@"
