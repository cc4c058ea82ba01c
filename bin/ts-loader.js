/*
 * The TypeScript loader behind `node -r modelplane/bin/register` and, in a source checkout, the
 * `modelplane` command itself. Each `.ts` file is transpiled once (no type check) and cached by content
 * hash under ${MODELPLANE_CACHE:-~/.cache/modelplane}/ts. In a source checkout (or a `file:` dependency on
 * one), `require('modelplane')` and `require('modelplane/pulumi')` load src/index.ts and src/pulumi.ts,
 * never a build/ that `npm pack` left and later edits made stale (MODELPLANE_USE_BUILD=1 loads build/).
 *
 * Needs the `typescript` package, looked up from modelplane's directory, then from the current one: a
 * devDependency in a checkout; an optional peer dependency of the published package, which a
 * TypeScript model repository lists in its own devDependencies. Loading this file changes nothing;
 * register() installs the loader.
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const Module = require('node:module');

const root = path.join(__dirname, '..');

/** Where the typescript package is looked up, in order. */
function searchPaths() {
  return [root, process.cwd()];
}

/** The typescript module, or undefined when it cannot be loaded from any of searchPaths(). */
function loadTypeScript() {
  for (const from of searchPaths()) {
    try {
      return require(require.resolve('typescript', { paths: [from] }));
    } catch {
      // try the next place
    }
  }
  return undefined;
}

let registered = false;

/** The `.ts` extension handler: transpile (cached by content hash), then compile as CommonJS. */
function tsHandler(ts) {
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
  return function compileTs(module, filename) {
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

/** Installs the `.ts` loader; returns false (and installs nothing) when TypeScript is not available. */
function register() {
  if (registered) return true;
  const ts = loadTypeScript();
  if (!ts) return false;
  require.extensions['.ts'] = tsHandler(ts);
  if (fs.existsSync(path.join(root, 'src', 'index.ts')) && process.env.MODELPLANE_USE_BUILD !== '1') {
    // A source checkout: the package's entries are its sources, even beside a build/ that may be stale.
    const entries = { modelplane: path.join(root, 'src', 'index.ts'), 'modelplane/pulumi': path.join(root, 'src', 'pulumi.ts') };
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function resolveModelplane(request, ...rest) {
      return Object.prototype.hasOwnProperty.call(entries, request) ? entries[request] : resolve.call(this, request, ...rest);
    };
  }
  registered = true;
  return true;
}

/** The problem when register() returned false: what is missing, where it was looked for, and the fix. */
function missingTypeScriptMessage() {
  return (
    `modelplane/bin/register: the typescript package is not installed (looked from ${searchPaths().join(' and ')}), ` +
    'so .ts files cannot run. Fix: npm install --save-dev typescript (an optional peer dependency of modelplane, >=5.0.0)'
  );
}

module.exports = { register, missingTypeScriptMessage, root };
