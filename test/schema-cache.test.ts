/**
 * The cached validators (Ajv's standalone code, kept under the modelplane cache) report exactly what a
 * freshly compiled one reports: every error, with its keyword, paths, params, schema and parent schema,
 * on the corpus of bad files, the examples, and random mutations of them.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import YAML from 'yaml';
import { MODELPLANE_SCHEMA } from '../src/frontends/config/load';
import { compileSchema } from '../src/frontends/config/schema-issues';

const PLATFORM_SCHEMA = JSON.parse(readFileSync(join(__dirname, '..', 'schema', 'platform.schema.json'), 'utf8')) as Record<
  string,
  unknown
>;

const docs = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => {
      try {
        return [YAML.parse(readFileSync(join(dir, f), 'utf8')) as unknown];
      } catch {
        return []; // the cases that are bad YAML (alias bombs, syntax) never reach the schema
      }
    });

const corpus = docs(join(__dirname, 'corpus', 'yaml'));
const examples = readdirSync(join(__dirname, '..', 'examples'))
  .filter((e) => existsSync(join(__dirname, '..', 'examples', e, 'modelplane.yaml')))
  .map((e) => YAML.parse(readFileSync(join(__dirname, '..', 'examples', e, 'modelplane.yaml'), 'utf8')) as unknown);

/** A value with one field somewhere replaced by a random JSON value (or removed). */
function mutate(value: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return replacement;
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  if (entries.length === 0) return replacement;
  const [key, child] = entries[path[0]! % entries.length]!;
  const copy = (Array.isArray(value) ? [...value] : { ...value }) as Record<string | number, unknown>;
  copy[key] = mutate(child, path.slice(1), replacement);
  if (replacement === undefined && path.length === 1) delete copy[key];
  return copy;
}

let cache: string;
beforeAll(() => {
  cache = mkdtempSync(join(tmpdir(), 'modelplane-ajv-'));
});
afterAll(() => rmSync(cache, { recursive: true, force: true }));

test.each([
  ['modelplane.yaml', MODELPLANE_SCHEMA, [...corpus, ...examples]],
  ['the platform file', PLATFORM_SCHEMA, corpus],
] as const)('%s: the cached validator reports what a fresh one does', (_name, schema, inputs) => {
  const fresh = compileSchema(schema as Record<string, unknown>, null);
  compileSchema(schema as Record<string, unknown>, cache); // compiles and writes the cache file
  const files = readdirSync(cache).filter((f) => f.endsWith('.js'));
  expect(files.length).toBeGreaterThan(0);
  const cached = compileSchema(schema as Record<string, unknown>, cache); // loads it
  for (const doc of inputs) expect(cached(doc)).toEqual(fresh(doc));
  fc.assert(
    fc.property(
      fc.constantFrom(...inputs),
      fc.array(fc.nat(20), { minLength: 1, maxLength: 5 }),
      fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined)),
      (doc, path, replacement) => {
        const bad = mutate(doc, path, replacement);
        expect(cached(bad)).toEqual(fresh(bad));
      },
    ),
    { numRuns: 300 },
  );
});

test('a cut-short cache file is compiled again, and a cache that cannot be written only costs speed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelplane-ajv-broken-'));
  try {
    compileSchema(MODELPLANE_SCHEMA, dir);
    const [file] = readdirSync(dir);
    require('node:fs').writeFileSync(join(dir, file!), 'module.exports = (');
    const check = compileSchema(MODELPLANE_SCHEMA, dir);
    expect(check({ team: 'risk', models: [] })).toEqual(compileSchema(MODELPLANE_SCHEMA, null)({ team: 'risk', models: [] }));
    const unwritable = join(dir, file!, 'below-a-file');
    expect(compileSchema(MODELPLANE_SCHEMA, unwritable)({ team: 1 }).length).toBeGreaterThan(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
