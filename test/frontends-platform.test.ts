/**
 * The one platform loader (schema/platform.schema.json, then the constructs) behind the CLI's
 * `--platform`, the cdk8s app's MODELPLANE_CONFIG and the Pulumi program's `modelplane:platform`:
 * the schema covers every key of PlatformProps at every level and refuses unknown ones with "did you
 * mean" at the key's position; the constructs' problems are located at `within` + `field`; and the
 * three front ends build the same construct tree from the same configuration.
 */
import type { WorkspaceCulling, WorkspaceProfile, WorkspaceProps, WorkspaceStorage } from '../src/constructs/workspace';
import type { Prerequisite } from '../src/core/references';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { App, ChartProps } from 'cdk8s';
import fc from 'fast-check';
import YAML from 'yaml';
import type {
  EmbeddedObjectStoreProps,
  TeamObjectStoreProps,
  TeamWorkloadIdentity,
  EmbeddedPostgresProps,
  GpuKarpenterProps,
  MlflowArtifactStore,
  MlflowBackendStore,
  MlflowServerProps,
  OperatorOverrides,
  PlatformGpuPoolProps,
  PlatformOperators,
  PlatformProps,
  PlatformTeamProps,
  TeamLimitDefaults,
  TeamQuota,
} from '../src/constructs';
import type { ApiServerRef } from '../src/core/context';
import type { SsoEgressProps, SsoProps } from '../src/constructs/sso/sso-resolve';
import type { KeycloakClientsProps, KeycloakDatabaseProps, KeycloakProps } from '../src/constructs/sso/keycloak-resolve';
import type { Taint } from '../src/core/gpu';
import type { SecretKeyRef } from '../src/core/secrets';
import type { ResourceSpec } from '../src/core/security';
import { formatConfigIssue } from '../src/frontends/config/errors';
import { buildLoadedPlatform, formatPlatformIssue, PlatformConfigError } from '../src/frontends/config/platform-build';
import { buildPlatformFile } from '../src/frontends/config/platform-file';
import { loadPlatformData, loadPlatformText, pathLocator, PLATFORM_SCHEMA } from '../src/frontends/config/platform-load';
import { didYouMean, pointerToPath } from '../src/frontends/config/schema-issues';
import { StackConfigError } from '../src/frontends/pulumi/stack-config';
import { buildPlatform, buildPlatformFromFile } from '../stacks/build';
import { synth } from '../stacks/main';
import { configFromStack } from '../stacks/pulumi-program';

const dir = mkdtempSync(join(tmpdir(), 'modelplane-frontends-'));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
type Json = Record<string, any>;
const defs = PLATFORM_SCHEMA.definitions as Record<string, Json>;

/** Every key of a props interface, checked against the interface by the type checker (missing or extra keys do not compile). */
type Keys<T> = Record<keyof T, true>;
const keys = <T>(k: Keys<T>) => Object.keys(k).sort();

