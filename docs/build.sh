#!/usr/bin/env bash
# `npm run docs`: the reference (one page per construct, from the TSDoc comments) with TypeDoc into
# docs/reference/ (generated, not committed). Open docs/reference/index.html. The entry points
# (typedoc.json) are the layers' indexes (src/core, src/constructs, src/frontends/config), so files
# moving inside a layer need no change here. The reference also has the YAML <-> TypeScript field
# table, written from the mapping tables (src/frontends/config/fields-doc.ts) into docs/generated/
# (not committed) just before TypeDoc reads it.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p generated
npx ts-node --transpile-only -e \
  "require('fs').writeFileSync('generated/yaml-fields.md', require('../src/frontends/config/fields-doc').fieldsPage() + '\n')"
npx typedoc --options typedoc.json
echo "docs: wrote $(pwd)/reference ($(ls reference/classes 2>/dev/null | wc -l) class pages, and the YAML field table)"
