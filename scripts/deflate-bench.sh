#!/bin/sh
# Builds and runs scripts/deflate_bench.cpp: src/deflate against zlib levels 1
# and 6 on chat-like JSON of many sizes (scripts/wsbench/chat_json.h): speed
# and ratio of each deflater, speed of each inflater, as Markdown tables on
# stdout. zlib is linked into this benchmark only. scripts/bench.sh runs it as
# its case deflate-zlib; not part of `make test`.
#
# Exit status: 0 when done, 1 on a failure (an output that does not inflate
# back), 77 when zlib's headers are missing (Debian: apt-get install zlib1g-dev).
set -eu
cd "$(dirname "$0")/.."
CXX=${CXX:-g++}
if ! printf '#include <zlib.h>\n' | "$CXX" -x c++ -E - >/dev/null 2>&1; then
  echo "deflate-bench.sh: no zlib headers (apt-get install zlib1g-dev): skipped" >&2
  exit 77
fi
out=build/release/deflate_bench
mkdir -p build/release
"$CXX" -std=c++20 -O2 -Wall -Wextra -Werror -Isrc -Iscripts -o "$out" scripts/deflate_bench.cpp \
  scripts/wsbench/chat_json.cpp src/deflate/*.cpp -lz
exec "$out"
