/**
 * The package's shape: what package.json ships and exports, the main entry never loading the Pulumi
 * bridge's optional peers, the `modelplane/pulumi` entry naming them when missing, the TypeScript
 * loader naming `typescript` when missing, and the version read from package.json at run time.
 * (scripts/package/run.sh installs the real tarball.)
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findPackageInfo, packageInfo } from '../src/core/package-info';
import { MODELPLANE_VERSION } from '../src/core/output-manifest';
import { missingPulumiPeers, PULUMI_PEERS } from '../src/frontends/pulumi/peers';

const ROOT = resolve(__dirname, '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

jest.setTimeout(120_000);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelplane-pkg-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The source file a compiled path of the package comes from (`./build/src/x.js` -> `src/x.ts`). */
const sourceOf = (target: string) => target.replace(/^\.\/build\//, '').replace(/\.(d\.ts|js)$/, '.ts');

describe('package.json', () => {
  test('ships compiled output, schemas and bin only: no sources, tests, benchmarks or CI files', () => {
    for (const f of PKG.files as string[]) expect(f).toMatch(/^(build\/(src|imports|schema)\/|schema\/|bin\/)/);
    for (const f of PKG.files as string[]) if (f.startsWith('bin/')) expect(existsSync(join(ROOT, f))).toBe(true);
    expect(PKG.scripts.prepack).toBe('npm run build');
    expect(PKG.bin).toEqual({ modelplane: 'bin/modelplane.js' });
  });

  test('every export and bin has its source, and the types entries match the code entries', () => {
    for (const [subpath, target] of Object.entries(PKG.exports as Record<string, string | Record<string, string>>)) {
      const targets = typeof target === 'string' ? [target] : Object.values(target);
      for (const t of targets) {
        const built = t.startsWith('./build/');
        const file = built ? sourceOf(t) : t.replace(/\/\*$/, '');
        expect([subpath, existsSync(join(ROOT, file))]).toEqual([subpath, true]);
      }
      if (typeof target !== 'string') expect(sourceOf(target.types)).toBe(sourceOf(target.default));
    }
    expect(sourceOf(`./${PKG.main}`)).toBe('src/index.ts');
    expect(PKG.typesVersions['*'].pulumi).toEqual([PKG.exports['./pulumi'].types.slice(2)]);
  });

  test('the Pulumi packages and typescript are optional peers (and this repository develops with them)', () => {
    for (const name of [...Object.keys(PULUMI_PEERS), 'typescript']) {
      expect(PKG.dependencies[name]).toBeUndefined();
      expect(PKG.peerDependenciesMeta[name]).toEqual({ optional: true });
      expect(PKG.devDependencies[name]).toBeDefined();
    }
    for (const [name, version] of Object.entries(PULUMI_PEERS)) {
      expect(PKG.devDependencies[name]).toBe(version);
      expect(PKG.peerDependencies[name]).toBe(`^${version}`);
    }
  });
});

describe('entries', () => {
  const node = (args: string[], cwd = ROOT) => spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 90_000 });

  test('the main entry loads no @pulumi module; modelplane/pulumi does, and exports the component', () => {
    const script = (entry: string) =>
      `const m = require(${JSON.stringify(entry)}); const p = Object.keys(require.cache).filter((k) => k.includes('@pulumi')).length;` +
      `console.log(JSON.stringify({ p, app: typeof m.App, dep: typeof m.ModelplaneDeployment, spark: typeof m.SparkBatchModel }))`;
    const main = node(['-r', './bin/register.js', '-e', script('./src/index.ts')]);
    expect(main.stderr).toBe('');
    expect(JSON.parse(main.stdout)).toEqual({ p: 0, app: 'function', dep: 'undefined', spark: 'function' });
    const pulumi = JSON.parse(node(['-r', './bin/register.js', '-e', script('./src/pulumi.ts')]).stdout);
    expect(pulumi.p).toBeGreaterThan(0);
    expect(pulumi.dep).toBe('function');
  });

  test("in a checkout, 'modelplane' and 'modelplane/pulumi' are the sources, whether or not build/ exists (MODELPLANE_USE_BUILD=1: build/)", () => {
    const script = "console.log(require.resolve('modelplane') + ' ' + require.resolve('modelplane/pulumi'))";
    const r = node(['-r', './bin/register.js', '-e', script]);
    expect(r.stdout).toBe(`${join(ROOT, 'src', 'index.ts')} ${join(ROOT, 'src', 'pulumi.ts')}\n`);
    const built = spawnSync(process.execPath, ['-r', './bin/register.js', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, MODELPLANE_USE_BUILD: '1' },
    });
    // Without a build/, there is nothing to resolve; with one, its entries.
    if (existsSync(join(ROOT, 'build', 'src', 'index.js'))) expect(built.stdout).toContain(join(ROOT, 'build', 'src', 'index.js'));
    else expect(built.stderr).toContain('Cannot find module');
  });

  test('modelplane/pulumi without its peers names them and the install command', () => {
    const none = missingPulumiPeers(() => {
      throw new Error('not found');
    });
    expect(none).toBe(
      'modelplane/pulumi needs the packages @pulumi/pulumi and @pulumi/kubernetes, not installed (they are optional peer dependencies of modelplane, so YAML-only repositories do without them). Fix: npm install @pulumi/pulumi@3.259.0 @pulumi/kubernetes@4.25.0',
    );
    const one = missingPulumiPeers((name) => {
      if (name === '@pulumi/kubernetes') throw new Error('not found');
      return name;
    });
    expect(one).toMatch(/^modelplane\/pulumi needs the package @pulumi\/kubernetes, not installed .* Fix: npm install @pulumi\/pulumi@/);
    expect(missingPulumiPeers((name) => name)).toBeUndefined();
    expect(missingPulumiPeers()).toBeUndefined();
  });

  test('bin/register without typescript says what is missing and how to install it, and exits 1', () => {
    // A copy of bin/ where no node_modules holds typescript.
    mkdirSync(join(dir, 'bin'));
    for (const f of ['register.js', 'ts-loader.js']) copyFileSync(join(ROOT, 'bin', f), join(dir, 'bin', f));
    writeFileSync(join(dir, 'app.ts'), "const n: number = 1; console.log('ran', n);\n");
    const r = node(['-r', './bin/register.js', 'app.ts'], dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `modelplane/bin/register: the typescript package is not installed (looked from ${dir} and ${dir}), so .ts files cannot run. Fix: npm install --save-dev typescript (an optional peer dependency of modelplane, >=5.0.0)\n`,
    );
    // Required from a running program, it throws the same message instead of exiting.
    writeFileSync(join(dir, 'main.js'), "try { require('./bin/register.js') } catch (e) { console.log(e.message) }\n");
    expect(node(['main.js'], dir).stdout).toMatch(
      /^modelplane\/bin\/register: the typescript package is not installed .* Fix: npm install/,
    );
  });
});

