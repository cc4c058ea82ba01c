/** Platform: composition, charts and tiers, operators, context, every validation; the entry point's behaviour on bad input. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Testing } from 'cdk8s';
import YAML from 'yaml';
import { Platform, PlatformProps } from '../src/constructs/platform/platform';
import { TeamModels } from '../src/constructs/team-models';
import { OPERATOR_DEFAULTS } from '../src/constructs/platform/operators';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildPlatform, buildPlatformFromFile, defaultConfig } from '../stacks/build';
import { expectIssue } from './support/errors';
import { findObject, listFiles, REPO_ROOT, tempDir } from './support/manifests';

function build(props: PlatformProps = {}) {
  const app = Testing.app();
  const platform = new Platform(app, 'platform', props);
  return { app, platform };
}

describe('the default platform (embedded stores, team demo, GPU pool gpu)', () => {
  const app = Testing.app();
  const { platform } = buildPlatform(app, { ...defaultConfig(), examples: false });
  const objs = platform.toJson();

  test('snapshot of every chart', () => {
    expect(Object.fromEntries(app.charts.map((c) => [c.node.id, c.toJson()]))).toMatchSnapshot();
  });

  test('charts and tiers: platform, then one chart per team', () => {
    expect(app.charts.map((c) => [c.node.id, (c as unknown as { tier: string }).tier])).toEqual([
      ['platform', 'platform'],
      ['team-demo', 'team'],
    ]);
    expect(platform.teamChart('demo').node.dependencies).toContain(platform);
  });

  test('the platform namespace: restricted, labelled, default-deny; everything else waits for it', () => {
    const ns = findObject(objs, 'Namespace', 'modelplane-system');
    expect(ns.metadata.labels).toMatchObject({
      'modelplane.dev/platform': 'true',
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
    expect(objs[0]).toEqual(ns);
    expect(findObject(objs, 'NetworkPolicy', 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  test('MLflow with embedded stores; their credentials are generated in the cluster', () => {
    expect(platform.mlflow.postgres).toBeDefined();
    expect(platform.mlflow.objectStore).toBeDefined();
    const cm = findObject(objs, 'ConfigMap', 'modelplane-secret-bootstrap');
    expect(JSON.parse(cm.data['secrets.json'])).toEqual([
      { name: 'mlflow-postgres', keys: ['password'] },
      { name: 'modelplane-object-store', keys: ['root-user=modelplane', 'root-password'] },
      { name: 'modelplane-s3', namespace: 'demo', keys: ['AWS_ACCESS_KEY_ID=modelplane-demo', 'AWS_SECRET_ACCESS_KEY'] },
    ]);
    // Airflow (which runs the teams' DAGs) may call MLflow.
    expect(findObject(objs, 'NetworkPolicy', 'mlflow').spec.ingress[0].from).toContainEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'airflow' } },
    });
  });

  test('the context models use', () => {
    expect(platform.context).toMatchObject({
      platformNamespace: 'modelplane-system',
      mlflowTrackingUri: 'http://mlflow.modelplane-system.svc.cluster.local:5000',
      objectStore: { endpoint: 'http://object-store.modelplane-system.svc.cluster.local:7070' },
      airflow: { namespace: 'airflow' },
      gpuPools: [
        {
          name: 'gpu',
          maxGpus: 8,
          taint: { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
          nodeLabels: { 'modelplane.dev/gpu-pool': 'gpu' },
        },
      ],
    });
    expect(platform.mlflow.podLabels).toEqual(platform.context.mlflowPodLabels);
  });

  test('the team workspace with its quota', () => {
    const team = platform.teamChart('demo').toJson();
    expect(findObject(team, 'ResourceQuota', 'team-quota').spec.hard['requests.nvidia.com/gpu']).toBe(4);
    expect(platform.teams.get('demo')!.namespace).toBe('demo');
  });

  test('operators in installation order, pinned, with computed values', () => {
    // The embedded defaults enable Argo Workflows and Envoy Gateway too (for the demo models, left out here).
    expect(platform.operators.map((o) => o.releaseName)).toEqual([
      'envoy-gateway',
      'keda',
      'spark-operator',
      'kserve-crd',
      'kserve',
      'kserve-runtime-configs',
      'argo-workflows',
      'airflow',
    ]);
    for (const o of platform.operators) expect(o.version).toMatch(/^v?\d+\.\d+\.\d+$/);
    expect(platform.operators.find((o) => o.releaseName === 'spark-operator')!.values).toMatchObject({
      spark: { jobNamespaces: ['demo'] },
    });
  });

  test('models(team) makes one models chart per team, after the team chart', () => {
    const a = platform.models('demo');
    expect(platform.models('demo')).toBe(a);
    expect(a).toBeInstanceOf(TeamModels);
    expect(a.node.id).toBe('models-demo');
    expect(a.namespace).toBe('demo');
    expect(a.node.dependencies).toContain(platform.teamChart('demo'));
    expect(a.platform).toEqual(platform.context);
    expect(a.platform).toBe(platform.teams.get('demo')!.context);
  });

  test('an unknown team is an error naming the defined ones', () => {
    expect(() => platform.models('risk')).toThrow(
      'Platform "platform": team "risk" is not defined. Fix: add { name: "risk" } to `teams`; defined teams: demo.',
    );
  });
});

describe('Platform options', () => {
  test('teams sorted into the Spark Operator job namespaces; opt-in and disabled operators; overrides', () => {
    const { platform } = build({
      teams: [{ name: 'risk' }, { name: 'fraud' }],
      operators: {
        seldonCore: { enabled: true },
        prometheus: { enabled: true },
        kserve: { enabled: false },
        airflow: { namespace: 'orchestration', version: '1.22.1' },
        keda: { values: { resources: { operator: { limits: { cpu: '1' } } } } },
      },
    });
    expect(platform.operators.map((o) => o.releaseName)).toEqual([
      'kube-prometheus-stack',
      'keda',
      'spark-operator',
      'seldon-core',
      'airflow',
    ]);
    expect(platform.operators.find((o) => o.releaseName === 'spark-operator')!.values).toMatchObject({
      spark: { jobNamespaces: ['fraud', 'risk'] },
    });
    expect(platform.operators.find((o) => o.releaseName === 'seldon-core')!.version).toBe('1.17.1');
    expect(platform.operators.find((o) => o.releaseName === 'airflow')).toMatchObject({ namespace: 'orchestration', version: '1.22.1' });
    expect(platform.operators.find((o) => o.releaseName === 'keda')!.values).toEqual({
      watchNamespace: '',
      resources: { operator: { limits: { cpu: '1' } } },
    });
    // Team workspaces let the Airflow namespace in and bind its worker.
    expect(platform.context.airflow.namespace).toBe('orchestration');
    const rb = findObject(platform.teamChart('risk').toJson(), 'RoleBinding', 'modelplane-airflow-runner');
    expect(rb.subjects[0].namespace).toBe('orchestration');
  });

  test('the KServe CRD and runtimes charts, and the storage initializer, follow the KServe version', () => {
    const { platform } = build({ operators: { kserve: { version: 'v0.20.1' } } });
    expect(platform.operators.filter((o) => o.releaseName.startsWith('kserve')).map((o) => o.version)).toEqual([
      'v0.20.1',
      'v0.20.1',
      'v0.20.1',
    ]);
    const csc = platform.toJson().find((o: any) => o.kind === 'ClusterStorageContainer');
    expect(csc.spec.container.image).toBe('docker.io/kserve/storage-initializer:v0.20.1');
  });

  test("KServe's storage initializer: the platform's own ClusterStorageContainer `default`, restricted; the chart's off", () => {
    const { platform } = build({});
    const csc = platform.toJson().filter((o: any) => o.kind === 'ClusterStorageContainer');
    expect(csc).toHaveLength(1);
    expect(csc[0].metadata.name).toBe('default');
    expect(csc[0].metadata.labels['app.kubernetes.io/managed-by']).toBe('modelplane');
    expect(csc[0].spec.container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(csc[0].spec.supportedUriFormats).toEqual([{ prefix: 's3://' }]);
    expect(csc[0].spec.container.resources.limits).toEqual({ cpu: '1', memory: '1Gi' });
    // The chart's shared resources one by one (its `storagecontainer.enabled: false` would be read as "unset").
    expect(platform.operators.find((o) => o.releaseName === 'kserve')!.values).toMatchObject({
      kserve: { createSharedResources: false, inferenceServiceConfig: { enabled: true }, certManager: { enabled: true } },
    });
    // Without KServe, no ClusterStorageContainer (its CRD would not exist).
    const without = build({ operators: { kserve: { enabled: false } } }).platform;
    expect(without.toJson().filter((o: any) => o.kind === 'ClusterStorageContainer')).toEqual([]);
  });

  test('external stores: no bootstrap Job; the context points at the S3 endpoint', () => {
    const { platform } = build({
      mlflow: {
        backendStore: { external: { uriSecret: { name: 'db', key: 'uri' } } },
        artifactStore: { s3: { bucket: 'ml-artifacts', endpoint: 'https://s3.example.com', region: 'eu-west-1' } },
      },
    });
    expect(platform.toJson().filter((o: any) => o.metadata.name === 'modelplane-secret-bootstrap')).toEqual([]);
    expect(platform.context.objectStore).toMatchObject({ endpoint: 'https://s3.example.com', region: 'eu-west-1' });
  });

  test('another platform namespace', () => {
    const { platform } = build({ platformNamespace: 'ml-platform', teams: [{ name: 'a' }] });
    expect(platform.context.mlflowTrackingUri).toBe('http://mlflow.ml-platform.svc.cluster.local:5000');
    for (const o of platform
      .toJson()
      .filter(
        (x: any) => x.kind !== 'Namespace' && x.kind !== 'DaemonSet' && x.kind !== 'NodePool' && x.kind !== 'ClusterStorageContainer',
      ))
      expect(o.metadata.namespace).toBe('ml-platform');
  });

  test('the scope must be the App', () => {
    expect(() => new Platform(Testing.chart() as unknown as App)).toThrow(
      /its scope must be the cdk8s App.*Fix: new Platform\(app, 'platform'/,
    );
  });
});

describe('Platform validation', () => {
  const C = 'Platform "platform"';
  const bad = (props: Record<string, unknown>) => () => build(props as PlatformProps);
  test.each([
    ['platformNamespace', { platformNamespace: 'ModelPlane' }, 'ModelPlane'],
    ['teams[1].name', { teams: [{ name: 'ok' }, { name: 'Risk_Team' }] }, 'Risk_Team'],
    ['teams[0].name', { teams: [{ name: 'r'.repeat(41) }] }, 'r'.repeat(41)],
    ['teams[0].name', { teams: [{ name: 'x'.repeat(64) }] }, 'x'.repeat(64)],
    ['teams', { teams: [{ name: 'risk' }, { name: 'fraud' }, { name: 'risk' }] }, 'risk'],
    ['teams[0].name', { teams: [{ name: 'kube-system' }] }, 'kube-system'],
    ['teams[0].name', { teams: [{ name: 'modelplane-system' }] }, 'modelplane-system'],
    ['teams[0].name', { teams: [{ name: 'airflow' }] }, 'airflow'],
    ['teams[0].name', { teams: [{ name: 'keda' }] }, 'keda'],
    ['teams[0].name', { teams: [{ name: 'monitoring' }] }, 'monitoring'],
    ['teams[0].name', { teams: [{ name: 'orchestration' }], operators: { airflow: { namespace: 'orchestration' } } }, 'orchestration'],
    ['gpuPools[0].name', { gpuPools: [{ name: 'A100' }] }, 'A100'],
    ['gpuPools', { gpuPools: [{ name: 'a100' }, { name: 'a100' }] }, 'a100'],
    ['operators.spark', { operators: { spark: {} } }, 'spark'],
    ['operators.sparkOperator.version', { operators: { sparkOperator: { version: '2.5.x' } } }, '2.5.x'],
    ['operators.airflow.version', { operators: { airflow: { version: '^1.22.0' } } }, '^1.22.0'],
    ['operators.keda.version', { operators: { keda: { version: '2.20' } } }, '2.20'],
    ['operators.keda.namespace', { operators: { keda: { namespace: 'KEDA' } } }, 'KEDA'],
    ['operators.keda.values', { operators: { keda: { values: 'replicas=2' } } }, 'replicas=2'],
    ['monitoringNamespace', { monitoringNamespace: 'Monitoring' }, 'Monitoring'],
  ])('%s (%j)', (field, props, value) => {
    expectIssue(bad(props), { construct: C, field, value });
  });

  test('all problems at once, and nothing is added to the App', () => {
    const app = Testing.app();
    let err: any;
    try {
      new Platform(app, 'platform', {
        teams: [{ name: 'Risk' }, { name: 'Risk' }],
        gpuPools: [{ name: 'x', taint: { key: 'a', effect: 'NoSchedule' } }],
        operators: { keda: { version: 'latest' } },
      });
    } catch (e) {
      err = e;
    }
    expect(err.issues.map((i: any) => i.field)).toEqual(['teams[0].name', 'teams[1].name', 'teams', 'operators.keda.version']);
    expect(app.charts).toEqual([]);
  });

  test('errors inside a team or pool name that team or pool', () => {
    expectIssue(bad({ teams: [{ name: 'risk', quota: { cpu: 'many' } }] }), {
      construct: 'TeamSpace "risk"',
      field: 'quota.cpu',
      value: 'many',
    });
    expectIssue(bad({ gpuPools: [{ name: 'a100', taint: { key: 'purpose', value: 'ml', effect: 'NoScheduled' } }] }), {
      construct: 'GpuNodePool "gpu-a100"',
      field: 'taint.effect',
      value: 'NoScheduled',
    });
    expectIssue(bad({ mlflow: { replicas: 1 } }), { construct: 'MlflowServer "mlflow"', field: 'replicas', value: 1 });
  });
});

describe('the cdk8s entry point on bad input', () => {
  /** Runs `stacks/main.ts` on a platform configuration: its exit status, stderr and what it wrote. */
  function runApp(platform: Record<string, unknown>): { status: number; stderr: string; written: string[] } {
    const out = tempDir();
    const config = join(tempDir(), 'bad.yaml');
    writeFileSync(config, YAML.stringify(platform));
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'stacks/main.ts'], {
        cwd: REPO_ROOT,
        env: { ...process.env, CDK8S_OUTDIR: out, MODELPLANE_CONFIG: config },
        stdio: ['ignore', 'pipe', 'pipe'],
        encoding: 'utf8',
      });
    } catch (e: any) {
      status = e.status;
      stderr = e.stderr;
    }
    return { status, stderr, written: listFiles(out) };
  }
  /** An external database given as a plain string (no password): refused by MlflowServer, redacted. */
  const plainUri = { backendStore: { external: { uriSecret: 'postgresql://mlflow@db/mlflow' } } };

  test('exits non-zero with the message, and writes nothing', () => {
    const r = runApp({ teams: [{ name: 'risk' }, { name: 'risk' }], mlflow: plainUri });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Platform "platform": `teams` = "risk": names the same team twice. Fix: give each team one entry');
    // Every problem at once: the construct's refusal of a plain string where a Secret reference goes, too.
    expect(r.stderr).toContain('`backendStore.external.uriSecret` = "<redacted>"');
    expect(r.stderr).not.toContain('mlflow@db');
    expect(r.written).toEqual([]);
  });

  test('a nested error (after the Platform chart exists) also writes nothing', () => {
    const r = runApp({ teams: [{ name: 'risk' }], mlflow: plainUri });
    expect(r.stderr).toContain('MlflowServer "mlflow": `backendStore.external.uriSecret` = "<redacted>"');
    expect(r.stderr).not.toContain('mlflow@db');
    expect(r.written).toEqual([]);
  });

  test('a credential in the file is refused by the loader, redacted, before any construct', () => {
    const r = runApp({
      teams: [{ name: 'risk' }],
      mlflow: { backendStore: { external: { uriSecret: 'postgresql://mlflow:hunter2@db/mlflow' } } },
    });
    expect(r.stderr).toMatch(
      /bad\.yaml:\d+:\d+: `mlflow\.backendStore\.external\.uriSecret` = <redacted> holds a URI with a plain-text password/,
    );
    expect(r.stderr).not.toContain('hunter2');
    expect(r.written).toEqual([]);
  });
});

