"""Applies synthesized manifest files to the tier's API server as the cluster tier does (test/cluster/dist.ts):
server-side apply, the cluster-scoped objects (the Namespace) first, then the namespaced ones in file order.

Usage: apply.py KUBECTL FILE...
"""

import json
import subprocess
import sys

import yaml


def main() -> None:
    kubectl, files = sys.argv[1], sys.argv[2:]
    objs = []
    for f in files:
        with open(f) as fh:
            objs += [o for o in yaml.safe_load_all(fh) if o]
    # The kinds the API server serves without a namespace (KIND is the last column).
    listed = subprocess.run(
        [kubectl, "api-resources", "--namespaced=false", "--no-headers"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    cluster_kinds = {line.split()[-1] for line in listed.splitlines() if line.strip()}
    first = [o for o in objs if o["kind"] in cluster_kinds]
    rest = [o for o in objs if o["kind"] not in cluster_kinds]
    for batch in (first, rest):
        if not batch:
            continue
        r = subprocess.run(
            [kubectl, "apply", "--server-side", "--field-manager=modelplane-workspace-test", "-f", "-"],
            input=json.dumps({"apiVersion": "v1", "kind": "List", "items": batch}),
            capture_output=True,
            text=True,
        )
        if r.returncode != 0 or "Warning" in r.stderr:
            sys.exit(f"apply.py: kubectl apply failed or warned (exit {r.returncode}):\n{r.stdout}{r.stderr}")
    print(f"apply.py: applied {len(first)} cluster-scoped and {len(rest)} namespaced objects", file=sys.stderr)


if __name__ == "__main__":
    main()
