/**
 * The engine deploys to the local kube-apiserver: a program whose resource is a Pulumi dynamic provider that
 * server-side-applies a ConfigMap with kubectl goes through preview, up, a no-change up, an update and
 * destroy, and the API server holds exactly what each step says. Dynamic providers run under
 * pulumi-resource-pulumi-nodejs (scripts/pulumi/install.sh puts it beside the CLI), so this needs no
 * provider plugin from upstream; the Kubernetes provider itself cannot be built here (tools/pulumi/README.md).
 */
import { spawnSync } from 'child_process';
import { Project, previewSteps, requireEngine } from './pulumi';

const program = `
import * as pulumi from '@pulumi/pulumi';

interface ApplyInputs { manifest: any }

function kubectl(args: string[], input?: string): string {
  const bin = process.env.MODELPLANE_KUBECTL || 'kubectl';
  return require('child_process').execFileSync(bin, args, { input, encoding: 'utf8' });
}

const serverSideApply: pulumi.dynamic.ResourceProvider = {
  async create(inputs: ApplyInputs) {
    const args = ['apply', '--server-side', '--field-manager=modelplane-pulumi-test', '-o', 'json', '-f', '-'];
    const live = JSON.parse(kubectl(args, JSON.stringify(inputs.manifest)));
    return { id: live.metadata.namespace + '/' + live.metadata.name, outs: { manifest: inputs.manifest, uid: live.metadata.uid } };
  },
  async diff(_id: string, olds: ApplyInputs, news: ApplyInputs) {
    return { changes: JSON.stringify(olds.manifest) !== JSON.stringify(news.manifest) };
  },
  async update(_id: string, _olds: ApplyInputs, news: ApplyInputs) {
    const args = ['apply', '--server-side', '--field-manager=modelplane-pulumi-test', '-o', 'json', '-f', '-'];
    const live = JSON.parse(kubectl(args, JSON.stringify(news.manifest)));
    return { outs: { manifest: news.manifest, uid: live.metadata.uid } };
  },
  async delete(_id: string, props: ApplyInputs) {
    kubectl(['delete', '--ignore-not-found', '--wait=true', '-f', '-'], JSON.stringify(props.manifest));
  },
};

class Applied extends pulumi.dynamic.Resource {
  declare readonly uid: pulumi.Output<string>;
  constructor(name: string, manifest: object, opts?: pulumi.CustomResourceOptions) {
    super(serverSideApply, name, { manifest, uid: undefined }, opts);
  }
}

const cfg = new pulumi.Config();
const cm = new Applied('settings', {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'pulumi-real-settings', namespace: 'default' },
  data: { greeting: cfg.require('greeting') },
});
export const uid = cm.uid;
`;

function kubectlGet(): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.env.MODELPLANE_KUBECTL ?? 'kubectl',
    ['get', 'configmap', 'pulumi-real-settings', '-n', 'default', '-o', 'json', '--show-managed-fields'],
    { encoding: 'utf8' },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('pulumi up against the local kube-apiserver', () => {
  let proj: Project;

  beforeAll(() => {
    requireEngine();
    if (!process.env.KUBECONFIG) {
      throw new Error('KUBECONFIG is not set: run this tier with `npm run test:pulumi-real` (scripts/kube/with-cluster.sh)');
    }
    proj = new Project('apiserver', {
      'Pulumi.yaml': 'name: apiservercheck\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n',
      'package.json': JSON.stringify({ name: 'apiservercheck', private: true, main: 'index.ts' }),
      'tsconfig.json': JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, esModuleInterop: true, skipLibCheck: true },
      }),
      'index.ts': program,
    });
    proj.ok(['stack', 'init', 'test']);
    proj.ok(['config', 'set', 'greeting', 'hello']);
  });

  afterAll(() => proj?.remove());

  test('preview plans one object and creates nothing', () => {
    const r = proj.ok(['preview', '--json']);
    expect(
      previewSteps(r.stdout)
        .filter((s) => s.type === 'pulumi-nodejs:dynamic:Resource')
        .map((s) => s.op),
    ).toEqual(['create']);
    expect(kubectlGet().status).not.toBe(0);
    console.log(`pulumi preview: ${r.seconds.toFixed(1)} s`);
  });

  test('up creates the ConfigMap in the API server, owned by the program', () => {
    const r = proj.ok(['up', '--yes']);
    const live = JSON.parse(kubectlGet().stdout);
    expect(live.data).toEqual({ greeting: 'hello' });
    expect(live.metadata.managedFields.map((f: { manager: string }) => f.manager)).toContain('modelplane-pulumi-test');
    expect(proj.outputs().uid).toBe(live.metadata.uid);
    console.log(`pulumi up: ${r.seconds.toFixed(1)} s`);
  });

  test('a second up reports no changes', () => {
    const r = proj.run(['up', '--yes', '--expect-no-changes']);
    expect(r.status).toBe(0);
  });

  test('a config change updates the object in place', () => {
    const uid = proj.outputs().uid;
    proj.ok(['config', 'set', 'greeting', 'bonjour']);
    proj.ok(['up', '--yes']);
    const live = JSON.parse(kubectlGet().stdout);
    expect(live.data).toEqual({ greeting: 'bonjour' });
    expect(live.metadata.uid).toBe(uid);
  });

  test('destroy deletes it from the API server', () => {
    proj.ok(['destroy', '--yes']);
    const r = kubectlGet();
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('NotFound');
  });
});
