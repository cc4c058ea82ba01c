/**
 * Argo Workflows (built from the Go module proxy, v4.0.5) on what modelplane synthesizes.
 *
 * 1. `argo lint --offline` on every WorkflowTemplate and CronWorkflow we write: the default output (stacks/main.ts, what
 *    `npm run synth` runs into dist/) and every example examples/synth-all.sh synthesizes with the CLI, each output's
 *    files in one invocation (a CronWorkflow's `workflowTemplateRef` is resolved from the same files, as in a cluster).
 * 2. The real workflow-controller, as a process against the local kube-apiserver, cluster-wide as our Argo add-on
 *    installs it (`singleNamespace: false`), with its ConfigMap written here from the add-on's resolved Helm values
 *    (src/constructs/platform/operators/argo-workflows): the team's synthesized namespace, quota, limits,
 *    ServiceAccounts, RBAC, WorkflowTemplate and CronWorkflow applied as written; a Workflow run like the CronWorkflow
 *    runs it (its `workflowSpec`: the cascade's `workflowTemplateRef`) makes the controller create the first stage's
 *    Pods (argoexec `resource` Pods that would create the SparkApplications), admitted by Pod Security "restricted"
 *    (the namespace label from our output enforces it), the ServiceAccount, LimitRanger and ResourceQuota admission.
 *    There is no kubelet: the Pods stay Pending, which is enough. The same for the team-workspaces example's model
 *    CronWorkflow (geo-analytics, inline templates). The controller accepts both CronWorkflows (no SpecError).
 *
 * The controller cannot be told to bind loopback: its health server listens on :6060 (all interfaces) and its metrics
 * server on :9090. The metrics server is off in the ConfigMap (a test-environment setting, said so below) and port 6060
 * is held on 127.0.0.1 by this test, so the controller's listen fails (it logs it and carries on); the test then
 * checks that the controller listens on no non-loopback address.
 *
 * Needs scripts/operators/run-tier.sh (MODELPLANE_ARGO_BIN, MODELPLANE_OPERATORS_WORK, a local control plane with
 * the Argo CRDs and the resourcequota controller).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments, stringify } from 'yaml';
import { buildPlatform, buildPlatformFromFile, defaultConfig } from '../../stacks/build';
import type { HelmChartRef } from '../../src/constructs/platform/operators/helm-addon';
import { kubectl, kubectlOk, repoRoot, requireCluster } from '../cluster/kube';
import { startServer, stopServer } from '../serving/k8s-env';
import { eventually as poll, getJson, need, tail } from './support';
const work = path.join(need('MODELPLANE_OPERATORS_WORK'), 'argo');
const argoBin = need('MODELPLANE_ARGO_BIN');
const controllerLog = path.join(work, 'workflow-controller.log');
/** The controller's namespace: the add-on's release namespace. */
const CONTROLLER_NS = 'argo';
const CONFIGMAP = 'workflow-controller-configmap';
/** The port of the controller's health server (fixed upstream: `http.ListenAndServe(":6060", nil)`). */
const HEALTH_PORT = 6060;

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [k: string]: any;
};

/** One synthesized output: its name, directory and objects. */
interface Output {
  readonly name: string;
  readonly dir: string;
  readonly objects: Obj[];
}

function readOutput(name: string, dir: string): Output {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const objects = files.flatMap((f) =>
    parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'))
      .map((d) => d.toJSON() as Obj)
      .filter((o) => o),
  );
  return { name, dir, objects };
}

/** The default output: the cdk8s app (stacks/main.ts) on the embedded defaults, as `npm run synth` runs it. */
function synthDefault(): Output {
  const dir = path.join(work, 'default');
  const r = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'stacks/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, CDK8S_OUTDIR: dir },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`stacks/main.ts failed: ${r.stderr}`);
  return readOutput('default (stacks/main.ts)', dir);
}

