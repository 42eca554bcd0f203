#!/usr/bin/env bash
# `npm test`: set up what the suite needs, build, and run every test (mocha prints "N passed, N failed").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh full
exec npx mocha "dist/test/**/*.test.js" "$@"
