/**
 * The `modelplane` CLI, run as a child process (bin/modelplane.js) against temporary directories:
 * exit codes, messages, nothing written on error, summaries, graph, diff and init.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';

const ROOT = resolve(__dirname, '..');
const BIN = join(ROOT, 'bin', 'modelplane.js');
const ANSI = /\u001b\[/;

interface Run {
  code: number;
  out: string;
  err: string;
}

function mp(args: string[], cwd: string): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '1' },
    timeout: 120_000,
  });
  const run = { code: r.status ?? -1, out: r.stdout, err: r.stderr };
  expect(run.out + run.err).not.toMatch(ANSI);
  return run;
}

const VALID = `team: risk
defaults:
  image: docker.io/apache/spark:3.5.3-python3
  python: "3.11"
  environment: s3a://envs/risk/base-1.0.0.tar.gz
  spark: { version: "3.5.3" }
models:
  - name: churn
    type: batch
    main: s3a://code/risk/churn/score.py
    schedule: "0 3 * * *"
    output: hive://risk.churn_scores
  - name: ltv
    type: batch
    main: s3a://code/risk/ltv/score.py
    output: hive://risk.ltv_scores
  - name: fraud-api
    type: online
    model: models:/fraud@champion
    server: deployment
    replicas: { min: 2, max: 4 }
cascades:
  - name: nightly
    schedule: "0 1 * * *"
    blocks:
      - { name: first, models: [churn] }
      - { name: second, models: [ltv] }
`;

const INVALID = VALID.replace('schedule: "0 3 * * *"', 'schedule: "0 3 * *"').replace(
  'server: deployment',
  'server: kfserving\n    replica: 3',
);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelplane-cli-'));
  writeFileSync(join(dir, 'modelplane.yaml'), VALID);
  writeFileSync(join(dir, 'bad.yaml'), INVALID);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

jest.setTimeout(180_000);

function tree(d: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string, rel: string) => {
    for (const e of readdirSync(p, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(p, e.name), `${rel}${e.name}/`);
      else out[`${rel}${e.name}`] = readFileSync(join(p, e.name), 'utf8');
    }
  };
  walk(d, '');
  return out;
}

test('--help lists every command with examples and the exit codes; each command has its own examples', () => {
  const r = mp(['--help'], dir);
  expect(r.code).toBe(0);
  for (const c of ['validate', 'synth', 'graph', 'diff', 'init']) expect(r.out).toContain(`$ modelplane ${c}`);
  expect(r.out).toMatch(/Exit codes:\n\s+0 .*\n\s+1 .*invalid.*\n\s+2 .*\n\s+3 .*\n\s+4 /);
  for (const c of ['validate', 'synth', 'graph', 'diff', 'init']) {
    const h = mp([c, '--help'], dir);
    expect(h.code).toBe(0);
    expect(h.out).toContain('Examples:');
    expect(h.out).toContain(`$ modelplane ${c}`);
    expect(h.out).toContain('Exit codes:');
  }
});

test('validate: silent with exit 0 on a valid file (./modelplane.yaml by default)', () => {
  expect(mp(['validate'], dir)).toEqual({ code: 0, out: '', err: '' });
  expect(mp(['validate', '-f', 'modelplane.yaml'], dir)).toEqual({ code: 0, out: '', err: '' });
});

test('validate: exit 1 with every problem listed as FILE:LINE:COL, field, problem and fix', () => {
  const r = mp(['validate', '-f', 'bad.yaml'], dir);
  expect(r.code).toBe(1);
  expect(r.out).toBe('');
  const lines = r.err.trim().split('\n');
  expect(lines).toEqual([
    expect.stringMatching(/^bad\.yaml:11:15: `models\[0\]\.schedule` = "0 3 \* \*" has 4 fields; .*Fix: use five fields/),
    expect.stringMatching(/^bad\.yaml:20:13: `models\[2\]\.server` = "kfserving" is not one of kserve, seldon, deployment\. Fix: /),
    expect.stringMatching(
      /^bad\.yaml:21:5: `models\[2\]\.replica` unknown field `replica` in an online model\. Fix: did you mean `replicas`\?/,
    ),
    '3 problems found; nothing was written.',
  ]);
});

test('exit 2 for wrong usage: unknown option, unknown command', () => {
  const a = mp(['validate', '--fiel', 'x'], dir);
  expect(a.code).toBe(2);
  expect(a.err).toContain("unknown option '--fiel'");
  expect(mp(['deploy'], dir).code).toBe(2);
});

test('a missing file is a configuration problem (exit 1) naming the fix', () => {
  const r = mp(['validate', '-f', 'nope.yaml'], dir);
  expect(r.code).toBe(1);
  expect(r.err).toContain('nope.yaml: the file does not exist. Fix: pass the path of your modelplane.yaml with -f');
});

test('synth writes manifests and dags/ and prints objects by kind, models and cascades', () => {
  const r = mp(['synth', '-o', 'dist'], dir);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out).toContain('Synthesized modelplane.yaml into dist/');
  expect(r.out).toContain('team risk: 3 models (2 batch, 1 online), 1 cascade (nightly)');
  expect(r.out).toMatch(/objects: \d+\n/);
  expect(r.out).toMatch(/\n\s+Deployment\s+1\n/);
  expect(r.out).toContain('dags: 2 in dist/dags (risk.churn.score.py, risk.nightly.py)');
  const files = Object.keys(tree(join(dir, 'dist'))).sort();
  expect(files).toEqual([
    '.modelplane-output',
    'dags/.airflowignore',
    'dags/risk.churn.score.py',
    'dags/risk.nightly.py',
    'models-risk.k8s.yaml',
  ]);
  expect(readFileSync(join(dir, 'dist', 'models-risk.k8s.yaml'), 'utf8')).toContain('kind: Deployment');
  // No temporary directories are left beside the output.
  expect(readdirSync(dir).sort()).toEqual(['bad.yaml', 'dist', 'modelplane.yaml']);
});

test('synth on an invalid file: exit 1 and the previous output is untouched', () => {
  expect(mp(['synth', '-o', 'dist', '-q'], dir)).toEqual({ code: 0, out: '', err: '' });
  const before = tree(join(dir, 'dist'));
  const r = mp(['synth', '-f', 'bad.yaml', '-o', 'dist'], dir);
  expect(r.code).toBe(1);
  expect(r.out).toBe('');
  expect(r.err).toContain('nothing was written');
  expect(tree(join(dir, 'dist'))).toEqual(before);
  expect(readdirSync(dir).sort()).toEqual(['bad.yaml', 'dist', 'modelplane.yaml']);
  // And into a new directory: it is not created.
  expect(mp(['synth', '-f', 'bad.yaml', '-o', 'fresh'], dir).code).toBe(1);
  expect(existsSync(join(dir, 'fresh'))).toBe(false);
});

test('synth refuses to replace a directory it did not write (exit 2), leaving it as it was', () => {
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'model.py'), 'print(1)\n');
  const r = mp(['synth', '-o', 'src'], dir);
  expect(r.code).toBe(2);
  expect(r.err).toContain('src/model.py was not written by modelplane synth');
  expect(tree(join(dir, 'src'))).toEqual({ 'model.py': 'print(1)\n' });
});

test('synth replaces stale output (removed models disappear)', () => {
  mp(['synth', '-o', 'dist', '-q'], dir);
  writeFileSync(join(dir, 'modelplane.yaml'), VALID.replace(/cascades:[\s\S]*$/, ''));
  expect(mp(['synth', '-o', 'dist', '-q'], dir).code).toBe(0);
  expect(Object.keys(tree(join(dir, 'dist'))).sort()).toEqual([
    '.modelplane-output',
    'dags/.airflowignore',
    'dags/risk.churn.score.py',
    'models-risk.k8s.yaml',
  ]);
});

test('graph prints the cascade as Mermaid; an unknown cascade is exit 2 naming the known ones', () => {
  const r = mp(['graph', 'nightly'], dir);
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/^---\ntitle: risk\.nightly\n---\nflowchart TB\n/);
  expect(r.out).toContain('b__first --> b__second');
  const u = mp(['graph', 'weekly'], dir);
  expect(u.code).toBe(2);
  expect(u.err).toContain('no cascade "weekly" in modelplane.yaml. Fix: use one of: nightly');
});

test('diff lists added, changed and removed objects and DAG files; --exit-code gives 3 on changes', () => {
  mp(['synth', '-o', 'dist', '-q'], dir);
  const same = mp(['diff', '-o', 'dist', '--exit-code'], dir);
  expect(same).toEqual({ code: 0, out: '0 added, 0 changed, 0 removed\n', err: '' });
  writeFileSync(
    join(dir, 'modelplane.yaml'),
    VALID.replace('replicas: { min: 2, max: 4 }', 'replicas: { min: 2, max: 8 }')
      .replace(/  - name: ltv\n[\s\S]*?(?=  - name: fraud-api)/, '')
      .replace('      - { name: second, models: [ltv] }\n', '')
      .replace(
        '  - name: fraud-api',
        '  - name: churn-api\n    type: online\n    model: models:/churn@champion\n    server: deployment\n    replicas: 2\n  - name: fraud-api',
      ),
  );
  const r = mp(['diff', '-o', 'dist'], dir);
  expect(r.code).toBe(0);
  expect(r.out).toContain('+ apps/v1 Deployment risk/churn-api\n');
  expect(r.out).toMatch(/~ autoscaling\/v2 HorizontalPodAutoscaler risk\/fraud-api\n    spec\.maxReplicas\n/);
  expect(r.out).toContain('- v1 ConfigMap risk/ltv-spark\n');
  expect(r.out).toContain('~ dags/risk.nightly.py\n');
  expect(r.out).toMatch(/\d+ added, \d+ changed, \d+ removed\n$/);
  expect(mp(['diff', '-o', 'dist', '--exit-code'], dir).code).toBe(3);
  // diff writes nothing.
  expect(readdirSync(dir).sort()).toEqual(['bad.yaml', 'dist', 'modelplane.yaml']);
});

test('init scaffolds package.json, modelplane.yaml with a cascade and three CI pipelines; the scaffold validates and graphs; no overwrite without --force', () => {
  const r = mp(['init', 'my-models', '--team', 'pricing'], dir);
  expect(r.code).toBe(0);
  // Run from this checkout, the dependency is the checkout itself.
  expect(r.out).toContain(
    `modelplane dependency: file:${ROOT}\n` +
      'DVC remote pricing (default): s3://data/pricing/dvc at http://object-store.modelplane-system.svc.cluster.local:7070; credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, never in a file\n' +
      'Next: cd my-models && npm install, then npx modelplane validate\n',
  );
  const repo = join(dir, 'my-models');
  expect(Object.keys(tree(repo)).sort()).toEqual([
    '.dvc/.gitignore',
    '.dvc/config',
    '.github/workflows/modelplane.yml',
    '.gitignore',
    '.gitlab-ci.yml',
    'Jenkinsfile',
    'README.md',
    'ci/modelplane-apply.sh',
    'ci/modelplane-diff.sh',
    'modelplane.yaml',
    'package.json',
  ]);
  expect(readFileSync(join(repo, '.dvc', 'config'), 'utf8')).toContain('[\'remote "pricing"\']\n    url = s3://data/pricing/dvc\n');
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  expect(pkg.devDependencies.modelplane).toBe(`file:${ROOT}`);
  expect(pkg.scripts.synth).toBe('modelplane synth -f modelplane.yaml -o dist');
  const gitlab = YAML.parse(readFileSync(join(repo, '.gitlab-ci.yml'), 'utf8'));
  expect(gitlab['modelplane:synth'].artifacts.paths).toEqual(['dist/']);
  expect(readFileSync(join(repo, 'modelplane.yaml'), 'utf8')).toMatch(
    /^# yaml-language-server: \$schema=.*modelplane\.schema\.json\n[\s\S]*team: pricing\n[\s\S]*\ncascades:\n  - name: nightly\n/,
  );
  expect(mp(['validate', '-f', 'modelplane.yaml'], repo)).toEqual({ code: 0, out: '', err: '' });
  const s = mp(['synth', '-f', 'modelplane.yaml', '-o', 'dist'], repo);
  expect(s.code).toBe(0);
  expect(s.out).toContain('team pricing: 2 models (1 batch, 1 online), 1 cascade (nightly)');
  const g = mp(['graph', 'nightly'], repo);
  expect(g.code).toBe(0);
  expect(g.out).toContain('flowchart TB\n');
  const again = mp(['init', 'my-models'], dir);
  expect(again.code).toBe(2);
  expect(again.err).toContain('already exist');
  expect(mp(['init', 'my-models', '--force', '--team', 'pricing', '--package-spec', '^9.9.9'], dir).code).toBe(0);
  expect(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).devDependencies.modelplane).toBe('^9.9.9');
});

test("init's DVC options: an external store's endpoint, region and bucket; a bad one is exit 2 naming the option, the value and a fix, nothing written", () => {
  const ok = mp(
    [
      'init',
      'fraud-models',
      '--team',
      'fraud',
      '--object-store-endpoint',
      'https://s3.eu-central-1.amazonaws.com',
      '--object-store-region',
      'eu-central-1',
      '--bucket',
      'fraud-data',
    ],
    dir,
  );
  expect(ok.code).toBe(0);
  expect(readFileSync(join(dir, 'fraud-models', '.dvc', 'config'), 'utf8')).toBe(
    '[core]\n    analytics = false\n    remote = fraud\n[\'remote "fraud"\']\n    url = s3://fraud-data/fraud/dvc\n    endpointurl = https://s3.eu-central-1.amazonaws.com\n    region = eu-central-1\n',
  );
  const bad = mp(['init', 'bad-models', '--bucket', 'Fraud_Data', '--object-store-endpoint', 'http://key:secret@s3.example.com'], dir);
  expect(bad).toEqual({
    code: 2,
    out: '',
    err:
      'modelplane: --object-store-endpoint = "http://key:secret@s3.example.com": is not an http(s) URL of an S3 endpoint (scheme, host, optional port and path; no credentials, spaces, "#" or ","). Fix: pass e.g. --object-store-endpoint http://object-store.modelplane-system.svc.cluster.local:7070 (the embedded store) or https://s3.eu-central-1.amazonaws.com\n' +
      'modelplane: --bucket = "Fraud_Data": is not an S3 bucket name (3-63 lower-case letters, digits, "." and "-"). Fix: pass e.g. --bucket data (the platform\'s team bucket for datasets)\n',
  });
  expect(existsSync(join(dir, 'bad-models'))).toBe(false);
  const help = mp(['init', '--help'], dir);
  expect(help.out).toContain('--object-store-endpoint <URL>');
  expect(help.out).toContain('--bucket <NAME>');
  expect(help.out).toContain('--object-store-region <REGION>');
});

test("--platform: team files land in the platform's team charts; an unknown team is an error at `team`", () => {
  cpSync(join(ROOT, 'examples', 'team-workspaces'), join(dir, 'tw'), { recursive: true, filter: (p) => !p.includes('/dist') });
  const ok = mp(['validate', '--platform', 'tw/platform.yaml', '-f', 'tw/b2b-scoring.yaml'], dir);
  expect(ok).toEqual({ code: 0, out: '', err: '' });
  const r = mp(['validate', '--platform', 'tw/platform.yaml', '-f', 'modelplane.yaml'], dir);
  expect(r.code).toBe(1);
  expect(r.err).toContain(
    'modelplane.yaml:1:7: `team` team "risk" is not a team of the platform. Fix: add it to the platform\'s teams, or use one of: b2b-scoring, geo-analytics.',
  );
});

test("--platform: a platform construct's problem is located where the platform file configures it", () => {
  writeFileSync(join(dir, 'platform.yaml'), 'teams:\n  - name: ok-team\n  - name: bad-team\n    quota: { cpu: lots }\n');
  const r = mp(['validate', '--platform', 'platform.yaml'], dir);
  expect(r.code).toBe(1);
  expect(r.err).toContain('platform.yaml:4:19: `teams[1].quota.cpu` = "lots" is not a Kubernetes quantity');
  writeFileSync(
    join(dir, 'platform.yaml'),
    'teams:\n  - name: a\n    quota: { cpu: lots }\n  - name: b\n    quota: { memory: much }\ngpuPools:\n  - name: g\n    taint: { key: purpose, value: ml, effect: Sometimes }\nmlflow:\n  replicas: 0\n',
  );
  const all = mp(['validate', '--platform', 'platform.yaml'], dir);
  expect(all.code).toBe(1);
  expect(
    all.err
      .trim()
      .split('\n')
      .map((l) => l.split(' ').slice(0, 2).join(' ')),
  ).toEqual([
    'platform.yaml:3:19: `teams[0].quota.cpu`',
    'platform.yaml:5:22: `teams[1].quota.memory`',
    'platform.yaml:8:47: `gpuPools[0].taint.effect`',
    'platform.yaml:10:13: `mlflow.replicas`',
    '4 problems',
  ]);
  writeFileSync(
    join(dir, 'platform.yaml'),
    'gpuPools:\n  - name: a\n  - name: b\n    taint: { key: purpose, value: ml, effect: Sometimes }\nteamz: []\n',
  );
  const u = mp(['validate', '--platform', 'platform.yaml'], dir);
  expect(u.code).toBe(1);
  expect(u.err).toContain('platform.yaml:5:1: `teamz` unknown field `teamz` in a platform file. Fix: did you mean `teams`?');
});

test('the same team in two -f files is refused before anything is built, naming both files and their team: lines', () => {
  writeFileSync(join(dir, 'again.yaml'), `# the same team, copied\n${VALID}`);
  for (const cmd of ['validate', 'synth']) {
    const r = mp([cmd, '-f', 'modelplane.yaml', '-f', 'again.yaml', '-o', 'dist'].slice(0, cmd === 'synth' ? 7 : 5), dir);
    expect(r.code).toBe(1);
    expect(r.err).not.toContain('There is already a Construct');
    expect(r.err.trim().split('\n')).toEqual([
      'again.yaml:2:7: `team` = "risk" is also the team of modelplane.yaml (modelplane.yaml:1:7); a team is described by one file. Fix: merge the two files into one, or change `team:` in again.yaml.',
      '1 problem found; nothing was written.',
    ]);
  }
  expect(existsSync(join(dir, 'dist'))).toBe(false);
  // With a platform file, too (both files would land in the platform's team chart).
  cpSync(join(ROOT, 'examples', 'team-workspaces'), join(dir, 'tw'), { recursive: true, filter: (p) => !p.includes('/dist') });
  cpSync(join(dir, 'tw', 'b2b-scoring.yaml'), join(dir, 'tw', 'copy.yaml'));
  const p = mp(['validate', '--platform', 'tw/platform.yaml', '-f', 'tw/b2b-scoring.yaml', '-f', 'tw/copy.yaml'], dir);
  expect(p.code).toBe(1);
  expect(p.err).toMatch(
    /^tw\/copy\.yaml:(\d+):7: `team` = "b2b-scoring" is also the team of tw\/b2b-scoring\.yaml \(tw\/b2b-scoring\.yaml:\1:7\)/,
  );
  // The same file twice.
  const twice = mp(['validate', '-f', 'modelplane.yaml', '-f', './modelplane.yaml'], dir);
  expect(twice.code).toBe(1);
  expect(twice.err).toContain(
    './modelplane.yaml:1:7: `team` = "risk": the file modelplane.yaml is given twice. Fix: pass each file once with -f.',
  );
});
