/**
 * How a batch model's packed Python environment (conda-pack / venv-pack archive) reaches its driver and
 * executors. Pure.
 *
 * Spark's own `--archives` is resolved by spark-submit where it runs: the Spark Operator's pod. For an
 * `s3a://` archive that means Hadoop's S3AFileSystem and the object-store credentials in the operator,
 * whose image (apache/spark plus the operator) carries neither: the submission fails with
 * "ClassNotFoundException: Class org.apache.hadoop.fs.s3a.S3AFileSystem not found" (reproduced by the
 * operators tier with the real operator and spark-submit). So an `s3a://` archive is fetched in the pods
 * instead: an init container of the driver's and of each executor's pod (the model's own image, its
 * Python, the team's object-store credentials from the Secret) downloads it and unpacks it into an
 * emptyDir that the Spark container mounts read-only, and `spark.pyspark.python` points into it. The
 * operator then needs nothing but the Kubernetes API. `local://` and `https://` archives stay Spark
 * archives: spark-submit passes those schemes through without opening them.
 */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { IMAGE_PULL_POLICY, restrictedContainerSecurityContext } from '../../core/security';
import { SIGV4_PYTHON } from '../../core/sigv4-python';

/** Where the fetched environment is unpacked in the driver's and executors' pods. */
export const SPARK_ENVIRONMENT_DIR = '/var/modelplane/environment';

/** The team-namespace ConfigMap holding the fetch program (one per team, written with the team's models). */
export const SPARK_ENVIRONMENT_CONFIGMAP = 'modelplane-spark-environment';

/** The fetch program's key in {@link SPARK_ENVIRONMENT_CONFIGMAP}. */
export const SPARK_ENVIRONMENT_SCRIPT_KEY = 'fetch_environment.py';

/** The init container's name in the driver and executor pod templates. */
export const SPARK_ENVIRONMENT_INIT_CONTAINER = 'modelplane-environment';

/** Where the fetch program is mounted in the init container. */
const SCRIPT_DIR = '/etc/modelplane/spark-environment';

/** Volumes the init-container delivery adds to a pod template. */
const ENV_VOLUME = 'modelplane-environment';
const SCRIPT_VOLUME = 'modelplane-environment-fetch';

/** How the environment archive is delivered: Spark's `--archives`, or fetched in the pods (s3a://). */
export type EnvironmentDelivery = 'spark-archives' | 'init-container';

/** The delivery for an archive URI (validated by `checkArchive`): `s3a://` is fetched in the pods. */
export function environmentDelivery(archive: string): EnvironmentDelivery {
  return archive.startsWith('s3a://') ? 'init-container' : 'spark-archives';
}

/** The interpreter Spark runs Python with, for a delivery. */
export function environmentPython(delivery: EnvironmentDelivery): string {
  // Spark archives are unpacked (as `#environment`) into the container's working directory.
  return delivery === 'init-container' ? `${SPARK_ENVIRONMENT_DIR}/bin/python` : './environment/bin/python';
}

/** What the init-container delivery needs to know. */
export interface EnvironmentFetchInput {
  /** The `s3a://bucket/key` archive. */
  readonly archive: string;
  /** The model's image (its `python3` runs the fetch program). */
  readonly image: string;
  /** The Secret with `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`. */
  readonly credentialsSecret: string;
  /** The object store's S3 endpoint. @default - AWS S3 of the region */
  readonly endpoint?: string;
  /** The region requests are signed for. @default "us-east-1" */
  readonly region?: string;
  /** The UID/GID the pod runs as. */
  readonly uid: number;
}

/** The init container that fetches and unpacks the archive. */
export function environmentInitContainer(input: EnvironmentFetchInput): k8s.Container {
  const env: k8s.EnvVar[] = [
    { name: 'MODELPLANE_ENVIRONMENT_ARCHIVE', value: input.archive },
    { name: 'MODELPLANE_ENVIRONMENT_DIR', value: SPARK_ENVIRONMENT_DIR },
    ...(input.endpoint ? [{ name: 'AWS_ENDPOINT_URL_S3', value: input.endpoint }] : []),
    { name: 'AWS_REGION', value: input.region ?? 'us-east-1' },
    ...['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].map((key) => ({
      name: key,
      valueFrom: { secretKeyRef: { name: input.credentialsSecret, key } },
    })),
  ];
  return {
    name: SPARK_ENVIRONMENT_INIT_CONTAINER,
    image: input.image,
    imagePullPolicy: IMAGE_PULL_POLICY,
    command: ['python3', `${SCRIPT_DIR}/${SPARK_ENVIRONMENT_SCRIPT_KEY}`],
    env,
    securityContext: restrictedContainerSecurityContext(input.uid),
    // Streaming download and unpacking: little CPU and memory (requested as limited, so the pod's memory stays
    // guaranteed); the pod's effective requests are the Spark container's, which are larger.
    resources: {
      requests: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('256Mi') },
      limits: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromString('256Mi') },
    },
    volumeMounts: [
      { name: ENV_VOLUME, mountPath: SPARK_ENVIRONMENT_DIR },
      { name: SCRIPT_VOLUME, mountPath: SCRIPT_DIR, readOnly: true },
    ],
  };
}

/** The volumes the init-container delivery adds: the environment's emptyDir and the fetch program. */
export function environmentVolumes(): k8s.Volume[] {
  return [
    // A packed environment is typically 0.5-3 GiB unpacked.
    { name: ENV_VOLUME, emptyDir: { sizeLimit: k8s.Quantity.fromString('8Gi') } },
    {
      name: SCRIPT_VOLUME,
      configMap: { name: SPARK_ENVIRONMENT_CONFIGMAP, items: [{ key: SPARK_ENVIRONMENT_SCRIPT_KEY, path: SPARK_ENVIRONMENT_SCRIPT_KEY }] },
    },
  ];
}

