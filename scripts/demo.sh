#!/usr/bin/env bash
# `npm run demo`: the main job on an embedded default. A certmaster (autosign) and a funcd on loopback,
# both under a throwaway FUNC_ROOT; the minion enrolls, then `func "*" call test ping` reaches it.
# FUNC_BIN=DIR runs the commands installed in DIR (e.g. an `npm install -g --prefix` of the package) instead of bin/.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${FUNC_BIN:-}" ]; then bash scripts/setup.sh; fi
BIN="${FUNC_BIN:-bin}"

CM_PORT="${DEMO_CERTMASTER_PORT:-51235}"
MINION_ADDR="${DEMO_MINION_ADDR:-127.0.0.1}"
MINION_PORT="${DEMO_MINION_PORT:-51234}"
export FUNC_ROOT="$(mktemp -d /tmp/func-demo.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP_DEMO:-}" ] || rm -rf "$FUNC_ROOT"
}
trap cleanup EXIT

mkdir -p "$FUNC_ROOT/etc/certmaster" "$FUNC_ROOT/etc/func"
cat > "$FUNC_ROOT/etc/certmaster/certmaster.conf" <<CONF
[main]
listen_addr = 127.0.0.1
listen_port = $CM_PORT
autosign = yes
CONF
cat > "$FUNC_ROOT/etc/certmaster/minion.conf" <<CONF
[main]
certmaster = 127.0.0.1
certmaster_port = $CM_PORT
retry_interval = 1
CONF
cat > "$FUNC_ROOT/etc/func/minion.conf" <<CONF
[main]
minion_name = $MINION_ADDR
listen_addr = $MINION_ADDR
listen_port = $MINION_PORT
CONF
cat > "$FUNC_ROOT/etc/func/overlord.conf" <<CONF
[main]
listen_port = $MINION_PORT
CONF

wait_port() { for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0; sleep 0.1; done; echo "demo: nothing listens on $1:$2" >&2; return 1; }

echo "== FUNC_ROOT=$FUNC_ROOT"
echo "== starting certmaster on 127.0.0.1:$CM_PORT (autosign)"
"$BIN/certmaster" > "$FUNC_ROOT/certmaster.out" 2>&1 & pids+=($!)
wait_port 127.0.0.1 "$CM_PORT"
echo "== starting funcd as $MINION_ADDR:$MINION_PORT (enrolls with certmaster first)"
"$BIN/funcd" > "$FUNC_ROOT/funcd.out" 2>&1 & pids+=($!)
wait_port "$MINION_ADDR" "$MINION_PORT"
echo "== certmaster-ca --list-signed"
"$BIN/certmaster-ca" --list-signed
echo "== certmaster-ca --list-cert-hash"
"$BIN/certmaster-ca" --list-cert-hash
echo '== func "*" call test ping'
"$BIN/func" "*" call test ping
echo '== func "*" call --json test add 1 2'
"$BIN/func" "*" call --json test add 1 2
echo '== func "*" ping'
"$BIN/func" "*" ping
