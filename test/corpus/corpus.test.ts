/**
 * The bad-input corpus: every case is an invalid input that must be refused with a message naming the
 * construct, the field and the bad value, and without writing a single file.
 *   - cases/*.ts: TypeScript inputs, built into an App whose outdir is a fresh temporary directory and
 *     synthesized; the directory must not exist afterwards.
 *   - yaml/*.yaml: modelplane.yaml (or platform) files run through the CLI's `synth -f FILE -o DIR`;
 *     exit 1, the message located at FILE:LINE:COL, and no output directory (nor a leftover temporary one).
 * A YAML case declares what the message must say in its header: `# expect: TEXT` lines (all in one message
 * line), optional `# args: ...` (extra CLI arguments, paths relative to yaml/), `# as: platform` (given with --platform).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { expectIssue } from '../support/errors';
import type { TsCase } from './support';
import { runCase, YamlCase, yamlCases as loadYamlCases } from './yaml-cases';

const casesDir = path.join(__dirname, 'cases');

const tsCases: { file: string; c: TsCase }[] = fs
  .readdirSync(casesDir)
  .filter((f) => f.endsWith('.ts'))
  .sort()
  .flatMap((file) => (require(path.join(casesDir, file)) as { cases: TsCase[] }).cases.map((c) => ({ file, c })));

const yamlCases: YamlCase[] = loadYamlCases();

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'modelplane-corpus-'));
}

test('the corpus has at least 60 cases over every construct and the CLI', () => {
  expect(tsCases.length + yamlCases.length).toBeGreaterThanOrEqual(60);
  const constructs = new Set(tsCases.map(({ c }) => c.construct.split(' ')[0]));
  for (const kind of [
    'TeamSpace',
    'MlflowServer',
    'GpuNodePool',
    'Platform',
    'SparkBatchModel',
    'Cascade',
    'OnlineModel',
    'ModelTest',
    'RetroTest',
  ]) {
    expect({ kind, covered: constructs.has(kind) }).toEqual({ kind, covered: true });
  }
  expect(yamlCases.length).toBeGreaterThanOrEqual(10);
  for (const y of yamlCases) expect({ file: y.file, expectations: y.expect.length > 0 }).toEqual({ file: y.file, expectations: true });
});

describe.each(tsCases.map(({ file, c }) => [`${file}: ${c.name}`, c] as const))('%s', (_name, c) => {
  test('refused naming construct, field and value; nothing written', () => {
    const root = tempDir();
    const outdir = path.join(root, 'dist');
    try {
      const app = new App({ outdir });
      expectIssue(
        () => {
          c.build(app);
          app.synth();
        },
        { construct: c.construct, field: c.field, ...('value' in c ? { value: c.value } : {}), says: c.says },
      );
      expect(fs.existsSync(outdir) ? fs.readdirSync(outdir) : []).toEqual([]);
      expect(fs.readdirSync(root)).toEqual([]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe.each(yamlCases.map((y) => [y.file, y] as const))('yaml/%s', (file, y) => {
  test('modelplane synth exits 1 with a located message naming field and value; nothing written', () => {
    const root = tempDir();
    const outdir = path.join(root, 'dist');
    try {
      const { code, out, err } = runCase(y, 'synth', ['-o', outdir]);
      expect({ code, out }).toEqual({ code: 1, out: '' });
      const lines = err.split('\n').filter((l) => l.startsWith(`${file}:`) || l.includes(`/${file}:`));
      const match = lines.find((l) => y.expect.every((e) => l.includes(e)));
      if (!match) throw new Error(`no message line of ${file} contains all of ${JSON.stringify(y.expect)}; stderr:\n${err}`);
      expect(match).toMatch(new RegExp(`${file.replace('.', '\\.')}:\\d+:\\d+: `));
      expect(match).toMatch(/Fix: \S/);
      expect(err).toContain('nothing was written');
      expect(fs.readdirSync(root)).toEqual([]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
