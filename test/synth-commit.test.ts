/**
 * `modelplane synth --commit SHA` (and the cdk8s app's MODELPLANE_GIT_COMMIT): a full commit id becomes the
 * context `modelplane:gitCommit`, which a training DAG with train.snapshot labels its VolumeSnapshots with;
 * anything else is refused with exit 2 before anything is written; without it the output names no commit
 * (git is never read). The CI pipelines `modelplane init` writes pass their CI's own commit variable.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App } from 'cdk8s';
import { GIT_COMMIT_CONTEXT, isGitCommit } from '../src/constructs/dataset';
import { commitProblem, GIT_COMMIT_CONTEXT_KEY, setCommitContext } from '../src/frontends/config/commit';
import { GITHUB_WORKFLOW, GITLAB_CI, JENKINSFILE } from '../src/frontends/cli/init-templates';
import { run } from '../src/frontends/cli/main';
import { readOutput } from '../src/frontends/config/synth';
import { synth as appSynth } from '../stacks/main';

const EXAMPLE = resolve(__dirname, '..', 'examples', 'translation-gpu', 'modelplane.yaml');
const DAG = 'dags/translation.translate-train.train.py';
const SHA1 = '0123456789abcdef0123456789abcdef01234567';
const SHA256 = `${SHA1}${'89abcdef'.repeat(3)}`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelplane-commit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
jest.setTimeout(120_000);

function mp(args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = run(args, { out: (t) => (out += t), err: (t) => (err += t) }, dir);
  return { code, out, err };
}

describe('synth --commit: refusals (exit 2, nothing written)', () => {
  test.each([
    ['0123abc', 'is a short commit id'],
    ['', 'is empty'],
    [SHA1.toUpperCase(), 'has upper-case digits'],
    ['HEAD', 'is not a Git commit id'],
    [`${SHA1}0`, 'is not a Git commit id'],
  ])('%j', (value, why) => {
    const out = join(dir, 'refused');
    const r = mp(['synth', '-f', EXAMPLE, '-o', out, '--commit', value]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--commit');
    expect(r.err).toContain(JSON.stringify(value));
    expect(r.err).toContain(why);
    expect(r.err).toContain('Fix: --commit "$(git rev-parse HEAD)"');
    expect(r.out).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  test('--commit twice', () => {
    const r = mp(['synth', '-f', EXAMPLE, '-o', join(dir, 'twice'), '--commit', SHA1, '--commit', SHA256]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('a synthesis has one commit. Fix: pass --commit once');
  });
});

describe('synth --commit: the commit in the training DAG', () => {
  const synthDir = (name: string, commit?: string) => {
    const out = join(dir, name);
    const r = mp(['synth', '-q', '-f', EXAMPLE, '-o', out, ...(commit ? ['--commit', commit] : [])]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    return readOutput(out);
  };

  test('with --commit the snapshot task labels with it; without, with none; nothing else differs but the DAG and its ConfigMap', () => {
    const none = synthDir('none');
    const one = synthDir('one', SHA1);
    const other = synthDir('other', SHA256);
    expect(none.files.get(DAG)).toContain('\nGIT_COMMIT = None\n');
    expect(one.files.get(DAG)).toContain(`\nGIT_COMMIT = "${SHA1}"\n`);
    expect(other.files.get(DAG)).toContain(`\nGIT_COMMIT = "${SHA256}"\n`);
    // The same input and commit give the same output (no clock, no git).
    expect(synthDir('one-again', SHA1).files.get(DAG)).toBe(one.files.get(DAG));
    // Each commit changes exactly the DAG file and the ConfigMap that carries it to Airflow.
    for (const [a, b] of [
      [none, one],
      [one, other],
    ]) {
      const changedObjects = [...a.objects.keys()].filter(
        (k) => JSON.stringify(a.objects.get(k)!.body) !== JSON.stringify(b.objects.get(k)?.body),
      );
      expect(changedObjects).toHaveLength(1);
      expect(changedObjects[0]).toMatch(/^v1 ConfigMap airflow\//);
      expect(JSON.stringify(b.objects.get(changedObjects[0])!.body)).toContain(b === one ? SHA1 : SHA256);
      expect([...a.files.keys()].filter((f) => a.files.get(f) !== b.files.get(f))).toEqual([DAG]);
    }
  });

  test('a file without train.snapshot is unchanged by --commit', () => {
    const bank = resolve(__dirname, '..', 'examples', 'bank-cascades', 'modelplane.yaml');
    const r1 = mp(['synth', '-q', '-f', bank, '-o', join(dir, 'bank-none')]);
    const r2 = mp(['synth', '-q', '-f', bank, '-o', join(dir, 'bank-commit'), '--commit', SHA1]);
    expect([r1.code, r2.code]).toEqual([0, 0]);
    const a = readOutput(join(dir, 'bank-none'));
    const b = readOutput(join(dir, 'bank-commit'));
    expect([...b.files.entries()]).toEqual([...a.files.entries()]);
    expect([...b.objects.entries()].map(([k, o]) => [k, o.body])).toEqual([...a.objects.entries()].map(([k, o]) => [k, o.body]));
  });
});

describe('the commit rule and context key are the constructs’', () => {
  test('the same key', () => expect(GIT_COMMIT_CONTEXT_KEY).toBe(GIT_COMMIT_CONTEXT));

  test.each([SHA1, SHA256, SHA1.slice(0, 7), SHA1.slice(0, 39), SHA1.toUpperCase(), '', `${SHA1}0`, `${SHA256}0`, 'g'.repeat(40)])(
    'the CLI accepts %j exactly when the constructs do',
    (value) => {
      expect(commitProblem(value, '--commit') === undefined).toBe(isGitCommit(value));
    },
  );

  test('setCommitContext sets it before any construct, and nothing without a commit', () => {
    const app = new App({ outdir: join(dir, 'unused') });
    setCommitContext(app, undefined);
    expect(app.node.tryGetContext(GIT_COMMIT_CONTEXT)).toBeUndefined();
    setCommitContext(app, SHA1);
    expect(app.node.tryGetContext(GIT_COMMIT_CONTEXT)).toBe(SHA1);
  });
});

describe('the cdk8s app: MODELPLANE_GIT_COMMIT', () => {
  test('refused naming the variable, the value and the fix; nothing written', () => {
    const out = join(dir, 'app-refused');
    expect(() => appSynth(out, undefined, false, 'abc1234')).toThrow(
      'MODELPLANE_GIT_COMMIT "abc1234" is a short commit id; it must be a full commit id (40 or 64 lower-case hexadecimal digits), which train.snapshot labels the training\'s VolumeSnapshots with. Fix: MODELPLANE_GIT_COMMIT="$(git rev-parse HEAD)"',
    );
    expect(existsSync(out)).toBe(false);
  });

  test('a full commit id is the context of the app', () => {
    const app = appSynth(join(dir, 'app'), undefined, false, SHA1);
    expect(app.node.tryGetContext(GIT_COMMIT_CONTEXT)).toBe(SHA1);
    expect(appSynth(join(dir, 'app-none'), undefined, false, undefined).node.tryGetContext(GIT_COMMIT_CONTEXT)).toBeUndefined();
  });
});

describe('modelplane init: each CI passes its own commit variable to synth', () => {
  test.each([
    ['GitLab CI', GITLAB_CI, '- npx modelplane synth -f modelplane.yaml -o dist --commit "$CI_COMMIT_SHA"\n'],
    ['GitHub Actions', GITHUB_WORKFLOW, '- run: npx modelplane synth -f modelplane.yaml -o dist --commit "$GITHUB_SHA"\n'],
    ['Jenkins', JENKINSFILE, `sh 'npx modelplane synth -f modelplane.yaml -o dist --commit "$GIT_COMMIT"'\n`],
  ])('%s', (_, text, line) => {
    expect(text).toContain(line);
    // synth is the only command given the commit (validate and the diff compare the models, not the commit).
    expect(text.match(/--commit "/g)).toHaveLength(1);
  });
});