describe('package info', () => {
  test("the version is package.json's, read at run time", () => {
    expect(packageInfo()).toEqual({ root: ROOT, name: 'modelplane', version: PKG.version });
    expect(MODELPLANE_VERSION).toBe(PKG.version);
  });

  test('found from below, past package.json files of other names; an error naming the start and the fix when absent', () => {
    mkdirSync(join(dir, 'pkg', 'build', 'src', 'core'), { recursive: true });
    writeFileSync(join(dir, 'pkg', 'package.json'), JSON.stringify({ name: 'modelplane', version: '9.8.7' }));
    writeFileSync(join(dir, 'pkg', 'build', 'package.json'), JSON.stringify({ name: 'other', version: '1.0.0' }));
    expect(findPackageInfo(join(dir, 'pkg', 'build', 'src', 'core'))).toEqual({
      root: join(dir, 'pkg'),
      name: 'modelplane',
      version: '9.8.7',
    });
    expect(() => findPackageInfo(join(dir, 'pkg', 'build'))).not.toThrow();
    mkdirSync(join(dir, 'none'));
    expect(() => findPackageInfo(join(dir, 'none'))).toThrow(
      `no package.json named "modelplane" at or above ${join(dir, 'none')}. Fix: reinstall modelplane (npm install modelplane)`,
    );
  });
});
