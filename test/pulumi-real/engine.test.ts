/**
 * The Pulumi engine built from the Go module proxy (CLI v3.259.0) with our Node.js language host runs a
 * TypeScript program laid out like ours (Pulumi.yaml `main` in a subdirectory, runtime options), with stack
 * config and secrets, through preview, up, a no-change up, an update, an error, and destroy.
 */
import { Project, previewSteps, requireEngine } from './pulumi';

const program = `
import * as pulumi from '@pulumi/pulumi';

class Team extends pulumi.ComponentResource {
  readonly members: number;
  constructor(name: string, members: number, opts?: pulumi.ComponentResourceOptions) {
    super('modelplane:test:Team', name, {}, opts);
    this.members = members;
    this.registerOutputs({ members });
  }
}

const cfg = new pulumi.Config();
if (cfg.getBoolean('fail')) {
  throw new Error('failing on purpose: modelplane-test-failure');
}
const teams = cfg.requireObject<string[]>('teams');
const created = teams.map((t, i) => new Team(t, i + 1));
export const total = created.reduce((n, t) => n + t.members, 0);
export const token = cfg.requireSecret('token');
export const programDir = process.cwd();
export const nodeArgs = process.execArgv.join(' ');
export const stack = pulumi.getStack();
export const project = pulumi.getProject();
`;

describe('the Pulumi engine and language host', () => {
  let proj: Project;

  beforeAll(() => {
    requireEngine();
    proj = new Project('engine', {
      'Pulumi.yaml': [
        'name: enginecheck',
        'runtime:',
        '  name: nodejs',
        '  options:',
        '    typescript: true',
        '    nodeargs: --max-old-space-size=1536',
        'main: src/main.ts',
        '',
      ].join('\n'),
      'package.json': JSON.stringify({ name: 'enginecheck', private: true }),
      'tsconfig.json': JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, esModuleInterop: true, skipLibCheck: true },
      }),
      'src/main.ts': program,
    });
    proj.ok(['stack', 'init', 'test']);
    proj.ok(['config', 'set', '--path', 'teams[0]', 'alpha']);
    proj.ok(['config', 'set', '--path', 'teams[1]', 'beta']);
    proj.ok(['config', 'set', '--secret', 'token', 's3cr3t-value']);
  });

  afterAll(() => proj?.remove());

  test('preview plans the stack and one component per configured team', () => {
    const r = proj.ok(['preview', '--json']);
    const steps = previewSteps(r.stdout);
    expect(steps.filter((s) => s.type === 'pulumi:pulumi:Stack').map((s) => s.op)).toEqual(['create']);
    expect(steps.filter((s) => s.type === 'modelplane:test:Team').map((s) => s.op)).toEqual(['create', 'create']);
    // The secret never appears in plain text in the preview.
    expect(r.stdout).not.toContain('s3cr3t-value');
  });

  test('up creates them and the outputs carry config, secrets and the runtime options', () => {
    proj.ok(['up', '--yes']);
    expect(proj.resourceTypes()).toEqual(['modelplane:test:Team', 'modelplane:test:Team', 'pulumi:pulumi:Stack']);
    const out = proj.outputs();
    expect(out.total).toBe(3);
    expect(out.token).toBe('s3cr3t-value');
    expect(out.stack).toBe('test');
    expect(out.project).toBe('enginecheck');
    // Pulumi.yaml `main: src/main.ts` runs with src/ as working directory, like upstream's host.
    expect(String(out.programDir).endsWith('/src')).toBe(true);
    expect(out.nodeArgs).toBe('--max-old-space-size=1536');
    // The state file stores the secret encrypted with the passphrase provider.
    expect(proj.ok(['stack', 'export']).stdout).not.toContain('s3cr3t-value');
  });

  test('a second up changes nothing', () => {
    const r = proj.run(['up', '--yes', '--expect-no-changes']);
    expect(r.status).toBe(0);
  });

  test('a config change adds exactly the new component', () => {
    proj.ok(['config', 'set', '--path', 'teams[2]', 'gamma']);
    const steps = previewSteps(proj.ok(['preview', '--json']).stdout);
    // --json lists only the steps that change something: the two existing teams are not in it.
    expect(steps.filter((s) => s.type === 'modelplane:test:Team').map((s) => s.op)).toEqual(['create']);
    proj.ok(['up', '--yes']);
    expect(proj.outputs().total).toBe(6);
  });

  test('an exception in the program fails preview with the program error and leaves the stack alone', () => {
    proj.ok(['config', 'set', 'fail', 'true']);
    const r = proj.run(['preview']);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('failing on purpose: modelplane-test-failure');
    proj.ok(['config', 'rm', 'fail']);
    expect(proj.outputs().total).toBe(6);
  });

  test('destroy removes every resource', () => {
    proj.ok(['destroy', '--yes']);
    expect(proj.resourceTypes()).toEqual([]);
  });
});
