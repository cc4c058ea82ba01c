#!/usr/bin/env node
/*
 * The `modelplane` command. In a source checkout (this repository, or a model repository that
 * depends on it with `file:`), it runs the TypeScript sources through the cached transpiler of
 * ./register.js, so it always matches the sources and needs no build step after `npm ci`. An
 * installed package without TypeScript runs the compiled build/ output (`npm run build`).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

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
if (fs.existsSync(source) && process.env.MODELPLANE_USE_BUILD !== '1' && require('./register').register()) {
  cli = require(source);
} else if (fs.existsSync(built)) {
  cli = require(built);
} else {
  process.stderr.write(
    `modelplane: neither the TypeScript sources with the typescript package nor the compiled ${built} were found. Fix: run \`npm run build\` in ${root}.\n`,
  );
  process.exit(4);
}
process.exitCode = cli.run(process.argv.slice(2));
