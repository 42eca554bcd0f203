#!/usr/bin/env bash
# Shared set-up for `npm run demo` and `npm test`: npm packages, Debian packages the suite needs, a running
# RabbitMQ, and a fresh build. Installs Debian packages only when run as root; otherwise names what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/debian-packages.sh

need_debian="${1:-}"   # "full" for the test suite, empty for the demo

if [ ! -d node_modules ]; then
  echo "setup: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
fi

if [ "$need_debian" = full ]; then
  missing=()
  command -v openssl >/dev/null || missing+=(openssl)
  command -v zsh >/dev/null || missing+=(zsh)
  command -v rpmbuild >/dev/null || missing+=(rpm)
  command -v createrepo_c >/dev/null || missing+=(createrepo-c)
  command -v dnf >/dev/null || missing+=(dnf)
  command -v chromium >/dev/null || missing+=(chromium)
  command -v rabbitmq-server >/dev/null || [ -x /usr/sbin/rabbitmq-server ] || missing+=(rabbitmq-server)
  /usr/bin/python3 -c 'import pika' 2>/dev/null || missing+=(python3-pika)
  install_debian setup "${missing[@]}" || exit 1
  # RabbitMQ: start it where it is installed but not answering on 5672
  if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
    if [ "$(id -u)" = 0 ]; then
      echo "setup: starting rabbitmq-server"
      rabbitmq-server -detached >/dev/null 2>&1 || true
      for _ in $(seq 1 60); do (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null && break; sleep 1; done
    else
      echo "setup: RabbitMQ is not running on 127.0.0.1:5672 (start it as root: rabbitmq-server -detached)" >&2
    fi
  fi
fi

rm -rf dist
npx tsc -p tsconfig.json
node scripts/bundle.mjs
node dist/tools/man-pages.js
