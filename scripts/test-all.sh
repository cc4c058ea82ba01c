#!/usr/bin/env bash
# The README's test command (`npm test`): every tier, in order. Each tier is also runnable alone.
# Each step's time is printed as it ends and again, slowest first, in a summary at the end.
# The cluster and Airflow tiers share one local control plane, started here once and stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
# Every tier on the Node.js of .node-version (scripts/setup.sh installs it; required under CI=true).
source scripts/node/env.sh

times=()
total_start=$SECONDS
# MODELPLANE_TEST_ONLY=REGEX runs only the steps whose name matches (e.g. 'cluster|Airflow'; the control
# plane starts when a tier that needs it runs). A developer's shortcut: refused under CI=true.
only="${MODELPLANE_TEST_ONLY:-}"
if [[ -n "$only" && "${CI:-}" == "true" ]]; then
  echo "test-all.sh: MODELPLANE_TEST_ONLY is set under CI=true, where every tier runs; unset it" >&2
  exit 1
fi
# step NAME CMD...: runs CMD under a heading and records how long it took.
step() {
  local name="$1" t=$SECONDS
  shift
  if [[ -n "$only" && "$name" != "control plane up" ]] && ! grep -qE -- "$only" <<<"$name"; then
    echo "== $name: not run (MODELPLANE_TEST_ONLY=$only)"
    return 0
  fi
  "$@"
  times+=("$((SECONDS - t)) $name")
  echo "== $name: $((SECONDS - t)) s"
}
summary() {
  local rc=$?
  if [[ ${#times[@]} -gt 0 ]]; then
    echo "== step times (s), slowest first; total $((SECONDS - total_start)) s$([[ $rc -ne 0 ]] && echo ", stopped by a failure (exit $rc)")"
    printf '%s\n' "${times[@]}" | sort -rn | sed 's/^/   /'
  fi
}

kube_state=""
stop_cluster() {
  if [[ -n "$kube_state" && -d "$kube_state" ]]; then bash scripts/kube/down.sh "$kube_state" || true; fi
}
trap 'rc=$?; stop_cluster; (exit $rc); summary' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One control plane for the tiers that need one (scripts/kube/with-cluster.sh joins it through
# MODELPLANE_KUBE_DIR); its watchdog stops it if this shell is killed outright.
start_cluster() {
  kube_state="$(MODELPLANE_KUBE_OWNER_PID=$$ bash scripts/kube/up.sh)"
  export MODELPLANE_KUBE_DIR="$kube_state"
  (source "$kube_state/env" && bash scripts/kube/register-crds.sh)
}

echo "== node $(node --version) ($(command -v node))"
echo "== type check (tsc --noEmit)"
# Tests and bench/ too: ts-jest transpiles without type-checking (isolatedModules).
step "type check" bash -c 'npx tsc --noEmit -p . && npx tsc -p test/tsconfig.json'
echo "== lint: eslint (layers: core -> constructs -> front ends; docs; 60-line functions) and prettier --check"
step lint npm run --silent lint
echo "== tier 1: unit, snapshot, policy and Pulumi-mock tests (jest)"
step "tier unit (jest)" npx jest
echo "== tier: fuzz (1,000 seeded mutations of the examples, platform files and the bad-input corpus through the CLI: refused with a located message or accepted with checked output; never a crash, stack trace, hang or partial output)"
step "tier fuzz" bash test/fuzz/run.sh
echo "== tier: package (npm pack; the tarball installed into an empty directory; README's quickstart as written; examples/model-repo on the tarball)"
step "tier package" bash scripts/package/run.sh
echo "== tier: examples (every example synthesized with the modelplane CLI; examples/model-repo's own npm test and synth)"
step "tier examples" env MODELPLANE_EXAMPLES_TEST=1 bash examples/synth-all.sh
echo "== tier: static policy (kube-score + Checkov over a fresh synth, policy/allowlist.yaml)"
step "tier policy" bash scripts/policy/run.sh
echo "== local control plane for the cluster, Airflow and training tiers (etcd + kube-apiserver + controllers, every CRD)"
if [[ -z "$only" ]] || grep -qE -- "$only" <<<"tier cluster"$'\n'"tier Airflow"$'\n'"tier training"; then step "control plane up" start_cluster; fi
echo "== tier: cluster (control plane checks; dist/ and every example dry-run, applied, re-applied unchanged, deleted)"
step "tier cluster" npm run --silent test:cluster
echo "== tier: real Airflow (generated DAGs loaded by DagBag and run with dag.test against the same kube-apiserver)"
step "tier Airflow" bash test/airflow/run.sh
echo "== tier: continuous training (the translation and bank examples' training DAGs run by real Airflow against real MLflow on PostgreSQL and the same kube-apiserver: threshold, evaluation, canary, gated promotion through modelplane promote)"
step "tier training" bash test/training/run.sh
stop_cluster
kube_state=""
unset MODELPLANE_KUBE_DIR
# The pods tier needs the workload controllers: its own control plane (MODELPLANE_KUBE_WORKLOAD_CONTROLLERS=1), not the shared one.
echo "== tier: pods (dist/ and every example applied to a control plane running the workload controllers: every Deployment, StatefulSet, Job, CronJob and DaemonSet gets its Pods created and admitted)"
step "tier pods" npm run --silent test:pods
# The S3 tier applies the platform namespace and two teams as synthesized: its own API server, not the shared one.
echo "== tier: S3 (versitygw from the Go module proxy + a local kube-apiserver: the synthesized bootstrap Job gives each team its own credentials, refused on the other team's prefix)"
step "tier S3" bash scripts/s3/run-tier.sh
# The workspace tier applies the team's files and spawns notebook Pods as the hub's ServiceAccount: its own API server.
echo "== tier: workspace (real JupyterHub + KubeSpawner from the values our install script hands to helm, spawning every profile's notebook Pod against a local kube-apiserver: admitted under Pod Security restricted and the team's quota, the hub on its own least-privilege Role)"
step "tier workspace" bash scripts/workspace/run-tier.sh
echo "== tier: SSO (Keycloak from Maven Central + JupyterHub's GenericOAuthenticator on loopback: the synthesized realm, browser logins, team groups)"
step "tier SSO" bash scripts/sso/run-tier.sh
echo "== tier: operators (the real operators built from the Go module proxy on our output: KEDA with a real RabbitMQ, the Spark Operator with real spark-submit, Argo lint and controller, KServe with its webhooks)"
step "tier operators" bash scripts/operators/run-tier.sh
echo "== tier: serving (real MLflow + PostgreSQL + versitygw S3 + MLServer on loopback, started from the synthesized manifests)"
step "tier serving" bash scripts/serving/run-tier.sh
# The Pulumi tier starts its own control plane (with-cluster.sh, every CRD registered): its stacks create and destroy whole namespaces.
echo "== tier: Pulumi (the real CLI, language host and Kubernetes provider built from the Go module proxy: pulumi preview/up/destroy of stacks/ on a platform file and a team file, every object compared with modelplane synth; the README's commands as written)"
step "tier Pulumi" npm run --silent test:pulumi
