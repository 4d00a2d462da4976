#!/bin/sh
# Builds and runs scripts/deflate_bench.cpp: src/deflate against zlib on a
# JSON corpus (speed and ratio of each deflater, speed of each inflater),
# printing a Markdown table. Needs g++ and zlib's headers (Debian: zlib1g-dev);
# zlib is linked into this benchmark only. Not part of `make test`.
set -eu
cd "$(dirname "$0")/.."
out=build/release/deflate_bench
mkdir -p build/release
g++ -std=c++20 -O2 -Wall -Wextra -Isrc -o "$out" scripts/deflate_bench.cpp src/deflate/*.cpp -lz
exec "$out"