/** Every `mp synth …` of examples/synth-all.sh, run with the CLI into the work directory (the model repository is its own package: its cascade is on Airflow, no Argo objects). */
function synthExamples(): Output[] {
  const script = fs.readFileSync(path.join(repoRoot, 'examples/synth-all.sh'), 'utf8').replace(/\\\n\s*/g, ' ');
  const commands = script
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('mp synth '))
    .map((l) => l.slice('mp synth '.length).split(/\s+/));
  if (commands.length < 4) throw new Error(`examples/synth-all.sh: expected at least 4 'mp synth' lines, found ${commands.length}`);
  return commands.map((args) => {
    const o = args.indexOf('-o');
    if (o < 0) throw new Error(`examples/synth-all.sh: no -o in 'mp synth ${args.join(' ')}'`);
    const name = path.basename(path.dirname(args[o + 1]));
    const dir = path.join(work, 'examples', name);
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const argv = [...args.slice(0, o), '-o', dir, ...args.slice(o + 2)];
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/modelplane.js'), 'synth', ...argv], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`modelplane synth ${argv.join(' ')} failed: ${r.stderr}`);
    return readOutput(`examples/${name}`, dir);
  });
}

const isArgo = (o: Obj) => o.apiVersion.startsWith('argoproj.io/');

