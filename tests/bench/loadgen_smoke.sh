#!/bin/sh
# A short load against a fresh server through each API: the load
# generator must finish with no failed request. It does what single-
# request tests do not: many users one after another on each keep-alive
# connection, each client keeping the cookies of the last sign-in.
#
# Usage: loadgen_smoke.sh LATCHKEY LOADGEN
set -eu

latchkey=$1
loadgen=$2
origin=http://localhost:8080
work=$(mktemp -d "${TMPDIR:-/tmp}/latchkey-smoke.XXXXXX")
pid=""

stop() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
  fi
}
trap 'stop; rm -rf "$work"' EXIT

for api in latchkey conformance; do
  rm -f "$work"/latchkey.*
  "$latchkey" serve --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
    --origin "$origin" --conformance-api --insecure-disable-address-limits \
    --database "$work/latchkey.db" --key-file "$work/latchkey.key" \
    --conformance-database "$work/latchkey-conformance.db" \
    >"$work/server.log" 2>&1 &
  pid=$!
  port=""
  tries=0
  while [ -z "$port" ]; do
    port=$(sed -n 's/.*event=listening .*port=\([0-9]*\).*/\1/p' \
      "$work/server.log" | head -n 1)
    tries=$((tries + 1))
    if [ "$tries" -gt 300 ] || ! kill -0 "$pid" 2>/dev/null; then
      echo "the server did not start:"
      cat "$work/server.log"
      exit 1
    fi
    [ -n "$port" ] || sleep 0.1
  done
  echo "== $api API on port $port"
  if ! "$loadgen" --target "http://127.0.0.1:$port" --origin "$origin" \
      --api "$api" --clients 4 --users 40 --duration 1 --connect-wait 5 \
      >"$work/load.txt" 2>&1; then
    cat "$work/load.txt"
    echo "the $api load had failures; the server's log ends:"
    tail -n 20 "$work/server.log"
    exit 1
  fi
  grep -E "^(registrations|sign-ins|sign-in errors)" "$work/load.txt"
  stop
done
