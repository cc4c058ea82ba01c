#!/usr/bin/env bash
# The README's test command (`npm test`): every tier, in order. Each tier is also runnable alone.
set -euo pipefail
cd "$(dirname "$0")/.."
# Every tier on the Node.js of .node-version (scripts/setup.sh installs it; required under CI=true).
source scripts/node/env.sh
echo "== node $(node --version) ($(command -v node))"
echo "== type check (tsc --noEmit)"
npx tsc --noEmit -p .
# Tests and bench/ too: ts-jest transpiles without type-checking (isolatedModules).
npx tsc -p test/tsconfig.json
echo "== lint: eslint (layers: core -> constructs -> front ends; docs; 60-line functions) and prettier --check"
npm run --silent lint
echo "== tier 1: unit, snapshot, policy and Pulumi-mock tests (jest)"
npx jest
echo "== tier: fuzz (1,000 seeded mutations of the examples, platform files and the bad-input corpus through the CLI: refused with a located message or accepted with checked output; never a crash, stack trace, hang or partial output)"
bash test/fuzz/run.sh
echo "== tier: package (npm pack; the tarball installed into an empty directory; README's quickstart as written; examples/model-repo on the tarball)"
bash scripts/package/run.sh
echo "== tier: examples (every example synthesized with the modelplane CLI; examples/model-repo's own npm test and synth)"
MODELPLANE_EXAMPLES_TEST=1 bash examples/synth-all.sh
echo "== tier: static policy (kube-score + Checkov over a fresh synth, policy/allowlist.yaml)"
bash scripts/policy/run.sh
echo "== tier: cluster (one local etcd + kube-apiserver with every CRD: control plane checks; dist/ and every example dry-run, applied, re-applied unchanged, deleted)"
npm run --silent test:cluster
echo "== tier: S3 (versitygw from the Go module proxy + a local kube-apiserver: the synthesized bootstrap Job gives each team its own credentials, refused on the other team's prefix)"
bash scripts/s3/run-tier.sh
echo "== tier: serving (real MLflow + PostgreSQL + versitygw S3 + MLServer on loopback, started from the synthesized manifests)"
bash scripts/serving/run-tier.sh
echo "== tier: real Airflow (generated DAGs loaded by DagBag and run with dag.test against a local kube-apiserver)"
bash test/airflow/run.sh
