import { ApiObject } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { ApiServerRef } from '../../core/context';
import { orThrow, Resolution, Validator } from '../../core/errors';
import { standardLabels } from '../../core/labels';
import { apiServerEgress, checkApiServer } from '../../core/network';
import { duplicates } from '../../core/records';
import { ProvidedObject, IObjectProvider } from '../../core/references';
import { checkImage, checkName } from '../../core/validate';
import { isBucketName, OBJECT_STORE_POD_LABELS, OBJECT_STORE_PORT } from './embedded-object-store';
import { ObjectStoreProvisioning, PROVISION_SCRIPT, teamAccessKey } from './object-store-provision';
import { isolatingPolicy, ObjectMeta, setupJob } from './workload';
import { policyPort } from '../../core/network';

/** The image that runs the bootstrap script (Python standard library only). */
export const BOOTSTRAP_IMAGE = 'docker.io/library/python:3.12.7-slim';

/** A Secret the bootstrap Job creates with random values when it is missing. */
export interface GeneratedSecret {
  /** Secret name. */
  readonly name: string;
  /** Namespace of the Secret. @default - the bootstrap's namespace */
  readonly namespace?: string;
  /** Keys to fill. A key with a fixed value (e.g. a user name) is given as `key=value`. */
  readonly keys: readonly string[];
  /**
   * Keys whose value is copied from a key of a Secret listed before this one, in the bootstrap's namespace (a
   * client secret that Keycloak and its consumer both read: one value, two Secrets in two namespaces).
   * @default - none: every key is generated
   */
  readonly copies?: Readonly<Record<string, { readonly secret: string; readonly key: string }>>;
}

/** Properties of a {@link SecretBootstrap}. */
export interface SecretBootstrapProps {
  /** Namespace the Secrets live in. */
  readonly namespace: string;
  /** The Secrets to create when missing. */
  readonly secrets: readonly GeneratedSecret[];
  /** Image. @default {@link BOOTSTRAP_IMAGE} */
  readonly image?: string;
  /**
   * Where the Job reaches the API server: its endpoints' addresses and ports (the Platform passes its
   * `apiServer` setting). Set it: the default, the private address ranges on 443 and 6443, still
   * allows any private address on those ports and misses a public endpoint.
   * @default - `DEFAULT_API_SERVER` (core/context.ts)
   */
  readonly apiServer?: Partial<ApiServerRef>;
  /**
   * The embedded object store to provision after the Secrets exist: its buckets, one user per team and the
   * team buckets' policies. Each team's Secret (keys `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`) is
   * created in the team's namespace with the other Secrets; the team's namespace needs the Role of
   * {@link renderBootstrapTeamAccess}. @default - no object store to provision
   */
  readonly objectStore?: ObjectStoreProvisioning;
}

/** The bootstrap as plain data. */
export interface ResolvedSecretBootstrap extends ObjectMeta {
  /** Image. */
  readonly image: string;
  /** The Secrets to create when missing: as given, then each team's object-store Secret. */
  readonly secrets: readonly GeneratedSecret[];
  /** Where the Job reaches the API server. */
  readonly apiServer: ApiServerRef;
  /** The embedded object store to provision. @default - none */
  readonly objectStore?: ObjectStoreProvisioning;
}

/** The name of the bootstrap's ServiceAccount, Role, ConfigMap, Job and NetworkPolicy. */
export const BOOTSTRAP_NAME = 'modelplane-secret-bootstrap';

/** Checks and defaults the props of a {@link SecretBootstrap}: the resolved bootstrap, or every problem. */
export function resolveSecretBootstrap(id: string, props: SecretBootstrapProps): Resolution<ResolvedSecretBootstrap> {
  const v = new Validator('SecretBootstrap', id);
  checkName(v, 'namespace', props.namespace);
  const image = props.image ?? BOOTSTRAP_IMAGE;
  checkImage(v, 'image', image);
  checkSecrets(v, props.secrets);
  const apiServer = checkApiServer(v, 'apiServer', props.apiServer);
  if (props.objectStore !== undefined) checkObjectStore(v, props.objectStore, props.secrets);
  return v.result(() => ({
    name: BOOTSTRAP_NAME,
    namespace: props.namespace,
    labels: standardLabels({ name: 'modelplane', instance: BOOTSTRAP_NAME, component: 'secret-bootstrap' }),
    image,
    secrets: [...props.secrets, ...teamSecrets(props.objectStore)],
    apiServer,
    ...(props.objectStore !== undefined ? { objectStore: props.objectStore } : {}),
  }));
}

/** Each team's object-store Secret: its fixed access key id and a generated secret key. */
export function teamSecrets(store: ObjectStoreProvisioning | undefined): GeneratedSecret[] {
  return (store?.teams ?? []).map((t) => ({
    name: t.secretName,
    namespace: t.namespace,
    keys: [`AWS_ACCESS_KEY_ID=${teamAccessKey(t.name)}`, 'AWS_SECRET_ACCESS_KEY'],
  }));
}

