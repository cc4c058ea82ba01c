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

/**
 * The typescript package found from searchPaths(): its version (read from its package.json) and a
 * function that loads the compiler. Loading it costs more than everything else the CLI does at start-up,
 * so it happens only when a file is not in the transpile cache yet. Undefined when it is not installed.
 */
function findTypeScript() {
  for (const from of searchPaths()) {
    let main;
    try {
      main = require.resolve('typescript', { paths: [from] });
    } catch {
      continue; // try the next place
    }
    const version = typeScriptVersion(main);
    let ts;
    const load = () => (ts ??= require(main));
    return { version: version ?? load().version, load };
  }
  return undefined;
}

/** The version in the package.json above typescript's main file, or undefined when there is none. */
function typeScriptVersion(main) {
  for (let dir = path.dirname(main); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!fs.existsSync(file)) continue;
    try {
      const json = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (json.name === 'typescript' && typeof json.version === 'string') return json.version;
    } catch {
      // unreadable: ask the module itself
    }
    return undefined;
  }
  return undefined;
}

let registered = false;

/** The `.ts` extension handler: transpile (cached by content hash), then compile as CommonJS. */
function tsHandler(typescript) {
  const cacheRoot = process.env.MODELPLANE_CACHE || path.join(os.homedir(), '.cache', 'modelplane');
  const cacheDir = path.join(cacheRoot, 'ts', typescript.version);
  const compilerOptions = {
    // Names, not the compiler's enum values, so the cache key is known without loading the compiler
    // (transpileModule converts them).
    module: 'commonjs',
    target: 'es2022',
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
      output = typescript.load().transpileModule(text, { compilerOptions, fileName: filename }).outputText;
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
  const typescript = findTypeScript();
  if (!typescript) return false;
  require.extensions['.ts'] = tsHandler(typescript);
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