describe('the platform schema', () => {
  const resolveRef = (node: Json): Json => (node.$ref ? defs[String(node.$ref).replace('#/definitions/', '')] : node);
  const propsOf = (node: Json) => Object.keys(resolveRef(node).properties).sort();

  test('covers every key of PlatformProps and its parts, at every level', () => {
    const top = PLATFORM_SCHEMA as Json;
    const levels: Array<[string, string[], string[]]> = [
      [
        'PlatformProps',
        propsOf(top),
        keys<Omit<PlatformProps, keyof ChartProps>>({
          platformNamespace: true,
          mlflow: true,
          teams: true,
          gpuPools: true,
          operators: true,
          monitoringNamespace: true,
          apiServer: true,
          prerequisites: true,
          sso: true,
        }),
      ],
      [
        'sso',
        propsOf(defs.sso),
        keys<SsoProps>({
          issuerUrl: true,
          authorizeUrl: true,
          tokenUrl: true,
          userinfoUrl: true,
          jwksUrl: true,
          groupsClaim: true,
          usernameClaim: true,
          scopes: true,
          egress: true,
          keycloak: true,
        }),
      ],
      ['sso.egress', propsOf(defs.sso.properties.egress), keys<SsoEgressProps>({ cidrs: true, ports: true })],
      [
        'sso.keycloak',
        propsOf(defs.keycloak),
        keys<KeycloakProps>({
          url: true,
          database: true,
          clients: true,
          ingressClassName: true,
          ingressNamespaces: true,
          replicas: true,
          resources: true,
          image: true,
        }),
      ],
      [
        'sso.keycloak.database',
        propsOf(defs.keycloak.properties.database),
        keys<KeycloakDatabaseProps>({
          secret: true,
          vendor: true,
          urlKey: true,
          usernameKey: true,
          passwordKey: true,
          cidrs: true,
          port: true,
        }),
      ],
      ['sso.keycloak.clients', propsOf(defs.keycloak.properties.clients), keys<KeycloakClientsProps>({ mlflow: true, airflow: true })],
      [
        'prerequisite',
        propsOf(defs.prerequisite),
        keys<Prerequisite>({ kind: true, namespace: true, name: true, keys: true, description: true }),
      ],
      ['apiServer', propsOf(defs.apiServer), keys<ApiServerRef>({ cidrs: true, ports: true })],
      [
        'mlflow',
        propsOf(defs.mlflow),
        keys<Omit<MlflowServerProps, 'namespace'>>({
          name: true,
          image: true,
          replicas: true,
          resources: true,
          workers: true,
          backendStore: true,
          artifactStore: true,
          ingressHost: true,
          ingressClassName: true,
          corsAllowedOrigins: true,
          basicAuthSecret: true,
          clientNamespaces: true,
          monitoringNamespace: true,
        }),
      ],
      ['resources', propsOf(defs.resources), keys<ResourceSpec>({ cpu: true, memory: true, cpuLimit: true, ephemeralStorage: true })],
      ['backendStore', propsOf(defs.backendStore), keys<MlflowBackendStore>({ embedded: true, external: true })],
      [
        'backendStore.external',
        propsOf(defs.backendStore.properties.external),
        keys<NonNullable<MlflowBackendStore['external']>>({ uriSecret: true, port: true }),
      ],
      ['artifactStore', propsOf(defs.artifactStore), keys<MlflowArtifactStore>({ embedded: true, s3: true })],
      [
        'artifactStore.s3',
        propsOf(defs.artifactStore.properties.s3),
        keys<NonNullable<MlflowArtifactStore['s3']>>({
          bucket: true,
          prefix: true,
          endpoint: true,
          region: true,
          accessKeyId: true,
          secretAccessKey: true,
        }),
      ],
      [
        'embeddedPostgres',
        propsOf(defs.embeddedPostgres),
        keys<EmbeddedPostgresProps>({ storageSize: true, storageClassName: true, image: true, passwordSecretName: true }),
      ],
      [
        'embeddedObjectStore',
        propsOf(defs.embeddedObjectStore),
        keys<EmbeddedObjectStoreProps>({
          storageSize: true,
          storageClassName: true,
          bucket: true,
          teamBuckets: true,
          image: true,
          credentialsSecretName: true,
        }),
      ],
      ['secretKeyRef', propsOf(defs.secretKeyRef), keys<SecretKeyRef>({ name: true, key: true })],
      [
        'team',
        propsOf(defs.team),
        keys<PlatformTeamProps>({
          name: true,
          quota: true,
          limits: true,
          editorGroups: true,
          allowBroadEditorGroups: true,
          objectStoreCidrs: true,
          objectStore: true,
          workspace: true,
        }),
      ],
      [
        'team.workspace',
        propsOf(defs.team.properties.workspace),
        keys<WorkspaceProps>({
          url: true,
          ingressClassName: true,
          ingressNamespaces: true,
          session: true,
          image: true,
          profiles: true,
          storage: true,
          culling: true,
        }),
      ],
      [
        'team.workspace.profiles',
        propsOf(defs.team.properties.workspace.properties.profiles.items),
        keys<WorkspaceProfile>({
          name: true,
          description: true,
          cpu: true,
          memory: true,
          gpus: true,
          gpuPool: true,
          image: true,
          default: true,
        }),
      ],
      [
        'team.workspace.storage',
        propsOf(defs.team.properties.workspace.properties.storage),
        keys<WorkspaceStorage>({ size: true, storageClass: true }),
      ],
      ['team.workspace.culling', propsOf(defs.team.properties.workspace.properties.culling), keys<WorkspaceCulling>({ idleSeconds: true })],
      [
        'team.objectStore',
        propsOf(defs.team.properties.objectStore),
        keys<TeamObjectStoreProps>({ credentialsSecret: true, workloadIdentity: true }),
      ],
      [
        'team.objectStore.workloadIdentity',
        propsOf(defs.team.properties.objectStore.properties.workloadIdentity),
        keys<TeamWorkloadIdentity>({ awsRoleArn: true, gcpServiceAccount: true, azureClientId: true }),
      ],
      [
        'team.quota',
        propsOf(defs.team.properties.quota),
        keys<TeamQuota>({ cpu: true, memory: true, pods: true, gpus: true, storage: true }),
      ],
      [
        'team.limits',
        propsOf(defs.team.properties.limits),
        keys<TeamLimitDefaults>({ cpuRequest: true, memoryRequest: true, cpuLimit: true, memoryLimit: true }),
      ],
      [
        'gpuPool',
        propsOf(defs.gpuPool),
        keys<PlatformGpuPoolProps>({
          name: true,
          taint: true,
          nodeLabels: true,
          maxGpus: true,
          devicePlugin: true,
          devicePluginImage: true,
          devicePluginNamespace: true,
          karpenter: true,
        }),
      ],
      ['taint', propsOf(defs.taint), keys<Taint>({ key: true, value: true, effect: true })],
      [
        'karpenter',
        propsOf(defs.karpenter),
        keys<GpuKarpenterProps>({
          nodeClassRef: true,
          instanceTypes: true,
          capacityTypes: true,
          consolidationPolicy: true,
          consolidateAfter: true,
        }),
      ],
      [
        'karpenter.nodeClassRef',
        propsOf(defs.karpenter.properties.nodeClassRef),
        keys<GpuKarpenterProps['nodeClassRef']>({ group: true, kind: true, name: true }),
      ],
      [
        'operators',
        propsOf(defs.operators),
        keys<PlatformOperators>({
          sparkOperator: true,
          airflow: true,
          kserve: true,
          seldonCore: true,
          keda: true,
          prometheus: true,
          argoWorkflows: true,
          envoyGateway: true,
        }),
      ],
      ['operator', propsOf(defs.operator), keys<OperatorOverrides>({ enabled: true, version: true, values: true, namespace: true })],
    ];
    for (const [level, schema, props] of levels) expect([level, schema]).toEqual([level, props]);
  });

  test('every map refuses unknown keys and every property is described (but Helm values and node labels, which are free maps)', () => {
    const open: string[] = [];
    const undescribed: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const n = node as Json;
      if (n.properties && n.additionalProperties !== false) open.push(path);
      if (n.type === 'object' && !n.properties && n.additionalProperties === undefined) open.push(path);
      for (const [k, v] of Object.entries((n.properties ?? {}) as Json)) {
        if (!('description' in v) && !('$ref' in v)) undescribed.push(`${path}.${k}`);
        walk(v, `${path}.${k}`);
      }
      if (n.items) walk(n.items, `${path}[]`);
      for (const [k, v] of Object.entries((n.definitions ?? {}) as Json)) walk(v, `#${k}`);
    };
    walk(PLATFORM_SCHEMA, '');
    expect(open).toEqual(['#operator.values']);
    expect(undescribed).toEqual([]);
  });
});

