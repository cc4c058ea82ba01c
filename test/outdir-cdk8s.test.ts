/**
 * The cdk8s path (`App.synth()` writing straight into its outdir: stacks/main.ts, a model repository's
 * own app): it writes the output manifest (.modelplane-output) after cdk8s wrote the charts, and on the
 * next run removes only files that manifest lists with an unchanged hash — stale DAG files (removed by
 * the DAG writer during synth) and stale chart files. Files it did not write, or wrote and someone
 * edited since, stay.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdk8s';
import { buildTeamModels } from '../src/frontends/config/build';
import { loadConfigText } from '../src/frontends/config/load';
import { buildPlatform, defaultConfig } from '../stacks/build';
import { listFiles, synthWithEntryPoint } from './support/manifests';
import { MANIFEST, TEAM, temp } from './support/outdir';

jest.setTimeout(180_000);

let out: string;
beforeEach(() => {
  out = temp('mp-cdk8s-');
});
afterEach(() => rmSync(out, { recursive: true, force: true }));

const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

function manifestPaths(dir: string): string[] {
  const m = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8'));
  for (const f of m.files) expect([f.path, f.sha256]).toEqual([f.path, sha256(join(dir, f.path))]);
  return m.files.map((f: { path: string }) => f.path);
}

function synthTeam(text: string): void {
  const app = new App({ outdir: out });
  const built = buildTeamModels(app, loadConfigText('modelplane.yaml', text));
  expect(built.issues).toEqual([]);
  app.synth();
}

test('stacks/main.ts (what `cdk8s synth` runs) writes the manifest of exactly the files it wrote', () => {
  synthWithEntryPoint(out);
  const files = listFiles(out).filter((f) => f !== MANIFEST);
  expect(files).toEqual(expect.arrayContaining(['0000-platform.k8s.yaml', 'dags/.airflowignore']));
  expect(manifestPaths(out)).toEqual([...files].sort());
});

test('the DAG writer never removes a DAG file it did not write', () => {
  mkdirSync(join(out, 'dags'));
  writeFileSync(join(out, 'dags', 'mine.py'), 'from airflow import DAG\n');
  synthTeam(TEAM);
  expect(readFileSync(join(out, 'dags', 'mine.py'), 'utf8')).toBe('from airflow import DAG\n');
  expect(manifestPaths(out)).not.toContain('dags/mine.py');
});

test('a second run removes the DAG files the first wrote and no longer produces; an edited one stays', () => {
  synthTeam(TEAM);
  expect(manifestPaths(out)).toEqual(['dags/.airflowignore', 'dags/risk.churn.score.py', 'dags/risk.nightly.py', 'models-risk.k8s.yaml']);
  writeFileSync(join(out, 'dags', 'mine.py'), '# mine\n');
  synthTeam(TEAM.replace(/cascades:[\s\S]*$/, '').replace('    schedule: "0 3 * * *"\n', ''));
  expect(existsSync(join(out, 'dags', 'risk.nightly.py'))).toBe(false);
  expect(existsSync(join(out, 'dags', 'risk.churn.score.py'))).toBe(false);
  expect(readFileSync(join(out, 'dags', 'mine.py'), 'utf8')).toBe('# mine\n');
  expect(manifestPaths(out)).toEqual(['dags/.airflowignore', 'models-risk.k8s.yaml']);

  // Edited by hand since it was written: kept, and no longer listed.
  synthTeam(TEAM);
  writeFileSync(join(out, 'dags', 'risk.nightly.py'), '# my fix\n');
  synthTeam(TEAM.replace(/cascades:[\s\S]*$/, ''));
  expect(readFileSync(join(out, 'dags', 'risk.nightly.py'), 'utf8')).toBe('# my fix\n');
  expect(manifestPaths(out)).toEqual(['dags/.airflowignore', 'dags/risk.churn.score.py', 'models-risk.k8s.yaml']);
});

test('a second run of the platform removes the chart files it no longer produces, and nothing else', () => {
  const synth = (teams: string[]) => {
    const app = new App({ outdir: out });
    buildPlatform(app, { ...defaultConfig(), teams: teams.map((name) => ({ name })), examples: false });
    app.synth();
  };
  synth(['fraud', 'risk']);
  const first = manifestPaths(out);
  expect(first).toContain('0001-team-fraud.k8s.yaml');
  writeFileSync(join(out, 'notes.k8s.yaml'), '# mine\n');
  synth(['risk']);
  const second = manifestPaths(out);
  expect(listFiles(out).sort()).toEqual([MANIFEST, 'notes.k8s.yaml', ...second].sort());
  expect(second).not.toContain('0002-team-risk.k8s.yaml');
  expect(second).toContain('0001-team-risk.k8s.yaml');
});

test('an app whose synth fails writes no manifest', () => {
  const app = new App({ outdir: out });
  buildTeamModels(app, loadConfigText('modelplane.yaml', TEAM));
  app.node.addValidation({ validate: () => ['broken on purpose'] });
  expect(() => app.synth()).toThrow('broken on purpose');
  expect(existsSync(join(out, MANIFEST))).toBe(false);
});
