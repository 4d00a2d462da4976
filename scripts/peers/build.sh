#!/usr/bin/env bash
# Builds the peer servers of the benchmark (benchmark fixtures, never part of
# wshub) into build/peers/: beast_server (Boost.Beast, Debian's libboost-dev,
# header-only in Boost 1.74) and websocketpp_server (WebSocket++ on standalone
# Asio: libwebsocketpp-dev, libasio-dev). Installs the packages with apt-get
# when they are missing and this runs as root; otherwise prints the exact
# apt-get line and fails. A binary newer than its source is kept.
#
# usage: scripts/peers/build.sh [OUTDIR]    (default build/peers)
set -euo pipefail

cd "$(dirname "$0")/../.."
OUT=${1:-build/peers}
CXX=${CXX:-g++}
# C++17: WebSocket++ 0.8.2 does not compile as C++20.
FLAGS=(-std=c++17 -O2 -DNDEBUG -Wall -Wextra -Werror -pthread)

missing=()
[ -e /usr/include/boost/beast.hpp ] || missing+=(libboost-dev)
[ -e /usr/include/websocketpp/server.hpp ] || missing+=(libwebsocketpp-dev)
[ -e /usr/include/asio.hpp ] || missing+=(libasio-dev)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 ||
      { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2; }
  else
    echo "peers/build.sh: missing headers; run: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

mkdir -p "$OUT"
# Both at once: each takes tens of seconds, mostly in the libraries' headers.
pids=()
for peer in beast_server websocketpp_server; do
  src=scripts/peers/$peer.cpp
  if [ "$OUT/$peer" -nt "$src" ]; then continue; fi
  echo "  CXX[peer] $src" >&2
  "$CXX" "${FLAGS[@]}" -o "$OUT/$peer.tmp" "$src" && mv "$OUT/$peer.tmp" "$OUT/$peer" &
  pids+=($!)
done
status=0
for p in ${pids[@]+"${pids[@]}"}; do wait "$p" || status=1; done
exit "$status"
