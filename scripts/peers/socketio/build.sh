#!/usr/bin/env bash
# Installs the Socket.IO peer of the benchmark (scripts/peers/socketio/: its
# server.js and the npm packages its package-lock.json pins) into OUTDIR, so
# that node_modules never lands in the source tree. Needs node and npm (Debian:
# nodejs, npm); with them missing it says so and fails. An install whose lock
# file is newer than the source's is kept; server.js is copied every time.
#
# usage: scripts/peers/socketio/build.sh [OUTDIR]    (default build/peers/socketio)
# then:  node OUTDIR/server.js PORT [REDIS_URL]
set -euo pipefail

cd "$(dirname "$0")/../../.."
SRC=scripts/peers/socketio
OUT=${1:-build/peers/socketio}

for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 ||
    { echo "peers/socketio/build.sh: no $tool (apt-get install -y nodejs npm)" >&2; exit 1; }
done
mkdir -p "$OUT"
if [ ! -d "$OUT/node_modules" ] || [ "$SRC/package-lock.json" -nt "$OUT/package-lock.json" ]; then
  echo "  NPM[peer] $SRC (socket.io, @socket.io/redis-adapter, redis)" >&2
  cp "$SRC/package.json" "$SRC/package-lock.json" "$OUT/"
  (cd "$OUT" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
cp "$SRC/server.js" "$OUT/server.js"