/** `argo lint --offline -o simple` on files, with no kubeconfig to read (HOME is the work directory). */
function argoLint(files: string[]): { status: number | null; out: string } {
  const r = spawnSync(path.join(argoBin, 'argo'), ['lint', '--offline', '-o', 'simple', ...files], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work },
    encoding: 'utf8',
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

/** Polls `probe` until it returns a value, or fails with `what`, the last value seen and the controller's log tail. */
function eventually<T>(what: string, seconds: number, probe: () => T | undefined, last: () => string): Promise<T> {
  return poll(what, seconds, probe, last, { name: "Argo's workflow-controller", file: controllerLog });
}

/** The argo-workflows chart of a built platform, as the Pulumi program installs it. */
function argoChart(charts: readonly HelmChartRef[], where: string): HelmChartRef {
  const c = charts.find((x) => x.chart === 'argo-workflows');
  if (!c) throw new Error(`${where}: Argo Workflows is not among the platform's operators`);
  return c;
}

/**
 * What the chart makes of our values for the controller: its configuration (the ConfigMap's `config`), the executor
 * image it passes with --executor-image, and whether it runs namespaced. Only what the chart maps from values that can
 * change the Pods we test; a key we do not map fails here rather than being ignored.
 */
function controllerSetup(values: Record<string, any>): { config: Record<string, unknown>; executorImage: string; namespaced: boolean } {
  const unmapped = (what: string, obj: Record<string, unknown> | undefined, known: string[]) => {
    const keys = Object.keys(obj ?? {}).filter((k) => !known.includes(k));
    if (keys.length > 0) throw new Error(`the Argo add-on sets ${what} values this test does not map: ${keys.join(', ')}`);
  };
  unmapped('top-level', values, ['images', 'crds', 'workflow', 'server', 'controller', 'executor', 'singleNamespace']);
  // controller.workflowNamespaces only scopes the chart's RBAC (the controller runs with the test's admin kubeconfig).
  unmapped('controller', values.controller, ['workflowNamespaces']);
  unmapped('executor', values.executor, ['resources', 'env', 'securityContext', 'image']);
  const config: Record<string, unknown> = {};
  const executor = values.executor ?? {};
  const exec: Record<string, unknown> = {};
  for (const k of ['resources', 'env', 'securityContext']) if (executor[k] !== undefined) exec[k] = executor[k];
  if (Object.keys(exec).length > 0) config.executor = exec;
  // Test environment only: the metrics server listens on every interface (no address setting), and the tier is loopback-only.
  config.metricsConfig = { enabled: false };
  // The chart's executor image: quay.io/argoproj/argoexec at the images' tag unless the executor's own is set.
  const image = executor.image ?? {};
  const tag = image.tag || values.images?.tag;
  if (!tag) throw new Error('the Argo add-on pins no image tag');
  return {
    config,
    executorImage: `${image.registry ?? 'quay.io'}/${image.repository ?? 'argoproj/argoexec'}:${tag}`,
    namespaced: values.singleNamespace === true,
  };
}

/** The kinds of a team's output the controller test applies: the team space and the Argo runner, not other operators' objects. */
const APPLY_KINDS = new Set(['ResourceQuota', 'LimitRange', 'NetworkPolicy', 'ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap']);

function teamObjects(out: Output, ns: string): Obj[] {
  const picked = out.objects.filter(
    (o) => (o.kind === 'Namespace' && o.metadata.name === ns) || (o.metadata.namespace === ns && (APPLY_KINDS.has(o.kind) || isArgo(o))),
  );
  // The namespace first, then its quota and limits, RBAC, then the Argo objects (the WorkflowTemplate before the CronWorkflow).
  const rank = (o: Obj) => (o.kind === 'Namespace' ? 0 : !isArgo(o) ? 1 : o.kind === 'WorkflowTemplate' ? 2 : 3);
  return [...picked].sort((a, b) => rank(a) - rank(b));
}

/** A template by name. */
function templateOf(templates: any[], name: string, where: string): any {
  const t = templates.find((x) => x.name === name);
  if (!t) throw new Error(`${where}: no template ${name}`);
  return t;
}

/**
 * The first stage's leaf steps of a workflow spec: from the entrypoint, the DAG tasks with no `depends` (recursively
 * into DAG templates) down to the first non-DAG templates, as node paths (`base.download.churn.submit`).
 */
function firstSteps(templates: any[], entrypoint: string, where: string): { path: string; template: any }[] {
  const walk = (name: string, prefix: string[]): { path: string; template: any }[] => {
    const t = templateOf(templates, name, where);
    if (!t.dag) return [{ path: prefix.join('.'), template: t }];
    return (t.dag.tasks as any[])
      .filter((task) => !task.depends && !task.dependencies)
      .flatMap((task) => walk(task.template, [...prefix, task.name]));
  };
  return walk(entrypoint, []);
}

function eventsIn(ns: string): string {
  const r = kubectl([
    '-n',
    ns,
    'get',
    'events',
    '--field-selector',
    'type=Warning',
    '-o',
    'custom-columns=OBJECT:.involvedObject.name,REASON:.reason,MESSAGE:.message',
    '--no-headers',
  ]);
  return r.stdout.trim() || '(no warning events)';
}

/** Workflow status, nodes with a message, and the namespace's warning events: what a failure should show. */
function workflowState(ns: string, name: string): string {
  const r = kubectl(['-n', ns, 'get', 'workflow', name, '-o', 'json']);
  if (r.status !== 0) return `Workflow ${ns}/${name}: ${r.stderr.trim()}`;
  const wf = JSON.parse(r.stdout);
  const nodes = Object.values(wf.status?.nodes ?? {}) as any[];
  const nodeLines = nodes.map((n) => `  ${n.displayName ?? n.name} (${n.type}) ${n.phase}${n.message ? `: ${n.message}` : ''}`);
  return [
    `Workflow ${ns}/${name}: phase ${wf.status?.phase ?? '(none)'}${wf.status?.message ? `, message: ${wf.status.message}` : ''}`,
    ...nodeLines,
    `warning events in ${ns}:\n${eventsIn(ns)}`,
  ].join('\n');
}

describe('Argo Workflows: argo lint --offline on every WorkflowTemplate and CronWorkflow we write', () => {
  fs.mkdirSync(work, { recursive: true });
  const outputs = [synthDefault(), ...synthExamples()];
  const withArgo = outputs.filter((o) => o.objects.some(isArgo));

  test('the default output and the team-workspaces example carry Argo objects (a cascade WorkflowTemplate, CronWorkflows)', () => {
    const kinds = (o: Output) => o.objects.filter(isArgo).map((x) => `${x.kind}/${x.metadata.namespace}/${x.metadata.name}`);
    expect(kinds(outputs[0])).toEqual(expect.arrayContaining(['WorkflowTemplate/demo/nightly', 'CronWorkflow/demo/nightly']));
    expect(withArgo.map((o) => o.name)).toEqual(expect.arrayContaining(['default (stacks/main.ts)', 'examples/team-workspaces']));
  });

  test.each(withArgo.map((o) => [o.name, o] as const))('%s: argo lint --offline finds no errors', (_name, out) => {
    const files = fs
      .readdirSync(out.dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => path.join(out.dir, f));
    const objects = out.objects.filter(isArgo).map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);
    const r = argoLint(files);
    if (r.status !== 0 || !/^no linting errors found!$/m.test(r.out)) {
      throw new Error(`argo lint --offline of ${out.name} (${objects.join(', ')}) exited ${r.status}; argo says:\n${r.out}`);
    }
  });

  test('the check can fail: a WorkflowTemplate whose entrypoint names no template is refused, naming the object', () => {
    const out = outputs[0];
    const wt = out.objects.find((o) => o.kind === 'WorkflowTemplate')!;
    const cron = out.objects.find((o) => o.kind === 'CronWorkflow' && o.spec.workflowSpec?.workflowTemplateRef?.name === wt.metadata.name)!;
    const broken = { ...wt, spec: { ...wt.spec, entrypoint: 'no-such-template' } };
    const file = path.join(work, 'broken.yaml');
    fs.writeFileSync(file, [broken, cron].map((o) => stringify(o)).join('---\n'));
    const r = argoLint([file]);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain(`in "${wt.metadata.name}" (WorkflowTemplate): template name 'no-such-template' undefined`);
  });
});

