# Sourced by scripts/setup.sh and scripts/bench.sh: install_debian WHO PKG… installs the named Debian packages when
# run as root (apt-get), and otherwise names them on stderr and returns 1. WHO prefixes the messages.
install_debian() {
  local who="$1"; shift
  [ $# -gt 0 ] || return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "$who: installing Debian packages: $*"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    echo "$who: missing Debian packages: $* (install them as root: apt-get install $*)" >&2
    return 1
  fi
}
