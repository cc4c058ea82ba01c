#!/usr/bin/env bash
# The README's test command (`npm test`): every tier, in order. Each tier is also runnable alone.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== type check (tsc --noEmit)"
npx tsc --noEmit -p .
echo "== tier 1: unit, snapshot, policy and Pulumi-mock tests (jest)"
npx jest
echo "== tier: static policy (kube-score + Checkov over a fresh synth, policy/allowlist.yaml)"
bash scripts/policy/run.sh
