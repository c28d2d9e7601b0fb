#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback, for the tests of the `PostgreSQL` trait (Documentation/Operations.md).
#
#   eval "$(bash Scripts/postgres.sh start DIR)"   # installs postgresql (Debian) if missing, initialises a cluster
#                                                  # in DIR, starts it on a free loopback port, creates a database,
#                                                  # prints `export TAXPAYER_ACCESS_POSTGRES_URL=…`
#   swift test --traits PostgreSQL --filter PostgresAccessStoreTests
#   bash Scripts/postgres.sh stop DIR              # stops the server started in DIR (the data stays until DIR goes)
#   bash Scripts/postgres.sh restart DIR           # starts DIR's server again on its port, data kept (after a crash)
#
# initdb refuses root, so when run as root the server runs as the `postgres` user (the Debian package makes it), with
# trust authentication on loopback only: for tests, never for anything else. Everything it prints on standard output
# is `export` lines; progress goes to standard error.
set -euo pipefail

command=${1:-}
dir=${2:-}
if [[ -z "$command" || -z "$dir" ]]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 64
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

bin_dir() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [[ -z "$found" ]] && command -v pg_ctl >/dev/null 2>&1; then found=$(dirname "$(command -v pg_ctl)"); fi
  echo "$found"
}

# Runs a server binary as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [[ $(id -u) == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop() {
  local bin
  bin=$(bin_dir)
  if [[ -n "$bin" && -f "$dir/data/postmaster.pid" ]]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  fi
}

# Starts the cluster in DIR/data on `$port`, loopback only, its socket in DIR.
start_server() {
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200" start >&2 || {
    echo "postgres: the server did not start:" >&2
    cat "$dir/server.log" >&2
    exit 1
  }
}

case "$command" in
stop)
  stop
  exit 0
  ;;
restart)
  bin=$(bin_dir)
  port=$(cat "$dir/port")
  start_server
  exit 0
  ;;
start) ;;
*)
  echo "usage: $0 start|stop DIR" >&2
  exit 64
  ;;
esac

if [[ -z "$(bin_dir)" ]]; then
  echo "postgres: installing postgresql (Debian)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
bin=$(bin_dir)

stop
rm -rf "$dir/data"
if [[ $(id -u) == 0 ]]; then chown postgres "$dir"; fi
as_owner "$bin/initdb" -D "$dir/data" -U test --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
  echo "postgres: initdb failed:" >&2
  cat "$dir/initdb.log" >&2
  exit 1
}
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "$port" >"$dir/port"
# Enough connections (max_connections above) for the conformance suite's pool of 40 and a few stores at once.
start_server
as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U test access >&2

echo "postgres: server on 127.0.0.1:$port, data in $dir/data" >&2
echo "export TAXPAYER_ACCESS_POSTGRES_URL='postgres://test@127.0.0.1:$port/access'"
echo "export TAXPAYER_ACCESS_POSTGRES_DATA='$dir/data'"
