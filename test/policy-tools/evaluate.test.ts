/**
 * The policy tier's judge and custom-resource pod extraction, on report fragments shaped like
 * kube-score 1.20 (`-o json`, v2) and Checkov 3.3 (`-o json`) output. The tools themselves run in
 * scripts/policy/run.sh (npm run test:policy); these tests pin how their reports are read and decided.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { extractPods, isCustomApiVersion, sparkMemoryToMi } from './crpods';
import {
  AllowEntry,
  checkovResults,
  CheckResult,
  evaluate,
  formatSummary,
  globMatch,
  kubeScoreResults,
  objectsOfText,
  parseAllowlist,
} from './evaluate';

const MANIFEST = `apiVersion: v1
kind: Namespace
metadata:
  name: demo
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web.v1
  namespace: demo
spec:
  template:
    spec:
      containers:
        - name: c
          image: nginx:1.27
---
apiVersion: v1
kind: Pod
metadata:
  name: sparkapplication-etl-0
  namespace: demo
  annotations:
    modelplane.dev/policy-source: SparkApplication/demo/etl
spec:
  containers:
    - name: spark-kubernetes-driver
      image: apache/spark:3.5.3
`;
const objects = objectsOfText('0000-x.k8s.yaml', MANIFEST);
const deployment = objects[1];

function ksEntry(kind: string, name: string, row: number, checks: [string, number, boolean?][]) {
  return {
    object_name: name,
    file_name: '/tmp/x/0000-x.k8s.yaml',
    file_row: row,
    type_meta: { kind },
    object_meta: { name, namespace: 'demo' },
    checks: checks.map(([id, grade, skipped]) => ({
      check: { id, name: id },
      grade,
      skipped: !!skipped,
      comments: grade < 10 ? [{ path: 'c', summary: 'bad' }] : null,
    })),
  };
}

function ckResult(id: string, resource: string, line: number) {
  return {
    check_id: id,
    check_name: id,
    resource,
    file_path: '/0000-x.k8s.yaml',
    file_abs_path: '/tmp/x/0000-x.k8s.yaml',
    file_line_range: [line, line + 5],
    check_result: { result: 'X', evaluated_keys: ['spec'] },
  };
}

const entry = (e: Partial<AllowEntry>): AllowEntry => ({
  tool: 'checkov',
  check: 'CKV_K8S_43',
  kind: '*',
  namespace: '*',
  name: '*',
  reason: 'a reason that is long enough',
  ...e,
});

describe('objectsOfText', () => {
  test('indexes each document with its 1-based line range, names with dots intact', () => {
    expect(objects.map((o) => [o.kind, o.namespace, o.name, o.lines])).toEqual([
      ['Namespace', '', 'demo', [1, 4]],
      ['Deployment', 'demo', 'web.v1', [6, 16]],
      ['Pod', 'demo', 'sparkapplication-etl-0', [18, 28]],
    ]);
    expect(objects[2].source).toBe('SparkApplication/demo/etl');
  });
});

describe('kubeScoreResults', () => {
  test('grade 10 passes, any lower grade fails, skipped is apart; the object is found by file and row', () => {
    const rs = kubeScoreResults(
      [
        ksEntry('Deployment', 'web.v1', 6, [
          ['a', 10],
          ['b', 1],
          ['c', 5],
          ['d', 7],
          ['e', 0, true],
        ]),
      ],
      objects,
    );
    expect(rs.map((r) => [r.check, r.outcome])).toEqual([
      ['a', 'passed'],
      ['b', 'failed'],
      ['c', 'failed'],
      ['d', 'failed'],
      ['e', 'skipped'],
    ]);
    expect(rs[1].object).toBe(deployment);
    expect(rs[1].detail).toBe('c: bad');
  });
  test('null (kube-score scored nothing) is no results; a non-list or an unknown object is an error', () => {
    expect(kubeScoreResults(null, objects)).toEqual([]);
    expect(() => kubeScoreResults({}, objects)).toThrow(/not a JSON list/);
    expect(() => kubeScoreResults([{ ...ksEntry('Deployment', 'other', 999, []), file_name: 'nope.yaml' }], objects)).toThrow(
      /Deployment\/demo\/other, which is not in the scanned directory/,
    );
  });
});

describe('checkovResults', () => {
  test('results on a derived pod template (a line inside the workload) belong to the workload', () => {
    const report = {
      check_type: 'kubernetes',
      summary: { parsing_errors: 0 },
      results: {
        passed_checks: [ckResult('CKV_K8S_8', 'Pod.demo.app-x', 11)],
        failed_checks: [ckResult('CKV_K8S_43', 'Deployment.demo.web.v1', 6)],
        skipped_checks: [],
      },
    };
    const { results, parsingErrors } = checkovResults(report, objects);
    expect(parsingErrors).toBe(0);
    expect(results.map((r) => [r.check, r.outcome, r.object.name])).toEqual([
      ['CKV_K8S_8', 'passed', 'web.v1'],
      ['CKV_K8S_43', 'failed', 'web.v1'],
    ]);
  });
  test('parsing errors are counted; another framework or a line outside every object is an error', () => {
    expect(
      checkovResults(
        { check_type: 'kubernetes', summary: { parsing_errors: 2 }, results: { passed_checks: [], failed_checks: [] } },
        objects,
      ).parsingErrors,
    ).toBe(2);
    expect(() => checkovResults({ check_type: 'terraform', results: {} }, objects)).toThrow(/framework terraform/);
    expect(() => checkovResults({ check_type: 'kubernetes', results: { failed_checks: [ckResult('X', 'r', 500)] } }, objects)).toThrow(
      /matches no object/,
    );
  });
});

describe('parseAllowlist', () => {
  const one = (e: Record<string, unknown>) => YAML.stringify({ entries: [e] });
  const good = {
    tool: 'checkov',
    check: 'CKV_K8S_43',
    kind: '*',
    namespace: '*',
    name: '*',
    reason: 'tags are pinned, digests unreachable',
  };
  test('accepts a complete entry', () => expect(parseAllowlist(one(good))).toEqual([good]));
  test.each([
    [{ ...good, reason: 'because' }, /reason is too short/],
    [{ ...good, tool: 'polaris' }, /tool is "polaris"/],
    [{ ...good, check: '*' }, /waive named checks only/],
    [{ ...good, extra: 1 }, /unknown field "extra"/],
    [(({ namespace: _n, ...rest }) => rest)(good), /namespace is missing/],
  ])('rejects %j', (e, msg) => expect(() => parseAllowlist(one(e))).toThrow(msg));
  test('rejects duplicates and a file without entries', () => {
    expect(() => parseAllowlist(YAML.stringify({ entries: [good, good] }))).toThrow(/duplicates an earlier entry/);
    expect(() => parseAllowlist('- a\n')).toThrow(/"entries" list/);
  });
  test('the repository allowlist is valid', () => {
    const file = join(__dirname, '..', '..', 'policy', 'allowlist.yaml');
    expect(parseAllowlist(readFileSync(file, 'utf8'), file).length).toBeGreaterThan(0);
  });
});

describe('evaluate', () => {
  const fail = (check: string, object = deployment, tool: CheckResult['tool'] = 'checkov'): CheckResult => ({
    tool,
    check,
    title: check,
    object,
    outcome: 'failed',
    detail: '',
  });
  const pass = (check: string, tool: CheckResult['tool']): CheckResult => ({
    tool,
    check,
    title: check,
    object: deployment,
    outcome: 'passed',
    detail: '',
  });
  const base = [pass('a', 'kube-score'), pass('b', 'checkov')];

  test('a failed check the allowlist covers passes; counts per tool', () => {
    const v = evaluate(objects, [...base, fail('CKV_K8S_43')], [entry({})]);
    expect(v.ok).toBe(true);
    expect(v.stats.checkov).toEqual({ run: 2, passed: 1, failed: 1, allowlisted: 1, skipped: 0, objects: 1 });
    expect(v.stats['kube-score']).toEqual({ run: 1, passed: 1, failed: 0, allowlisted: 0, skipped: 0, objects: 1 });
    expect(v.unscored['kube-score']).toEqual({ Namespace: 1, Pod: 1 });
  });
  test('an uncovered failure fails, and is listed in the summary', () => {
    const v = evaluate(objects, [...base, fail('CKV_K8S_43'), fail('CKV_K8S_35')], [entry({})]);
    expect(v.ok).toBe(false);
    expect(v.violations.map((r) => r.check)).toEqual(['CKV_K8S_35']);
    expect(formatSummary(v, [entry({})])).toMatch(
      /FAILED checks not in the allowlist \(1\):\n {2}checkov CKV_K8S_35 on Deployment\/demo\/web\.v1/,
    );
  });
  test('an entry that matches nothing is stale and fails the tier', () => {
    const allow = [entry({}), entry({ check: 'CKV_K8S_38', name: 'bootstrap' })];
    const v = evaluate(objects, [...base, fail('CKV_K8S_43')], allow);
    expect(v.ok).toBe(false);
    expect(v.stale).toEqual([1]);
    expect(formatSummary(v, allow)).toContain('STALE allowlist entries');
  });
  test('entries match by tool, check, kind, namespace and name globs', () => {
    const r = fail('pod-networkpolicy', deployment, 'kube-score');
    expect(
      evaluate(objects, [...base, r], [entry({ tool: 'kube-score', check: 'pod-*', kind: 'Deployment', namespace: 'demo', name: 'web.*' })])
        .ok,
    ).toBe(true);
    expect(evaluate(objects, [...base, r], [entry({ tool: 'checkov', check: 'pod-networkpolicy' })]).ok).toBe(false);
    expect(evaluate(objects, [...base, r], [entry({ tool: 'kube-score', check: 'pod-networkpolicy', namespace: '' })]).ok).toBe(false);
    expect(evaluate(objects, [...base, r], [entry({ tool: 'kube-score', check: 'pod-networkpolicy', name: 'web' })]).ok).toBe(false);
  });
  test('a pod extracted from a custom resource is matched by the resource, not the pod', () => {
    const r = fail('CKV_K8S_43', objects[2]);
    expect(evaluate(objects, [...base, r], [entry({ kind: 'SparkApplication', name: 'etl' })]).ok).toBe(true);
    expect(evaluate(objects, [...base, r], [entry({ kind: 'Pod' })]).ok).toBe(false);
  });
  test('a tool that ran no checks is an error, not a pass', () => {
    const v = evaluate(objects, [pass('a', 'kube-score')], []);
    expect(v.ok).toBe(false);
    expect(v.toolErrors).toEqual(['checkov ran no checks over 3 objects']);
  });
  test('globMatch: only * is special', () => {
    expect(globMatch('a.b*', 'a.bc')).toBe(true);
    expect(globMatch('a.b', 'axb')).toBe(false);
    expect(globMatch('', '')).toBe(true);
    expect(globMatch('', 'x')).toBe(false);
  });
});

describe('crpods', () => {
  const md = { name: 'etl', namespace: 'demo' };
  test('custom apiVersions only', () => {
    expect(isCustomApiVersion('sparkoperator.k8s.io/v1beta2')).toBe(true);
    expect(isCustomApiVersion('argoproj.io/v1alpha1')).toBe(true);
    expect(isCustomApiVersion('apps/v1')).toBe(false);
    expect(isCustomApiVersion('networking.k8s.io/v1')).toBe(false);
    expect(isCustomApiVersion('v1')).toBe(false);
  });
  test('SparkApplication: driver and executor pods with the resources the operator sets', () => {
    const app = {
      apiVersion: 'sparkoperator.k8s.io/v1beta2',
      kind: 'SparkApplication',
      metadata: md,
      spec: {
        type: 'Python',
        image: 'apache/spark:3.5.3',
        imagePullPolicy: 'Always',
        volumes: [
          { name: 'tmp', emptyDir: {} },
          { name: 'unused', emptyDir: {} },
        ],
        driver: {
          cores: 1,
          coreLimit: '1200m',
          memory: '512m',
          memoryOverhead: '128m',
          serviceAccount: 'modelplane-spark',
          labels: { team: 'demo' },
          podSecurityContext: { runAsNonRoot: true },
          securityContext: { readOnlyRootFilesystem: true },
          volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
        },
        executor: { cores: 2, memory: '2g', image: 'apache/spark:3.5.4' },
      },
    };
    const pods = extractPods([app]);
    expect(pods.map((p) => [p.metadata.name, p.metadata.annotations['modelplane.dev/policy-path']])).toEqual([
      ['sparkapplication-etl-0', 'spec.driver'],
      ['sparkapplication-etl-1', 'spec.executor'],
    ]);
    const [driver, executor] = pods;
    expect(driver.metadata).toMatchObject({
      namespace: 'demo',
      labels: { team: 'demo', 'spark-role': 'driver' },
      annotations: { 'modelplane.dev/policy-source': 'SparkApplication/demo/etl' },
    });
    expect(driver.spec).toMatchObject({
      serviceAccountName: 'modelplane-spark',
      securityContext: { runAsNonRoot: true },
      volumes: [{ name: 'tmp', emptyDir: {} }],
    });
    expect(driver.spec.containers[0]).toMatchObject({
      name: 'spark-kubernetes-driver',
      image: 'apache/spark:3.5.3',
      imagePullPolicy: 'Always',
      securityContext: { readOnlyRootFilesystem: true },
      resources: { requests: { cpu: '1', memory: '640Mi' }, limits: { cpu: '1200m', memory: '640Mi' } },
    });
    expect(executor.spec.containers[0]).toMatchObject({
      image: 'apache/spark:3.5.4',
      resources: { requests: { cpu: '2', memory: '2048Mi' }, limits: { memory: '2048Mi' } },
    });
    expect(executor.spec.containers[0].resources.limits.cpu).toBeUndefined();
  });
  test('Argo: one pod per container/script template, with the workflow-level context; steps/dag templates give none', () => {
    const wt = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'WorkflowTemplate',
      metadata: md,
      spec: {
        securityContext: { runAsNonRoot: true },
        automountServiceAccountToken: false,
        volumes: [{ name: 'tmp', emptyDir: {} }],
        templates: [
          { name: 'main', dag: { tasks: [] } },
          { name: 'run', container: { image: 'busybox:1.36', volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] } },
          { name: 'py', securityContext: { runAsUser: 1 }, script: { image: 'python:3.12', source: 'print(1)' } },
        ],
      },
    };
    const pods = extractPods([wt]);
    expect(pods.map((p) => p.metadata.annotations['modelplane.dev/policy-path'])).toEqual(['spec.templates[1]', 'spec.templates[2]']);
    expect(pods[0].spec).toEqual({
      restartPolicy: 'Never',
      containers: [{ name: 'main', image: 'busybox:1.36', volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] }],
      securityContext: { runAsNonRoot: true },
      automountServiceAccountToken: false,
      volumes: [{ name: 'tmp', emptyDir: {} }],
    });
    expect(pods[1].spec.securityContext).toEqual({ runAsUser: 1 });
    expect(pods[1].spec.containers[0].source).toBeUndefined();
  });
  test('nested pod specs (Seldon componentSpecs) and KServe model components; built-in kinds are left to the tools', () => {
    const seldon = {
      apiVersion: 'machinelearning.seldon.io/v1',
      kind: 'SeldonDeployment',
      metadata: md,
      spec: {
        predictors: [
          {
            name: 'p',
            replicas: 2,
            componentSpecs: [{ metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'm', image: 'x:1' }], hpaSpec: {} } }],
          },
        ],
      },
    };
    const isvc = {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: md,
      spec: {
        predictor: {
          minReplicas: 1,
          serviceAccountName: 'sa',
          model: { modelFormat: { name: 'sklearn' }, storageUri: 's3://b/m', resources: { limits: { cpu: '1' } } },
        },
      },
    };
    const deploy = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: md,
      spec: { template: { spec: { containers: [{ name: 'c', image: 'x:1' }] } } },
    };
    const pods = extractPods([seldon, isvc, deploy]);
    expect(pods.map((p) => p.metadata.annotations['modelplane.dev/policy-source'])).toEqual([
      'SeldonDeployment/demo/etl',
      'InferenceService/demo/etl',
    ]);
    expect(pods[0].metadata.labels).toEqual({ a: 'b' });
    expect(pods[0].spec).toEqual({ containers: [{ name: 'm', image: 'x:1' }] });
    expect(pods[1].spec).toEqual({
      serviceAccountName: 'sa',
      containers: [{ name: 'kserve-container', resources: { limits: { cpu: '1' } } }],
    });
  });
  test('Spark pod templates: the SparkPodSpec fields are laid over the named template container', () => {
    const app = {
      apiVersion: 'sparkoperator.k8s.io/v1beta2',
      kind: 'SparkApplication',
      metadata: md,
      spec: {
        image: 'spark:3.5.5',
        sparkConf: { 'spark.kubernetes.driver.podTemplateContainerName': 'drv' },
        driver: {
          cores: 1,
          memory: '1g',
          serviceAccount: 'sa',
          template: {
            spec: {
              automountServiceAccountToken: true,
              securityContext: { runAsUser: 185 },
              volumes: [{ name: 'tmp', emptyDir: {} }],
              containers: [
                { name: 'side', image: 'x:1' },
                { name: 'drv', securityContext: { readOnlyRootFilesystem: true }, resources: { limits: { 'ephemeral-storage': '1Gi' } } },
              ],
            },
          },
        },
        executor: { cores: 1, memory: '1g' },
      },
    };
    const [driver] = extractPods([app]);
    expect(driver.spec).toMatchObject({
      automountServiceAccountToken: true,
      securityContext: { runAsUser: 185 },
      serviceAccountName: 'sa',
      volumes: [{ name: 'tmp', emptyDir: {} }],
    });
    expect(driver.spec.containers.map((c: { name: string }) => c.name)).toEqual(['drv', 'side']);
    expect(driver.spec.containers[0]).toMatchObject({
      image: 'spark:3.5.5',
      securityContext: { readOnlyRootFilesystem: true },
      resources: { requests: { cpu: '1', memory: '1024Mi' }, limits: { 'ephemeral-storage': '1Gi', memory: '1024Mi' } },
    });
  });
  test("Argo resource templates: the created object's pods are extracted and attributed to the workflow", () => {
    const spark = {
      apiVersion: 'sparkoperator.k8s.io/v1beta2',
      kind: 'SparkApplication',
      metadata: { name: 'x-{{workflow.name}}', labels: { model: 'churn' } },
      spec: { image: 'spark:3.5.5', driver: { cores: 1, memory: '1g' }, executor: { cores: 1, memory: '1g' } },
    };
    const wt = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'WorkflowTemplate',
      metadata: md,
      spec: {
        templates: [
          { name: 'submit', resource: { action: 'create', manifest: JSON.stringify(spark) } },
          {
            name: 'wait',
            resource: {
              action: 'get',
              manifest: '{"apiVersion":"sparkoperator.k8s.io/v1beta2","kind":"SparkApplication","metadata":{"name":"x"}}',
            },
          },
          { name: 'bad', resource: { action: 'create', manifest: ': not yaml : [' } },
        ],
      },
    };
    const pods = extractPods([wt]);
    expect(
      pods.map((p) => [
        p.metadata.annotations['modelplane.dev/policy-source'],
        p.metadata.annotations['modelplane.dev/policy-path'],
        p.metadata.labels['spark-role'],
        p.metadata.labels.model,
      ]),
    ).toEqual([
      ['WorkflowTemplate/demo/etl', 'spec.templates[0].resource.manifest(SparkApplication).spec.driver', 'driver', 'churn'],
      ['WorkflowTemplate/demo/etl', 'spec.templates[0].resource.manifest(SparkApplication).spec.executor', 'executor', 'churn'],
    ]);
  });
  test('a KServe model without an image is marked, and the judge skips image checks on it', () => {
    const isvc = {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: md,
      spec: { predictor: { model: { modelFormat: { name: 'mlflow' } } } },
    };
    const [pod] = extractPods([isvc]);
    expect(pod.metadata.annotations['modelplane.dev/policy-image-from-runtime']).toBe('true');
    const objs = objectsOfText('pods.yaml', YAML.stringify(pod));
    expect(objs[0].imageFromRuntime).toBe(true);
    const r = (check: string): CheckResult => ({ tool: 'kube-score', check, title: check, object: objs[0], outcome: 'failed', detail: '' });
    const v = evaluate(
      objs,
      [
        r('container-image-tag'),
        r('pod-probes'),
        { ...r('CKV_K8S_43'), tool: 'checkov' },
        { ...r('CKV_K8S_8'), tool: 'checkov', outcome: 'passed' },
      ],
      [],
    );
    expect(v.stats['kube-score']).toMatchObject({ run: 1, failed: 1, skipped: 1 });
    expect(v.stats.checkov).toMatchObject({ run: 1, failed: 0, skipped: 1 });
    expect(v.violations.map((x) => x.check)).toEqual(['pod-probes']);
  });
  test('Spark memory in Kubernetes Mi', () => {
    expect([sparkMemoryToMi('512m'), sparkMemoryToMi('2g'), sparkMemoryToMi('1536k'), sparkMemoryToMi('x')]).toEqual([
      512,
      2048,
      2,
      undefined,
    ]);
  });
});
