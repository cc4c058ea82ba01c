import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { ApiServerRef } from '../../core/context';
import { orThrow, Resolution, Validator } from '../../core/errors';
import { standardLabels } from '../../core/labels';
import { apiServerEgress, checkApiServer } from '../../core/network';
import { duplicates } from '../../core/records';
import { checkImage, checkName } from '../../core/validate';
import { isolatingPolicy, ObjectMeta, setupJob } from './workload';

/** The image that runs the bootstrap script (Python standard library only). */
export const BOOTSTRAP_IMAGE = 'docker.io/library/python:3.12.7-slim';

/** A Secret the bootstrap Job creates with random values when it is missing. */
export interface GeneratedSecret {
  /** Secret name. */
  readonly name: string;
  /** Keys to fill. A key with a fixed value (e.g. a user name) is given as `key=value`. */
  readonly keys: readonly string[];
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
}

/** The bootstrap as plain data. */
export interface ResolvedSecretBootstrap extends ObjectMeta {
  /** Image. */
  readonly image: string;
  /** The Secrets to create when missing, as given. */
  readonly secrets: readonly GeneratedSecret[];
  /** Where the Job reaches the API server. */
  readonly apiServer: ApiServerRef;
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
  return v.result(() => ({
    name: BOOTSTRAP_NAME,
    namespace: props.namespace,
    labels: standardLabels({ name: 'modelplane', instance: BOOTSTRAP_NAME, component: 'secret-bootstrap' }),
    image,
    secrets: props.secrets,
    apiServer,
  }));
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
    checkKeys(v, `secrets[${i}].keys`, s.keys);
  });
  for (const d of duplicates(secrets.map((s) => s.name)))
    v.fail('secrets', d, 'names the same Secret twice', 'merge the keys into one entry');
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
 */
export class SecretBootstrap extends Construct {
  constructor(scope: Construct, id: string, props: SecretBootstrapProps) {
    const spec = orThrow(resolveSecretBootstrap(id, props));
    super(scope, id);
    renderRbac(this, spec);
    new k8s.KubeConfigMap(this, 'Script', {
      metadata: meta(spec),
      data: {
        'bootstrap.py': BOOTSTRAP_SCRIPT,
        'secrets.json': JSON.stringify(spec.secrets.map((s) => ({ name: s.name, keys: [...s.keys] }))),
      },
    });
    setupJob(this, 'Job', {
      ...meta(spec),
      backoffLimit: 10,
      serviceAccountName: spec.name,
      container: {
        name: 'bootstrap',
        image: spec.image,
        command: ['python3', '/opt/bootstrap/bootstrap.py', '/opt/bootstrap/secrets.json'],
        env: [{ name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
        resources: { cpu: '50m', memory: '64Mi' },
      },
      readOnly: { volume: { name: 'script', configMap: { name: spec.name } }, mountPath: '/opt/bootstrap' },
    });
    // The Job talks to the API server only, at its addresses.
    isolatingPolicy(
      this,
      'NetworkPolicy',
      meta(spec),
      { 'app.kubernetes.io/instance': spec.name },
      { egress: [apiServerEgress(spec.apiServer)] },
    );
  }
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
      { apiGroups: [''], resources: ['secrets'], resourceNames: spec.secrets.map((s) => s.name).sort(), verbs: ['get'] },
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
SA = "/var/run/secrets/kubernetes.io/serviceaccount"
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
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, OSError) as e:
        sys.exit("cannot reach the API server at %s (%s): where NetworkPolicy is enforced, set apiServer in the platform file to the addresses and ports of: kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes" % (API, e))

for spec in json.load(open(sys.argv[1])):
    path = "/api/v1/namespaces/%s/secrets" % NS
    if call("GET", path + "/" + spec["name"]) == 200:
        print("exists:", spec["name"])
        continue
    data = {}
    for key in spec["keys"]:
        k, _, fixed = key.partition("=")
        value = fixed or "".join(secrets.choice(ALPHABET) for _ in range(32))
        data[k] = base64.b64encode(value.encode()).decode()
    body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": spec["name"], "labels": {"app.kubernetes.io/managed-by": "modelplane"}}, "type": "Opaque", "data": data}
    status = call("POST", path, body)
    if status not in (201, 409):
        sys.exit("creating %s failed with HTTP %s" % (spec["name"], status))
    print("created:", spec["name"])
`;
