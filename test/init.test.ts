/**
 * `modelplane init` beyond the CLI test: the dependency spec it writes for each way modelplane can be
 * installed, the three CI pipelines (the same modelplane steps in each, the apply gated), and the two
 * scripts they share, run for real in a git repository against this checkout's CLI.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import type { PackageInfo } from '../src/core/package-info';
import { defaultPackageSpec, scaffold, scaffoldFiles } from '../src/frontends/cli/init';
import { CI_NODE_MAJOR } from '../src/frontends/cli/init-templates';

const ROOT = resolve(__dirname, '..');

jest.setTimeout(180_000);

let dir: string;
beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'modelplane-init-')));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the modelplane dependency init writes', () => {
  /** modelplane installed at project/node_modules/modelplane, with `resolved` in the hidden lock file. */
  function installed(resolved: string | undefined, lock = '.package-lock.json'): PackageInfo {
    const pkgDir = join(dir, 'project', 'node_modules', 'modelplane');
    mkdirSync(pkgDir, { recursive: true });
    const entry = resolved === undefined ? {} : { 'node_modules/modelplane': { version: '1.2.3', resolved } };
    const lockFile = lock === '.package-lock.json' ? join(dir, 'project', 'node_modules', lock) : join(dir, 'project', lock);
    writeFileSync(lockFile, JSON.stringify({ lockfileVersion: 3, packages: entry }));
    return { root: pkgDir, name: 'modelplane', version: '1.2.3' };
  }

  test('a source checkout (or a link to one): file: and the directory', () => {
    expect(defaultPackageSpec()).toBe(`file:${ROOT}`);
    mkdirSync(join(dir, 'project', 'node_modules'), { recursive: true });
    symlinkSync(ROOT, join(dir, 'project', 'node_modules', 'modelplane'));
    expect(defaultPackageSpec({ root: join(dir, 'project', 'node_modules', 'modelplane'), name: 'modelplane', version: '0.1.0' })).toBe(
      `file:${ROOT}`,
    );
  });

  test('installed from a tarball or directory: file: and its absolute path, from the lock file', () => {
    expect(defaultPackageSpec(installed('file:../packs/modelplane-1.2.3.tgz'))).toBe(`file:${join(dir, 'packs', 'modelplane-1.2.3.tgz')}`);
    rmSync(join(dir, 'project'), { recursive: true });
    expect(defaultPackageSpec(installed('file:vendor/modelplane-1.2.3.tgz', 'package-lock.json'))).toBe(
      `file:${join(dir, 'project', 'vendor', 'modelplane-1.2.3.tgz')}`,
    );
  });

  test('installed from a registry: ^ and the version; another URL as it is; no lock file: the version', () => {
    expect(defaultPackageSpec(installed('https://registry.npmjs.org/modelplane/-/modelplane-1.2.3.tgz'))).toBe('^1.2.3');
    rmSync(join(dir, 'project'), { recursive: true });
    expect(defaultPackageSpec(installed('https://npm.example.com/repository/npm/modelplane/-/modelplane-1.2.3.tgz'))).toBe('^1.2.3');
    rmSync(join(dir, 'project'), { recursive: true });
    const git = 'git+ssh://git@example.com/ml/modelplane.git#0123456789abcdef0123456789abcdef01234567';
    expect(defaultPackageSpec(installed(git))).toBe(git);
    rmSync(join(dir, 'project'), { recursive: true });
    expect(defaultPackageSpec(installed(undefined))).toBe('^1.2.3');
  });

  test('--package-spec wins', () => {
    const files = scaffoldFiles({ dir: join(dir, 'risk-models'), packageSpec: '^0.1.0' });
    expect(JSON.parse(files['package.json']).devDependencies).toEqual({ modelplane: '^0.1.0' });
  });
});

