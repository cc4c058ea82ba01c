/**
 * The Pulumi program and bridge under `pulumi.runtime.setMocks`, recording every registration's
 * inputs, its dependencies and its raw (secret-marked) properties: ConfigGroup objs are the charts'
 * objects, Helm releases are pinned, the order is operators → platform → teams → models, and
 * secrets from stack config become Kubernetes Secrets created before the workloads that read them.
 * Also unit tests of the pure deployment plan.
 */
import * as pulumi from '@pulumi/pulumi';
import { App, Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Platform } from '../src/constructs/platform/platform';
import { TeamModels } from '../src/constructs/team-models';
import { planDeployment, tierOf } from '../src/frontends/pulumi/plan';
import { OPERATOR_DEFAULTS } from '../src/constructs/platform/operators';
import { deployApp, deployPlan } from '../src/frontends/pulumi/deploy';
import { buildPlatformFile } from '../src/frontends/config/platform-file';
import * as path from 'path';
import { buildPlatform, defaultConfig } from '../stacks/build';
import { configFromStack, program } from '../stacks/pulumi-program';
import { buildAll } from '../src/frontends/cli/actions';

interface Registration {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  /** Names of the resources it depends on (dependsOn). */
  readonly deps: string[];
  /** The properties as sent to the engine, with secret markers. */
  readonly raw: Record<string, unknown>;
}

const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';
const SIG_KEY = '4dabf18193072939515e22adb298388d';
const isSecretMarked = (v: unknown) => typeof v === 'object' && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;

const registrations: Registration[] = [];
const inputsByUrn = new Map<string, Record<string, any>>();
const nameOf = (urn: string) => urn.slice(urn.lastIndexOf('::') + 2);

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        inputsByUrn.set(`${args.type}::${args.name}`, args.inputs);
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    'modelplane',
    'test',
    false,
  );
  // The mock monitor does not pass dependencies to newResource: read them from the request.
  const monitor = (pulumi.runtime as any).getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    const raw = req.getObject()?.toJavaScript() ?? {};
    const type = req.getType();
    const name = req.getName();
    register(req, (err: unknown, res: unknown) => {
      registrations.push({
        type,
        name,
        inputs: inputsByUrn.get(`${type}::${name}`) ?? {},
        deps: req.getDependenciesList().map(nameOf),
        raw,
      });
      callback(err, res);
    });
  };
});

beforeEach(() => {
  registrations.length = 0;
  inputsByUrn.clear();
});

/** Runs the program with `config` (keys without the `modelplane:` prefix) and waits for every registration. */
async function runProgram(config: Record<string, string>, secretKeys: string[] = []) {
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([k, v]) => [`modelplane:${k}`, v])),
    secretKeys.map((k) => `modelplane:${k}`),
  );
  const result = program();
  await (pulumi.runtime as any).waitForRPCs();
  return result;
}

const of = (type: string) => registrations.filter((r) => r.type === type);
const one = (type: string, name: string) => {
  const found = registrations.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1)
    throw new Error(`expected one ${type} ${name}, got ${found.length}: ${registrations.map((r) => `${r.type}/${r.name}`).join(', ')}`);
  return found[0];
};
const CONFIG_GROUP = 'kubernetes:yaml/v2:ConfigGroup';
const RELEASE = 'kubernetes:helm.sh/v3:Release';
const SECRET = 'kubernetes:core/v1:Secret';