function checkObjectStore(v: Validator, store: ObjectStoreProvisioning, secrets: readonly GeneratedSecret[]): void {
  v.check(
    typeof store.endpoint === 'string' && /^https?:\/\/[^\s/]+$/.test(store.endpoint),
    'objectStore.endpoint',
    store.endpoint,
    'is not an http(s) URL of a host and port',
    'write e.g. "http://object-store.modelplane-system.svc.cluster.local:7070"',
  );
  v.check(
    Array.isArray(secrets) && secrets.some((s) => s.name === store.rootSecret && s.namespace === undefined),
    'objectStore.rootSecret',
    store.rootSecret,
    'is not one of the Secrets this bootstrap creates in its namespace',
    'list the root Secret in `secrets` with keys ["root-user=modelplane", "root-password"]',
  );
  [store.bucket, ...(store.teamBuckets ?? [])].forEach((b, i) =>
    v.check(
      isBucketName(b),
      i === 0 ? 'objectStore.bucket' : `objectStore.teamBuckets[${i - 1}]`,
      b,
      'is not a valid bucket name',
      'use 3-63 lower-case letters, digits, "." and "-"',
    ),
  );
  (store.teams ?? []).forEach((t, i) => {
    checkName(v, `objectStore.teams[${i}].name`, t.name);
    checkName(v, `objectStore.teams[${i}].namespace`, t.namespace);
    checkName(v, `objectStore.teams[${i}].secretName`, t.secretName);
  });
  for (const d of duplicates((store.teams ?? []).map((t) => t.name)))
    v.fail('objectStore.teams', d, 'names the same team twice', 'list each team once');
}

function checkSecrets(v: Validator, secrets: readonly GeneratedSecret[]): void {
  const listed = v.check(
    Array.isArray(secrets) && secrets.length > 0,
    'secrets',
    secrets,
    'must list at least one Secret',
    'pass e.g. [{ name: "mlflow-postgres", keys: ["password"] }]',
  );
  if (!listed) return;
  secrets.forEach((s, i) => {
    checkName(v, `secrets[${i}].name`, s.name);
    if (s.namespace !== undefined) checkName(v, `secrets[${i}].namespace`, s.namespace);
    checkKeys(v, `secrets[${i}].keys`, s.keys);
  });
  checkCopies(v, secrets);
  for (const d of duplicates(
    secrets
      .map((s) => `${s.namespace ?? ''}/${s.name}`)
      .filter((k) => k.startsWith('/'))
      .map((k) => k.slice(1)),
  ))
    v.fail('secrets', d, 'names the same Secret twice', 'merge the keys into one entry');
}

/** Each copied key is a key of the Secret, from a key of a Secret listed before it in the bootstrap's namespace. */
function checkCopies(v: Validator, secrets: readonly GeneratedSecret[]): void {
  secrets.forEach((s, i) => {
    for (const [key, from] of Object.entries(s.copies ?? {})) {
      const field = `secrets[${i}].copies.${key}`;
      v.check(
        s.keys.some((k) => k.split('=')[0] === key),
        field,
        key,
        'is not one of the keys of this Secret',
        'list the key in `keys` too',
      );
      const source = secrets.slice(0, i).find((o) => o.name === from.secret && o.namespace === undefined);
      v.check(
        source !== undefined && source.keys.some((k) => k.split('=')[0] === from.key),
        field,
        `${from.secret}.${from.key}`,
        "is not a key of a Secret listed before this one in the bootstrap's namespace",
        'list the source Secret, with that key, earlier in `secrets`',
      );
    }
  });
}

function checkKeys(v: Validator, field: string, keys: readonly string[]): void {
  const listed = v.check(
    Array.isArray(keys) && keys.length > 0,
    field,
    keys,
    'must list at least one key',
    'pass e.g. ["password"] or ["user=admin", "password"]',
  );
  if (!listed) return;
  const names = keys.map((k) => String(k).split('=')[0]);
  keys.forEach((k, j) => {
    // Only the key is shown: a fixed value is a user name, but never echo what follows "=".
    v.check(
      typeof k === 'string' && /^[-._a-zA-Z0-9]+$/.test(names[j]),
      `${field}[${j}]`,
      names[j],
      'is not a Secret key ([-._a-zA-Z0-9]+, optionally "=fixed-value")',
      'name the key, e.g. "password"',
    );
  });
  for (const d of duplicates(names)) v.fail(field, d, 'names the same key twice', 'list each key once');
}

