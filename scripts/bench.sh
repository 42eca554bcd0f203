#!/usr/bin/env bash
# `npm run bench`: builds, then runs every benchmark in bench/ (each prints ratios against an in-run baseline).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
for b in certmaster-wait minion-calls fanout; do
  if [ -f "dist/bench/$b.js" ]; then
    echo "== bench/$b"
    node "dist/bench/$b.js" "$@"
  fi
done
if command -v rpmbuild >/dev/null && command -v createrepo_c >/dev/null; then
  echo "== bench/build-pipeline"
  node dist/bench/build-pipeline.js "$@"
fi
