#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the store tests and prints its URL.
#   .ci/postgres.sh start DIR   -> prints postgres://vectis@127.0.0.1:PORT/postgres
#   .ci/postgres.sh stop DIR
# Installs Debian's postgresql package when no server binaries are found.
# Trust authentication on loopback only, data in DIR, fsync off: for tests.
set -euo pipefail
cmd=${1:?usage: postgres.sh start|stop DIR}
dir=${2:?usage: postgres.sh start|stop DIR}

find_bin() {
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

bin=$(find_bin || true)
if [ "$cmd" = stop ]; then
  [ -n "$bin" ] && [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  exit 0
fi

if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "installing postgresql (Debian package) for the store tests" >&2
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo -n"
  ($SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql) >/dev/null 2>&1 \
    || { echo "could not install postgresql" >&2; exit 1; }
  bin=$(find_bin)
fi
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
fi

mkdir -p "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
# A free loopback port.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 55432)
as_owner "$bin/initdb" -D "$dir/data" -A trust -U vectis -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }
echo "postgres://vectis@127.0.0.1:$port/postgres"
