/**
 * The synth-time reference check: the pure walker and decision of core/references.ts (examples of every
 * kind it reads, and properties), the App-level check (a dangling Secret fails synth naming referrer,
 * field, missing object and fix, and writes nothing), and the commands that list what to provide.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import fc from 'fast-check';
import { OnlineModel, Platform } from '../src';
import {
  danglingMessage,
  danglingReferences,
  helmValuesReferences,
  Manifest,
  objectReferences,
  ObjectRef,
  prerequisiteCommand,
  refKey,
} from '../src/core/references';
import { run } from '../src/frontends/cli/main';

const FIXTURE = path.join(__dirname, 'fixtures', 'dangling-secret');

function cli(args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = run(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

const targets = (m: Manifest) => objectReferences(m).map((r) => `${r.field} -> ${refKey(r.target)}`);

const pod = (extra: Record<string, unknown> = {}) => ({
  serviceAccountName: 'runner',
  priorityClassName: 'batch-low',
  imagePullSecrets: [{ name: 'pull' }],
  volumes: [
    { name: 'a', secret: { secretName: 'certs' } },
    { name: 'b', configMap: { name: 'conf' } },
    { name: 'c', configMap: { name: 'maybe', optional: true } },
    { name: 'd', persistentVolumeClaim: { claimName: 'data' } },
    { name: 'e', projected: { sources: [{ secret: { name: 'proj' } }, { configMap: { name: 'projcm' } }] } },
  ],
  containers: [
    {
      name: 'main',
      env: [
        { name: 'A', valueFrom: { secretKeyRef: { name: 'creds', key: 'a' } } },
        { name: 'B', valueFrom: { configMapKeyRef: { name: 'settings', key: 'b' } } },
        { name: 'C', valueFrom: { secretKeyRef: { name: 'opt', key: 'c', optional: true } } },
      ],
      envFrom: [{ secretRef: { name: 'bulk' } }],
    },
  ],
  ...extra,
});

describe('objectReferences reads every kind the output has', () => {
  test('a Deployment: namespace, ServiceAccount, PriorityClass, pull Secret, volumes, env, envFrom; optional ones left out', () => {
    const d = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x', namespace: 'risk' },
      spec: { template: { spec: pod() } },
    };
    expect(targets(d)).toEqual([
      'metadata.namespace -> Namespace//risk',
      'spec.template.spec.serviceAccountName -> ServiceAccount/risk/runner',
      'spec.template.spec.priorityClassName -> PriorityClass//batch-low',
      'spec.template.spec.imagePullSecrets[0].name -> Secret/risk/pull',
      'spec.template.spec.volumes[0].secret.secretName -> Secret/risk/certs',
      'spec.template.spec.volumes[1].configMap.name -> ConfigMap/risk/conf',
      'spec.template.spec.volumes[3].persistentVolumeClaim.claimName -> PersistentVolumeClaim/risk/data',
      'spec.template.spec.volumes[4].projected.sources[0].secret.name -> Secret/risk/proj',
      'spec.template.spec.volumes[4].projected.sources[1].configMap.name -> ConfigMap/risk/projcm',
      'spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name -> Secret/risk/creds',
      'spec.template.spec.containers[0].env[1].valueFrom.configMapKeyRef.name -> ConfigMap/risk/settings',
      'spec.template.spec.containers[0].envFrom[0].secretRef.name -> Secret/risk/bulk',
    ]);
  });

  test('a SparkApplication: its CRD, driver and executor ServiceAccounts and templates; a ScheduledSparkApplication the same under spec.template', () => {
    const spark = {
      driver: { serviceAccount: 'spark', template: { spec: { containers: [{ name: 'd', envFrom: [{ secretRef: { name: 's3' } }] }] } } },
      executor: { serviceAccount: 'spark-exec', configMaps: [{ name: 'hadoop', path: '/etc/hadoop' }] },
      volumes: [{ name: 'v', secret: { secretName: 'keytab' } }],
    };
    const app = {
      apiVersion: 'sparkoperator.k8s.io/v1beta2',
      kind: 'SparkApplication',
      metadata: { name: 'a', namespace: 't' },
      spec: spark,
    };
    expect(targets(app)).toEqual([
      'apiVersion -> CustomResourceDefinition//sparkapplications.sparkoperator.k8s.io',
      'metadata.namespace -> Namespace//t',
      'spec.volumes[0].secret.secretName -> Secret/t/keytab',
      'spec.driver.serviceAccount -> ServiceAccount/t/spark',
      'spec.executor.serviceAccount -> ServiceAccount/t/spark-exec',
      'spec.executor.configMaps[0].name -> ConfigMap/t/hadoop',
      'spec.driver.template.spec.containers[0].envFrom[0].secretRef.name -> Secret/t/s3',
    ]);
    const scheduled = { ...app, kind: 'ScheduledSparkApplication', spec: { schedule: '@daily', template: spark } };
    expect(targets(scheduled)).toContain('spec.template.driver.serviceAccount -> ServiceAccount/t/spark');
    expect(targets(scheduled)).toContain('spec.template.driver.template.spec.containers[0].envFrom[0].secretRef.name -> Secret/t/s3');
  });

  test('an InferenceService predictor and a SeldonDeployment predictor pod spec', () => {
    const isvc = {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: { name: 'm', namespace: 't' },
      spec: {
        predictor: { serviceAccountName: 'sa', model: { env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'k', key: 'k' } } }] } },
      },
    };
    expect(targets(isvc)).toEqual([
      'apiVersion -> CustomResourceDefinition//inferenceservices.serving.kserve.io',
      'metadata.namespace -> Namespace//t',
      'spec.predictor.serviceAccountName -> ServiceAccount/t/sa',
      'spec.predictor.model.env[0].valueFrom.secretKeyRef.name -> Secret/t/k',
    ]);
    const sdep = {
      apiVersion: 'machinelearning.seldon.io/v1',
      kind: 'SeldonDeployment',
      metadata: { name: 'm', namespace: 't' },
      spec: { predictors: [{ componentSpecs: [{ spec: { containers: [{ name: 'c', envFrom: [{ secretRef: { name: 'init' } }] }] } }] }] },
    };
    expect(targets(sdep)).toContain('spec.predictors[0].componentSpecs[0].spec.containers[0].envFrom[0].secretRef.name -> Secret/t/init');
  });

  test('Argo templates, and the SparkApplication embedded as text in a resource template (templated names left out)', () => {
    const manifest = JSON.stringify({
      apiVersion: 'sparkoperator.k8s.io/v1beta2',
      kind: 'SparkApplication',
      metadata: { name: 'x-{{workflow.name}}', namespace: 't' },
      spec: { driver: { serviceAccount: 'spark' }, executor: { serviceAccount: '{{inputs.parameters.sa}}' } },
    });
    const wt = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'CronWorkflow',
      metadata: { name: 'w', namespace: 't' },
      spec: {
        workflowSpec: {
          serviceAccountName: 'argo',
          templates: [
            { name: 'submit', resource: { action: 'create', manifest } },
            { name: 'c', container: { envFrom: [{ configMapRef: { name: 'env' } }] } },
          ],
        },
      },
    };
    expect(targets(wt)).toEqual([
      'apiVersion -> CustomResourceDefinition//cronworkflows.argoproj.io',
      'metadata.namespace -> Namespace//t',
      'spec.workflowSpec.serviceAccountName -> ServiceAccount/t/argo',
      'spec.workflowSpec.templates[1].container.envFrom[0].configMapRef.name -> ConfigMap/t/env',
      'spec.workflowSpec.templates[0].resource.manifest → apiVersion -> CustomResourceDefinition//sparkapplications.sparkoperator.k8s.io',
      'spec.workflowSpec.templates[0].resource.manifest → spec.driver.serviceAccount -> ServiceAccount/t/spark',
    ]);
  });

  test('a ConfigMap holding the run-time SparkApplication templates the DAGs submit', () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'churn-spark', namespace: 't' },
      data: {
        'score.json': JSON.stringify({
          apiVersion: 'sparkoperator.k8s.io/v1beta2',
          kind: 'SparkApplication',
          metadata: { name: 's' },
          spec: { driver: { serviceAccount: 'spark' } },
        }),
        'dag.py': 'print({"kind": 1})',
      },
    };
    expect(targets(cm)).toContain('data["score.json"] → spec.driver.serviceAccount -> ServiceAccount/t/spark');
  });

  test("KEDA's secretTargetRef and authenticationRef, the Gateway API's parentRefs and gatewayClassName, RoleBinding subjects, storage classes", () => {
    const ns = { metadata: { name: 'x', namespace: 't' } };
    expect(
      targets({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'TriggerAuthentication',
        ...ns,
        spec: { secretTargetRef: [{ parameter: 'host', name: 'mq', key: 'url' }] },
      }),
    ).toContain('spec.secretTargetRef[0].name -> Secret/t/mq');
    expect(
      targets({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        ...ns,
        spec: { triggers: [{ type: 'rabbitmq', authenticationRef: { name: 'auth' } }] },
      }),
    ).toContain('spec.triggers[0].authenticationRef.name -> TriggerAuthentication/t/auth');
    expect(
      targets({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        ...ns,
        spec: { parentRefs: [{ name: 'modelplane', namespace: 'modelplane-system' }, { name: 'local' }] },
      }),
    ).toEqual([
      'apiVersion -> CustomResourceDefinition//httproutes.gateway.networking.k8s.io',
      'metadata.namespace -> Namespace//t',
      'spec.parentRefs[0].name -> Gateway/modelplane-system/modelplane',
      'spec.parentRefs[1].name -> Gateway/t/local',
    ]);
    expect(
      targets({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', ...ns, spec: { gatewayClassName: 'modelplane' } }),
    ).toContain('spec.gatewayClassName -> GatewayClass//modelplane');
    expect(
      targets({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        ...ns,
        subjects: [{ kind: 'ServiceAccount', name: 'airflow-worker', namespace: 'airflow' }],
      }),
    ).toEqual([
      'metadata.namespace -> Namespace//t',
      'subjects[0].name -> ServiceAccount/airflow/airflow-worker',
      'subjects[0].namespace -> Namespace//airflow',
    ]);
    expect(
      targets({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        ...ns,
        spec: { volumeClaimTemplates: [{ spec: { storageClassName: 'fast' } }], template: { spec: { containers: [] } } },
      }),
    ).toContain('spec.volumeClaimTemplates[0].spec.storageClassName -> StorageClass//fast');
  });

  test("Helm values: Airflow's DAG ConfigMap mounts (optional, so a team without DAGs does not break Airflow) and env", () => {
    const refs = helmValuesReferences(
      { namespace: 'airflow', name: 'airflow' },
      {
        volumes: [
          { name: 'd', configMap: { name: 'dags', optional: true } },
          { name: 'e', configMap: { name: 'must' } },
        ],
        env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'x', key: 'x' } } }],
      },
    );
    expect(refs.map((r) => `${refKey(r.from)} ${r.field} -> ${refKey(r.target)}`)).toEqual([
      'HelmRelease/airflow/airflow values.volumes[1].configMap.name -> ConfigMap/airflow/must',
      'HelmRelease/airflow/airflow values.env[0].valueFrom.secretKeyRef.name -> Secret/airflow/x',
    ]);
  });
});

describe('danglingReferences', () => {
  const deploy = (name: string, secret: string): Manifest => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 't' },
    spec: { template: { spec: { containers: [{ name: 'c', envFrom: [{ secretRef: { name: secret } }] }] } } },
  });
  const nsT: Manifest = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 't' } };

  test('what the output, a provider or a prerequisite creates is not dangling; built-ins neither', () => {
    const secret: Manifest = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a', namespace: 't' } };
    const sources = {
      provided: [{ kind: 'Secret', namespace: 't', name: 'b', providedBy: 'a Job' }],
      prerequisites: [{ kind: 'Secret', namespace: 't', name: 'c' }],
    };
    const ms = [nsT, secret, deploy('x', 'a'), deploy('y', 'b'), deploy('z', 'c'), deploy('w', 'd')];
    expect(danglingReferences(ms, sources).map((r) => `${refKey(r.from)} -> ${refKey(r.target)}`)).toEqual([
      'Deployment/t/w -> Secret/t/d',
    ]);
    const kube: Manifest = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'x', namespace: 'kube-system' } };
    expect(danglingReferences([kube], { provided: [], prerequisites: [] })).toEqual([]);
  });

  test('the message names referrer, field, missing object and a fix the user can paste into the platform file', () => {
    const [r] = danglingReferences([nsT, deploy('w', 'warehouse')], { provided: [], prerequisites: [] });
    expect(danglingMessage(r)).toBe(
      'Deployment t/w: `spec.template.spec.containers[0].envFrom[0].secretRef.name` refers to Secret t/warehouse, which nothing creates (not the output, no construct, no operator the platform installs, no declared prerequisite). Fix: create it in the output, enable the operator that creates it, or declare it under `prerequisites` in the platform file: prerequisites: [{ kind: Secret, namespace: t, name: warehouse }]',
    );
  });

  const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);

  test('property: declaring every dangling target as a prerequisite leaves none; the result ignores the order of the objects', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(name, name), { maxLength: 8 }), fc.boolean(), (pairs, withNs) => {
        const ms = [...(withNs ? [nsT] : []), ...pairs.map(([d, s]) => deploy(d, s))];
        const found = danglingReferences(ms, { provided: [], prerequisites: [] });
        expect(danglingReferences([...ms].reverse(), { provided: [], prerequisites: [] })).toEqual(found);
        const prerequisites: ObjectRef[] = found.map((r) => r.target);
        expect(danglingReferences(ms, { provided: [], prerequisites })).toEqual([]);
        // Exactly the distinct Secrets are reported missing (and the namespace when it is not created).
        const secrets = new Set(pairs.map(([, s]) => s));
        expect(new Set(found.filter((r) => r.target.kind === 'Secret').map((r) => r.target.name))).toEqual(secrets);
        expect(found.some((r) => r.target.kind === 'Namespace')).toBe(!withNs && pairs.length > 0);
      }),
    );
  });

  test('property: the command that provides a prerequisite holds placeholders, never a value', () => {
    const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,15}$/);
    fc.assert(
      fc.property(fc.constantFrom('Secret', 'ConfigMap'), name, name, fc.array(key, { maxLength: 4 }), (kind, ns, n, keys) => {
        const cmd = prerequisiteCommand({ kind, namespace: ns, name: n, keys });
        const literals = [...cmd.matchAll(/--from-literal=(\S+)/g)].map((m) => m[1]);
        expect(literals.length).toBe(Math.max(1, keys.length));
        for (const l of literals) expect(l).toMatch(/^[^=]+='<[^<>']+>'$/);
        expect(
          cmd.startsWith(kind === 'Secret' ? `kubectl create secret generic ${n} -n ${ns}` : `kubectl create configmap ${n} -n ${ns}`),
        ).toBe(true);
      }),
    );
  });
});

describe('the App-level check', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelplane-refs-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the fixture with a dangling Secret fails synth naming referrer, field, missing object and fix; nothing is written', () => {
    const out = path.join(dir, 'dist');
    const r = cli(['synth', '--platform', path.join(FIXTURE, 'platform.yaml'), '-f', path.join(FIXTURE, 'team.yaml'), '-o', out]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain(
      'TriggerAuthentication risk/worker-predictor-rabbitmq: `spec.secretTargetRef[0].name` refers to Secret risk/rabbitmq-prod, which nothing creates',
    );
    expect(r.err).toContain(
      'Fix: create it in the output, enable the operator that creates it, or declare it under `prerequisites` in the platform file: prerequisites: [{ kind: Secret, namespace: risk, name: rabbitmq-prod }]',
    );
    expect(r.err).toContain('1 problem found; nothing was written.');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('declared as a prerequisite, the same team synthesizes, and `prerequisites` prints the command with placeholders', () => {
    const platform = path.join(FIXTURE, 'platform-declared.yaml');
    expect(cli(['validate', '--platform', platform, '-f', path.join(FIXTURE, 'team.yaml')])).toEqual({ code: 0, out: '', err: '' });
    const r = cli(['prerequisites', '--platform', platform, '-f', path.join(FIXTURE, 'team.yaml')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      "   Secret risk/rabbitmq-prod — the queue's AMQP URL\n     kubectl create secret generic rabbitmq-prod -n risk --from-literal=host='<HOST>'\n",
    );
    // With the embedded store the team's object-store Secret is the bootstrap Job's, not the operator's.
    expect(r.out).toContain('   Secret risk/modelplane-s3 — by the modelplane-secret-bootstrap Job (namespace modelplane-system)');
    expect(r.out).not.toContain('kubectl create secret generic modelplane-s3');
    expect(r.out).toContain('   ServiceAccount airflow/airflow-worker — by the Helm release airflow (chart airflow 1.22.0)');
  });

  test('in TypeScript, app.synth() throws before writing any file', () => {
    const app = new App({ outdir: path.join(dir, 'dist') });
    const platform = new Platform(app, 'platform', { teams: [{ name: 'risk' }] });
    new OnlineModel(platform.models('risk'), 'worker', {
      model: 'models:/translate@champion',
      role: 'queue-worker',
      autoscaling: { minReplicas: 0, maxReplicas: 4, rabbitmq: { queueName: 'jobs', hostSecret: { name: 'mq', key: 'host' } } },
    });
    expect(() => app.synth()).toThrow(
      /TriggerAuthentication risk\/worker-predictor-rabbitmq: `spec.secretTargetRef\[0\].name` refers to Secret risk\/mq/,
    );
    const written = fs.existsSync(path.join(dir, 'dist')) ? fs.readdirSync(path.join(dir, 'dist')) : [];
    expect(written).toEqual([]);
  });

  test('a team file needing an operator the platform does not enable is refused naming the setting', () => {
    const team = path.join(dir, 't.yaml');
    fs.writeFileSync(
      team,
      'team: risk\nmodels:\n  - { name: fraud, type: online, server: deployment, model: "models:/fraud@champion", canary: { model: "models:/fraud@challenger", traffic: 10 } }\n',
    );
    const r = cli(['validate', '--platform', path.join(FIXTURE, 'platform-declared.yaml'), '-f', team]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('operators.envoyGateway.enabled');
  });
});
