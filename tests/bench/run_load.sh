#!/usr/bin/env bash
# The same passkey sign-in load against the SimpleWebAuthn reference server
# (../shared/peers/simplewebauthn) and against `latchkey serve`, both
# through the FIDO conformance API, one after the other on this machine,
# then both sets of figures and their ratios. On a shared machine only the
# ratios mean much: both runs see the same noise.
#
# Usage: tests/bench/run_load.sh [LOADGEN OPTIONS...]
#   Options go to latchkey_loadgen unchanged (see its --help), for example
#   --clients 32 --duration 20.
# Environment:
#   BUILD_DIR      Release tree to build in (default: build/bench)
#   PEER_DIR       the reference server
#                  (default: ../shared/peers/simplewebauthn)
#   PEER_PORT      its port (default: 18081)
#   LATCHKEY_PORT  Latchkey's port (default: 18082)
#
# Exit status: 0 when Latchkey ran (the peer is skipped, with a message,
# when node or npm is missing), 1 when a build, a server or a run failed
# or Latchkey answered any request with an error.
set -eu
set -o pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build/bench}
peer_dir=${PEER_DIR:-$root/../shared/peers/simplewebauthn}
peer_port=${PEER_PORT:-18081}
latchkey_port=${LATCHKEY_PORT:-18082}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/latchkey-load.XXXXXX")
server_pid=""

stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
cleanup() {
  stop_server
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '== %s\n' "$*"; }

# Waits until the server accepts connections on $1; fails if it exits
# first or takes more than 20 seconds.
wait_ready() {
  local tries=0
  while ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      local status=0
      wait "$server_pid" || status=$?
      server_pid=""
      say "the server exited with status $status before listening"
      return 1
    fi
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ]; then
      say "the server did not listen on port $1 within 20 s"
      return 1
    fi
    sleep 0.2
  done
}

# run_loadgen NAME PORT [OPTIONS...]: figures into $tmp/NAME.txt.
# Exit status 3 (a run in which some requests failed) still leaves its
# figures, and the error count shows in the table at the end.
run_loadgen() {
  local name=$1 port=$2 status=0
  shift 2
  "$loadgen" --target "http://127.0.0.1:$port" --api conformance \
    --server-pid "$server_pid" --connect-wait 10 "$@" |
    tee "$tmp/$name.txt" || status=$?
  [ "$status" -eq 0 ] || [ "$status" -eq 3 ]
}

say "building latchkey_loadgen and latchkey in $build (Release)"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DLATCHKEY_BENCHMARKS=ON >"$tmp/cmake.log" ||
  { cat "$tmp/cmake.log"; exit 1; }
ninja -C "$build" latchkey_loadgen >"$tmp/build.log" ||
  { tail -n 40 "$tmp/build.log"; exit 1; }
loadgen=$build/tests/bench/latchkey_loadgen
latchkey=$build/latchkey
# A server that does not build still leaves the peer's figures to see.
latchkey_built=yes
ninja -C "$build" latchkey >"$tmp/build-latchkey.log" 2>&1 || {
  latchkey_built=no
  grep -E '^FAILED|error:' "$tmp/build-latchkey.log" | head -n 20
  say "latchkey did not build (above); the peer runs alone"
}

peer_ran=no
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1
then
  say "skipping the SimpleWebAuthn peer: node and npm are not installed"
elif [ ! -f "$peer_dir/server.mjs" ]; then
  say "skipping the SimpleWebAuthn peer: no $peer_dir/server.mjs"
else
  say "SimpleWebAuthn peer on port $peer_port"
  mkdir "$tmp/peer"
  cp -r "$peer_dir/." "$tmp/peer"
  chmod -R u+w "$tmp/peer"
  (cd "$tmp/peer" && npm ci --silent) ||
    { say "npm ci failed for the peer"; exit 1; }
  (cd "$tmp/peer" && PORT=$peer_port RP_ID=localhost \
    ORIGIN=http://localhost:$peer_port exec node server.mjs) \
    >"$tmp/peer.log" 2>&1 &
  server_pid=$!
  wait_ready "$peer_port" || { cat "$tmp/peer.log"; exit 1; }
  run_loadgen peer "$peer_port" "$@"
  stop_server
  peer_ran=yes
fi

# Latchkey's figures into $tmp/latchkey.txt; fails, saying why, when it
# does not start or the run fails.
run_latchkey() {
  say "Latchkey on port $latchkey_port"
  # Per-request log lines would cost Latchkey CPU the peer does not spend.
  "$latchkey" serve --listen "127.0.0.1:$latchkey_port" \
    --origin "http://localhost:$latchkey_port" --conformance-api \
    --insecure-disable-address-limits --log-level warn \
    --database "$tmp/latchkey.db" --key-file "$tmp/latchkey.key" \
    --conformance-database "$tmp/latchkey-conformance.db" \
    >"$tmp/latchkey.log" 2>&1 &
  server_pid=$!
  if ! wait_ready "$latchkey_port"; then
    say "latchkey serve refused to start; its output:"
    cat "$tmp/latchkey.log"
    return 1
  fi
  run_loadgen latchkey "$latchkey_port" "$@" || return 1
  stop_server
}

latchkey_ran=no
if [ "$latchkey_built" = yes ]; then
  if run_latchkey "$@"; then
    latchkey_ran=yes
  fi
  stop_server
fi

# figure FILE NAME: the number on the line "NAME: NUMBER ...".
figure() { sed -n "s/^$2: \([0-9.]*\).*/\1/p" "$1"; }
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN {
    if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f\n", a / b
  }'
}

say "side by side"
printf '%-36s %12s %12s %16s\n' figure peer latchkey latchkey/peer
for name in "sign-ins per second" "server cpu per sign-in" \
  "sign-in latency p50" "sign-in latency p99" "sign-in errors" \
  "server peak memory (VmHWM)" "loadgen cpu per sign-in"; do
  ours=""
  if [ "$latchkey_ran" = yes ]; then
    ours=$(figure "$tmp/latchkey.txt" "$name")
  fi
  theirs=""
  if [ "$peer_ran" = yes ]; then
    theirs=$(figure "$tmp/peer.txt" "$name")
  fi
  printf '%-36s %12s %12s %16s\n' "$name" "${theirs:--}" "${ours:--}" \
    "$(ratio "$ours" "$theirs")"
done
if [ "$latchkey_ran" = no ]; then
  say "no figures from Latchkey: see above"
  exit 1
fi
if [ "$(figure "$tmp/latchkey.txt" "sign-in errors")" != 0 ] ||
  [ "$(figure "$tmp/latchkey.txt" "registration errors")" != 0 ]; then
  say "Latchkey answered some requests with errors: see above"
  exit 1
fi
