/**
 * The S3 tier: datasets versioned with real DVC (scripts/python/dvc-venv.sh) in a repository `modelplane init`
 * wrote, on the team's prefix of the platform's object store (versitygw on loopback), with the team's own
 * credentials from the Secret the synthesized bootstrap Job made (test/s3/support.ts).
 *
 * The repository of team alpha: `modelplane init --team alpha --object-store-endpoint <loopback store>`,
 * `git init`, `dvc add` of a dataset, `dvc push` with alpha's keys; a `git clone` of it gets identical
 * bytes with `dvc pull`. Team beta's keys are refused on alpha's remote, for pull and for push: DVC reports the
 * 403 of its first request (a HEAD, whose answer has no body to name the error), and the same requests made
 * with boto3 get the store's `AccessDenied`.
 * No credential is in any file init wrote, in `.dvc/config` after the pushes, or in git.
 *
 * Needs scripts/s3/run-tier.sh (MODELPLANE_DVC_VENV besides what support.ts needs).
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'fs';
import path from 'path';
import { dvcConfig, DVC_GITIGNORE } from '../../src/frontends/cli/init-templates';
import { endpoint, need, prepareBootstrap, root, runJob, s3, teamSecret, work } from './support';

const venv = need('MODELPLANE_DVC_VENV');
const ROOT = path.resolve(__dirname, '../..');
const base = path.join(work, 'dvc');
const repo = path.join(base, 'alpha-models');

type Keys = { access: string; secret: string };

/**
 * The environment of every command here: DVC and git see no configuration, credentials or cache of this
 * machine's user (their own directories under the test's), DVC sends no telemetry and checks for no update;
 * the S3 keys are exactly the ones given, or none.
 */
function env(keys?: Keys): NodeJS.ProcessEnv {
  const home = path.join(base, 'home');
  return {
    PATH: `${path.join(venv, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: home,
    LANG: 'C.UTF-8',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Data Scientist',
    GIT_AUTHOR_EMAIL: 'ds@example.com',
    GIT_COMMITTER_NAME: 'Data Scientist',
    GIT_COMMITTER_EMAIL: 'ds@example.com',
    DVC_NO_ANALYTICS: '1',
    DVC_STUDIO_OFFLINE: '1',
    // DVC's updater stays quiet under CI.
    CI: 'true',
    DVC_GLOBAL_CONFIG_DIR: path.join(home, 'dvc-global'),
    DVC_SYSTEM_CONFIG_DIR: path.join(home, 'dvc-system'),
    DVC_SITE_CACHE_DIR: path.join(home, 'dvc-site-cache'),
    AWS_CONFIG_FILE: path.join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'no-aws-credentials'),
    ...(keys ? { AWS_ACCESS_KEY_ID: keys.access, AWS_SECRET_ACCESS_KEY: keys.secret } : {}),
  };
}

/** Runs a command in `cwd`; its exit code and its stdout and stderr together. */
function run(cwd: string, cmd: string, args: string[], keys?: Keys): { code: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd, env: env(keys), encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw r.error;
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}
const ok = (cwd: string, cmd: string, args: string[], keys?: Keys): string => {
  const r = run(cwd, cmd, args, keys);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} in ${cwd} exited ${r.code}:\n${r.out}`);
  return r.out;
};
const dvc = (cwd: string, args: string[], keys?: Keys) => run(cwd, path.join(venv, 'bin', 'dvc'), args, keys);
const git = (cwd: string, ...args: string[]) => ok(cwd, 'git', args);

