/**
 * The generated parts of the YAML front end are up to date: the TypeScript types generated from
 * schema/modelplane.schema.json and the field table of docs/modelplane-yaml.md generated from the
 * mapping tables. When one fails, run `npm run gen:config-types` and commit the result.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fieldsMarkdown, fieldsPage, FIELDS_BEGIN, FIELDS_END } from '../src/frontends/config/fields-doc';

const ROOT = join(__dirname, '..');
const REGENERATE = 'npm run gen:config-types';

test('src/frontends/config/generated/modelplane-yaml.ts is what the schema generates (and the docs table what the tables give)', () => {
  // json-schema-to-typescript and prettier run in a child process: prettier's dynamic imports need
  // a plain Node module loader, which jest's is not.
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/gen-config-types.ts', '--check'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0)
    throw new Error(`${r.stderr}${r.stdout}\nThe generated files are stale: run \`${REGENERATE}\` and commit the result.`);
});

test('the field table of docs/modelplane-yaml.md is generated from the mapping tables', () => {
  const page = readFileSync(join(ROOT, 'docs/modelplane-yaml.md'), 'utf8');
  const section = page.slice(page.indexOf(FIELDS_BEGIN) + FIELDS_BEGIN.length + 1, page.indexOf(FIELDS_END));
  expect(page.indexOf(FIELDS_BEGIN)).toBeGreaterThan(0);
  // On a difference: the page is stale, run `npm run gen:config-types`.
  expect(section).toBe(fieldsMarkdown());
});

test('the generated types say they are generated, and from what', () => {
  const ts = readFileSync(join(ROOT, 'src/frontends/config/generated/modelplane-yaml.ts'), 'utf8');
  expect(ts.split('\n').slice(0, 4).join('\n')).toContain('GENERATED — do not edit');
  expect(ts).toContain(REGENERATE);
});

test('the construct reference (npm run docs) has the field table as a page of its own', () => {
  const typedoc = JSON.parse(readFileSync(join(ROOT, 'docs/typedoc.json'), 'utf8')) as { projectDocuments?: string[] };
  expect(typedoc.projectDocuments).toContain('generated/yaml-fields.md');
  expect(readFileSync(join(ROOT, 'docs/build.sh'), 'utf8')).toContain(
    "'generated/yaml-fields.md', require('../src/frontends/config/fields-doc').fieldsPage()",
  );
  expect(fieldsPage()).toContain(fieldsMarkdown());
});
