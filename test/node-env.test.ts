/**
 * The Node.js the tests run on: scripts/node/env.sh puts the one of .node-version first on PATH, fails
 * under CI=true when it is missing, and warns elsewhere; the generated CI and engines agree with it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CI_NODE_MAJOR } from '../src/frontends/cli/init-templates';

const ROOT = resolve(__dirname, '..');
const VERSION = readFileSync(join(ROOT, '.node-version'), 'utf8').trim();

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelplane-node-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A bin directory whose `node` prints `version`. */
function fakeNode(name: string, version: string): string {
  const bin = join(dir, name);
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'node'), `#!/bin/sh\necho ${version}\n`);
  chmodSync(join(bin, 'node'), 0o755);
  return bin;
}

/** Sources env.sh with a cache directory and PATH, then prints which node is first. */
function sourceEnv(env: Record<string, string>) {
  const script = `source ${JSON.stringify(join(ROOT, 'scripts/node/env.sh'))} && command -v node && node --version`;
  const r = spawnSync('/bin/bash', ['-c', script], { encoding: 'utf8', env: { HOME: dir, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('.node-version is one exact version; engines and the generated CI name its major or older', () => {
  expect(VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  const major = VERSION.split('.')[0];
  expect(CI_NODE_MAJOR).toBe(major);
  const engines = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node;
  expect(engines).toMatch(/^>=\d+$/);
  expect(Number(engines.slice(2))).toBeLessThanOrEqual(Number(major));
});

test('the installed Node.js goes first on PATH', () => {
  const cache = join(dir, 'cache');
  const bin = fakeNode(join('cache', 'node', VERSION, 'bin'), `v${VERSION}`);
  const other = fakeNode('system', 'v20.0.0');
  const r = sourceEnv({ MODELPLANE_CACHE: cache, PATH: `${other}:/usr/bin:/bin`, CI: 'true' });
  expect(r).toEqual({ code: 0, out: `${join(bin, 'node')}\nv${VERSION}\n`, err: '' });
});

test('missing: CI=true fails naming the version, the path and the fix; elsewhere a warning and the machine node', () => {
  const cache = join(dir, 'cache');
  const other = fakeNode('system', 'v20.0.0');
  const ci = sourceEnv({ MODELPLANE_CACHE: cache, PATH: `${other}:/usr/bin:/bin`, CI: 'true' });
  expect(ci.code).toBe(1);
  expect(ci.out).toBe('');
  expect(ci.err).toBe(
    `scripts/node/env.sh: Node.js ${VERSION} (.node-version) is not installed at ${join(cache, 'node', VERSION, 'bin')}, and CI must test on it (node on PATH: v20.0.0). Fix: bash scripts/setup.sh (or bash scripts/node/install.sh)\n`,
  );
  const local = sourceEnv({ MODELPLANE_CACHE: cache, PATH: `${other}:/usr/bin:/bin` });
  expect(local.code).toBe(0);
  expect(local.out).toBe(`${join(other, 'node')}\nv20.0.0\n`);
  expect(local.err).toMatch(/^scripts\/node\/env\.sh: warning: testing on node v20\.0\.0, not .* Fix: bash scripts\/node\/install\.sh\n$/);
  // The machine's node of the right version needs no install.
  const same = fakeNode('same', `v${VERSION}`);
  expect(sourceEnv({ MODELPLANE_CACHE: cache, PATH: `${same}:/usr/bin:/bin`, CI: 'true' })).toMatchObject({ code: 0, err: '' });
});