/** One misspelt key at each level: the config, where the typo is, and the key meant. */
const TYPOS: Array<[string, Json, string]> = [
  ['the top level', { teamz: [] }, 'teams'],
  ['a team', { teams: [{ name: 'risk', quoat: { gpus: 2 } }] }, 'quota'],
  ['a team quota', { teams: [{ name: 'risk', quota: { gpuz: 2 } }] }, 'gpus'],
  ['a team limits', { teams: [{ name: 'risk', limits: { cpuLimt: '2' } }] }, 'cpuLimit'],
  ['a GPU pool', { gpuPools: [{ name: 'gpu', maxGpu: 4 }] }, 'maxGpus'],
  ['a taint', { gpuPools: [{ name: 'gpu', taint: { key: 'purpose', valeu: 'ml', effect: 'NoSchedule' } }] }, 'value'],
  ['karpenter', { gpuPools: [{ name: 'gpu', karpenter: { nodeClassRef: {}, instanceType: ['g5.xlarge'] } }] }, 'instanceTypes'],
  ['a node class', { gpuPools: [{ name: 'gpu', karpenter: { nodeClassRef: { group: 'g', kindd: 'k', name: 'n' } } }] }, 'kind'],
  ['mlflow', { mlflow: { replica: 2 } }, 'replicas'],
  ['mlflow resources', { mlflow: { resources: { cpu: '1', memory: '2Gi', cpuLimits: '2' } } }, 'cpuLimit'],
  ['a backend store', { mlflow: { backendStore: { embeded: {} } } }, 'embedded'],
  ['the embedded database', { mlflow: { backendStore: { embedded: { storageSise: '20Gi' } } } }, 'storageSize'],
  ['the external database', { mlflow: { backendStore: { external: { uriSecret: { name: 'db', key: 'uri' }, prot: 5432 } } } }, 'port'],
  ['a Secret reference', { mlflow: { backendStore: { external: { uriSecret: { nmae: 'db', key: 'uri' } } } } }, 'name'],
  ['an artifact store', { mlflow: { artifactStore: { s4: { bucket: 'b' } } } }, 's3'],
  ['the embedded object store', { mlflow: { artifactStore: { embedded: { buckt: 'b' } } } }, 'bucket'],
  ['an S3 store', { mlflow: { artifactStore: { s3: { bucket: 'b', regoin: 'eu' } } } }, 'region'],
  ['operators', { operators: { sparkOperater: { enabled: false } } }, 'sparkOperator'],
  ['an operator', { operators: { keda: { enabeld: false } } }, 'enabled'],
];

