/*
 * `node -r modelplane/bin/register app.ts`: runs TypeScript (the model repository's, and modelplane's
 * own sources in a checkout) without a build step; see ./ts-loader.js. Needs the `typescript` package:
 * without it, says so and how to install it, and exits 1 (throws when required from a running program).
 */
'use strict';
const { register, missingTypeScriptMessage, root } = require('./ts-loader');

if (!register()) {
  // Preloaded with -r, the main module has not started: a message beats a stack trace.
  if (require.main === undefined) {
    process.stderr.write(`${missingTypeScriptMessage()}\n`);
    process.exit(1);
  }
  throw new Error(missingTypeScriptMessage());
}

module.exports = { register, root };
