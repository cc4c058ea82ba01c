/**
 * The README's "For platform engineers" commands, read from README.md and run as written by bash in a copy of
 * this checkout (its own `npm ci`, `source scripts/pulumi/env.sh` finding the cached engine, the example stack
 * file, the passphrase, the file backend, the stack, the secret, preview, up), against the local kube-apiserver.
 * Two lines are added before `pulumi preview`, because this API server has no nodes and chart repositories are
 * unreachable here: `pulumi config set modelplane:installOperators false` and `... modelplane:skipAwait true`.
 * `pulumi up` runs without a terminal, so PULUMI_SKIP_CONFIRMATIONS=true answers its question. Then every object
 * `modelplane synth` writes for the example's files must be in the cluster, equal, and destroy removes them.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  Checkout,
  K8S_OBJECT,
  keyOf,
  leftAfterDelete,
  liveAndDryRun,
  repoRoot,
  requireEngine,
  stateName,
  strip,
  synthLikeStack,
} from './support';

const SECTION = '## For platform engineers (`pulumi up`)';

/** The first sh block of the README's section for platform engineers. */
function readmeBlock(): string[] {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const at = readme.indexOf(SECTION);
  expect(at).toBeGreaterThan(-1);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  expect(block).not.toBeNull();
  return block![1]!.trim().split('\n');
}

let c: Checkout;

beforeAll(() => {
  requireEngine();
  c = new Checkout('readme', { ownPackages: true });
});

afterAll(() => {
  if (c && fs.existsSync(path.join(c.dir, 'Pulumi.prod.yaml'))) {
    const setup = readmeBlock().filter((l) => /^(export |pulumi login |source )/.test(l));
    c.spawn('bash', ['-c', [...setup, 'pulumi destroy --yes --skip-preview --stack prod || true'].join('\n')], envForReadme());
  }
  c?.remove();
});

/** The tier's environment without what the README sets itself (backend, passphrase). */
function envForReadme(): NodeJS.ProcessEnv {
  return { PULUMI_BACKEND_URL: '', PULUMI_CONFIG_PASSPHRASE: '', PULUMI_SKIP_CONFIRMATIONS: 'true', CI: 'true' };
}

test("the README's commands deploy the example stack: every object of synth, equal; destroy removes them", () => {
  const lines = readmeBlock();
  const preview = lines.findIndex((l) => l.startsWith('pulumi preview'));
  expect(preview).toBeGreaterThan(0);
  const script = [
    'set -euo pipefail',
    // `env -u` cannot unset through the spawn options: an empty value would still count as set.
    'unset PULUMI_BACKEND_URL PULUMI_CONFIG_PASSPHRASE',
    ...lines.slice(0, preview),
    'pulumi config set modelplane:installOperators false',
    'pulumi config set modelplane:skipAwait true',
    ...lines.slice(preview),
  ].join('\n');
  const r = c.spawn('bash', ['-c', script], envForReadme());
  if (r.status !== 0)
    throw new Error(`the README's commands failed (exit ${r.status}):\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  console.log(`README commands (npm ci, env.sh, stack init, preview, up): ${r.seconds.toFixed(1)} s`);

  const stack = fs.readFileSync(path.join(c.dir, 'Pulumi.prod.yaml'), 'utf8');
  expect(stack).toContain('encryptionsalt:');
  expect(stack).toContain('modelplane:databaseUri:\n    secure:');
  const example = fs.readFileSync(path.join(c.dir, 'Pulumi.example.yaml'), 'utf8');
  const platformFile = /modelplane:platformFile: (\S+)/.exec(example)![1]!;
  const teamFiles = [...example.matchAll(/^ {4}- (\S+\.yaml)$/gm)].map((m) => m[1]!);
  expect(teamFiles.length).toBeGreaterThan(0);
  const dir = path.join(c.dir, 'expected', 'dist');
  const expected = synthLikeStack(c, platformFile, teamFiles, dir);
  const { live, dry } = liveAndDryRun(dir);
  expect([...live.keys()].sort()).toEqual(expected.map(keyOf).sort());
  for (const o of expected)
    expect({ key: keyOf(o), o: strip(dry.get(keyOf(o))!) }).toEqual({ key: keyOf(o), o: strip(live.get(keyOf(o))!) });

  // The README's own backend and passphrase for what follows.
  const asReadme = (...commands: string[]) => {
    const setup = lines.filter((l) => /^(export |pulumi login )/.test(l));
    const out = c.spawn(
      'bash',
      ['-c', ['set -e', 'unset PULUMI_BACKEND_URL PULUMI_CONFIG_PASSPHRASE', ...setup, ...commands].join('\n')],
      envForReadme(),
    );
    if (out.status !== 0) throw new Error(`${commands.join('; ')} failed:\n${out.stdout.slice(-3000)}\n${out.stderr.slice(-3000)}`);
    return out.stdout;
  };
  const exported = path.join(c.dir, 'expected', 'prod-state.json');
  asReadme(`pulumi stack export --stack prod --file ${exported}`);
  const resources: Array<{ type: string; id: string }> = JSON.parse(fs.readFileSync(exported, 'utf8')).deployment.resources;
  const names = resources
    .filter((x) => K8S_OBJECT.test(x.type))
    .map((x) => `${x.type.split(':').pop()} ${x.id.includes('/') ? x.id : `/${x.id}`}`);
  expect(names.sort()).toEqual([...expected.map(stateName), 'Secret modelplane-system/mlflow-db'].sort());
  asReadme('pulumi destroy --yes --stack prod', 'pulumi stack rm --yes prod');
  expect(fs.existsSync(path.join(c.dir, 'Pulumi.prod.yaml'))).toBe(false);
  expect(leftAfterDelete(dir)).toBe('');
});