describe('unknown keys, at every level', () => {
  test.each(TYPOS)('in %s: refused at the key, with "did you mean"', (_, config, meant) => {
    const text = YAML.stringify(config);
    const typo = text.split('\n').findIndex((l) => /^[\s-]*\w+:/.test(l) && !new RegExp(`^[\\s-]*(${knownKeys()}):`).test(l));
    const lineText = text.split('\n')[typo];
    const key = /^[\s-]*(\w+):/.exec(lineText)![1];
    const loaded = loadPlatformText('platform.yaml', text);
    expect(loaded.issues).toHaveLength(1);
    const [issue] = loaded.issues;
    expect(issue.problem).toMatch(new RegExp(`^unknown field \`${key}\` in `));
    expect(issue.fix).toMatch(new RegExp(`^did you mean \`${meant}\`\\? remove it or use one of: `));
    expect([issue.line, issue.col]).toEqual([typo + 1, lineText.indexOf(key) + 1]);
    expect(issue.path.endsWith(key)).toBe(true);
  });

  test("a team's `quoat` is an error at FILE:LINE:COL from the CLI (it used to give the team the default quota, 0 GPUs)", () => {
    const file = write('quoat.yaml', 'teams:\n  - name: risk\n    quoat: { gpus: 2 }\n');
    const built = buildPlatformFile(new App(), file);
    expect(built.issues.map(formatConfigIssue)).toEqual([
      `${file}:3:5: \`teams[0].quoat\` unknown field \`quoat\` in a team. Fix: did you mean \`quota\`? remove it or use one of: name, quota, limits, editorGroups, objectStoreCidrs, allowBroadEditorGroups, objectStore, workspace.`,
    ]);
  });

  test('`examples` is an app setting: the apps accept it (a boolean), the CLI refuses it', () => {
    const text = 'teams: [{ name: risk }]\nexamples: false\n';
    expect(loadPlatformText('p.yaml', text, { appSettings: true })).toMatchObject({ issues: [], settings: { examples: false } });
    expect(loadPlatformText('p.yaml', text, { appSettings: true }).props).toEqual({ teams: [{ name: 'risk' }] });
    expect(loadPlatformText('p.yaml', text).issues.map(formatConfigIssue)).toEqual([
      'p.yaml:2:1: `examples` unknown field `examples` in a platform file. Fix: remove it or use one of: platformNamespace, mlflow, teams, gpuPools, operators, monitoringNamespace, apiServer, prerequisites, sso.',
    ]);
    expect(loadPlatformText('p.yaml', 'examples: yes please\n', { appSettings: true }).issues.map(formatConfigIssue)).toEqual([
      'p.yaml:1:11: `examples` = "yes please" must be boolean. Fix: write true or false.',
    ]);
  });
});

