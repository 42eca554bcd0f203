#!/usr/bin/env bash
# `npm run bench`: builds, then runs every benchmark in bench/ (each prints ratios against an in-run baseline).
# Needs python3 (the Python baselines) and gnuplot-nox (the fan-out plot; without it the figures are still printed):
# installs them when run as root, and otherwise names what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/debian-packages.sh
bash scripts/setup.sh

missing=()
command -v python3 >/dev/null || missing+=(python3)
command -v gnuplot >/dev/null || missing+=(gnuplot-nox)
# every benchmark's baseline needs python3; only the fan-out plot needs gnuplot
install_debian bench "${missing[@]}" || command -v python3 >/dev/null || exit 1

for b in certmaster-wait minion-calls startup fanout hostile-flood amqp amqp-cluster; do
  if [ -f "dist/bench/$b.js" ]; then
    echo "== bench/$b"
    node "dist/bench/$b.js" "$@"
  fi
done
if command -v rpmbuild >/dev/null && command -v createrepo_c >/dev/null; then
  echo "== bench/build-pipeline"
  node dist/bench/build-pipeline.js "$@"
fi
