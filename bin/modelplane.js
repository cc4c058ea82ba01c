#!/usr/bin/env node
/*
 * The `modelplane` command. The published package runs its compiled build/ (no TypeScript needed). In a
 * source checkout (this repository, or a model repository that depends on one with `file:`), it runs
 * the TypeScript sources through the cached transpiler of ./ts-loader.js, so it always matches the
 * sources and needs no build step after `npm ci`; MODELPLANE_USE_BUILD=1 runs build/ there instead.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

// V8's on-disk code cache (Node.js 22.1+): compiling cdk8s and the generated bindings is the largest part of
// a command's start-up. Kept beside the transpile cache in ${MODELPLANE_CACHE:-~/.cache/modelplane}
// (NODE_COMPILE_CACHE chooses another place, NODE_DISABLE_COMPILE_CACHE=1 turns it off); a cache that
// cannot be written only costs speed.
try {
  const cacheRoot = process.env.MODELPLANE_CACHE || path.join(require('node:os').homedir(), '.cache', 'modelplane');
  require('node:module').enableCompileCache?.(process.env.NODE_COMPILE_CACHE || path.join(cacheRoot, 'node-compile-cache'));
} catch {
  // no cache
}

const root = path.join(__dirname, '..');
const source = path.join(root, 'src', 'frontends', 'cli', 'main.ts');
const built = path.join(root, 'build', 'src', 'frontends', 'cli', 'main.js');

// `modelplane graph x | head`: a closed pipe ends the command quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e && e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

let cli;
if (fs.existsSync(source) && process.env.MODELPLANE_USE_BUILD !== '1' && require('./ts-loader').register()) {
  cli = require(source);
} else if (fs.existsSync(built)) {
  cli = require(built);
} else {
  process.stderr.write(
    `modelplane: ${built} is missing, and the sources cannot run without the typescript package. ` +
      `Fix: in a modelplane checkout, run \`npm ci\` (or \`npm run build\`) in ${root}; otherwise reinstall the package (npm install modelplane).\n`,
  );
  process.exit(4);
}
// runAsync: `promote` talks to MLflow over the network; every other command runs as with the synchronous run().
cli.runAsync(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