/** Every key the schema knows, as a regexp alternation. */
function knownKeys(): string {
  const all = new Set<string>(Object.keys((PLATFORM_SCHEMA as Json).properties));
  for (const d of Object.values(defs)) {
    for (const [k, v] of Object.entries((d.properties ?? {}) as Json)) {
      all.add(k);
      for (const k2 of Object.keys(((v as Json).properties ?? {}) as Json)) all.add(k2);
    }
  }
  return [...all].join('|');
}

describe("the constructs' problems, located where the configuration sets them", () => {
  test('each part at `within` + `field`; a construct problem replaces the schema problem at the same field', () => {
    const text = [
      'teams:',
      '  - name: risk',
      '  - name: risk',
      '    quota: { cpu: lots }',
      'gpuPools:',
      '  - name: gpu',
      '    taint: { key: purpose, effect: Sometimes }',
      'mlflow:',
      '  backendStore: { embedded: { storageSize: huge } }',
      '',
    ].join('\n');
    const built = buildLoadedPlatform(new App(), loadPlatformText('p.yaml', text));
    expect(built.platform).toBeUndefined();
    expect(built.issues.map((i) => `${i.located.line}:${i.located.col} ${i.located.path} ${i.construct?.kind}`)).toEqual([
      '2:3 teams Platform',
      '4:19 teams[1].quota.cpu TeamSpace',
      '7:36 gpuPools[0].taint.effect GpuNodePool',
      `9:44 mlflow.backendStore.embedded.storageSize ${built.issues[3].construct?.kind}`,
    ]);
    expect(built.issues[3].construct).toBeDefined();
    // The schema's enum problem at `taint.effect` gave way to the construct's own message.
    expect(built.issues.some((i) => /is not one of/.test(i.located.problem))).toBe(false);
  });

  test('a value of the wrong shape that no construct checks stays a schema problem', () => {
    const built = buildLoadedPlatform(new App(), loadPlatformText('p.yaml', 'teams:\n  - name: risk\n    quota: 5\n'));
    expect(built.issues.map((i) => formatConfigIssue(i.located))).toEqual([
      'p.yaml:3:12: `teams[0].quota` = 5 must be object. Fix: write a map of fields (key: value lines).',
    ]);
    // The platform itself was built: team files can still be checked against it.
    expect(built.platform?.teams.has('risk')).toBe(true);
  });

  test('a file that is no map, or no YAML, or missing', () => {
    expect(loadPlatformText('p.yaml', '- a\n- b\n').issues.map(formatConfigIssue)).toEqual([
      'p.yaml:1:1: must be a map of platform settings (teams, gpuPools, mlflow, ...). Fix: see examples/small-team/platform.yaml.',
    ]);
    expect(loadPlatformText('p.yaml', 'teams: [\n').issues[0].problem).toMatch(/^is not valid YAML/);
    expect(loadPlatformText('p.yaml', '').issues).toEqual([]);
    expect(buildPlatformFile(new App(), join(dir, 'missing.yaml')).issues.map(formatConfigIssue)).toEqual([
      `${join(dir, 'missing.yaml')}: the platform file cannot be read (ENOENT). Fix: check the path given to --platform.`,
    ]);
  });
});