describe('the CI pipelines', () => {
  const files = scaffoldFiles({ dir: 'my-models', team: 'risk', packageSpec: '^0.1.0' });
  /** The modelplane commands and ci/ scripts a pipeline runs, in order. */
  const steps = (text: string) =>
    [...text.matchAll(/(npx modelplane [a-z]+ [^'"\n]*|sh ci\/modelplane-[a-z]+\.sh)/g)].map((m) => m[1].trim());
  const expected = [
    'npx modelplane validate -f modelplane.yaml',
    'npx modelplane synth -f modelplane.yaml -o dist',
    'sh ci/modelplane-diff.sh',
    'sh ci/modelplane-apply.sh',
  ];

  test('GitLab CI, GitHub Actions and Jenkins run the same steps: validate, synth, diff, apply', () => {
    expect(steps(files['.gitlab-ci.yml'])).toEqual(expected);
    expect(steps(files['.github/workflows/modelplane.yml'])).toEqual(expected);
    expect(steps(files.Jenkinsfile)).toEqual(expected);
  });

  test('GitLab: dist/ is the artifact; the diff warns on changes; apply only on the default branch with a kubeconfig', () => {
    const ci = YAML.parse(files['.gitlab-ci.yml']);
    expect(ci.stages).toEqual(['validate', 'synth', 'diff', 'apply']);
    expect(ci.default.image).toBe(`docker.io/library/node:${CI_NODE_MAJOR}-bookworm`);
    expect(ci['modelplane:synth'].artifacts.paths).toEqual(['dist/']);
    expect(ci['modelplane:diff']).toMatchObject({ variables: { GIT_DEPTH: '0' }, allow_failure: { exit_codes: [3] } });
    expect(ci['modelplane:apply'].rules).toEqual([{ if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $KUBECONFIG' }]);
    expect(ci['modelplane:apply'].needs).toEqual(['modelplane:synth']);
  });

  test('GitHub Actions: full history for the diff, the artifact with its manifest, apply on pushes to main with the secret', () => {
    const wf = YAML.parse(files['.github/workflows/modelplane.yml']);
    const synth = wf.jobs.synth.steps;
    expect(synth[0]).toEqual({ uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } });
    expect(synth[1].with['node-version']).toBe(CI_NODE_MAJOR);
    expect(synth.find((s: { run?: string }) => s.run?.includes('modelplane-diff')).run).toBe(
      'sh ci/modelplane-diff.sh "$BASE" || [ $? -eq 3 ]',
    );
    expect(synth.at(-1).with).toEqual({ name: 'manifests', path: 'dist/', 'include-hidden-files': true });
    expect(wf.jobs.apply.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    expect(wf.jobs.apply.environment).toBe('production');
    expect(wf.jobs.apply.steps.at(-1).env).toEqual({ KUBECONFIG_DATA: '${{ secrets.MODELPLANE_KUBECONFIG }}' });
  });

  test('Jenkins: the artifact archived, exit 3 of the diff marks the build unstable, apply on main with a credential', () => {
    const j = files.Jenkinsfile;
    expect(j).toContain(`agent { docker { image 'docker.io/library/node:${CI_NODE_MAJOR}-bookworm' } }`);
    expect(j).toContain("archiveArtifacts artifacts: 'dist/**'");
    expect(j).toMatch(/if \(rc == 3\) \{\n\s+unstable\(/);
    expect(j).toMatch(/when \{\n\s+allOf \{\n\s+branch 'main'\n\s+expression \{ return env\.MODELPLANE_KUBECONFIG_ID/);
    expect(j).toContain("withCredentials([file(credentialsId: env.MODELPLANE_KUBECONFIG_ID, variable: 'KUBECONFIG')])");
    // Braces balance (a cheap check of a file no Groovy parser here reads).
    expect(j.split('{').length).toBe(j.split('}').length);
  });
});

describe('the ci/ scripts', () => {
  const gitEnv = {
    ...process.env,
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@example.com',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@example.com',
  };
  const sh = (repo: string, args: string[], env: NodeJS.ProcessEnv = gitEnv) => {
    const r = spawnSync('sh', args, { cwd: repo, encoding: 'utf8', env, timeout: 120_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const git = (repo: string, ...args: string[]) => {
    const r = spawnSync('git', args, { cwd: repo, encoding: 'utf8', env: gitEnv });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  };

  /** A scaffolded repository committed to git, with this checkout installed as its modelplane. */
  function repository(): string {
    const repo = join(dir, 'risk-models');
    scaffold({ dir: repo, team: 'risk', packageSpec: `file:${ROOT}` });
    mkdirSync(join(repo, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(ROOT, join(repo, 'node_modules', 'modelplane'));
    symlinkSync(join('..', 'modelplane', 'bin', 'modelplane.js'), join(repo, 'node_modules', '.bin', 'modelplane'));
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'models');
    return repo;
  }

  test('modelplane-diff.sh: 0 when nothing changes, 3 listing the change, every object new without a base, 2 for an unknown base', () => {
    const repo = repository();
    expect(sh(repo, ['ci/modelplane-diff.sh', 'HEAD'])).toEqual({ code: 0, out: '0 added, 0 changed, 0 removed\n', err: '' });
    writeFileSync(join(repo, 'modelplane.yaml'), readFileSync(join(repo, 'modelplane.yaml'), 'utf8').replace('max: 6', 'max: 8'));
    const changed = sh(repo, ['ci/modelplane-diff.sh', 'HEAD']);
    expect(changed).toEqual({
      code: 3,
      out: '~ serving.kserve.io/v1beta1 InferenceService risk/churn-api\n    spec.predictor.maxReplicas\n0 added, 1 changed, 0 removed\n',
      err: '',
    });
    const fresh = sh(repo, ['ci/modelplane-diff.sh', '0000000000000000000000000000000000000000']);
    expect(fresh.code).toBe(3);
    expect(fresh.out).toMatch(
      /^ci\/modelplane-diff\.sh: no base revision .*\n[\s\S]*\+ dags\/risk\.nightly\.py\n12 added, 0 changed, 0 removed\n$/,
    );
    const unknown = sh(repo, ['ci/modelplane-diff.sh', 'no-such-branch']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('ci/modelplane-diff.sh: the base revision no-such-branch is neither in this clone nor on origin. Fix: ');
  });

  test('modelplane-apply.sh: refuses without KUBECONFIG or output; applies server-side with the field manager', () => {
    const repo = repository();
    const env = { ...gitEnv, KUBECONFIG: '' };
    expect(sh(repo, ['ci/modelplane-apply.sh'], env)).toMatchObject({ code: 2, out: '' });
    expect(sh(repo, ['ci/modelplane-apply.sh'], env).err).toMatch(
      /^ci\/modelplane-apply\.sh: KUBECONFIG is not set, so nothing was applied\. Fix: /,
    );
    const withConfig = { ...gitEnv, KUBECONFIG: join(dir, 'kubeconfig') };
    expect(sh(repo, ['ci/modelplane-apply.sh', 'dist'], withConfig).err).toContain(
      'dist holds no modelplane output. Fix: run npx modelplane synth -o dist',
    );
    // A kubectl on PATH that records its arguments.
    mkdirSync(join(dir, 'fakebin'));
    writeFileSync(join(dir, 'fakebin', 'kubectl'), `#!/bin/sh\necho "$@" > "${join(dir, 'kubectl-args')}"\n`);
    chmodSync(join(dir, 'fakebin', 'kubectl'), 0o755);
    expect(spawnSync(process.execPath, [join(ROOT, 'bin', 'modelplane.js'), 'synth', '-q', '-o', 'dist'], { cwd: repo }).status).toBe(0);
    const applied = sh(repo, ['ci/modelplane-apply.sh', 'dist'], { ...withConfig, PATH: `${join(dir, 'fakebin')}:${process.env.PATH}` });
    expect(applied).toEqual({ code: 0, out: '', err: '' });
    expect(readFileSync(join(dir, 'kubectl-args'), 'utf8')).toBe('apply --server-side --field-manager=modelplane -f dist\n');
  });
});
