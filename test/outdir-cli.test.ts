/**
 * `modelplane synth -o DIR` replaces only what it wrote: the output directory holds a manifest
 * (.modelplane-output) of every file synth wrote with its sha256, and a directory is replaced only
 * when every entry in it is in that manifest unchanged (or it has exactly the shape older versions
 * wrote). Everything else — the current directory, a parent of the input, a git repository, `/`,
 * `$HOME`, the empty string, a file it did not write or one edited since — is refused with exit 2
 * before anything is renamed or deleted, and no temporary folder is left behind.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import pkg from '../package.json';
import { AIRFLOW_IGNORE } from '../src/constructs/batch/team-dags';
import { leftovers, MANIFEST, mp, snapshot, TEAM, temp } from './support/outdir';

jest.setTimeout(180_000);

let root: string;
let repo: string;
beforeEach(() => {
  root = temp();
  repo = join(root, 'repo');
  mkdirSync(repo);
  writeFileSync(join(repo, 'modelplane.yaml'), TEAM);
  writeFileSync(join(repo, 'platform.yaml'), 'teams:\n  - name: risk\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function put(rel: string, text: string): void {
  const p = join(repo, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
}

/** Runs synth expecting a refusal: exit 2, the tree under `dir` unchanged, no temporary folder anywhere. */
function expectRefused(args: string[], dir: string, says: RegExp, env: Record<string, string> = {}): string {
  const before = snapshot(dir);
  const r = mp(['synth', '-q', ...args], repo, env);
  expect({ code: r.code, out: r.out }).toEqual({ code: 2, out: '' });
  expect(r.err).not.toContain('internal error');
  expect(r.err).toMatch(says);
  expect(r.err).toMatch(/Fix: \S/);
  expect(snapshot(dir)).toEqual(before);
  expect(leftovers(root)).toEqual([]);
  expect(leftovers(repo)).toEqual([]);
  // Beside root itself (other processes may be using the system temporary directory meanwhile).
  expect(leftovers(dirname(root)).filter((n) => n.startsWith(`.${basename(root)}`))).toEqual([]);
  return r.err;
}

const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

test('-o . in a model repository: exit 2, modelplane.yaml and platform.yaml are kept', () => {
  const err = expectRefused(['-f', 'modelplane.yaml', '-o', '.'], root, /is the current directory/);
  expect(err).toContain('choose a new --output directory such as dist');
  expect(readFileSync(join(repo, 'modelplane.yaml'), 'utf8')).toBe(TEAM);
  expect(existsSync(join(repo, 'platform.yaml'))).toBe(true);
});

test('the current directory spelled another way (-o ../repo) is refused too', () => {
  expectRefused(['-f', 'modelplane.yaml', '-o', '../repo'], root, /is the current directory/);
});

test('a folder of hand-written manifests is refused, naming the first file synth did not write', () => {
  put('k8s/deploy.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: mine }\n');
  put('k8s/service.yml', 'apiVersion: v1\nkind: Service\nmetadata: { name: mine }\n');
  put('k8s/nested/ingress.yaml', 'kind: Ingress\n');
  const err = expectRefused(['-o', 'k8s'], root, /k8s\/deploy\.yaml was not written by modelplane synth/);
  expect(err).toMatch(/Fix: choose a new --output directory such as dist, or remove k8s\/deploy\.yaml yourself/);
});

test("a user's own dags/ folder is refused", () => {
  put('airflow/dags/etl.py', 'from airflow import DAG\n');
  put('airflow/dags/.airflowignore', '*.tmp\n');
  expectRefused(['-o', 'airflow'], root, /airflow\/dags\/\.airflowignore was not written by modelplane synth/);
});

test('a folder named backup.yaml/ inside the output directory is refused (it is not a file synth wrote)', () => {
  expect(mp(['synth', '-q', '-o', 'dist'], repo).code).toBe(0);
  put('dist/backup.yaml/models-risk.k8s.yaml', 'my backup\n');
  expectRefused(['-o', 'dist'], root, /dist\/backup\.yaml\/ was not written by modelplane synth/);
});

test("-o '' is refused (exit 2, no stack trace, no temporary folder)", () => {
  expectRefused(['-o', ''], root, /--output is empty/);
});