/**
 * Creates the embedded stores' credentials inside the cluster, so no secret value ever appears in
 * modelplane's output or in Git: a Job generates random values for each missing Secret and never
 * touches an existing one (rotate by deleting the Secret and re-running the Job). Its RBAC allows
 * `create` on Secrets and `get` on exactly the named ones; its NetworkPolicy lets it reach the API
 * server at `apiServer` only (set it to the endpoints of
 * `kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes`; the default is
 * the private address ranges on 443 and 6443). When it cannot connect, it says which setting to fix.
 *
 * With `objectStore`, it also creates each team's object-store Secret in the team's namespace (its Role
 * there: {@link renderBootstrapTeamAccess}) and then provisions the embedded store with them: buckets, one
 * user per team, and bucket policies that confine each team to its prefix (object-store-provision.ts).
 * It provides these Secrets to the reference check through {@link IObjectProvider}.
 */
export class SecretBootstrap extends Construct implements IObjectProvider {
  private readonly spec: ResolvedSecretBootstrap;

  constructor(scope: Construct, id: string, props: SecretBootstrapProps) {
    const spec = orThrow(resolveSecretBootstrap(id, props));
    super(scope, id);
    this.spec = spec;
    renderRbac(this, spec);
    const store = spec.objectStore;
    new k8s.KubeConfigMap(this, 'Script', {
      metadata: meta(spec),
      data: {
        'bootstrap.py': BOOTSTRAP_SCRIPT,
        'secrets.json': JSON.stringify(
          spec.secrets.map((s) => ({
            name: s.name,
            ...(s.namespace !== undefined ? { namespace: s.namespace } : {}),
            keys: [...s.keys],
            ...(s.copies !== undefined ? { copies: s.copies } : {}),
          })),
        ),
        ...(store ? { 'objectstore.py': PROVISION_SCRIPT, 'objectstore.json': JSON.stringify(store) } : {}),
      },
    });
    setupJob(this, 'Job', {
      ...meta(spec),
      backoffLimit: 10,
      serviceAccountName: spec.name,
      container: {
        name: 'bootstrap',
        image: spec.image,
        command: [
          'python3',
          '/opt/bootstrap/bootstrap.py',
          '/opt/bootstrap/secrets.json',
          ...(store ? ['/opt/bootstrap/objectstore.json'] : []),
        ],
        env: [
          { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'PYTHONDONTWRITEBYTECODE', value: '1' },
        ],
        resources: { cpu: '50m', memory: '64Mi' },
      },
      readOnly: { volume: { name: 'script', configMap: { name: spec.name } }, mountPath: '/opt/bootstrap' },
    });
    // The Job talks to the API server, at its addresses, and to the embedded object store it provisions.
    const egress = [apiServerEgress(spec.apiServer)];
    if (store)
      egress.push({ to: [{ podSelector: { matchLabels: { ...OBJECT_STORE_POD_LABELS } } }], ports: [policyPort(OBJECT_STORE_PORT)] });
    isolatingPolicy(this, 'NetworkPolicy', meta(spec), { 'app.kubernetes.io/instance': spec.name }, { egress });
  }

  /** The Secrets the Job creates: the platform's in its namespace, each team's object-store Secret in the team's. */
  public providedObjects(): readonly ProvidedObject[] {
    const by = `the ${BOOTSTRAP_NAME} Job (namespace ${this.spec.namespace})`;
    return this.spec.secrets.map((s) => ({ kind: 'Secret', namespace: s.namespace ?? this.spec.namespace, name: s.name, providedBy: by }));
  }
}

/** Where the bootstrap Job creates a team's object-store Secret. */
export interface BootstrapTeamAccess {
  /** The team namespace. */
  readonly namespace: string;
  /** The team's Secret, e.g. `modelplane-s3`. @default - none */
  readonly secretName?: string;
  /** More Secrets of the team the Job creates (e.g. its JupyterHub's SSO client Secret). @default [] */
  readonly moreSecretNames?: readonly string[];
  /** The bootstrap's namespace (the platform namespace). */
  readonly bootstrapNamespace: string;
}

/**
 * The bootstrap's Role and RoleBinding in a team namespace: `create` Secrets (Kubernetes cannot limit
 * `create` to a name) and `get` the team's object-store Secret by name; nothing else. Rendered in the
 * team's chart, after its namespace.
 */
export function renderBootstrapTeamAccess(scope: Construct, access: BootstrapTeamAccess): ApiObject[] {
  const name = BOOTSTRAP_NAME;
  const labels = standardLabels({ name: 'modelplane', instance: BOOTSTRAP_NAME, component: 'secret-bootstrap' });
  const metadata = { name, namespace: access.namespace, labels };
  const role = new k8s.KubeRole(scope, 'SecretBootstrapRole', {
    metadata,
    rules: [
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      {
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: [...(access.secretName !== undefined ? [access.secretName] : []), ...(access.moreSecretNames ?? [])].sort(),
        verbs: ['get'],
      },
    ],
  });
  const binding = new k8s.KubeRoleBinding(scope, 'SecretBootstrapBinding', {
    metadata,
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name, namespace: access.bootstrapNamespace }],
  });
  return [role, binding];
}

