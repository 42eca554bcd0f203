#!/usr/bin/env bash
# `npm run test:unit`: a fresh build, then only the in-process unit tests listed in .mocharc.unit.json (codecs,
# config, ACLs, argument checks, errors, targets, …: no child processes, no sockets), in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
npx tsc -p tsconfig.json
# a renamed or removed test file must not silently drop out of the list
missing=$(node -e 'const c = require("./.mocharc.unit.json"); const fs = require("fs");
  console.log(c.spec.filter((f) => !fs.existsSync(f)).join(" "))')
if [ -n "$missing" ]; then
  echo "test:unit: .mocharc.unit.json lists files that do not exist: $missing" >&2
  exit 1
fi
exec npx mocha --config .mocharc.unit.json "$@"