test('OPERATOR_DEFAULTS keeps every operator the Platform can enable', () => {
  const { platform } = build({
    operators: {
      seldonCore: { enabled: true },
      prometheus: { enabled: true },
      argoWorkflows: { enabled: true },
      envoyGateway: { enabled: true },
    },
  });
  expect(platform.operators.map((o) => o.releaseName).sort()).toEqual(
    Object.values(OPERATOR_DEFAULTS)
      .map((o) => o.releaseName)
      .sort(),
  );
});

describe('a platform-only output has no demo workloads', () => {
  const text = (app: App) => JSON.stringify(app.charts.map((c) => c.toJson()));

  test('the embedded defaults without examples (`stacks/main.ts --no-examples`): no models chart, no registry.example.com image', () => {
    const app = Testing.app();
    buildPlatform(app, defaultConfig(false));
    expect(app.charts.map((c) => c.node.id)).toEqual(['platform', 'team-demo']);
    expect(text(app)).not.toContain('registry.example.com');
  });

  test('a platform file with the team demo: no demo models unless it says examples: true', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelplane-noex-'));
    try {
      const file = path.join(dir, 'platform.yaml');
      fs.writeFileSync(file, 'teams: [{ name: demo }]\n');
      const app = Testing.app();
      buildPlatformFromFile(app, file);
      expect(app.charts.map((c) => c.node.id)).toEqual(['platform', 'team-demo']);
      expect(text(app)).not.toContain('registry.example.com');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('with examples, the demo models are there', () => {
    const app = Testing.app();
    buildPlatform(app, defaultConfig());
    expect(app.charts.map((c) => c.node.id)).toContain('models-demo');
  });
});
