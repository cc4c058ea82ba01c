/**
 * `modelplane init` beyond the CLI test: the dependency spec it writes for each way modelplane can be
 * installed, the three CI pipelines (the same modelplane steps in each, the apply gated), the two
 * scripts they share, run for real in a git repository against this checkout's CLI, and DVC's
 * configuration and the README (real DVC reads and uses that configuration in the S3 tier, test/s3/dvc.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import type { PackageInfo } from '../src/core/package-info';
import { DEFAULT_TEAM_BUCKETS } from '../src/constructs/mlflow/embedded-object-store';
import { platformContext } from '../src/core/context';
import { UsageError } from '../src/frontends/config/usage-error';
import { defaultPackageSpec, InitOptions, scaffold, scaffoldFiles } from '../src/frontends/cli/init';
import { CI_NODE_MAJOR, DVC_DEFAULTS, DVC_S3_VERSION, DVC_VERSION } from '../src/frontends/cli/init-templates';

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
    'npx modelplane synth -f modelplane.yaml -o dist --commit',
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

describe("DVC's configuration and the README", () => {
  test('.dvc/config: the default remote named after the team, on its prefix of the data bucket, at the embedded store', () => {
    const files = scaffoldFiles({ dir: 'my-models', team: 'risk', packageSpec: '^0.1.0' });
    expect(files['.dvc/config']).toBe(
      [
        '[core]',
        '    analytics = false',
        '    remote = risk',
        '[\'remote "risk"\']',
        '    url = s3://data/risk/dvc',
        '    endpointurl = http://object-store.modelplane-system.svc.cluster.local:7070',
        '    region = us-east-1',
        '',
      ].join('\n'),
    );
    expect(files['.dvc/.gitignore']).toBe('/config.local\n/tmp\n/cache\n');
    // The same text on every run.
    expect(scaffoldFiles({ dir: 'my-models', team: 'risk', packageSpec: '^0.1.0' })).toEqual(files);
  });

  test('--object-store-endpoint, --object-store-region and --bucket: an external S3 store', () => {
    const files = scaffoldFiles({
      dir: 'my-models',
      team: 'fraud',
      packageSpec: '^0.1.0',
      objectStoreEndpoint: 'https://s3.eu-central-1.amazonaws.com',
      objectStoreRegion: 'eu-central-1',
      bucket: 'fraud-data.example',
    });
    expect(files['.dvc/config']).toBe(
      '[core]\n    analytics = false\n    remote = fraud\n[\'remote "fraud"\']\n    url = s3://fraud-data.example/fraud/dvc\n' +
        '    endpointurl = https://s3.eu-central-1.amazonaws.com\n    region = eu-central-1\n',
    );
    expect(files['README.md']).toContain('| `url` | `s3://fraud-data.example/fraud/dvc` |');
  });

  test('without --team the remote is named after the directory, like the team', () => {
    const files = scaffoldFiles({ dir: join('x', 'Pricing Models'), packageSpec: '^0.1.0' });
    expect(files['modelplane.yaml']).toContain('\nteam: pricing-models\n');
    expect(files['.dvc/config']).toContain('    remote = pricing-models\n');
    expect(files['.dvc/config']).toContain('    url = s3://data/pricing-models/dvc\n');
  });

  test("the defaults are what a platform with modelplane's defaults gives a team", () => {
    const platform = platformContext();
    expect(DVC_DEFAULTS).toEqual({ endpoint: platform.objectStore.endpoint, region: platform.objectStore.region, bucket: 'data' });
    expect(DEFAULT_TEAM_BUCKETS).toContain(DVC_DEFAULTS.bucket);
  });

  test('the README: where the data is, that the keys come from the environment (the team Secret), the DVC pins', () => {
    const text = scaffoldFiles({ dir: 'my-models', team: 'risk', packageSpec: '^0.1.0' })['README.md'];
    expect(text).toMatch(/^# Models of team risk\n/);
    expect(text).toContain('**No credentials are in this repository.** DVC reads them from the environment, `AWS_ACCESS_KEY_ID`');
    expect(text).toContain(
      'export AWS_SECRET_ACCESS_KEY="$(kubectl -n risk get secret modelplane-s3 -o jsonpath=\'{.data.AWS_SECRET_ACCESS_KEY}\' | base64 -d)"',
    );
    expect(text).toContain(`pip install dvc==${DVC_VERSION} dvc-s3==${DVC_S3_VERSION}`);
    expect(text).toContain('git clone <this repository> && cd <its directory> && dvc pull');
    expect(text).toContain('`http://mlflow.modelplane-system.svc.cluster.local:5000`');
    // The pins the S3 tier's venv installs (dvc-venv.sh refuses to build when they differ).
    const reqs = readFileSync(join(ROOT, 'scripts', 'python', 'dvc-requirements.txt'), 'utf8');
    expect(reqs).toContain(`\ndvc==${DVC_VERSION}\ndvc-s3==${DVC_S3_VERSION}\n`);
  });

  test('a bad option is refused naming the option, the value and a fix; every problem at once; nothing is written', () => {
    const target = join(dir, 'risk-models');
    const bad = (o: Partial<InitOptions>) => {
      try {
        scaffold({ dir: target, packageSpec: '^0.1.0', ...o });
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad({ bucket: 'My_Data' })).toBe(
      '--bucket = "My_Data": is not an S3 bucket name (3-63 lower-case letters, digits, "." and "-"). Fix: pass e.g. --bucket data (the platform\'s team bucket for datasets)',
    );
    expect(bad({ objectStoreEndpoint: 's3.example.com' })).toBe(
      '--object-store-endpoint = "s3.example.com": is not an http(s) URL of an S3 endpoint (scheme, host, optional port and path; no credentials, spaces, "#" or ","). Fix: pass e.g. --object-store-endpoint http://object-store.modelplane-system.svc.cluster.local:7070 (the embedded store) or https://s3.eu-central-1.amazonaws.com',
    );
    // Credentials in the URL would land in .dvc/config, and characters DVC's INI format reads otherwise.
    for (const url of [
      'http://key:secret@s3.example.com',
      'https://s3.example.com/a,b',
      'https://s3.example.com/#x',
      'https://s3 .example.com',
      '',
    ])
      expect(bad({ objectStoreEndpoint: url })).toMatch(/^--object-store-endpoint = ".*": is not an http\(s\) URL/);
    expect(bad({ objectStoreRegion: 'EU Central' })).toBe(
      '--object-store-region = "EU Central": is not a region name (lower-case letters, digits and "-"). Fix: pass e.g. --object-store-region us-east-1',
    );
    expect(bad({ team: 'Risk Team' })).toBe(
      '--team = "Risk Team": must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit. Fix: pass e.g. --team risk-team',
    );
    expect(bad({ team: 'a'.repeat(41) })).toMatch(
      /^--team = "a{41}": is 41 characters long, the limit is 40\. Fix: pass e\.g\. --team a{40}$/,
    );
    expect(
      bad({ team: 'x y', bucket: 'B', objectStoreRegion: '?' })
        .split('\nmodelplane: ')
        .map((l) => l.split(' ')[0]),
    ).toEqual(['--team', '--object-store-region', '--bucket']);
    expect(() => readdirSync(target)).toThrow(/ENOENT/);
  });

  test('--force semantics cover the DVC files: an existing .dvc/config is refused without it, overwritten with it', () => {
    const target = join(dir, 'risk-models');
    mkdirSync(join(target, '.dvc'), { recursive: true });
    writeFileSync(join(target, '.dvc', 'config'), '[core]\n    remote = mine\n[\'remote "mine"\']\n    url = s3://elsewhere/x\n');
    writeFileSync(join(target, 'notes.txt'), 'mine');
    expect(() => scaffold({ dir: target, team: 'risk', packageSpec: '^0.1.0' })).toThrow(
      `.dvc/config already exists in ${target}. Fix: run init in a new directory, or pass --force to overwrite`,
    );
    expect(readFileSync(join(target, '.dvc', 'config'), 'utf8')).toContain('remote = mine');
    expect(readdirSync(target).sort()).toEqual(['.dvc', 'notes.txt']);
    scaffold({ dir: target, team: 'risk', packageSpec: '^0.1.0', force: true });
    expect(readFileSync(join(target, '.dvc', 'config'), 'utf8')).toContain('remote = risk');
    // A file init does not write is left alone.
    expect(readFileSync(join(target, 'notes.txt'), 'utf8')).toBe('mine');
  });
});
