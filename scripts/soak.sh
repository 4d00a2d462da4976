#!/bin/sh
# Soak test (not part of `make test`): a release wshub under mixed load for
# 10 minutes, sampled every second, judged on its trends.
#
#   scripts/soak.sh                  # 600 s
#   scripts/soak.sh --seconds 120    # or SOAK_SECONDS=120: a quick run
#   scripts/soak.sh --help           # --out DIR, --bin PATH, --overflow POLICY ...
#
# It starts its own wshub (build/release/wshub, built if missing; or --bin /
# $WSHUB_BIN) on a free loopback port: --workers 2, a raw and a json route,
# --overflow close, --queue-bytes 256KiB, a publish token file. The load, all
# at once from two Python processes (scripts/soak/): connection churn (four
# ways of leaving, TCP resets included), fan-out rooms with fast members and
# slow ones that never read, bad frames, POST /publish, json sessions. Every
# second: the server's VmRSS and open fds from /proc, a latency probe (a
# dedicated member receiving a timestamped message from a dedicated
# publisher), the messages/s the fast members got. Written to --out (default
# build/soak): soak.csv, soak.svg (the charts), wshub.log.
#
# It FAILS (exit 1, the last line says why) when, after a 60 s warm-up, a
# least-squares line through the samples shows:
#   - RSS growing faster than 8 MiB per 10 minutes AND by more than 10% of
#     its median over the judged span. The rate alone would flag a short
#     run's noise (slow members' queues come and go by 256 KiB each, the
#     allocator keeps what it got); the share alone would flag a slow leak
#     only late. A healthy server's fitted RSS slope stays within a few
#     KiB per second of zero; a leak of a few hundred bytes per connection
#     at the churn's ~50 connections/s passes both limits within 3 minutes.
#   - fds growing by more than 20 over the judged span: the open connections
#     hold steady within a few, so 20 is far over the noise, and a leak of
#     one fd every 10 s is caught in a 10-minute run.
# It also fails when the server dies or does not exit 0 on SIGTERM at the
# end, when the probe gets no message for more than 5 s, and when a load
# generator dies. The limits are in scripts/soak/trend.py.
set -eu
cd "$(dirname "$0")/.."
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3
if [ -z "${WSHUB_BIN:-}" ] && [ ! -x build/release/wshub ]; then
    make -j2 build/release/wshub
fi
exec "$PYTHON" scripts/soak/soak.py "$@"