describe("Argo Workflows: the real workflow-controller runs our cascade's and our model's workflows", () => {
  let controller: ReturnType<typeof startServer> | undefined;
  let healthSquat: net.Server | undefined;
  const namespaces: string[] = [];
  const defaultOut = readOutput('default (stacks/main.ts)', path.join(work, 'default'));
  const workspacesOut = readOutput('examples/team-workspaces', path.join(work, 'examples', 'team-workspaces'));
  const defaultChart = argoChart(
    buildPlatform(new App({ outdir: path.join(work, 'unused') }), defaultConfig()).platform.operators,
    'the embedded defaults',
  );
  const setup = controllerSetup(defaultChart.values as Record<string, any>);

  const submitLike = (out: Output, ns: string, cronName: string): string => {
    const cron = out.objects.find((o) => o.kind === 'CronWorkflow' && o.metadata.namespace === ns && o.metadata.name === cronName);
    if (!cron) throw new Error(`${out.name} has no CronWorkflow ${ns}/${cronName}`);
    // What the CronWorkflow's schedule creates: a Workflow with its workflowSpec.
    const wf = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: { generateName: `${cronName}-`, namespace: ns },
      spec: cron.spec.workflowSpec,
    };
    return kubectlOk(['create', '-o', 'jsonpath={.metadata.name}', '-f', '-'], JSON.stringify(wf)).stdout.trim();
  };

  beforeAll(async () => {
    requireCluster();
    // The team-workspaces platform installs Argo with the same controller settings (only the watched namespaces differ).
    const twChart = argoChart(
      buildPlatformFromFile(new App({ outdir: path.join(work, 'unused') }), path.join(repoRoot, 'examples/team-workspaces/platform.yaml'))
        .platform.operators,
      'examples/team-workspaces/platform.yaml',
    );
    expect(controllerSetup(twChart.values as Record<string, any>)).toEqual(setup);

    healthSquat = await new Promise<net.Server | undefined>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(undefined)); // in use already: the controller's listen fails all the same
      s.listen(HEALTH_PORT, '127.0.0.1', () => resolve(s));
    });

    kubectlOk(['create', 'namespace', CONTROLLER_NS]);
    namespaces.push(CONTROLLER_NS);
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: CONFIGMAP, namespace: CONTROLLER_NS },
      data: { config: stringify(setup.config) },
    };
    kubectlOk(['apply', '--server-side', '--field-manager=modelplane-test', '-f', '-'], JSON.stringify(configMap));
    for (const [out, ns] of [
      [defaultOut, 'demo'],
      [workspacesOut, 'geo-analytics'],
    ] as const) {
      const objects = teamObjects(out, ns);
      if (!objects.some((o) => o.kind === 'Namespace')) throw new Error(`${out.name}: no Namespace ${ns}`);
      kubectlOk(['apply', '--server-side', '--field-manager=modelplane-test', '-f', '-'], objects.map((o) => JSON.stringify(o)).join('\n'));
      namespaces.push(ns);
    }

    controller = startServer(
      [
        path.join(argoBin, 'workflow-controller'),
        `--kubeconfig=${need('KUBECONFIG')}`,
        `--namespace=${CONTROLLER_NS}`,
        `--configmap=${CONFIGMAP}`,
        `--executor-image=${setup.executorImage}`,
        ...(setup.namespaced ? ['--namespaced'] : []),
        '--loglevel=info',
      ],
      { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, LEADER_ELECTION_DISABLE: 'true' },
      controllerLog,
      path.join(need('MODELPLANE_OPERATORS_WORK'), 'pids'),
    );
  });

  afterAll(async () => {
    await stopServer(controller);
    await new Promise<void>((r) => (healthSquat ? healthSquat.close(() => r()) : r()));
    if (namespaces.length === 0) return;
    kubectl(['delete', 'namespace', ...namespaces, '--wait=false']);
    // Wait until they are gone: the next test file may create the same namespaces (spark.test.ts: demo), and a
    // namespace still terminating refuses new content.
    const left = () => namespaces.filter((ns) => !kubectl(['get', 'namespace', ns, '-o', 'name']).stderr.includes('NotFound'));
    await eventually(
      `namespaces ${namespaces.join(', ')} deleted`,
      180,
      () => (left().length === 0 ? true : undefined),
      () =>
        left()
          .map((ns) => `${ns}: ${kubectl(['get', 'namespace', ns, '-o', 'jsonpath={.status}']).stdout}`)
          .join('; '),
    );
  });

  const alive = () => {
    if (controller?.exitCode !== null && controller?.exitCode !== undefined) {
      throw new Error(`Argo's workflow-controller exited with code ${controller.exitCode}; its log (tail):\n${tail(controllerLog)}`);
    }
  };

  test.each([
    ['the cascade nightly (WorkflowTemplate via workflowTemplateRef)', 'default', 'demo', 'nightly'],
    ["the model footfall's score run (inline templates)", 'team-workspaces', 'geo-analytics', 'footfall-score'],
  ])('%s: the controller creates the first stage Pods, admitted by Pod Security "restricted"', async (_what, which, ns, cronName) => {
    const out = which === 'default' ? defaultOut : workspacesOut;
    const nsObj = getJson(['get', 'namespace', ns]);
    expect(nsObj.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const cron = out.objects.find((o) => o.kind === 'CronWorkflow' && o.metadata.name === cronName)!;
    const ref = cron.spec.workflowSpec.workflowTemplateRef?.name as string | undefined;
    const spec = ref ? out.objects.find((o) => o.kind === 'WorkflowTemplate' && o.metadata.name === ref)!.spec : cron.spec.workflowSpec;
    const steps = firstSteps(spec.templates, spec.entrypoint, `${out.name} ${cronName}`);
    expect(steps.length).toBeGreaterThan(0);
    for (const s of steps) expect(s.template.resource?.action).toBe('create'); // each submits a SparkApplication

    alive();
    const wf = submitLike(out, ns, cronName);
    const podsOf = () => getJson(['-n', ns, 'get', 'pods', '-l', `workflows.argoproj.io/workflow=${wf}`]).items as any[];
    const expected = steps.map((s) => `${wf}.${s.path}`).sort();
    const pods = await eventually(
      `Argo's workflow-controller creating the Pods of ${expected.join(', ')} in ${ns}`,
      120,
      () => {
        alive();
        const p = podsOf();
        const names = p.map((x) => x.metadata.annotations?.['workflows.argoproj.io/node-name']).sort();
        return expected.every((e) => names.includes(e)) ? p : undefined;
      },
      () => workflowState(ns, wf),
    );
    for (const pod of pods) {
      const where = `Pod ${ns}/${pod.metadata.name} (${pod.metadata.annotations['workflows.argoproj.io/node-name']})`;
      expect({ where, sa: pod.spec.serviceAccountName }).toEqual({ where, sa: spec.serviceAccountName });
      expect({ where, images: pod.spec.containers.map((c: any) => c.image) }).toEqual({ where, images: [setup.executorImage] });
      expect({ where, phase: pod.status.phase }).toEqual({ where, phase: 'Pending' });
    }
    // The Workflow runs (no node failed or errored: a Pod the API server refused would be an Error node with its message).
    const status = getJson(['-n', ns, 'get', 'workflow', wf]).status;
    const bad = (Object.values(status.nodes ?? {}) as any[]).filter((n) => n.phase === 'Failed' || n.phase === 'Error');
    if (status.phase !== 'Running' || bad.length > 0) throw new Error(workflowState(ns, wf));
  });

  test('the check can fail: a Pod that Pod Security "restricted" refuses is an Error node with the API server\'s message', async () => {
    // The model's own workflow with one change: a pod security context that lets the pod run as root.
    const cron = workspacesOut.objects.find((o) => o.kind === 'CronWorkflow' && o.metadata.name === 'footfall-score')!;
    const spec = { ...cron.spec.workflowSpec, securityContext: { runAsNonRoot: false } };
    const wf = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: { generateName: 'refused-', namespace: 'geo-analytics' },
      spec,
    };
    const name = kubectlOk(['create', '-o', 'jsonpath={.metadata.name}', '-f', '-'], JSON.stringify(wf)).stdout.trim();
    const message = await eventually(
      `Workflow geo-analytics/${name} with a refused Pod failing`,
      60,
      () => {
        const nodes = Object.values(getJson(['-n', 'geo-analytics', 'get', 'workflow', name]).status?.nodes ?? {}) as any[];
        return nodes.find((n) => n.type === 'Pod' && n.phase === 'Error' && n.message)?.message as string | undefined;
      },
      () => workflowState('geo-analytics', name),
    );
    expect(message).toContain('violates PodSecurity "restricted');
    expect(
      kubectl(['-n', 'geo-analytics', 'get', 'pods', '-l', `workflows.argoproj.io/workflow=${name}`, '-o', 'name']).stdout.trim(),
    ).toBe('');
  });

  test("the workflow pods' ServiceAccount may do what argoexec does for a resource step (our Role)", () => {
    const asked = ['demo', 'geo-analytics'].flatMap((ns) =>
      [
        ['create', 'sparkoperator.k8s.io', 'sparkapplications'],
        ['get', 'sparkoperator.k8s.io', 'sparkapplications'],
        ['create', 'argoproj.io', 'workflowtaskresults'],
        ['patch', 'argoproj.io', 'workflowtaskresults'],
      ].map(([verb, group, resource]) => ({ user: `system:serviceaccount:${ns}:modelplane-argo`, ns, verb, group, resource })),
    );
    // SubjectAccessReviews (the API server's RBAC authorizer), independent of which CRDs discovery serves.
    const reviews = asked.map((a) => ({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: a.user,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${a.ns}`, 'system:authenticated'],
        resourceAttributes: { namespace: a.ns, verb: a.verb, group: a.group, resource: a.resource },
      },
    }));
    // One answer a line ("true" when allowed), in the order sent.
    const out = kubectlOk(
      ['create', '-o', 'jsonpath={.status.allowed}{"\\n"}', '-f', '-'],
      reviews.map((r) => JSON.stringify(r)).join('\n'),
    );
    const allowed = out.stdout
      .split('\n')
      .slice(0, asked.length)
      .map((l) => l.trim() === 'true');
    expect(asked.map((a, i) => ({ ...a, allowed: allowed[i] }))).toEqual(asked.map((a) => ({ ...a, allowed: true })));
  });

  test('the controller accepts both CronWorkflows (scheduled, no SpecError)', async () => {
    for (const [ns, name] of [
      ['demo', 'nightly'],
      ['geo-analytics', 'footfall-score'],
    ]) {
      await eventually(
        `Argo's workflow-controller scheduling CronWorkflow ${ns}/${name}`,
        60,
        () => {
          alive();
          return fs
            .readFileSync(controllerLog, 'utf8')
            .split('\n')
            .some((l) => l.includes('msg="CronWorkflow added"') && l.includes(`cronWorkflow=${ns}/${name}`))
            ? true
            : undefined;
        },
        () => JSON.stringify(getJson(['-n', ns, 'get', 'cronworkflow', name]).status ?? {}),
      );
      const conditions = (getJson(['-n', ns, 'get', 'cronworkflow', name]).status?.conditions ?? []) as any[];
      expect({ cron: `${ns}/${name}`, specErrors: conditions.filter((c) => c.type === 'SpecError') }).toEqual({
        cron: `${ns}/${name}`,
        specErrors: [],
      });
    }
  });

  test('the controller listens on no address but loopback', () => {
    alive();
    const r = spawnSync('ss', ['-Hltnp'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const mine = r.stdout.split('\n').filter((l) => l.includes(`pid=${controller!.pid},`));
    const open = mine.map((l) => l.trim().split(/\s+/)[3]).filter((addr) => !/^(127\.\d+\.\d+\.\d+|\[::1\]):\d+$/.test(addr));
    expect(open).toEqual([]);
  });
});
