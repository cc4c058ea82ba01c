/**
 * Failures injected while synth writes (a build that throws, a writer that throws, a failing rename,
 * a failing manifest write): the previous output stays exactly as it was and no temporary folder is
 * left — for `synth -o` (beside the output directory) and for validate and diff (in the system's
 * temporary directory).
 */
import { join } from 'node:path';
import { ApiObject, App, Chart } from 'cdk8s';
import { run } from '../src/frontends/cli/main';
import { BuildOutcome, synthToDirectory } from '../src/frontends/config/synth';
import { leftovers, MANIFEST, snapshot, TEAM, temp } from './support/outdir';

// The module object itself (not an import namespace), so jest can replace its functions.
const fs: typeof import('node:fs') = require('node:fs');
const os: typeof import('node:os') = require('node:os');

let parent: string;
let out: string;
beforeEach(() => {
  parent = temp('mp-inject-');
  out = join(parent, 'dist');
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(parent, { recursive: true, force: true });
});

function build(name: string, extra?: (dir: string) => void): (app: App) => BuildOutcome {
  return (app) => {
    new ApiObject(new Chart(app, 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
    return { issues: [], writeExtra: extra };
  };
}

/** A first, successful synth; returns the snapshot every failing one must leave. */
function previous(): Record<string, string> {
  expect(synthToDirectory(out, build('first')).issues).toEqual([]);
  const before = snapshot(out);
  expect(Object.keys(before)).toEqual([MANIFEST, 'c.k8s.yaml']);
  return before;
}

function expectUntouched(before: Record<string, string>): void {
  expect(snapshot(out)).toEqual(before);
  expect(fs.readdirSync(parent)).toEqual(['dist']);
}

test('the build throws', () => {
  const before = previous();
  expect(() =>
    synthToDirectory(out, () => {
      throw new Error('injected: build');
    }),
  ).toThrow('injected: build');
  expectUntouched(before);
});

test('a writer of extra files throws', () => {
  const before = previous();
  expect(() =>
    synthToDirectory(
      out,
      build('second', (dir) => {
        fs.writeFileSync(join(dir, 'half.txt'), 'half');
        throw new Error('injected: write');
      }),
    ),
  ).toThrow('injected: write');
  expectUntouched(before);
});

test('writing the manifest fails', () => {
  const before = previous();
  const real = fs.writeFileSync;
  jest.spyOn(fs, 'writeFileSync').mockImplementation((file, ...rest) => {
    if (String(file).endsWith(MANIFEST)) throw new Error('injected: ENOSPC');
    return real(file, ...rest);
  });
  expect(() => synthToDirectory(out, build('second'))).toThrow('injected: ENOSPC');
  jest.restoreAllMocks();
  expectUntouched(before);
});

test('moving the new output into place fails: the previous output is put back', () => {
  const before = previous();
  const real = fs.renameSync;
  jest.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
    if (String(to) === out && String(from).includes('.modelplane-') && !String(from).endsWith('.old')) throw new Error('injected: EIO');
    return real(from, to);
  });
  expect(() => synthToDirectory(out, build('second'))).toThrow('injected: EIO');
  jest.restoreAllMocks();
  expectUntouched(before);
});

test('a fresh output directory is not created when anything fails', () => {
  const failing = build('x', () => {
    throw new Error('injected');
  });
  expect(() => synthToDirectory(out, failing)).toThrow('injected');
  expect(fs.readdirSync(parent)).toEqual([]);
});

describe('validate and diff in the system temporary directory', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = join(parent, 'tmp');
    fs.mkdirSync(tmp);
    fs.writeFileSync(join(parent, 'modelplane.yaml'), TEAM);
    // jest gives the test its own copy of process.env, so TMPDIR cannot be set here: replace os.tmpdir().
    jest.spyOn(os, 'tmpdir').mockReturnValue(tmp);
  });

  test.each(['validate', 'diff'])('%s: a failing write is exit 2 naming it, and removes the temporary directory', (cmd) => {
    const real = fs.writeFileSync;
    jest.spyOn(fs, 'writeFileSync').mockImplementation((file, ...rest) => {
      if (String(file).startsWith(tmp)) {
        throw Object.assign(new Error(`EROFS: read-only file system, open '${String(file)}'`), {
          code: 'EROFS',
          syscall: 'open',
          path: String(file),
        });
      }
      return real(file, ...rest);
    });
    let err = '';
    const args = [cmd, '-f', join(parent, 'modelplane.yaml'), ...(cmd === 'diff' ? ['-o', join(parent, 'none')] : [])];
    expect(run(args, { out: () => undefined, err: (t) => void (err += t) }, parent)).toBe(2);
    expect(err).toMatch(/^modelplane: cannot write .*EROFS.* Fix: /);
    expect(err).not.toContain('internal error');
    jest.restoreAllMocks();
    expect(leftovers(tmp)).toEqual([]);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});
