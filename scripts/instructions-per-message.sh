#!/usr/bin/env bash
# User-space instructions wshub executes per echoed message, counted by
# valgrind's callgrind (repeatable whatever else the machine does, unlike
# time). The server runs under callgrind with one worker; a first wsbench run
# warms it (connections, buffers, caches), the counters are zeroed, and a
# second run is counted: instructions / round trips. Connection set-up of the
# second run is included, amortised over its messages.
#
# usage: scripts/instructions-per-message.sh [WSHUB_BINARY]   (default build/release/wshub)
# environment: IPM_CONNECTIONS=100 IPM_SIZE=16 IPM_SECONDS=4 IPM_PATH=/echo IPM_PORT=19690
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${1:-build/release/wshub}
CONNS=${IPM_CONNECTIONS:-100}
SIZE=${IPM_SIZE:-16}
SECONDS_RUN=${IPM_SECONDS:-4}
URL_PATH=${IPM_PATH:-/echo}
PORT=${IPM_PORT:-19690}
WSBENCH=build/release/wsbench
OUT=$(mktemp -d)
trap 'kill "$VG" 2>/dev/null || true; if [ -n "${IPM_KEEP:-}" ]; then cp "$OUT"/cg.* "$IPM_KEEP"/; fi; rm -rf "$OUT"' EXIT

command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
[ -x "$WSBENCH" ] || make -s build/release/wsbench

valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.%p" "$BIN" --listen "127.0.0.1:$PORT" --workers 1 \
  2>"$OUT/valgrind.log" &
VG=$!
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done
run() { "$WSBENCH" echo --url "ws://127.0.0.1:$PORT$URL_PATH" --connections "$CONNS" --size "$SIZE" \
          --duration "$SECONDS_RUN" --warmup 0; }
run >/dev/null
callgrind_control -z "$VG" >/dev/null
trips=$(run | awk '/messages\/s/ { gsub(/[()]/, "", $3); print $3 }')
callgrind_control -d "$VG" >/dev/null
kill -INT "$VG"; wait "$VG" || true
# The dump requested after zeroing (the other file is the short tail up to exit).
dump=$(grep -l '^desc: Trigger: dump' "$OUT"/cg.*)
ir=$(awk '/^summary:/ { print $2 }' "$dump")
[ "${trips:-0}" -gt 0 ] || { echo "no round trips counted" >&2; exit 1; }
echo "$BIN: $ir instructions / $trips round trips = $((ir / trips)) per echoed message" \
     "($CONNS connections, $SIZE-byte payloads)"
