#!/usr/bin/env bash
# `npm run docs`: a fresh build, then regenerates the generated docs (docs/modules.md) from the code.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
npx tsc -p tsconfig.json
node dist/tools/docs.js
