#!/usr/bin/env bash
# `npm run docs`: the reference (one page per construct, from the TSDoc comments) with TypeDoc into
# docs/reference/ (generated, not committed). Open docs/reference/index.html. The entry points
# (typedoc.json) are the layers' indexes (src/core, src/constructs, src/frontends/config), so files
# moving inside a layer need no change here.
set -euo pipefail
cd "$(dirname "$0")"
npx typedoc --options typedoc.json
echo "docs: wrote $(pwd)/reference ($(ls reference/classes 2>/dev/null | wc -l) class pages)"
