/**
 * The program beeline business's model tests and retro tests run: a Python script using only the
 * standard library, shipped in a ConfigMap and run by `python3` in a pinned python image, so nothing
 * is installed at run time.
 *
 * - `check`: scores a reference dataset (CSV with feature columns and an expected-score column)
 *   against a v2-protocol endpoint (MLServer: `POST /v2/models/<name>/infer`) and compares every
 *   score with its expected value within an absolute/relative tolerance; exits 1 on any mismatch.
 * - `score`: scores a dataset of a past period (rows filtered by a date column) and saves the rows
 *   with their scores as CSV to a file or an HTTP location (MLflow's artifact proxy accepts PUT).
 *
 * `mlflow-artifacts:/path` locations are read and written through the tracking server's artifact
 * proxy (`$MLFLOW_TRACKING_URI/api/2.0/mlflow-artifacts/artifacts/path`), so no S3 credentials are needed.
 */

/** The file name of the script in its ConfigMap. */
export const MODEL_TEST_SCRIPT_NAME = 'model_test.py';

/** The script's source. */
export const MODEL_TEST_SCRIPT = String.raw`#!/usr/bin/env python3
"""modelplane model test: score a dataset against a v2 inference endpoint (standard library only)."""
import argparse
import csv
import io
import json
import math
import os
import sys
import time
import urllib.error
import urllib.request


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def artifact_url(location):
    if location.startswith("mlflow-artifacts:/"):
        base = os.environ.get("MLFLOW_TRACKING_URI", "").rstrip("/")
        if not base.startswith("http"):
            raise SystemExit("model_test: %s needs MLFLOW_TRACKING_URI=http(s)://..." % location)
        return base + "/api/2.0/mlflow-artifacts/artifacts/" + location[len("mlflow-artifacts:/"):].lstrip("/")
    return location


def read_text(location):
    url = artifact_url(location)
    if url.startswith("http://") or url.startswith("https://"):
        with urllib.request.urlopen(url, timeout=120) as r:
            return r.read().decode("utf-8")
    with open(url, encoding="utf-8") as f:
        return f.read()


def write_text(location, text):
    url = artifact_url(location)
    if url.startswith("http://") or url.startswith("https://"):
        req = urllib.request.Request(url, data=text.encode("utf-8"), method="PUT", headers={"Content-Type": "text/csv"})
        with urllib.request.urlopen(req, timeout=120) as r:
            r.read()
        return
    os.makedirs(os.path.dirname(os.path.abspath(url)), exist_ok=True)
    with open(url, "w", encoding="utf-8") as f:
        f.write(text)


def number(text):
    try:
        return float(text)
    except ValueError:
        return None


def columns_of(rows, names):
    cols = []
    for name in names:
        values = [row[name] for row in rows]
        nums = [number(v) for v in values]
        if all(n is not None for n in nums):
            cols.append({"name": name, "shape": [len(rows)], "datatype": "FP64", "data": nums})
        else:
            cols.append({"name": name, "shape": [len(rows)], "datatype": "BYTES", "data": values})
    return cols


def wait_ready(base, model, seconds):
    url = "%s/v2/models/%s/ready" % (base, model)
    deadline = time.time() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError) as e:
            last = e
        else:
            last = "not ready"
        if time.time() > deadline:
            raise SystemExit("model_test: %s not ready after %ss: %s" % (url, seconds, last))
        time.sleep(2)


def infer(base, model, rows, features):
    body = {"parameters": {"content_type": "pd"}, "inputs": columns_of(rows, features)}
    req = urllib.request.Request("%s/v2/models/%s/infer" % (base, model), data=json.dumps(body).encode("utf-8"),
                                 method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=300) as r:
            out = json.loads(r.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        raise SystemExit("model_test: inference failed: HTTP %s: %s" % (e.code, e.read().decode("utf-8", "replace")[:2000]))
    outputs = out.get("outputs") or []
    if not outputs:
        raise SystemExit("model_test: the response has no outputs: %s" % json.dumps(out)[:2000])
    data = outputs[0].get("data", [])
    if len(data) != len(rows):
        raise SystemExit("model_test: got %d scores for %d rows (output %s)" % (len(data), len(rows), outputs[0].get("name")))
    return data


def score_all(args, rows, features):
    scores = []
    for i in range(0, len(rows), args.batch_size):
        scores.extend(infer(args.url.rstrip("/"), args.model, rows[i:i + args.batch_size], features))
    return scores


def load_rows(location):
    rows = list(csv.DictReader(io.StringIO(read_text(location))))
    if not rows:
        raise SystemExit("model_test: %s has no rows" % location)
    return rows


def close(a, b, abs_tol, rel_tol):
    x, y = number(str(a)), number(str(b))
    if x is None or y is None:
        return str(a) == str(b)
    return math.isclose(x, y, rel_tol=rel_tol, abs_tol=abs_tol)


def cmd_check(args):
    rows = load_rows(args.reference)
    if args.expected_column not in rows[0]:
        raise SystemExit("model_test: the reference has no column %r (columns: %s)" % (args.expected_column, ", ".join(rows[0])))
    features = [c for c in rows[0] if c != args.expected_column]
    wait_ready(args.url.rstrip("/"), args.model, args.wait_seconds)
    scores = score_all(args, rows, features)
    bad = [(i, row[args.expected_column], s) for i, (row, s) in enumerate(zip(rows, scores))
           if not close(s, row[args.expected_column], args.abs_tolerance, args.rel_tolerance)]
    print(json.dumps({"rows": len(rows), "mismatches": len(bad), "absTolerance": args.abs_tolerance, "relTolerance": args.rel_tolerance}))
    for i, want, got in bad[:20]:
        log("row %d: expected %s, got %s" % (i, want, got))
    if bad:
        log("model_test: FAIL: %d of %d scores differ from the reference" % (len(bad), len(rows)))
        return 1
    log("model_test: PASS: %d scores match the reference" % len(rows))
    return 0


def cmd_score(args):
    rows = load_rows(args.input)
    if args.period_column:
        if args.period_column not in rows[0]:
            raise SystemExit("model_test: the input has no column %r" % args.period_column)
        rows = [r for r in rows if (not args.period_from or r[args.period_column] >= args.period_from)
                and (not args.period_to or r[args.period_column] <= args.period_to)]
        if not rows:
            raise SystemExit("model_test: no rows between %s and %s" % (args.period_from, args.period_to))
    skip = set(args.exclude_column or []) | ({args.period_column} if args.period_column else set())
    features = [c for c in rows[0] if c not in skip]
    wait_ready(args.url.rstrip("/"), args.model, args.wait_seconds)
    scores = score_all(args, rows, features)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) + [args.score_column], lineterminator="\n")
    writer.writeheader()
    for row, s in zip(rows, scores):
        writer.writerow(dict(row, **{args.score_column: s}))
    write_text(args.output, out.getvalue())
    print(json.dumps({"rows": len(rows), "output": args.output, "from": args.period_from, "to": args.period_to}))
    log("model_test: scored %d rows into %s" % (len(rows), args.output))
    return 0


def main(argv):
    p = argparse.ArgumentParser(prog="model_test.py", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    for name in ("check", "score"):
        s = sub.add_parser(name)
        s.add_argument("--url", required=True, help="base URL of the v2 endpoint, e.g. http://fraud.team.svc:8080")
        s.add_argument("--model", required=True, help="model name in /v2/models/<name>/infer")
        s.add_argument("--batch-size", type=int, default=100)
        s.add_argument("--wait-seconds", type=int, default=600)
    c = sub.choices["check"]
    c.add_argument("--reference", required=True, help="CSV: feature columns plus the expected score")
    c.add_argument("--expected-column", default="expected")
    c.add_argument("--abs-tolerance", type=float, default=1e-6)
    c.add_argument("--rel-tolerance", type=float, default=1e-6)
    s = sub.choices["score"]
    s.add_argument("--input", required=True)
    s.add_argument("--output", required=True)
    s.add_argument("--score-column", default="score")
    s.add_argument("--period-column", default="")
    s.add_argument("--period-from", default="")
    s.add_argument("--period-to", default="")
    s.add_argument("--exclude-column", action="append")
    args = p.parse_args(argv)
    return cmd_check(args) if args.command == "check" else cmd_score(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
`;
