/**
 * The Pulumi bridge as a component resource, under `pulumi.runtime.setMocks`: one
 * `modelplane:index:Platform` whose children are every Helm release, ConfigGroup and Secret (each
 * also aliased to no parent, so stacks deployed before the component keep their resources), its
 * outputs registered; every input problem thrown at once, and nothing registered when the
 * arguments, the construct tree or the stack config are invalid.
 */
import * as pulumi from '@pulumi/pulumi';
import { Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Platform } from '../src/constructs/platform/platform';
import { ModelplaneValidationError } from '../src/core/errors';
import { ModelplaneDeployment, PLATFORM_TYPE } from '../src/frontends/pulumi/component';
import { StackConfigError } from '../src/frontends/pulumi/stack-config';
import { program } from '../stacks/pulumi-program';

interface Registration {
  readonly type: string;
  readonly name: string;
  readonly parent: string;
  /** True when the resource carries an alias without a parent (where it was before the component). */
  readonly aliasedToNoParent: boolean;
}

const registrations: Registration[] = [];
const outputs = new Map<string, Record<string, unknown>>();

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: (args) => args.inputs },
    'modelplane',
    'test',
    false,
  );
  const monitor = (pulumi.runtime as any).getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    const aliases = req.getAliasesList?.() ?? [];
    registrations.push({
      type: req.getType(),
      name: req.getName(),
      parent: req.getParent(),
      aliasedToNoParent: aliases.some((a: any) => a.getSpec?.()?.getNoparent?.() === true),
    });
    register(req, callback);
  };
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req: any, callback: any) => {
    outputs.set(req.getUrn(), req.getOutputs()?.toJavaScript() ?? {});
    registerOutputs(req, callback);
  };
});

beforeEach(() => {
  registrations.length = 0;
  outputs.clear();
});

const settle = () => (pulumi.runtime as any).waitForRPCs();
const urnOf = (r: Registration) => `urn:pulumi:test::modelplane::${r.type}::${r.name}`;

describe('ModelplaneDeployment', () => {
  test('the program deploys one component: type token, every release, ConfigGroup and Secret its child, outputs registered', async () => {
    pulumi.runtime.setAllConfig(
      {
        'modelplane:platform': JSON.stringify({ teams: [{ name: 'risk' }], examples: false }),
        'modelplane:databaseUri': 'postgresql://u:p@db/mlflow',
      },
      ['modelplane:databaseUri'],
    );
    const result = program();
    await settle();
    const components = registrations.filter((r) => r.type === PLATFORM_TYPE);
    expect(components.map((c) => c.name)).toEqual(['modelplane']);
    const component = urnOf(components[0]);
    const children = registrations.filter((r) => r.type !== PLATFORM_TYPE && !r.type.startsWith('pulumi:providers:'));
    expect(new Set(children.map((c) => c.type))).toEqual(
      new Set(['kubernetes:helm.sh/v3:Release', 'kubernetes:yaml/v2:ConfigGroup', 'kubernetes:core/v1:Secret']),
    );
    for (const c of children) expect([c.type, c.name, c.parent, c.aliasedToNoParent]).toEqual([c.type, c.name, component, true]);
    // The provider is the program's, not the component's.
    expect(registrations.find((r) => r.type === 'pulumi:providers:kubernetes')?.parent).not.toBe(component);
    expect(outputs.get(component)).toEqual({
      mlflowTrackingUri: 'http://mlflow.modelplane-system.svc.cluster.local:5000',
      releases: (result as { releases: string[] }).releases,
      groups: ['platform-namespaces', 'platform', 'team-risk'],
    });
  });

  test('every problem of its arguments is thrown at once, before anything is registered', async () => {
    const app = Testing.app();
    const platform = new Platform(app, 'platform', {});
    let error: unknown;
    try {
      new ModelplaneDeployment('bad', {
        platform,
        skipAwait: 'yes' as never,
        secrets: { Bad_Name: { uri: 'x' }, empty: {}, keys: { 'bad key': 'x' } },
      });
    } catch (e) {
      error = e;
    }
    await settle();
    expect(error).toBeInstanceOf(ModelplaneValidationError);
    expect((error as ModelplaneValidationError).issues.map((i) => `${i.field}: ${i.problem}`)).toEqual([
      'skipAwait: must be true or false',
      'secrets["Bad_Name"]: is not a Secret name: it must be a DNS-1123 subdomain: lower-case letters, digits, "-" and "."',
      'secrets["empty"]: must hold at least one key',
      'secrets["keys"]: is not a Secret key',
    ]);
    expect(() => new ModelplaneDeployment('none', { platform: {} as Platform })).toThrow(
      'ModelplaneDeployment "none": `platform` is not set, and is not a Platform construct',
    );
    await settle();
    expect(registrations).toEqual([]);
  });

  test('a construct tree that fails its synth-time validation registers nothing', async () => {
    const app = Testing.app();
    const platform = new Platform(app, 'platform', {});
    const broken = new Chart(app, 'broken');
    broken.node.addValidation({ validate: () => ['always broken'] });
    new k8s.KubeConfigMap(broken, 'cm', {});
    expect(() => new ModelplaneDeployment('modelplane', { platform })).toThrow(/always broken/);
    await settle();
    expect(registrations).toEqual([]);
  });

  test("the stack's problems, all at once: structure, constructs and secret settings, each naming its config key; nothing registered", async () => {
    pulumi.runtime.setAllConfig(
      {
        'modelplane:platform': JSON.stringify({
          teams: [
            { name: 'risk', quota: { cpu: 'lots' } },
            { name: 'risk', quoat: {} },
          ],
        }),
        'modelplane:s3AccessKeyId': 'AKIA',
      },
      ['modelplane:s3AccessKeyId'],
    );
    let error: unknown;
    try {
      program();
    } catch (e) {
      error = e;
    }
    await settle();
    expect(error).toBeInstanceOf(StackConfigError);
    expect((error as StackConfigError).problems).toEqual([
      'Pulumi config: `modelplane:platform.teams`: Platform "platform": `teams` = "risk": names the same team twice. Fix: give each team one entry; merge their settings',
      expect.stringMatching(
        /^Pulumi config: `modelplane:platform\.teams\[0\]\.quota\.cpu`: TeamSpace "risk": `quota\.cpu` = "lots": is not a Kubernetes quantity/,
      ),
      'Pulumi config: `modelplane:platform.teams[1].quoat` unknown field `quoat` in a team. Fix: did you mean `quota`? remove it or use one of: name, quota, limits, editorGroups, objectStoreCidrs, allowBroadEditorGroups, objectStore, workspace.',
      'Pulumi config: `modelplane:s3AccessKeyId` is set without `modelplane:s3SecretAccessKey`. Fix: set both with `pulumi config set --secret`, or neither to use workload identity.',
    ]);
    expect((error as Error).message).not.toContain('AKIA');
    expect(registrations).toEqual([]);
  });
});
