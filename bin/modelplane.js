#!/usr/bin/env node
/*
 * The `modelplane` command. In a source checkout (this repository, or a model repository that
 * depends on it with `file:`), it runs the TypeScript sources directly: each file is transpiled
 * once and cached by content hash under ${MODELPLANE_CACHE:-~/.cache/modelplane}/ts, so the
 * command always matches the sources and needs no build step after `npm ci`. An installed package
 * without TypeScript runs the compiled build/ output (`npm run build`, done by `npm pack`).
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');

const root = path.join(__dirname, '..');
const source = path.join(root, 'cli', 'main.ts');
const built = path.join(root, 'build', 'cli', 'main.js');

function loadTypeScript() {
  if (process.env.MODELPLANE_USE_BUILD === '1' || !fs.existsSync(source)) return undefined;
  try {
    return require(require.resolve('typescript', { paths: [root] }));
  } catch {
    return undefined;
  }
}

function registerTranspiler(ts) {
  const cacheRoot = process.env.MODELPLANE_CACHE || path.join(os.homedir(), '.cache', 'modelplane');
  const cacheDir = path.join(cacheRoot, 'ts', ts.version);
  const compilerOptions = {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
    resolveJsonModule: true,
    sourceMap: false,
    inlineSourceMap: true,
  };
  const optionsKey = JSON.stringify(compilerOptions);
  require.extensions['.ts'] = function compileTs(module, filename) {
    const text = fs.readFileSync(filename, 'utf8');
    const hash = crypto.createHash('sha256').update(optionsKey).update('\0').update(filename).update('\0').update(text).digest('hex');
    const cached = path.join(cacheDir, hash.slice(0, 2), `${hash}.js`);
    let output;
    try {
      output = fs.readFileSync(cached, 'utf8');
    } catch {
      output = ts.transpileModule(text, { compilerOptions, fileName: filename }).outputText;
      try {
        fs.mkdirSync(path.dirname(cached), { recursive: true });
        const tmp = `${cached}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, output);
        fs.renameSync(tmp, cached);
      } catch {
        // No writable cache: transpile again next time.
      }
    }
    module._compile(output, filename);
  };
}

const ts = loadTypeScript();
let cli;
if (ts) {
  registerTranspiler(ts);
  cli = require(source);
} else if (fs.existsSync(built)) {
  cli = require(built);
} else {
  process.stderr.write(`modelplane: neither the TypeScript sources with the typescript package nor the compiled ${built} were found. Fix: run \`npm run build\` in ${root}.\n`);
  process.exit(4);
}
process.exitCode = cli.run(process.argv.slice(2));
