import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Validator } from '../../core/errors';
import { standardLabels } from '../../core/labels';
import {
  IMAGE_PULL_POLICY,
  resourceRequirements,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  scratchMounts,
  scratchVolumes,
  TMP_DIR,
} from '../../core/security';
import { checkImage, checkName } from '../../core/validate';
import { duplicates } from '../../core/records';

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
}

/**
 * Creates the embedded stores' credentials inside the cluster, so no secret value ever appears in
 * modelplane's output or in Git: a Job generates random values for each missing Secret and never
 * touches an existing one (rotate by deleting the Secret and re-running the Job). Its RBAC allows
 * `create` on Secrets and `get` on exactly the named ones.
 */
export class SecretBootstrap extends Construct {
  constructor(scope: Construct, id: string, props: SecretBootstrapProps) {
    super(scope, id);
    const v = new Validator('SecretBootstrap', id);
    checkName(v, 'namespace', props.namespace);
    const image = props.image ?? BOOTSTRAP_IMAGE;
    checkImage(v, 'image', image);
    if (
      v.check(
        Array.isArray(props.secrets) && props.secrets.length > 0,
        'secrets',
        props.secrets,
        'must list at least one Secret',
        'pass e.g. [{ name: "mlflow-postgres", keys: ["password"] }]',
      )
    ) {
      props.secrets.forEach((s, i) => {
        checkName(v, `secrets[${i}].name`, s.name);
        if (
          !v.check(
            Array.isArray(s.keys) && s.keys.length > 0,
            `secrets[${i}].keys`,
            s.keys,
            'must list at least one key',
            'pass e.g. ["password"] or ["user=admin", "password"]',
          )
        )
          return;
        s.keys.forEach((k, j) => {
          const key = String(k).split('=')[0];
          // Only the key is shown: a fixed value is a user name, but never echo what follows "=".
          v.check(
            typeof k === 'string' && /^[-._a-zA-Z0-9]+$/.test(key),
            `secrets[${i}].keys[${j}]`,
            key,
            'is not a Secret key ([-._a-zA-Z0-9]+, optionally "=fixed-value")',
            'name the key, e.g. "password"',
          );
        });
        for (const d of duplicates(s.keys.map((k) => String(k).split('=')[0])))
          v.fail(`secrets[${i}].keys`, d, 'names the same key twice', 'list each key once');
      });
      for (const d of duplicates(props.secrets.map((s) => s.name)))
        v.fail('secrets', d, 'names the same Secret twice', 'merge the keys into one entry');
    }
    v.done();

    const ns = props.namespace;
    const name = 'modelplane-secret-bootstrap';
    const labels = standardLabels({ name: 'modelplane', instance: name, component: 'secret-bootstrap' });
    const names = [...props.secrets.map((s) => s.name)].sort();

    new k8s.KubeServiceAccount(this, 'Sa', { metadata: { name, namespace: ns, labels }, automountServiceAccountToken: false });
    new k8s.KubeRole(this, 'Role', {
      metadata: { name, namespace: ns, labels },
      rules: [
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
        { apiGroups: [''], resources: ['secrets'], resourceNames: names, verbs: ['get'] },
      ],
    });
    new k8s.KubeRoleBinding(this, 'Binding', {
      metadata: { name, namespace: ns, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
    });
    new k8s.KubeConfigMap(this, 'Script', {
      metadata: { name, namespace: ns, labels },
      data: {
        'bootstrap.py': BOOTSTRAP_SCRIPT,
        'secrets.json': JSON.stringify(props.secrets.map((s) => ({ name: s.name, keys: [...s.keys] }))),
      },
    });
    new k8s.KubeJob(this, 'Job', {
      metadata: { name, namespace: ns, labels },
      spec: {
        backoffLimit: 10,
        ttlSecondsAfterFinished: 86400,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'OnFailure',
            serviceAccountName: name,
            automountServiceAccountToken: true,
            securityContext: restrictedPodSecurityContext(),
            containers: [
              {
                name: 'bootstrap',
                image,
                imagePullPolicy: IMAGE_PULL_POLICY,
                command: ['python3', '/opt/bootstrap/bootstrap.py', '/opt/bootstrap/secrets.json'],
                env: [{ name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
                securityContext: restrictedContainerSecurityContext(),
                resources: resourceRequirements({ cpu: '50m', memory: '64Mi' }),
                volumeMounts: [...scratchMounts([TMP_DIR]), { name: 'script', mountPath: '/opt/bootstrap', readOnly: true }],
              },
            ],
            volumes: [...scratchVolumes([TMP_DIR]), { name: 'script', configMap: { name } }],
          },
        },
      },
    });
    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name, namespace: ns, labels },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/instance': name } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [],
        egress: [
          {
            ports: [
              { port: k8s.IntOrString.fromNumber(443), protocol: 'TCP' },
              { port: k8s.IntOrString.fromNumber(6443), protocol: 'TCP' },
            ],
          },
        ],
      },
    });
  }
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
