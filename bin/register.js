/*
 * `node -r modelplane/bin/register app.ts`: runs TypeScript (the model repository's and modelplane's
 * own sources) without a build step. Each file is transpiled once (no type check) and cached by
 * content hash under ${MODELPLANE_CACHE:-~/.cache/modelplane}/ts. When modelplane's compiled build/
 * is absent (a source checkout or a `file:` dependency), `require('modelplane')` loads src/index.ts.
 * Needs the `typescript` package (modelplane's devDependency in a checkout).
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const Module = require('node:module');

const root = path.join(__dirname, '..');

/** The typescript module, or undefined when it cannot be loaded (or MODELPLANE_USE_BUILD=1). */
function loadTypeScript() {
  if (process.env.MODELPLANE_USE_BUILD === '1') return undefined;
  for (const from of [root, process.cwd()]) {
    try {
      return require(require.resolve('typescript', { paths: [from] }));
    } catch {
      // try the next place
    }
  }
  return undefined;
}

let registered = false;

/** Installs the `.ts` loader; returns false when TypeScript is not available. */
function register() {
  if (registered) return true;
  const ts = loadTypeScript();
  if (!ts) return false;
  const cacheRoot = process.env.MODELPLANE_CACHE || path.join(os.homedir(), '.cache', 'modelplane');
  const cacheDir = path.join(cacheRoot, 'ts', ts.version);
  const compilerOptions = {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
    resolveJsonModule: true,
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
  if (!fs.existsSync(path.join(root, 'build', 'src', 'index.js'))) {
    const source = path.join(root, 'src', 'index.ts');
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function resolveModelplane(request, ...rest) {
      return request === 'modelplane' ? source : resolve.call(this, request, ...rest);
    };
  }
  registered = true;
  return true;
}

module.exports = { register, root };
register();
