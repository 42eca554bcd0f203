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

# The build pipeline (issue 10), when rpmbuild and createrepo_c are installed: SRPM → builder → repository → page.
# DEMO_PIPELINE=no leaves it out (the package test runs only the loopback part from the installed commands).
if [ "${DEMO_PIPELINE:-yes}" != no ] && command -v rpmbuild >/dev/null && command -v createrepo_c >/dev/null; then
  M="$MINION_ADDR"
  LIB="$FUNC_ROOT/var/lib/func"
  mkdir -p "$FUNC_ROOT/demo-pkg"
  cat > "$FUNC_ROOT/demo-pkg/hello-func.spec" <<'SPEC'
Name: hello-func
Version: 1.0
Release: 1
Summary: The demo package of func-ts
License: MIT
BuildArch: noarch
%description
A tiny package built by the func-ts demo.
%prep
%build
echo "building hello-func"
%install
mkdir -p %{buildroot}/usr/share/hello-func
echo hello > %{buildroot}/usr/share/hello-func/hello.txt
%files
/usr/share/hello-func/hello.txt
SPEC
  srpm="$(rpmbuild -bs --define "_topdir $FUNC_ROOT/demo-pkg/top" --define "_sourcedir $FUNC_ROOT/demo-pkg" \
    "$FUNC_ROOT/demo-pkg/hello-func.spec" | sed -n 's/^Wrote: //p')"
  echo "== rpmbuild -bs → $srpm"
  echo "== func $M copyfile -f $(basename "$srpm") --remotepath $LIB/srpms/"
  "$BIN/func" "$M" copyfile -f "$srpm" --remotepath "$LIB/srpms/$(basename "$srpm")"
  echo "== func $M call mock build $LIB/srpms/$(basename "$srpm")   (async by default; the build log streams live on stderr)"
  "$BIN/func" "$M" call --json mock build "$LIB/srpms/$(basename "$srpm")" > "$FUNC_ROOT/build.json"
  rpm_path="$(node -e 'const r=Object.values(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")))[0]; console.error("   ok:", r.ok, " rpms:", r.rpms.join(" "), " duration:", r.duration, "s"); console.log(r.rpms[0]||"")' "$FUNC_ROOT/build.json")"
  echo "== func $M getfile --remotesource $(basename "$rpm_path") → rpm -qp"
  "$BIN/func" "$M" getfile --remotesource "$rpm_path" --localdir "$FUNC_ROOT/got"
  rpm -qp "$FUNC_ROOT/got/$M/$(basename "$rpm_path")"
  echo "== func $M copyfile → $LIB/incoming, then call createrepo add $LIB/repos/demo"
  "$BIN/func" "$M" copyfile -f "$FUNC_ROOT/got/$M/$(basename "$rpm_path")" --remotepath "$LIB/incoming/$(basename "$rpm_path")"
  "$BIN/func" "$M" call createrepo add "$LIB/repos/demo" "[\"$LIB/incoming/$(basename "$rpm_path")\"]"
  echo "== func $M call webpage update $LIB/repos"
  "$BIN/func" "$M" call webpage update "$LIB/repos"
  if command -v dnf >/dev/null; then
    echo "== dnf repoquery through the generated demo.repo (own config and cache)"
    mkdir -p "$FUNC_ROOT/dnf/repos.d" && cp "$LIB/repos/demo.repo" "$FUNC_ROOT/dnf/repos.d/"
    printf '[main]\ncachedir=%s\nreposdir=%s\ngpgcheck=0\n' "$FUNC_ROOT/dnf/cache" "$FUNC_ROOT/dnf/repos.d" > "$FUNC_ROOT/dnf/dnf.conf"
    dnf repoquery --config "$FUNC_ROOT/dnf/dnf.conf" --installroot "$FUNC_ROOT/dnf/root" --releasever 1 --quiet
  fi
  echo "== examples/headhunter: two more packages through the allocator (builder and repository host: $M)"
  for n in apple banana; do
    sed -e "s/hello-func/$n/g" "$FUNC_ROOT/demo-pkg/hello-func.spec" > "$FUNC_ROOT/demo-pkg/$n.spec"
    rpmbuild -bs --define "_topdir $FUNC_ROOT/demo-pkg/top" --define "_sourcedir $FUNC_ROOT/demo-pkg" "$FUNC_ROOT/demo-pkg/$n.spec" >/dev/null
  done
  node dist/examples/headhunter.js --builders "$M" --repohost "$M" --srpm-dir "$LIB/srpms" --incoming-dir "$LIB/incoming" \
    --repos-root "$LIB/repos" --repo demo "$FUNC_ROOT"/demo-pkg/top/SRPMS/apple-*.src.rpm "$FUNC_ROOT"/demo-pkg/top/SRPMS/banana-*.src.rpm \
    | grep -v '^\[.*: + ' | tail -n 25
  echo "== the page: $LIB/repos/index.html (KEEP_DEMO=1 keeps it)"
else
  echo "== (the build pipeline needs rpmbuild and createrepo_c: apt-get install rpm createrepo-c)"
fi