describe('the same configuration through the three front ends', () => {
  /** Every chart's objects, by chart id. */
  const tree = (app: App) => Object.fromEntries(app.charts.map((c) => [c.node.id, c.toJson()]));
  const file = resolve(__dirname, '..', 'examples', 'team-workspaces', 'platform.yaml');
  const data = YAML.parse(readFileSync(file, 'utf8'));

  test('the CLI (--platform), the cdk8s app (MODELPLANE_CONFIG, YAML or JSON) and the Pulumi stack config give the same tree', () => {
    const cli = new App();
    expect(buildPlatformFile(cli, file).issues).toEqual([]);
    const cdk8s = new App();
    buildPlatformFromFile(cdk8s, file);
    const json = new App();
    buildPlatformFromFile(json, write('platform.json', JSON.stringify(data, null, 2)));
    pulumi.runtime.setAllConfig({ 'modelplane:platform': JSON.stringify(data) }, []);
    const { config } = configFromStack(new pulumi.Config('modelplane'));
    const stack = new App();
    buildPlatform(stack, config);
    const expected = tree(cli);
    expect(Object.keys(expected)).toEqual(['platform', 'team-b2b-scoring', 'team-geo-analytics']);
    expect(tree(cdk8s)).toEqual(expected);
    expect(tree(json)).toEqual(expected);
    expect(tree(stack)).toEqual(expected);
  });

  test("the cdk8s app: every problem at FILE:LINE:COL with the construct's message, and nothing written", () => {
    const bad = write('bad.yaml', 'teams:\n  - name: risk\n  - name: risk\n    quoat: {}\n');
    const out = join(dir, 'out');
    let error: unknown;
    try {
      synth(out, bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlatformConfigError);
    expect((error as Error).message.split('\n')).toEqual([
      `${bad}:2:3: Platform "platform": \`teams\` = "risk": names the same team twice. Fix: give each team one entry; merge their settings`,
      `${bad}:4:5: \`teams[1].quoat\` unknown field \`quoat\` in a team. Fix: did you mean \`quota\`? remove it or use one of: name, quota, limits, editorGroups, objectStoreCidrs, allowBroadEditorGroups, objectStore, workspace.`,
    ]);
    expect(existsSync(out)).toBe(false);
    const missing = join(dir, 'no-such.yaml');
    expect(() => synth(out, missing)).toThrow(
      `${missing}: the platform file cannot be read (ENOENT). Fix: check the path in MODELPLANE_CONFIG.`,
    );
  });

  test('the Pulumi stack config: one error listing every problem by its config key', () => {
    pulumi.runtime.setAllConfig(
      { 'modelplane:platform': JSON.stringify({ teams: [{ name: 'risk', quoat: {} }], gpuPool: [], examples: 'no' }) },
      [],
    );
    let error: unknown;
    try {
      configFromStack(new pulumi.Config('modelplane'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StackConfigError);
    expect((error as StackConfigError).problems).toEqual([
      'Pulumi config: `modelplane:platform.examples` = "no" must be boolean. Fix: write true or false.',
      'Pulumi config: `modelplane:platform.gpuPool` unknown field `gpuPool` in `modelplane:platform`. Fix: did you mean `gpuPools`? remove it or use one of: platformNamespace, mlflow, teams, gpuPools, operators, monitoringNamespace, apiServer, prerequisites, sso, examples.',
      'Pulumi config: `modelplane:platform.teams[0].quoat` unknown field `quoat` in a team. Fix: did you mean `quota`? remove it or use one of: name, quota, limits, editorGroups, objectStoreCidrs, allowBroadEditorGroups, objectStore, workspace.',
    ]);
  });

  test('construct problems of a configuration without positions name its path', () => {
    const loaded = loadPlatformData({ teams: [{ name: 'risk', quota: { cpu: 'lots' } }] }, pathLocator('modelplane:platform'));
    const built = buildLoadedPlatform(new App(), loaded);
    expect(built.issues.map(formatPlatformIssue)).toEqual([
      expect.stringMatching(
        /^`modelplane:platform\.teams\[0\]\.quota\.cpu`: TeamSpace "risk": `quota\.cpu` = "lots": is not a Kubernetes quantity/,
      ),
    ]);
    expect(() => buildPlatform(new App(), { teams: [{ name: 'risk', quota: { cpu: 'lots' } }] })).toThrow(
      /^`config\.teams\[0\]\.quota\.cpu`: TeamSpace "risk": `quota\.cpu` = "lots"/,
    );
  });
});

describe('the shared schema-error helpers', () => {
  const word = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split('')), minLength: 1, maxLength: 12 });

  test('didYouMean: a candidate given exactly is its own best match; far-off words get none', () => {
    fc.assert(
      fc.property(fc.uniqueArray(word, { minLength: 1, maxLength: 8 }), fc.nat(), (candidates, k) => {
        const c = candidates[k % candidates.length];
        expect(didYouMean(c, candidates)).toBe(c);
      }),
    );
    expect(didYouMean('quoat', ['name', 'quota', 'limits'])).toBe('quota');
    expect(didYouMean('zzzzzzzz', ['name', 'quota', 'limits'])).toBeUndefined();
  });

  test('pointerToPath reads JSON pointers back into field paths (escapes, list indexes)', () => {
    const segment = fc.oneof(
      fc.nat({ max: 99 }),
      fc.string({ minLength: 1, maxLength: 6 }).filter((s) => !/^\d+$/.test(s)),
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 5 }), (path) => {
        const pointer = path.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
        expect(pointerToPath(pointer)).toEqual(path);
      }),
    );
  });
});
