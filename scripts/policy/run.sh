#!/usr/bin/env bash
# The static policy tier: kube-score and Checkov over every synthesized manifest, judged against
# policy/allowlist.yaml by test/policy-tools/evaluate.ts.
#
#   bash scripts/policy/run.sh          # synthesize the app into a temporary directory, then check it
#   bash scripts/policy/run.sh DIR      # check the manifests already in DIR (e.g. dist)
#
# Fails on any failed check not in the allowlist, on an allowlist entry that matches nothing, and on a
# tool that produced no usable report. Both tools run without network: Checkov with --skip-download and
# no API key (no platform calls, no update check); where the kernel allows it (`unshare -n`), both run in
# an empty network namespace, which proves it. Reports are kept in $POLICY_REPORT_DIR when that is set.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"
source scripts/node/env.sh
log() { echo "policy: $*" >&2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/modelplane-policy.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# The judge and the extractor are TypeScript run by ts-node without type checks: check them first.
npx --no-install tsc --noEmit -p test/policy-tools

started=$SECONDS
tools="$(bash "$here/install.sh")"
KUBE_SCORE="$(sed -n 's/^KUBE_SCORE=//p' <<<"$tools")"
CHECKOV="$(sed -n 's/^CHECKOV=//p' <<<"$tools")"
install_s=$((SECONDS - started))

if [[ $# -ge 1 ]]; then
  dir="$(cd "$1" && pwd)"
else
  dir="$work/dist"
  t=$SECONDS
  npx cdk8s synth --no-check-upgrade -o "$dir" >"$work/synth.log" 2>&1 || { cat "$work/synth.log" >&2; exit 1; }
  log "synthesized into $dir in $((SECONDS - t)) s"
fi
shopt -s nullglob
files=("$dir"/*.yaml "$dir"/*.yml)
shopt -u nullglob
[[ ${#files[@]} -gt 0 ]] || { log "error: no manifests in $dir"; exit 1; }

# The tools scan a copy, plus the pods that custom resources (Spark, Argo, KServe, Seldon, ...) describe as
# plain Pod manifests (test/policy-tools/crpods.ts): neither tool knows custom resource kinds.
scan="$work/scan"
mkdir -p "$scan"
cp "${files[@]}" "$scan/"
npx --no-install ts-node --transpile-only test/policy-tools/crpods.ts "$dir" "$scan" >&2
shopt -s nullglob
files=("$scan"/*.yaml "$scan"/*.yml)
shopt -u nullglob

offline=()
if unshare -n true 2>/dev/null; then
  offline=(unshare -n)
elif [[ "${CI:-}" == "true" ]]; then
  # CI proves the tools run offline; a machine that cannot show it fails instead of skipping the proof.
  log "error: unshare -n is not available, so the tools cannot be shown to run without network (CI=true). Fix: run as root, or allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)"
  exit 1
else
  log "unshare -n is not available: running the tools in the caller's network namespace (CI=true fails here)"
fi

# kube-score: all files in one run, so cross-object checks (NetworkPolicy, PDB, Service targets) see everything.
# Optional checks enabled: seccomp profile, memory and ephemeral-storage requests == limits (a node never
# overcommits them), container port checks. Not enabled: CPU requests == limits (CPU is compressible; our
# pods burst to twice the request by design), hence not the combined resource check either.
t=$SECONDS
ks_rc=0
"${offline[@]}" "$KUBE_SCORE" score --output-format json --kubernetes-version v1.34 \
  --enable-optional-test container-seccomp-profile \
  --enable-optional-test container-memory-requests-equal-limits \
  --enable-optional-test container-ephemeral-storage-request-equals-limit \
  --enable-optional-test container-ports-check \
  "${files[@]}" >"$work/kube-score.json" 2>"$work/kube-score.err" || ks_rc=$?
ks_s=$((SECONDS - t))
# kube-score exits 1 when it found a critical problem (judged below); anything else non-zero is the tool failing.
if [[ $ks_rc -gt 1 ]]; then cat "$work/kube-score.err" >&2; log "error: kube-score exited $ks_rc"; exit 1; fi

# Checkov: kubernetes framework only; no API key and --skip-download (no platform calls or policy downloads),
# no package update check, its cache and home in the work dir. Exit 1 = failed checks, judged below.
t=$SECONDS
ck_rc=0
env -u BC_API_KEY -u PRISMA_API_URL CKV_SKIP_PACKAGE_UPDATE_CHECK=true BC_SKIP_MAPPING=TRUE \
  CKV_CACHE_DIR="$work/checkov-cache" HOME="$work" \
  "${offline[@]}" "$CHECKOV" -d "$scan" --framework kubernetes -o json --skip-download \
  >"$work/checkov.json" 2>"$work/checkov.err" || ck_rc=$?
ck_s=$((SECONDS - t))
if [[ $ck_rc -gt 1 ]]; then cat "$work/checkov.err" >&2; log "error: checkov exited $ck_rc"; exit 1; fi

log "tools: install/cache check ${install_s} s, kube-score ${ks_s} s, checkov ${ck_s} s"
rc=0
npx --no-install ts-node --transpile-only test/policy-tools/evaluate.ts --dir "$scan" \
  --kube-score "$work/kube-score.json" --checkov "$work/checkov.json" \
  --allowlist "$repo/policy/allowlist.yaml" --report "$work/policy-report.json" || rc=$?
if [[ -n "${POLICY_REPORT_DIR:-}" ]]; then
  mkdir -p "$POLICY_REPORT_DIR"
  cp "$work/kube-score.json" "$work/checkov.json" "$work/policy-report.json" "$POLICY_REPORT_DIR/" 2>/dev/null || true
  cp -r "$scan" "$POLICY_REPORT_DIR/scanned"
fi
exit "$rc"
