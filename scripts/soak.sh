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
#   - RSS growing faster than 12 MiB per 10 minutes (20 KiB/s) AND by more
#     than 10% of its median over the judged span. A healthy server's RSS
#     is small (about 5 MiB) and still creeps up in steps for minutes (one
#     worker's malloc arena grows; most likely its high-water mark as the
#     slow members' queues, 256 KiB each, happen to fill together): fitted
#     slopes of 1-8 KiB/s in 120- and 180-second runs, 1 KiB/s over 10
#     minutes, often over 10% of the median in a short run. So the share
#     alone would fail healthy runs; the rate is about 2.5 times the worst
#     healthy run's.
#     About 100 connections close a second, so the rate catches a leak of
#     about 200 bytes per connection or more: a build leaking 512 bytes per
#     connection fitted 58 KiB/s and failed a 180-second run.
#   - fds growing by more than 20 over the judged span. The open
#     connections hold steady (healthy runs fitted -3 to +2); a build
#     leaking one fd per 100 connections fitted +123 over 120 s and failed.
# It also fails when the server dies or does not exit 0 on SIGTERM at the
# end, when the probe gets no message for more than 5 s (healthy runs: no
# gap at all), and when a load generator dies. The limits are in
# scripts/soak/trend.py.
set -eu
cd "$(dirname "$0")/.."
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3
if [ -z "${WSHUB_BIN:-}" ] && [ ! -x build/release/wshub ]; then
    make -j2 build/release/wshub
fi
exec "$PYTHON" scripts/soak/soak.py "$@"
