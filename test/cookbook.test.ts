/**
 * The cookbook (docs/cookbook/*.md) gives each recipe in YAML and in TypeScript, as docs/README.md
 * promises: every page has a TypeScript block, and every complete one (starting with its imports from
 * `modelplane`) runs, its constructs built and checked as a model repository would build them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';

const DIR = join(__dirname, '..', 'docs', 'cookbook');
const pages = readdirSync(DIR)
  .filter((f) => f.endsWith('.md'))
  .sort();

/** The ```ts blocks of a page. */
function tsBlocks(page: string): string[] {
  return [...readFileSync(join(DIR, page), 'utf8').matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

/** Runs a block as CommonJS, `modelplane` being this repository's package entry. */
function runBlock(code: string): void {
  const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const load = (id: string): unknown => (id === 'modelplane' ? require('../src/index') : require(id));
  new Function('require', 'module', 'exports', js)(load, { exports: {} }, {});
}

describe.each(pages)('docs/cookbook/%s', (page) => {
  test('gives the recipe in TypeScript too, and its complete blocks build valid constructs', () => {
    const blocks = tsBlocks(page);
    expect(blocks.length).toBeGreaterThan(0);
    for (const b of blocks.filter((x) => x.startsWith('import '))) expect(() => runBlock(b)).not.toThrow();
  });
});