describe('the Pulumi program on the embedded demo platform (`modelplane:examples: true`)', () => {
  test('one ConfigGroup per chart whose objs are exactly chart.toJson()', async () => {
    const result = await runProgram({ examples: 'true' });
    const app = Testing.app();
    buildPlatform(app, defaultConfig());
    const expected = app.charts.filter((c) => c.toJson().length > 0);
    const groups = of(CONFIG_GROUP);
    expect(groups.map((g) => g.name).sort()).toEqual(expected.map((c) => c.node.id).sort());
    for (const chart of expected) {
      expect(one(CONFIG_GROUP, chart.node.id).inputs.objs).toEqual(JSON.parse(JSON.stringify(chart.toJson())));
      expect(one(CONFIG_GROUP, chart.node.id).inputs.skipAwait).toBe(false);
    }
    expect(result).toMatchObject({ mlflowTrackingUri: 'http://mlflow.modelplane-system.svc.cluster.local:5000' });
    expect((result as { releases: string[] }).releases).toEqual([
      'envoy-gateway',
      'keda',
      'spark-operator',
      'kserve-crd',
      'kserve',
      'kserve-runtime-configs',
      'argo-workflows',
      'airflow',
    ]);
  });

  test('Helm releases: pinned chart, version, repo and values, in order, atomic', async () => {
    await runProgram({ examples: 'true' });
    const releases = of(RELEASE);
    expect(releases.map((r) => r.name)).toEqual([
      'envoy-gateway',
      'keda',
      'spark-operator',
      'kserve-crd',
      'kserve',
      'kserve-runtime-configs',
      'argo-workflows',
      'airflow',
    ]);
    const spark = one(RELEASE, 'spark-operator').inputs;
    expect(spark).toMatchObject({
      name: 'spark-operator',
      chart: 'spark-operator',
      version: OPERATOR_DEFAULTS.sparkOperator.version,
      namespace: 'spark-operator',
      createNamespace: true,
      atomic: true,
      repositoryOpts: { repo: 'https://kubeflow.github.io/spark-operator' },
    });
    expect(spark.values).toMatchObject({ spark: { jobNamespaces: ['demo'] }, webhook: { enable: true } });
    const kserve = one(RELEASE, 'kserve').inputs;
    expect(kserve).toMatchObject({ chart: 'oci://ghcr.io/kserve/charts/kserve-resources', version: 'v0.20.0' });
    expect(kserve.repositoryOpts).toBeUndefined();
    for (const r of releases) expect(r.inputs.version).toMatch(/^v?\d+\.\d+\.\d+$/);
    expect(one(RELEASE, 'airflow').inputs.version).toBe(OPERATOR_DEFAULTS.airflow.version);
  });

  test('ordering: each release after the previous, platform after the last release, teams after the platform, models after the teams', async () => {
    await runProgram({ examples: 'true' });
    const names = of(RELEASE).map((r) => r.name);
    names.forEach((n, i) => expect(one(RELEASE, n).deps).toEqual(i === 0 ? [] : [names[i - 1]]));
    expect(one(CONFIG_GROUP, 'platform').deps).toEqual(['airflow']);
    expect(one(CONFIG_GROUP, 'team-demo').deps).toEqual(['platform']);
    const models = of(CONFIG_GROUP).filter((g) => g.name.startsWith('models-'));
    for (const m of models) expect(m.deps).toEqual(['team-demo']);
    // Everything uses the program's provider with server-side apply.
    expect(one('pulumi:providers:kubernetes', 'modelplane').inputs.enableServerSideApply).toBe('true');
    expect(of(SECRET)).toEqual([]);
  });

  test('installOperators=false skips every release; the platform then depends on nothing', async () => {
    const result = await runProgram({ examples: 'true', installOperators: 'false', skipAwait: 'true' });
    expect(of(RELEASE)).toEqual([]);
    expect((result as { releases: string[] }).releases).toEqual([]);
    expect(one(CONFIG_GROUP, 'platform').deps).toEqual([]);
    expect(one(CONFIG_GROUP, 'platform').inputs.skipAwait).toBe(true);
    expect(one(CONFIG_GROUP, 'team-demo').deps).toEqual(['platform']);
  });
});