/** The Spark container's read-only mount of the unpacked environment. */
export function environmentMount(): k8s.VolumeMount {
  return { name: ENV_VOLUME, mountPath: SPARK_ENVIRONMENT_DIR, readOnly: true };
}

/**
 * The fetch program (Python standard library only, so any PySpark image runs it): one SigV4-signed,
 * streamed GET of the archive (retried with backoff), unpacked with the tar "data" filter (no absolute
 * paths, no escaping links, no device files) or a checked zip extraction, then a marker so that a
 * restarted init container of the same pod does not fetch again. Reads: MODELPLANE_ENVIRONMENT_ARCHIVE
 * (`s3a://bucket/key`), MODELPLANE_ENVIRONMENT_DIR, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN (optional), AWS_ENDPOINT_URL_S3 (optional; path-style requests when set), AWS_REGION.
 * Exits 1 with one line naming the archive and the store's answer on failure.
 */
export const FETCH_ENVIRONMENT_SCRIPT = String.raw`"""Fetches a batch model's packed Python environment from S3 and unpacks it (generated by modelplane).

Run as the init container of the Spark driver's and executors' pods; see the environment variables below.
"""
import hashlib, os, re, shutil, sys, tarfile, time, urllib.error, urllib.parse, urllib.request, zipfile
${SIGV4_PYTHON}

MARKER = ".modelplane-environment"


def fail(message):
    print("modelplane: environment: " + message, file=sys.stderr)
    sys.exit(1)


def split_archive(uri):
    u = urllib.parse.urlsplit(uri)
    if u.scheme != "s3a" or not u.netloc or not u.path.strip("/"):
        fail("MODELPLANE_ENVIRONMENT_ARCHIVE=%r is not an s3a://bucket/key URI" % uri)
    return u.netloc, u.path.lstrip("/")


def object_url(endpoint, region, bucket, key):
    path_key = urllib.parse.quote(key, safe="/-_.~")
    if endpoint:
        return endpoint.rstrip("/") + "/" + bucket + "/" + path_key
    return "https://%s.s3.%s.amazonaws.com/%s" % (bucket, region, path_key)


def download(url, region, dest, attempts=5):
    access = os.environ.get("AWS_ACCESS_KEY_ID", "")
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
    if not access or not secret:
        fail("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (the team's object-store Secret)")
    token = os.environ.get("AWS_SESSION_TOKEN") or None
    for attempt in range(1, attempts + 1):
        headers = sigv4_headers("GET", url, region, access, secret, token, hashlib.sha256(b"").hexdigest())
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as r, open(dest, "wb") as f:
                shutil.copyfileobj(r, f, 1024 * 1024)
            return
        except urllib.error.HTTPError as e:
            body = e.read().decode("utf-8", "replace")
            said = re.findall(r"<(Code|Message)>([^<]*)</", body)
            body = " ".join(v for _, v in said) if said else body[:200]
            if e.code < 500 and e.code != 429:
                fail("GET %s answered %d: %s" % (url, e.code, body))
            last = "%d %s" % (e.code, body)
        except (urllib.error.URLError, OSError) as e:
            last = str(e)
        if attempt < attempts:
            time.sleep(min(2 ** attempt, 30))
    fail("GET %s failed %d times; last: %s" % (url, attempts, last))


def unpack(archive, target):
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            root = os.path.realpath(target)
            for name in z.namelist():
                if not os.path.realpath(os.path.join(root, name)).startswith(root + os.sep):
                    fail("the archive's member %r would land outside %s" % (name, target))
            z.extractall(target)
            for info in z.infolist():
                mode = (info.external_attr >> 16) & 0o777
                if mode:
                    os.chmod(os.path.join(target, info.filename), mode)
        return
    try:
        with tarfile.open(archive, "r:*") as t:
            if hasattr(tarfile, "data_filter"):
                t.extractall(target, filter="data")
            else:
                root = os.path.realpath(target)
                for m in t.getmembers():
                    p = os.path.realpath(os.path.join(root, m.name))
                    if not p.startswith(root + os.sep) or m.isdev() or (m.issym() and os.path.isabs(m.linkname)):
                        fail("the archive's member %r is not a plain file inside %s" % (m.name, target))
                t.extractall(target)
    except tarfile.TarError as e:
        fail("cannot unpack the archive: %s" % e)


def main():
    uri = os.environ.get("MODELPLANE_ENVIRONMENT_ARCHIVE", "")
    target = os.environ.get("MODELPLANE_ENVIRONMENT_DIR", "")
    if not target:
        fail("MODELPLANE_ENVIRONMENT_DIR is not set")
    bucket, key = split_archive(uri)
    marker = os.path.join(target, MARKER)
    if os.path.exists(marker) and open(marker).read() == uri:
        print("modelplane: environment: %s already unpacked in %s" % (uri, target))
        return
    for name in os.listdir(target):
        path = os.path.join(target, name)
        shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.remove(path)
    region = os.environ.get("AWS_REGION") or "us-east-1"
    url = object_url(os.environ.get("AWS_ENDPOINT_URL_S3", ""), region, bucket, key)
    dest = os.path.join(target, ".download")
    started = time.time()
    download(url, region, dest)
    size = os.path.getsize(dest)
    unpack(dest, target)
    os.remove(dest)
    if not os.path.exists(os.path.join(target, "bin", "python")):
        fail("%s has no bin/python at its top level: pack it with 'conda pack' or 'venv-pack' from the environment's root" % uri)
    with open(marker, "w") as f:
        f.write(uri)
    print("modelplane: environment: %s (%d bytes) unpacked into %s in %.1f s" % (uri, size, target, time.time() - started))


if __name__ == "__main__":
    main()
`;
