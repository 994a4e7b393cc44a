#!/usr/bin/env bash
# Installs (Debian packages) and starts the services MarketSim's integration tests use, bound to
# 127.0.0.1, with data in a temporary folder: PostgreSQL.
#   scripts/services.sh start DIR   -> writes DIR/env (source it for the MARKETSIM_TEST_* variables)
#   scripts/services.sh stop DIR
# Port: PostgreSQL 54329 (override with MARKETSIM_PG_PORT).
set -euo pipefail

cmd=${1:?usage: services.sh start|stop DIR}
dir=${2:?usage: services.sh start|stop DIR}
pg_port=${MARKETSIM_PG_PORT:-54329}

log() { echo "services: $*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root (or sudo) to run: $*"; return 1; fi
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

install_packages() {
  local missing=()
  [ -n "$(pg_bin)" ] || missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} (apt-get)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

start() {
  mkdir -p "$dir"
  install_packages
  local bin; bin=$(pg_bin)

  # PostgreSQL: a throw-away cluster, trust auth, loopback only.
  mkdir -p "$dir/pg"
  chown postgres "$dir/pg" 2>/dev/null || true
  chmod 755 "$dir"
  local run_pg=(bash -c)
  if [ "$(id -u)" = 0 ]; then run_pg=(su postgres -s /bin/bash -c); fi
  "${run_pg[@]}" "$bin/initdb -D '$dir/pg/data' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >'$dir/pg/initdb.log' 2>&1"
  "${run_pg[@]}" "$bin/pg_ctl -D '$dir/pg/data' -l '$dir/pg/log' -o \"-p $pg_port -k '$dir/pg' -c listen_addresses=127.0.0.1 -c fsync=off\" -w start >/dev/null"
  "$bin/pg_isready" -h 127.0.0.1 -p "$pg_port" -t 30 >/dev/null
  log "PostgreSQL up on 127.0.0.1:$pg_port"

  cat >"$dir/env" <<ENV
export MARKETSIM_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"
ENV
}

stop() {
  local bin; bin=$(pg_bin)
  if [ -d "$dir/pg/data" ] && [ -n "$bin" ]; then
    local run_pg=(bash -c)
    if [ "$(id -u)" = 0 ]; then run_pg=(su postgres -s /bin/bash -c); fi
    "${run_pg[@]}" "$bin/pg_ctl -D '$dir/pg/data' -m fast -w stop >/dev/null 2>&1" || true
  fi
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: services.sh start|stop DIR" >&2; exit 2 ;;
esac