describe('the Pulumi program with stack configuration', () => {
  const platform = {
    teams: [{ name: 'risk' }, { name: 'fraud' }],
    gpuPools: [{ name: 'a100', taint: { key: 'purpose', value: 'ml', effect: 'NoSchedule' } }],
    mlflow: { artifactStore: { s3: { bucket: 'ml-artifacts', endpoint: 'https://s3.example.com' } } },
    operators: { seldonCore: { enabled: true }, kserve: { enabled: false } },
    examples: false,
  };
  const dbUri = 'postgresql://mlflow:hunter2@db.internal:5432/mlflow';

  test('teams and pools from config; secrets become k8s Secrets, marked secret, created between the namespace and the workloads', async () => {
    await runProgram(
      { platform: JSON.stringify(platform), databaseUri: dbUri, s3AccessKeyId: 'AKIAEXAMPLEEXAMPLE12', s3SecretAccessKey: 'shh-secret' },
      ['databaseUri', 's3AccessKeyId', 's3SecretAccessKey'],
    );
    expect(
      of(CONFIG_GROUP)
        .map((g) => g.name)
        .sort(),
    ).toEqual(['platform', 'platform-namespaces', 'team-fraud', 'team-risk']);
    expect(of(RELEASE).map((r) => r.name)).toEqual(['keda', 'spark-operator', 'seldon-core', 'airflow']);
    expect(one(RELEASE, 'seldon-core').inputs.version).toBe('1.17.1');
    expect(one(RELEASE, 'spark-operator').inputs.values.spark.jobNamespaces).toEqual(['fraud', 'risk']);

    const db = one(SECRET, 'mlflow-db');
    expect(db.inputs.metadata).toEqual({ name: 'mlflow-db', namespace: 'modelplane-system' });
    expect(isSecretMarked(db.inputs.stringData)).toBe(true);
    expect(db.inputs.stringData.value).toEqual({ uri: dbUri });
    expect(isSecretMarked(db.raw.stringData)).toBe(true);
    const s3 = one(SECRET, 'mlflow-s3');
    expect(s3.inputs.stringData.value).toEqual({ AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE12', AWS_SECRET_ACCESS_KEY: 'shh-secret' });
    expect(isSecretMarked(s3.raw.stringData)).toBe(true);

    // Order: namespace → Secrets → the rest of the platform (which waits for MLflow to be ready).
    const nsGroup = one(CONFIG_GROUP, 'platform-namespaces');
    expect(nsGroup.inputs.objs.map((o: any) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/modelplane-system',
      'Namespace/airflow',
    ]);
    expect(nsGroup.deps).toEqual(['airflow']);
    expect(db.deps).toEqual(['platform-namespaces']);
    expect(s3.deps).toEqual(['platform-namespaces']);
    expect(one(CONFIG_GROUP, 'platform').deps.sort()).toEqual(['mlflow-db', 'mlflow-s3', 'platform-namespaces']);
    expect(one(CONFIG_GROUP, 'platform').inputs.objs.some((o: any) => o.kind === 'Namespace')).toBe(false);
    expect(one(CONFIG_GROUP, 'team-risk').deps.sort()).toEqual(['platform', 'platform-namespaces']);

    // MLflow reads them by reference; no secret value in any ConfigGroup.
    const objs = JSON.stringify(of(CONFIG_GROUP).map((g) => g.inputs.objs));
    expect(objs).not.toContain('hunter2');
    expect(objs).not.toContain('shh-secret');
    expect(objs).not.toContain('AKIAEXAMPLE');
    expect(objs).toContain('"secretKeyRef":{"key":"uri","name":"mlflow-db"}');
    expect(objs).toContain('"secretKeyRef":{"key":"AWS_SECRET_ACCESS_KEY","name":"mlflow-s3"}');
    expect(objs).not.toContain('mlflow-postgres');
  });

  test('configFromStack: secrets stay Pulumi secrets; S3 keys need a bucket and each other', async () => {
    pulumi.runtime.setAllConfig({ 'modelplane:examples': 'true', 'modelplane:databaseUri': dbUri }, ['modelplane:databaseUri']);
    const { config, secrets } = configFromStack(new pulumi.Config('modelplane'));
    expect(await pulumi.isSecret(secrets['mlflow-db'].uri)).toBe(true);
    expect(config.mlflow?.backendStore).toEqual({ external: { uriSecret: { name: 'mlflow-db', key: 'uri' } } });
    expect(JSON.stringify(config)).not.toContain('hunter2');

    pulumi.runtime.setAllConfig(
      { 'modelplane:examples': 'true', 'modelplane:s3AccessKeyId': 'a', 'modelplane:s3SecretAccessKey': 'b' },
      [],
    );
    expect(() => configFromStack(new pulumi.Config('modelplane'))).toThrow(
      /`modelplane:s3AccessKeyId` is set but `modelplane:platform.mlflow.artifactStore.s3` is not\. Fix:/,
    );
    pulumi.runtime.setAllConfig({ 'modelplane:s3AccessKeyId': 'a', 'modelplane:platform': JSON.stringify(platform) }, []);
    expect(() => configFromStack(new pulumi.Config('modelplane'))).toThrow(
      'Pulumi config: `modelplane:s3AccessKeyId` is set without `modelplane:s3SecretAccessKey`. Fix:',
    );
  });

  test('bad platform config fails before any resource is registered', async () => {
    pulumi.runtime.setAllConfig({ 'modelplane:platform': JSON.stringify({ teams: [{ name: 'risk' }, { name: 'risk' }] }) }, []);
    expect(() => program()).toThrow('Platform "platform": `teams` = "risk": names the same team twice');
    await (pulumi.runtime as any).waitForRPCs();
    expect(registrations).toEqual([]);
  });
});

describe('the Pulumi program on a platform file and team files (`modelplane:platformFile`, `modelplane:teamFiles`)', () => {
  const fixtures = 'test/pulumi/fixtures';
  const files = { platformFile: `${fixtures}/platform.yaml`, teamFiles: JSON.stringify([`${fixtures}/lab.yaml`]) };

  test('one ConfigGroup per chart, whose objs are exactly what `modelplane synth --platform -f` builds', async () => {
    await runProgram({ ...files, installOperators: 'false' });
    const app = Testing.app();
    const built = buildAll(app, { platform: files.platformFile, file: [`${fixtures}/lab.yaml`] });
    expect(built.issues).toEqual([]);
    const expected = app.charts.filter((c) => c.toJson().length > 0);
    expect(
      of(CONFIG_GROUP)
        .map((g) => g.name)
        .sort(),
    ).toEqual(expected.map((c) => c.node.id).sort());
    for (const chart of expected) expect(one(CONFIG_GROUP, chart.node.id).inputs.objs).toEqual(JSON.parse(JSON.stringify(chart.toJson())));
    // No demo team, no demo models: only what the files say.
    expect(JSON.stringify(of(CONFIG_GROUP).map((g) => g.inputs.objs))).not.toContain('"namespace":"demo"');
  });

  const refused: Array<[string, Record<string, string>, string]> = [
    [
      'no platform at all',
      {},
      'Pulumi config: no platform is configured. Fix: name your platform file with `pulumi config set modelplane:platformFile platform.yaml`',
    ],
    [
      'a file and an object',
      { platformFile: files.platformFile, platform: JSON.stringify({ teams: [{ name: 'risk' }] }) },
      'Pulumi config: `modelplane:platformFile` and `modelplane:platform` are both set; the platform comes from one of them. Fix: `pulumi config rm modelplane:platform`',
    ],
    [
      'an unreadable platform file',
      { platformFile: `${fixtures}/nope.yaml` },
      `Pulumi config: ${fixtures}/nope.yaml: the platform file cannot be read (ENOENT). Fix: check \`modelplane:platformFile\``,
    ],
    [
      'teamFiles not a list',
      { platformFile: files.platformFile, teamFiles: JSON.stringify({ lab: 'lab.yaml' }) },
      'Pulumi config: `modelplane:teamFiles` = {"lab":"lab.yaml"} must be a list of team file paths. Fix:',
    ],
    [
      'a team file given twice',
      { platformFile: files.platformFile, teamFiles: JSON.stringify([`${fixtures}/lab.yaml`, `${fixtures}/lab.yaml`]) },
      `${fixtures}/lab.yaml:4:7: \`team\` = "lab": the file ${fixtures}/lab.yaml is given twice. Fix: list each file once in \`modelplane:teamFiles\`.`,
    ],
    [
      'a team file whose team the platform lacks',
      { platformFile: 'examples/small-team/platform.yaml', teamFiles: JSON.stringify([`${fixtures}/lab.yaml`]) },
      `Pulumi config: ${fixtures}/lab.yaml:4:7: \`team\` team "lab" is not a team of the platform. Fix:`,
    ],
  ];
  test.each(refused)('%s is refused before anything is registered, naming the setting and the fix', async (_what, config, message) => {
    await expect(runProgram(config)).rejects.toThrow(message);
    await (pulumi.runtime as any).waitForRPCs();
    expect(registrations).toEqual([]);
  });

  test('the refusal is a pulumi.RunError: the engine prints the problems without a stack trace', async () => {
    pulumi.runtime.setAllConfig({}, []);
    let thrown: unknown;
    try {
      program();
    } catch (e) {
      thrown = e;
    }
    expect(pulumi.RunError.isInstance(thrown)).toBe(true);
  });
});

describe('deployApp', () => {
  test('a group named in beforeObjects without a Namespace waits for the extra resources only', async () => {
    const app = Testing.app();
    const models = new TeamModels(app, 'risk');
    new k8s.KubeConfigMap(models, 'cm', { metadata: { name: 'x' } });
    const created: string[] = [];
    const deployed = deployApp(app, [], {
      beforeObjects: {
        'models-risk': (deps) => {
          created.push(`deps:${deps.length}`);
          return [new (class extends pulumi.CustomResource {})('test:index:Thing', 'thing', {})];
        },
      },
    });
    await (pulumi.runtime as any).waitForRPCs();
    expect(created).toEqual(['deps:0']);
    expect(Object.keys(deployed.groups)).toEqual(['models-risk']);
    expect(one(CONFIG_GROUP, 'models-risk').deps).toEqual(['thing']);
  });
});

describe("the teams' JupyterHubs", () => {
  test('each team hub is a pinned release installed after its team group, with the values the construct computed', async () => {
    const app = new App();
    const { platform } = buildPlatformFile(app, path.join(__dirname, '..', 'examples', 'team-workspaces', 'platform.yaml'));
    const plan = planDeployment(app, platform!.operators, platform!.teamReleases);
    deployPlan(plan);
    await (pulumi.runtime as any).waitForRPCs();
    for (const team of ['b2b-scoring', 'geo-analytics']) {
      const hub = one(RELEASE, `jupyterhub-${team}`);
      expect(hub.inputs).toMatchObject({
        chart: 'jupyterhub',
        version: '4.3.3',
        namespace: team,
        repositoryOpts: { repo: 'https://hub.jupyter.org/helm-chart/' },
      });
      expect(hub.deps).toEqual([`team-${team}`]);
      expect(hub.inputs.values).toEqual(JSON.parse(JSON.stringify(platform!.teamReleases.find((r) => r.namespace === team)!.values)));
    }
    // The operators still go first, each after the one before; no team hub among them.
    expect(plan.releases.map((r) => r.releaseName)).not.toContain('jupyterhub-b2b-scoring');
  });
});

describe('the deployment plan (pure)', () => {
  function sample() {
    const app = Testing.app();
    const platform = new Platform(app, 'platform', { teams: [{ name: 'b-team' }, { name: 'a-team' }] });
    const modelsB = platform.models('b-team');
    new k8s.KubeConfigMap(modelsB, 'cm', { metadata: { name: 'b' } });
    const modelsA = platform.models('a-team');
    new k8s.KubeConfigMap(modelsA, 'cm', { metadata: { name: 'a' } });
    platform.models('a-team');
    const foreign = new Chart(app, 'zz-foreign');
    new k8s.KubeConfigMap(foreign, 'cm', { metadata: { name: 'f' } });
    new Chart(app, 'empty');
    return { app, platform };
  }

  test('groups ordered platform → teams → models, then by name; empty charts dropped; objs are chart.toJson()', () => {
    const { app, platform } = sample();
    const plan = planDeployment(app, platform.operators);
    expect(plan.groups.map((g) => `${g.tier}:${g.name}`)).toEqual([
      'platform:platform',
      'team:team-a-team',
      'team:team-b-team',
      'models:models-a-team',
      'models:models-b-team',
      'models:zz-foreign',
    ]);
    for (const g of plan.groups) expect(g.objs).toEqual(app.charts.find((c) => c.node.id === g.name)!.toJson());
    expect(plan.releases).toBe(platform.operators);
    expect(planDeployment(app).releases).toEqual([]);
  });

  test('tierOf: modelplane charts say theirs, other charts are models', () => {
    const { app } = sample();
    expect(Object.fromEntries(app.charts.map((c) => [c.node.id, tierOf(c)]))).toEqual({
      platform: 'platform',
      'team-b-team': 'team',
      'team-a-team': 'team',
      'models-b-team': 'models',
      'models-a-team': 'models',
      'zz-foreign': 'models',
      empty: 'models',
    });
  });

  test('planning runs validation: an invalid construct fails the plan', () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    chart.node.addValidation({ validate: () => ['always broken'] });
    new k8s.KubeConfigMap(chart, 'cm', {});
    expect(() => planDeployment(app)).toThrow(/always broken/);
  });
});