test('-o / is refused', () => {
  expectRefused(['-o', '/'], root, /\/ is the root directory/);
});

test('-o $HOME is refused, even when the home directory is empty', () => {
  const home = join(root, 'home');
  mkdirSync(home);
  // The transpile cache stays where it was (it lives under the home directory by default).
  const cache = process.env.MODELPLANE_CACHE || join(homedir(), '.cache', 'modelplane');
  expectRefused(['-o', home], root, /is your home directory/, { HOME: home, MODELPLANE_CACHE: cache });
  expect(readdirSync(home)).toEqual([]);
});

test('a directory holding the input file is refused', () => {
  put('conf/modelplane.yaml', TEAM);
  expectRefused(['-f', 'conf/modelplane.yaml', '-o', 'conf'], root, /holds the input file conf\/modelplane\.yaml/);
  expectRefused(['-f', 'conf/modelplane.yaml', '--platform', 'platform.yaml', '-o', '.'], root, /current directory|input file/);
});

test('a git repository root is refused', () => {
  put('site/.git/HEAD', 'ref: refs/heads/main\n');
  put('site/models-risk.k8s.yaml', 'metadata:\n  labels:\n    app.kubernetes.io/managed-by: modelplane\n');
  expectRefused(['-o', 'site'], root, /site is the root of a git repository \(it holds \.git\)/);
});

test('a file synth wrote and someone edited since is refused, and kept as it is', () => {
  expect(mp(['synth', '-q', '-o', 'dist'], repo).code).toBe(0);
  put('dist/dags/risk.nightly.py', '# my fix\n');
  const err = expectRefused(['-o', 'dist'], root, /dist\/dags\/risk\.nightly\.py was written by modelplane synth but changed since/);
  expect(err).toContain('remove dist/dags/risk.nightly.py yourself');
  expect(readFileSync(join(repo, 'dist/dags/risk.nightly.py'), 'utf8')).toBe('# my fix\n');
});

test('a file added to the output directory is refused, naming it', () => {
  expect(mp(['synth', '-q', '-o', 'dist'], repo).code).toBe(0);
  put('dist/notes.txt', 'mine\n');
  expectRefused(['-o', 'dist'], root, /dist\/notes\.txt was not written by modelplane synth/);
});

test('a symbolic link as the output directory, or inside it, is refused (the link and its target stay)', () => {
  put('elsewhere/keep.txt', 'mine\n');
  symlinkSync(join(repo, 'elsewhere'), join(repo, 'out'));
  expectRefused(['-o', 'out'], root, /out is a symbolic link/);
  expect(mp(['synth', '-q', '-o', 'dist'], repo).code).toBe(0);
  symlinkSync(join(repo, 'elsewhere'), join(repo, 'dist', 'link'));
  expectRefused(['-o', 'dist'], root, /dist\/link was not written by modelplane synth/);
  expect(readFileSync(join(repo, 'elsewhere', 'keep.txt'), 'utf8')).toBe('mine\n');
});

test('synth writes the manifest: every file it wrote, sorted, with its sha256 and the modelplane version', () => {
  expect(mp(['synth', '-q', '-o', 'dist'], repo)).toEqual({ code: 0, out: '', err: '' });
  const dist = join(repo, 'dist');
  const manifest = JSON.parse(readFileSync(join(dist, MANIFEST), 'utf8'));
  expect(manifest.generator).toBe('modelplane');
  expect(manifest.version).toBe(pkg.version);
  const paths = manifest.files.map((f: { path: string }) => f.path);
  expect(paths).toEqual(['dags/.airflowignore', 'dags/risk.churn.score.py', 'dags/risk.nightly.py', 'models-risk.k8s.yaml']);
  for (const f of manifest.files) expect(f.sha256).toBe(sha256(join(dist, f.path)));
  expect(leftovers(repo)).toEqual([]);
});