/** A small dataset, the same bytes on every run: a CSV of 2,000 rows (about 60 KB). */
function dataset(rows = 2000, salt = ''): string {
  const lines = ['customer_id,tenure_months,monthly_charges,churned'];
  for (let i = 1; i <= rows; i++) {
    const h = createHash('sha256').update(`${salt}${i}`).digest();
    lines.push(`${100000 + i},${h[0] % 72},${(h[1] * 0.5 + 20).toFixed(2)},${h[2] % 4 === 0 ? 1 : 0}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Every regular file under `dir` but git's own, relative to it. */
function files(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel)).flatMap((name) => {
    const r = path.join(rel, name);
    if (r === '.git') return [];
    return statSync(path.join(dir, r)).isDirectory() ? files(dir, r) : [r];
  });
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

describe("S3 tier: DVC in a repository modelplane init wrote, on the team's prefix of the object store", () => {
  let alpha: Keys;
  let beta: Keys;
  let written: string[] = [];
  const data = dataset();

  beforeAll(() => {
    // The bootstrap Job as synthesized: each team's Secret and user (already there when isolation.test.ts ran first).
    const r = runJob(prepareBootstrap('dvc'));
    expect({ status: r.status, out: r.out }).toEqual({ status: 0, out: expect.any(String) });
    alpha = teamSecret('alpha');
    beta = teamSecret('beta');
    mkdirSync(base, { recursive: true });
  });

  test("init writes DVC's configuration: the default remote alpha on alpha's prefix, byte for byte what dvc writes itself", () => {
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'bin', 'modelplane.js'), 'init', repo, '--team', 'alpha', '--object-store-endpoint', endpoint],
      { cwd: base, encoding: 'utf8', env: env() },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    written = r.stdout.match(/^Created in [^:]+: (.*)$/m)![1].split(', ');
    expect(written).toEqual(expect.arrayContaining(['.dvc/config', '.dvc/.gitignore', 'README.md']));
    const config = readFileSync(path.join(repo, '.dvc', 'config'), 'utf8');
    expect(config).toBe(dvcConfig({ name: 'alpha', url: 's3://data/alpha/dvc', endpoint, region: 'us-east-1' }));
    // The same remote set up with DVC's own commands, in a repository of DVC's own making.
    const own = path.join(base, 'dvc-made');
    mkdirSync(own);
    git(own, 'init', '-q');
    for (const args of [
      ['init', '-q'],
      ['config', 'core.analytics', 'false'],
      ['remote', 'add', '-d', 'alpha', 's3://data/alpha/dvc'],
      ['remote', 'modify', 'alpha', 'endpointurl', endpoint],
      ['remote', 'modify', 'alpha', 'region', 'us-east-1'],
    ])
      expect(dvc(own, args)).toMatchObject({ code: 0 });
    expect(readFileSync(path.join(own, '.dvc', 'config'), 'utf8')).toBe(config);
    expect(readFileSync(path.join(own, '.dvc', '.gitignore'), 'utf8')).toBe(DVC_GITIGNORE);
    expect(readFileSync(path.join(repo, '.dvc', '.gitignore'), 'utf8')).toBe(DVC_GITIGNORE);
    // DVC reads it: the default remote and its settings.
    expect(dvc(repo, ['remote', 'list'])).toEqual({
      code: 0,
      out: expect.stringMatching(/^alpha\s+s3:\/\/data\/alpha\/dvc\s+\(default\)\n$/),
    });
    expect(dvc(repo, ['config', 'core.remote'])).toEqual({ code: 0, out: 'alpha\n' });
    expect(dvc(repo, ['config', 'remote.alpha.endpointurl'])).toEqual({ code: 0, out: `${endpoint}\n` });
  });

  test("git init, dvc add, dvc push with alpha's keys: the dataset lands under s3://data/alpha/dvc/", () => {
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'Scaffold from modelplane init');
    mkdirSync(path.join(repo, 'data'));
    writeFileSync(path.join(repo, 'data', 'train.csv'), data);
    expect(dvc(repo, ['add', 'data/train.csv'])).toMatchObject({ code: 0 });
    expect(readFileSync(path.join(repo, 'data', '.gitignore'), 'utf8')).toBe('/train.csv\n');
    expect(readFileSync(path.join(repo, 'data', 'train.csv.dvc'), 'utf8')).toContain(`md5: ${md5(data)}`);
    git(repo, 'add', 'data/train.csv.dvc', 'data/.gitignore');
    git(repo, 'commit', '-qm', 'Training data');
    // Without keys in the environment DVC has none: nothing is sent.
    const without = dvc(repo, ['push']);
    expect(without.code).not.toBe(0);
    expect(without.out).toContain('Unable to locate credentials');
    const pushed = dvc(repo, ['push'], alpha);
    expect(pushed).toEqual({ code: 0, out: expect.stringContaining('1 file pushed') });
    const key = `alpha/dvc/files/md5/${md5(data).slice(0, 2)}/${md5(data).slice(2)}`;
    expect(s3([{ as: [alpha.access, alpha.secret], op: 'list', bucket: 'data', prefix: 'alpha/' }])).toEqual([{ ok: true, keys: [key] }]);
    expect(s3([{ as: root, op: 'get', bucket: 'data', key }])).toEqual([{ ok: true, body: data }]);
    // Pushed again: nothing to send.
    expect(dvc(repo, ['push'], alpha)).toEqual({ code: 0, out: expect.stringContaining('Everything is up to date') });
  });

  test('a git clone gets the same bytes with dvc pull', () => {
    const clone = path.join(base, 'clone');
    git(base, 'clone', '-q', repo, clone);
    expect(files(clone).sort()).not.toContain('data/train.csv');
    const pulled = dvc(clone, ['pull'], alpha);
    expect(pulled).toMatchObject({ code: 0 });
    expect(pulled.out).toMatch(/1 file (fetched and )?added/);
    expect(readFileSync(path.join(clone, 'data', 'train.csv')).equals(Buffer.from(data))).toBe(true);
    expect(dvc(clone, ['status', '-c'], alpha)).toMatchObject({ code: 0, out: expect.stringContaining('Cache and remote') });
  });

  test("team beta's keys are refused on alpha's remote: pull and push get 403 (AccessDenied), nothing lands", () => {
    const clone = path.join(base, 'clone-beta');
    git(base, 'clone', '-q', repo, clone);
    // DVC's first request is a HEAD, whose 403 has no body: botocore reports it as "Forbidden".
    const pull = dvc(clone, ['pull'], beta);
    expect(pull.code).not.toBe(0);
    expect(pull.out).toContain('failed to connect to s3 (data/alpha/dvc/files/md5) - Forbidden: An error occurred (403)');
    expect(files(clone)).not.toContain(path.join('data', 'train.csv'));
    // A changed dataset pushed with beta's keys.
    const changed = dataset(2000, 'v2');
    writeFileSync(path.join(clone, 'data', 'train.csv'), changed);
    expect(dvc(clone, ['add', 'data/train.csv'])).toMatchObject({ code: 0 });
    const push = dvc(clone, ['push'], beta);
    expect(push.code).not.toBe(0);
    expect(push.out).toContain('Forbidden: An error occurred (403) when calling the HeadObject operation');
    // The requests DVC makes, with beta's keys and a body to read the store's error code from.
    const key = `alpha/dvc/files/md5/${md5(data).slice(0, 2)}/${md5(data).slice(2)}`;
    const newKey = `alpha/dvc/files/md5/${md5(changed).slice(0, 2)}/${md5(changed).slice(2)}`;
    expect(
      s3([
        { as: [beta.access, beta.secret], op: 'list', bucket: 'data', prefix: 'alpha/dvc/files/md5/' },
        { as: [beta.access, beta.secret], op: 'get', bucket: 'data', key },
        { as: [beta.access, beta.secret], op: 'put', bucket: 'data', key: newKey, body: changed },
      ]),
    ).toEqual([
      { ok: false, code: 'AccessDenied' },
      { ok: false, code: 'AccessDenied' },
      { ok: false, code: 'AccessDenied' },
    ]);
    expect(s3([{ as: root, op: 'list', bucket: 'data', prefix: '' }])).toEqual([{ ok: true, keys: [key] }]);
    // The same change pushed with alpha's keys goes through: the refusal was beta's.
    expect(dvc(clone, ['push'], alpha)).toEqual({ code: 0, out: expect.stringContaining('1 file pushed') });
    expect(s3([{ as: root, op: 'list', bucket: 'data', prefix: '' }])).toEqual([{ ok: true, keys: [key, newKey].sort() }]);
  });

  test('no credential is in any file init wrote, in .dvc/config after the pushes, or in git', () => {
    const secrets = [alpha.access, alpha.secret, beta.access, beta.secret, root[0], root[1]];
    expect(written.length).toBeGreaterThan(8);
    for (const dir of [repo, path.join(base, 'clone'), path.join(base, 'clone-beta')]) {
      const found = files(dir).filter((f) => {
        const text = readFileSync(path.join(dir, f), 'latin1');
        return secrets.some((s) => text.includes(s));
      });
      expect({ dir, found }).toEqual({ dir, found: [] });
    }
    for (const f of written) {
      const text = readFileSync(path.join(repo, f), 'utf8');
      for (const s of secrets) expect({ f, has: text.includes(s) }).toEqual({ f, has: false });
    }
    expect(readFileSync(path.join(repo, '.dvc', 'config'), 'utf8')).toBe(
      dvcConfig({ name: 'alpha', url: 's3://data/alpha/dvc', endpoint, region: 'us-east-1' }),
    );
    const history = ok(repo, 'git', ['log', '-p', '--all']);
    for (const s of secrets) expect(history.includes(s)).toBe(false);
  });
});
