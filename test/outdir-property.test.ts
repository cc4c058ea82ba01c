/**
 * A property of `modelplane synth -o DIR` over random directory trees — a previous synth's output
 * with some of its files deleted or edited, its manifest kept, removed or damaged, and random files and
 * folders added — or random trees alone: synth either refuses with exit 2 and leaves the tree
 * byte-identical, or succeeds, and then no file outside the previous manifest existed (nothing it did
 * not write is gone). It succeeds exactly when nothing foreign was there.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { run } from '../src/frontends/cli/main';
import { leftovers, MANIFEST, snapshot, TEAM, temp } from './support/outdir';

jest.setTimeout(600_000);

let root: string;
let template: string;
let ours: string[];
const io = { out: () => undefined, err: () => undefined };

beforeAll(() => {
  root = temp('mp-outdir-prop-');
  writeFileSync(join(root, 'modelplane.yaml'), TEAM);
  template = join(root, 'template');
  expect(run(['synth', '-q', '-f', join(root, 'modelplane.yaml'), '-o', template], io, root)).toBe(0);
  ours = Object.keys(snapshot(template)).filter((p) => !p.endsWith('/') && p !== MANIFEST);
  expect(ours.length).toBeGreaterThan(2);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const segment = fc.constantFrom(
  'dags',
  'a.yaml',
  'b.k8s.yaml',
  'models-risk.k8s.yaml',
  'x.py',
  '.git',
  'notes',
  'backup.yaml',
  '.airflowignore',
  'sub',
);
const text = fc.string({ unit: fc.constantFrom('a', 'b', '1', ' ', '\n', '#'), maxLength: 12 });
const extra = fc.record({ path: fc.array(segment, { minLength: 1, maxLength: 3 }), dir: fc.boolean(), text });

const tree = fc.record({
  fromSynth: fc.boolean(),
  manifest: fc.constantFrom('keep', 'keep', 'keep', 'remove', 'damage'),
  deleted: fc.nat(),
  edited: fc.nat(),
  extras: fc.array(extra, { maxLength: 3 }),
});

/** Builds the tree in `dir`; returns whether anything in it is foreign (not an unchanged file of the previous synth). */
function makeTree(dir: string, t: TreeSpec): boolean {
  let foreign = false;
  mkdirSync(dir);
  if (t.fromSynth) {
    cpSync(template, dir, { recursive: true });
    const pick = (n: number) => ours.filter((_, i) => (n >> i) & 1);
    for (const p of pick(t.deleted % 64)) rmSync(join(dir, p));
    for (const p of pick(t.edited % 64)) {
      if (!existsSync(join(dir, p))) continue;
      writeFileSync(join(dir, p), `edited by hand ${readFileSync(join(dir, p), 'utf8').length}\n`);
      foreign = true;
    }
    if (t.manifest === 'remove') rmSync(join(dir, MANIFEST));
    if (t.manifest === 'damage') {
      writeFileSync(join(dir, MANIFEST), '{"files": [');
      foreign = true;
    }
  }
  for (const e of t.extras) {
    const p = join(dir, ...e.path);
    if (existsSync(p) || !canCreate(dir, e.path)) continue;
    if (e.dir) mkdirSync(p, { recursive: true });
    else {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, e.text);
    }
    // An empty dags/ at the top is the shape older versions wrote (accepted when there is no manifest).
    const legacyDags = e.dir && e.path.length === 1 && e.path[0] === 'dags' && (!t.fromSynth || t.manifest === 'remove');
    if (!legacyDags) foreign = true;
  }
  return foreign;
}

interface TreeSpec {
  fromSynth: boolean;
  manifest: string;
  deleted: number;
  edited: number;
  extras: Array<{ path: string[]; dir: boolean; text: string }>;
}

/** Whether every existing prefix of `path` below `dir` is a directory. */
function canCreate(dir: string, path: string[]): boolean {
  for (let i = 1; i < path.length; i++) {
    const p = join(dir, ...path.slice(0, i));
    if (existsSync(p) && !snapshotIsDir(p)) return false;
  }
  return true;
}

function snapshotIsDir(p: string): boolean {
  return statSync(p).isDirectory();
}

test('synth -o over a random tree: exit 2 leaving it byte-identical, or exit 0 when nothing foreign was there', () => {
  let n = 0;
  fc.assert(
    fc.property(tree, (t) => {
      const parent = join(root, `case-${n++}`);
      mkdirSync(parent);
      const out = join(parent, 'out');
      try {
        const foreign = makeTree(out, t);
        const before = snapshot(out);
        const code = run(['synth', '-q', '-f', join(root, 'modelplane.yaml'), '-o', out], io, root);
        expect(leftovers(parent)).toEqual([]);
        if (code === 2) expect(snapshot(out)).toEqual(before);
        else {
          expect(code).toBe(0);
          // Success: the tree is the new output; the old one held nothing but unchanged files of ours.
          expect(snapshot(out)).toEqual(snapshot(template));
        }
        expect({ foreign, code }).toEqual({ foreign, code: foreign ? 2 : 0 });
      } finally {
        rmSync(parent, { recursive: true, force: true });
      }
    }),
    { numRuns: 150 },
  );
});