test('re-running synth over its own output works and removes the files no longer produced', () => {
  expect(mp(['synth', '-q', '-o', 'dist'], repo).code).toBe(0);
  writeFileSync(join(repo, 'modelplane.yaml'), TEAM.replace(/cascades:[\s\S]*$/, ''));
  expect(mp(['synth', '-q', '-o', 'dist'], repo)).toEqual({ code: 0, out: '', err: '' });
  expect(Object.keys(snapshot(join(repo, 'dist'))).sort()).toEqual([
    MANIFEST,
    'dags/',
    'dags/.airflowignore',
    'dags/risk.churn.score.py',
    'models-risk.k8s.yaml',
  ]);
  const manifest = JSON.parse(readFileSync(join(repo, 'dist', MANIFEST), 'utf8'));
  expect(manifest.files.map((f: { path: string }) => f.path)).toEqual([
    'dags/.airflowignore',
    'dags/risk.churn.score.py',
    'models-risk.k8s.yaml',
  ]);
  expect(leftovers(repo)).toEqual([]);
});

test('output of an older modelplane (no manifest, exactly its shape) is replaced; a look-alike is not', () => {
  const marker = 'metadata:\n  labels:\n    app.kubernetes.io/managed-by: modelplane\n';
  put('dist/models-risk.k8s.yaml', marker);
  put('dist/dags/.airflowignore', AIRFLOW_IGNORE);
  put('dist/dags/risk.old.py', '"""Model cascade risk.old, generated by modelplane. Do not edit."""\n');
  expect(mp(['synth', '-q', '-o', 'dist'], repo)).toEqual({ code: 0, out: '', err: '' });
  expect(existsSync(join(repo, 'dist', 'dags', 'risk.old.py'))).toBe(false);
  expect(existsSync(join(repo, 'dist', MANIFEST))).toBe(true);
  // The same shape with a DAG file modelplane did not generate.
  put('old/models-risk.k8s.yaml', marker);
  put('old/dags/.airflowignore', AIRFLOW_IGNORE);
  put('old/dags/etl.py', 'from airflow import DAG\n');
  expectRefused(['-o', 'old'], root, /old\/dags\/etl\.py was not written by modelplane synth/);
});

test('an invalid configuration leaves the previous output and no temporary folder', () => {
  expect(mp(['synth', '-q', '-o', 'dist'], repo).code).toBe(0);
  const before = snapshot(join(repo, 'dist'));
  put('bad.yaml', TEAM.replace('schedule: "0 3 * * *"', 'schedule: "0 3 * *"'));
  expect(mp(['synth', '-q', '-f', 'bad.yaml', '-o', 'dist'], repo).code).toBe(1);
  expect(snapshot(join(repo, 'dist'))).toEqual(before);
  expect(leftovers(repo)).toEqual([]);
});

describe('validate and diff leave nothing in the temporary directory, whatever happens', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = join(root, 'tmp');
    mkdirSync(tmp);
  });
  const env = () => ({ TMPDIR: tmp });

  test('validate: valid, invalid', () => {
    expect(mp(['validate'], repo, env()).code).toBe(0);
    put('bad.yaml', TEAM.replace('schedule: "0 3 * * *"', 'schedule: "0 3 * *"'));
    expect(mp(['validate', '-f', 'bad.yaml'], repo, env()).code).toBe(1);
    expect(readdirSync(tmp)).toEqual([]);
  });

  test('diff: no changes, changes with --exit-code, an invalid file, an output path that is a file', () => {
    expect(mp(['synth', '-q', '-o', 'dist'], repo).code).toBe(0);
    expect(mp(['diff', '-o', 'dist'], repo, env())).toEqual({ code: 0, out: '0 added, 0 changed, 0 removed\n', err: '' });
    writeFileSync(join(repo, 'modelplane.yaml'), TEAM.replace(/cascades:[\s\S]*$/, ''));
    expect(mp(['diff', '-o', 'dist', '--exit-code'], repo, env()).code).toBe(3);
    put('bad.yaml', TEAM.replace('schedule: "0 3 * * *"', 'schedule: "0 3 * *"'));
    expect(mp(['diff', '-f', 'bad.yaml', '-o', 'dist'], repo, env()).code).toBe(1);
    const r = mp(['diff', '-o', 'modelplane.yaml'], repo, env());
    expect(r.err).not.toContain('internal error');
    expect(r.code).toBe(2);
    expect(r.err).toContain('modelplane.yaml is not a directory');
    expect(readdirSync(tmp)).toEqual([]);
  });
});
