/**
 * The provisioning of the embedded object store that the bootstrap Job runs after it has made the
 * credentials: the buckets, one versitygw user per team (its access key and secret key are those of the
 * team's Secret, created in the cluster) and, in every team bucket, a bucket policy that lets each team's
 * user read, write, delete and list under its own prefix only. The root credentials stay with the MLflow
 * server and the Job. The S3 tier (test/s3) runs this same script, read from the synthesized ConfigMap,
 * against a real versitygw.
 */
import { SIGV4_PYTHON } from '../../core/sigv4-python';

/** One team as the provisioning sees it: where its Secret is and the prefix it owns in each team bucket. */
export interface ProvisionedTeam {
  /** Team name. */
  readonly name: string;
  /** The team namespace, where its Secret is. */
  readonly namespace: string;
  /** Its Secret (keys `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`). */
  readonly secretName: string;
  /** The prefix (without the trailing "/") it owns in every team bucket: its name. */
  readonly prefix: string;
}

/** What the provisioning creates; written as `objectstore.json` into the bootstrap's ConfigMap. */
export interface ObjectStoreProvisioning {
  /** The store's in-cluster S3 endpoint. */
  readonly endpoint: string;
  /** The region requests are signed for. */
  readonly region: string;
  /** The Secret (in the bootstrap's namespace) with the root credentials, keys `root-user` and `root-password`. */
  readonly rootSecret: string;
  /** The MLflow artifact bucket (root only). */
  readonly bucket: string;
  /** The buckets in which each team owns `<team>/`. */
  readonly teamBuckets: readonly string[];
  /** The teams, sorted by name. */
  readonly teams: readonly ProvisionedTeam[];
}

/** The fixed access key id of a team's user in the embedded store (not a secret: the secret key is generated). */
export function teamAccessKey(team: string): string {
  return `modelplane-${team}`;
}

/** The provisioning config of a store and its teams: every team owns the prefix `<team>/` of every team bucket. */
export function objectStoreProvisioning(
  store: { readonly endpoint: string; readonly rootSecret: string; readonly bucket: string; readonly teamBuckets: readonly string[] },
  teams: readonly { readonly name: string; readonly namespace: string }[],
  secretName: string,
): ObjectStoreProvisioning {
  return {
    endpoint: store.endpoint,
    region: 'us-east-1',
    rootSecret: store.rootSecret,
    bucket: store.bucket,
    teamBuckets: [...store.teamBuckets],
    teams: [...teams]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((t) => ({ name: t.name, namespace: t.namespace, secretName, prefix: t.name })),
  };
}

/**
 * The provisioning program (Python standard library only: SigV4 signing, versitygw's admin API for the
 * users, the S3 API for buckets and policies). Idempotent; see its docstring.
 */