function meta(spec: ResolvedSecretBootstrap): ObjectMeta {
  return { name: spec.name, namespace: spec.namespace, labels: spec.labels };
}

/** The ServiceAccount (its token mounted only into the Job) and the Role: create Secrets, read the named ones. */
function renderRbac(scope: Construct, spec: ResolvedSecretBootstrap): void {
  const { name, namespace } = spec;
  new k8s.KubeServiceAccount(scope, 'Sa', { metadata: meta(spec), automountServiceAccountToken: false });
  new k8s.KubeRole(scope, 'Role', {
    metadata: meta(spec),
    rules: [
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      {
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: spec.secrets
          .filter((s) => s.namespace === undefined || s.namespace === namespace)
          .map((s) => s.name)
          .sort(),
        verbs: ['get'],
      },
    ],
  });
  new k8s.KubeRoleBinding(scope, 'Binding', {
    metadata: meta(spec),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name, namespace }],
  });
}

/** The bootstrap program: Python standard library only, talks to the API server with the pod's token. */
export const BOOTSTRAP_SCRIPT = `import base64, json, os, secrets, ssl, string, sys, urllib.error, urllib.request
# The pod's ServiceAccount token and CA; MODELPLANE_SA_DIR only for running the Job's script outside a pod (test/s3).
SA = os.environ.get("MODELPLANE_SA_DIR", "/var/run/secrets/kubernetes.io/serviceaccount")
API = "https://%s:%s" % (os.environ["KUBERNETES_SERVICE_HOST"], os.environ["KUBERNETES_SERVICE_PORT"])
NS = os.environ["NAMESPACE"]
TOKEN = open(SA + "/token").read().strip()
CTX = ssl.create_default_context(cafile=SA + "/ca.crt")
ALPHABET = string.ascii_letters + string.digits

def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(API + path, data=data, method=method, headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, context=CTX, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, {}
    except (urllib.error.URLError, OSError) as e:
        sys.exit("cannot reach the API server at %s (%s): where NetworkPolicy is enforced, set apiServer in the platform file to the addresses and ports of: kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes" % (API, e))

def decoded(secret):
    return {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}

values = {}
for spec in json.load(open(sys.argv[1])):
    ns = spec.get("namespace", NS)
    path = "/api/v1/namespaces/%s/secrets" % ns
    status, existing = call("GET", path + "/" + spec["name"])
    if status == 200:
        print("exists:", ns + "/" + spec["name"])
        values[(ns, spec["name"])] = decoded(existing)
        continue
    data = {}
    copies = spec.get("copies", {})
    for key in spec["keys"]:
        k, _, fixed = key.partition("=")
        if k in copies:
            # The same value as a Secret created (or found) above, e.g. a client secret Keycloak reads too.
            data[k] = values[(NS, copies[k]["secret"])][copies[k]["key"]]
        else:
            data[k] = fixed or "".join(secrets.choice(ALPHABET) for _ in range(32))
    body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": spec["name"], "labels": {"app.kubernetes.io/managed-by": "modelplane"}}, "type": "Opaque", "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}
    status, _ = call("POST", path, body)
    if status == 409:
        status, existing = call("GET", path + "/" + spec["name"])
        data = decoded(existing)
    elif status != 201:
        sys.exit("creating %s/%s failed with HTTP %s" % (ns, spec["name"], status))
    values[(ns, spec["name"])] = data
    print("created:", ns + "/" + spec["name"])

if len(sys.argv) > 2:
    # The embedded object store: buckets, one user per team with its Secret's keys, the team buckets' policies.
    import objectstore
    store = json.load(open(sys.argv[2]))
    root = values[(NS, store["rootSecret"])]
    if not root.get("root-user") or not root.get("root-password"):
        sys.exit("Secret %s/%s lacks root-user or root-password: delete it and re-run this Job, which creates it" % (NS, store["rootSecret"]))
    teams = {}
    for t in store["teams"]:
        keys = values[(t["namespace"], t["secretName"])]
        if not keys.get("AWS_ACCESS_KEY_ID") or not keys.get("AWS_SECRET_ACCESS_KEY"):
            sys.exit("Secret %s/%s lacks AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY: delete it and re-run this Job, which creates it" % (t["namespace"], t["secretName"]))
        teams[t["name"]] = (keys["AWS_ACCESS_KEY_ID"], keys["AWS_SECRET_ACCESS_KEY"])
    objectstore.provision(store, (root["root-user"], root["root-password"]), teams)
`;