export const PROVISION_SCRIPT = String.raw`"""Provisions the embedded object store (versitygw): buckets, one user per team, bucket policies.

Standard library only. Idempotent: buckets that exist are kept, a team user that exists gets its secret
key set again, and every team bucket's policy is written whole from the config (a team removed from the
config loses its statements). Run by the bootstrap Job with the credentials it read from the cluster;
alone, as 'python3 objectstore.py CONFIG', it reads them from files:
  $ROOT_CREDENTIALS_DIR/root-user, $ROOT_CREDENTIALS_DIR/root-password and
  $TEAM_CREDENTIALS_DIR/<team>/AWS_ACCESS_KEY_ID and .../AWS_SECRET_ACCESS_KEY (the keys of the team's
  Secret); $S3_ENDPOINT overrides the config's endpoint.
"""
import hashlib, json, os, sys, time, urllib.error, urllib.parse, urllib.request
from xml.sax.saxutils import escape
${SIGV4_PYTHON}

OBJECT_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]


def _quote(s):
    return urllib.parse.quote(s, safe="-_.~")


def request(endpoint, region, access, secret, method, path, query="", body=b""):
    """One SigV4-signed request; returns (status, body text)."""
    url = endpoint.rstrip("/") + urllib.parse.quote(path, safe="/-_.~") + ("?" + query if query else "")
    headers = sigv4_headers(method, url, region, access, secret, None, hashlib.sha256(body).hexdigest())
    req = urllib.request.Request(url, data=body if method in ("PUT", "POST", "PATCH") else None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def team_policy(bucket, teams):
    """The bucket policy giving each team's user (its access key) its own prefix of the bucket, nothing else."""
    statements = []
    for t in teams:
        principal = {"AWS": [t["accessKey"]]}
        statements.append({"Sid": "team-%s-objects" % t["name"], "Effect": "Allow", "Principal": principal,
                           "Action": OBJECT_ACTIONS, "Resource": ["arn:aws:s3:::%s/%s/*" % (bucket, t["prefix"])]})
        statements.append({"Sid": "team-%s-list" % t["name"], "Effect": "Allow", "Principal": principal,
                           "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::%s" % bucket],
                           "Condition": {"StringLike": {"s3:prefix": ["%s/*" % t["prefix"]]}}})
    return {"Version": "2012-10-17", "Statement": statements}


def provision(config, root, team_secrets, endpoint=None, wait_seconds=300):
    """Creates the buckets, the team users and the team buckets' policies. 'root' is (access, secret);
    'team_secrets' maps a team name to its (access key, secret key), as its Secret holds them."""
    endpoint = endpoint or config["endpoint"]
    region = config.get("region", "us-east-1")
    call = lambda *a, **k: request(endpoint, region, root[0], root[1], *a, **k)
    deadline = time.time() + wait_seconds
    while True:
        try:
            status, text = call("GET", "/")
            if status == 200:
                break
            problem = "HTTP %s: %s" % (status, text[:200])
        except (urllib.error.URLError, OSError) as e:
            problem = str(e)
        if time.time() > deadline:
            sys.exit("the object store at %s does not answer with the root credentials (%s): check its pod and the NetworkPolicy of the bootstrap Job" % (endpoint, problem))
        time.sleep(2)
    for bucket in [config["bucket"]] + config["teamBuckets"]:
        status, text = call("PUT", "/" + bucket)
        if status == 200:
            print("bucket created:", bucket)
        elif "BucketAlreadyOwnedByYou" in text or "BucketAlreadyExists" in text:
            print("bucket exists:", bucket)
        else:
            sys.exit("creating bucket %s failed with HTTP %s: %s" % (bucket, status, text[:300]))
    teams = [dict(t, accessKey=team_secrets[t["name"]][0]) for t in config["teams"]]
    for t in teams:
        secret = team_secrets[t["name"]][1]
        account = "<Account><Access>%s</Access><Secret>%s</Secret><Role>user</Role><UserID>0</UserID><GroupID>0</GroupID><ProjectID>0</ProjectID></Account>" % (
            escape(t["accessKey"]), escape(secret))
        status, text = call("PATCH", "/create-user", body=account.encode())
        if status >= 400 and "exists" in text.lower():
            props = "<MutableProps><Secret>%s</Secret><Role>user</Role></MutableProps>" % escape(secret)
            status, text = call("PATCH", "/update-user", query="access=" + _quote(t["accessKey"]), body=props.encode())
            verb = "updated"
        else:
            verb = "created"
        if status >= 400:
            sys.exit("the user of team %s could not be %s: HTTP %s: %s" % (t["name"], verb, status, text[:300]))
        print("team user %s: %s" % (verb, t["name"]))
    for bucket in config["teamBuckets"]:
        if teams:
            body = json.dumps(team_policy(bucket, teams), sort_keys=True).encode()
            status, text = call("PUT", "/" + bucket, query="policy", body=body)
        else:
            status, text = call("DELETE", "/" + bucket, query="policy")
            if status == 404 and "NoSuchBucketPolicy" in text:
                status = 204
        if status >= 300:
            sys.exit("the policy of bucket %s could not be written: HTTP %s: %s" % (bucket, status, text[:300]))
        print("bucket policy written:", bucket)


def _read(path):
    with open(path) as f:
        return f.read().strip()


if __name__ == "__main__":
    cfg = json.load(open(sys.argv[1]))
    root_dir = os.environ["ROOT_CREDENTIALS_DIR"]
    team_dir = os.environ["TEAM_CREDENTIALS_DIR"]
    provision(cfg, (_read(os.path.join(root_dir, "root-user")), _read(os.path.join(root_dir, "root-password"))),
              {t["name"]: tuple(_read(os.path.join(team_dir, t["name"], k)) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"))
               for t in cfg["teams"]},
              endpoint=os.environ.get("S3_ENDPOINT"))
`;
