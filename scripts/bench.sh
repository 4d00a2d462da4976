#!/usr/bin/env bash
# Benchmark of wshub on loopback: one worker pinned to core 0, wsbench pinned
# to core 1 (when taskset exists and there are two cores).
#
# usage: scripts/bench.sh [RESULTS.csv]        (default build/bench/results.csv)
# environment:
#   BENCH_RUNS=5       runs of each case; the median is reported
#   BENCH_DURATION=5   measured seconds per run
#   BENCH_WARMUP=1     unmeasured seconds before that
#   BENCH_PORT=19080   loopback port for the server
#   BENCH_CASES=       cases to run, comma- or space-separated: case names, or a
#                      scenario (echo, fanout) for all its cases; default: all
#
# Cases: echo (route /echo) with 100 connections x 16 B, 1000 connections x
# 16 B, 100 connections x 1 KiB, one message in flight per connection; fanout
# (route /raw, a fresh room per run) with 1000 subscribers, 1 publisher, 64 B
# messages, 16 in flight. For each run the server's CPU time (utime/stime from
# /proc/PID/stat, read before and after the run) and wsbench's (its own
# getrusage) are recorded. Exit status 1 if any run had an error, a lost or
# reordered message, wsbench failed, or the server died.
set -euo pipefail

cd "$(dirname "$0")/.."

RUNS=${BENCH_RUNS:-5}
DURATION=${BENCH_DURATION:-5}
WARMUP=${BENCH_WARMUP:-1}
PORT=${BENCH_PORT:-19080}
CSV=${1:-build/bench/results.csv}
OUT=build/bench
WSBENCH=build/release/wsbench

# name scenario connections publishers size inflight
# (fanout: connections are subscribers; echo has no publishers: -)
ALL_CASES=(
  "echo-100x16B echo 100 - 16 1"
  "echo-1000x16B echo 1000 - 16 1"
  "echo-100x1KiB echo 100 - 1024 1"
  "fanout-1000x1x64B fanout 1000 1 64 16"
)

die() { echo "bench.sh: $*" >&2; exit 1; }

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer, got '$RUNS'"
[[ $PORT =~ ^[0-9]+$ ]] || die "BENCH_PORT must be a port number, got '$PORT'"

CASES=()
if [ -z "${BENCH_CASES:-}" ]; then
  CASES=("${ALL_CASES[@]}")
else
  wanted=()
  read -r -a wanted <<<"${BENCH_CASES//,/ }"
  for w in "${wanted[@]}"; do
    found=
    for c in "${ALL_CASES[@]}"; do
      read -r cname cscen _ <<<"$c"
      if [ "$w" = "$cname" ] || [ "$w" = "$cscen" ]; then found=1; fi
    done
    [ -n "$found" ] || die "BENCH_CASES: no case or scenario '$w' (cases: $(for c in "${ALL_CASES[@]}"; do printf '%s ' "${c%% *}"; done)scenarios: echo fanout)"
  done
  # In the order of ALL_CASES, each at most once.
  for c in "${ALL_CASES[@]}"; do
    read -r cname cscen _ <<<"$c"
    for w in "${wanted[@]}"; do
      if [ "$w" = "$cname" ] || [ "$w" = "$cscen" ]; then CASES+=("$c"); break; fi
    done
  done
fi
[ "${#CASES[@]}" -gt 0 ] || die "BENCH_CASES selects no case"

echo "== building"
${MAKE:-make} wshub "$WSBENCH"
mkdir -p "$OUT/logs" "$(dirname "$CSV")"

SERVER_PIN=()
BENCH_PIN=()
if command -v taskset >/dev/null 2>&1 && [ "$(getconf _NPROCESSORS_ONLN)" -ge 2 ]; then
  SERVER_PIN=(taskset -c 0)
  BENCH_PIN=(taskset -c 1)
  pinning="wshub on core 0, wsbench on core 1"
else
  pinning="not pinned (no taskset or fewer than 2 cores)"
fi
CLK_TCK=$(getconf CLK_TCK)
# 1000 connections need more descriptors than some default soft limits allow.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

server_pid=
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=
}
trap stop_server EXIT
trap 'exit 130' INT TERM

${SERVER_PIN[@]+"${SERVER_PIN[@]}"} ./wshub --listen "127.0.0.1:$PORT" --workers 1 >"$OUT/wshub.log" 2>&1 &
server_pid=$!
ready=
for _ in $(seq 100); do
  kill -0 "$server_pid" 2>/dev/null || break
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then ready=1; break; fi
  sleep 0.05
done
[ -n "$ready" ] || { cat "$OUT/wshub.log" >&2; die "wshub did not start on 127.0.0.1:$PORT"; }

# utime and stime in clock ticks; the fields after "(comm)" start at field 3.
server_ticks() { sed 's/^.*) //' "/proc/$server_pid/stat" | awk '{print $12, $13}'; }

# The column named $2 of the last line of CSV file $1 (a header line first).
csv_field() {
  awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) col = i }
                        END { if (col) print $col }' "$1"
}

# Median of the numbers given as arguments.
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { if (NR % 2) printf "%s\n", v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "case,scenario,connections,publishers,size,inflight,run,messages_per_s,publish_per_s,p50_us,p99_us,p999_us,loss,out_of_order,errors,server_user_s,server_sys_s,wsbench_user_s,wsbench_sys_s" >"$CSV"
echo "== wshub: $RUNS runs of ${DURATION} s (after ${WARMUP} s warm-up) per case; $pinning"
failed=0
summary=()
for case in "${CASES[@]}"; do
  read -r name scenario conns pubs size inflight <<<"$case"
  rates=(); p99s=(); su=(); ss=(); gu=(); gs=()
  for run in $(seq "$RUNS"); do
    kill -0 "$server_pid" 2>/dev/null || die "wshub died (see $OUT/wshub.log)"
    runcsv="$OUT/logs/$name-$run.csv"
    rm -f "$runcsv"
    if [ "$scenario" = fanout ]; then
      # A fresh room per run: nothing left over from the run before can join in.
      args=(fanout --url "ws://127.0.0.1:$PORT/raw?room=$name-$run" --subscribers "$conns" --publishers "$pubs")
    else
      args=(echo --url "ws://127.0.0.1:$PORT/echo" --connections "$conns")
    fi
    args+=(--size "$size" --inflight "$inflight" --duration "$DURATION" --warmup "$WARMUP" --csv "$runcsv")
    read -r u0 s0 < <(server_ticks)
    rc=0
    ${BENCH_PIN[@]+"${BENCH_PIN[@]}"} "$WSBENCH" "${args[@]}" >"$OUT/logs/$name-$run.txt" 2>&1 || rc=$?
    read -r u1 s1 < <(server_ticks)
    if [ ! -s "$runcsv" ]; then
      cat "$OUT/logs/$name-$run.txt" >&2
      die "wsbench failed (status $rc) on $name run $run"
    fi
    if [ "$scenario" = fanout ]; then
      rate=$(csv_field "$runcsv" deliveries_per_s)
      prate=$(csv_field "$runcsv" publish_per_s)
      loss=$(csv_field "$runcsv" loss)
      ooo=$(csv_field "$runcsv" out_of_order)
    else
      rate=$(csv_field "$runcsv" messages_per_s)
      prate=; loss=0; ooo=0
    fi
    p50=$(csv_field "$runcsv" p50_us)
    p99=$(csv_field "$runcsv" p99_us)
    p999=$(csv_field "$runcsv" p999_us)
    errors=$(csv_field "$runcsv" errors)
    g_user=$(csv_field "$runcsv" cpu_user_s)
    g_sys=$(csv_field "$runcsv" cpu_sys_s)
    s_user=$(awk -v a="$u0" -v b="$u1" -v t="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / t }')
    s_sys=$(awk -v a="$s0" -v b="$s1" -v t="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / t }')
    if [ "$rc" -ne 0 ] || [ "$errors" != 0 ] || [ "$loss" != 0 ] || [ "$ooo" != 0 ]; then
      failed=1
      echo "   $name run $run: $errors errors, $loss lost, $ooo out of order (status $rc):" \
        "$(grep 'first error' "$OUT/logs/$name-$run.txt" || true)" >&2
    fi
    extra=
    [ "$scenario" = fanout ] && extra=$(printf '  published %.0f/s, lost %s' "$prate" "$loss")
    printf '   %-18s run %d: %9.0f msg/s  p99 %8s us  wshub %5s+%5s s  wsbench %5s+%5s s (user+sys)%s\n' \
      "$name" "$run" "$rate" "$p99" "$s_user" "$s_sys" "$g_user" "$g_sys" "$extra"
    echo "$name,$scenario,$conns,$pubs,$size,$inflight,$run,$rate,$prate,$p50,$p99,$p999,$loss,$ooo,$errors,$s_user,$s_sys,$g_user,$g_sys" >>"$CSV"
    rates+=("$rate"); p99s+=("$p99"); su+=("$s_user"); ss+=("$s_sys"); gu+=("$g_user"); gs+=("$g_sys")
  done
  m_rate=$(median "${rates[@]}"); m_p99=$(median "${p99s[@]}")
  m_su=$(median "${su[@]}"); m_ss=$(median "${ss[@]}"); m_gu=$(median "${gu[@]}"); m_gs=$(median "${gs[@]}")
  echo "$name,$scenario,$conns,$pubs,$size,$inflight,median,$m_rate,,,$m_p99,,,,,$m_su,$m_ss,$m_gu,$m_gs" >>"$CSV"
  ratio=$(awk -v a="$m_gu" -v b="$m_gs" -v c="$m_su" -v d="$m_ss" \
    'BEGIN { if (c + d > 0) printf "%.0f%%", 100 * (a + b) / (c + d); else print "-" }')
  summary+=("$(printf '%-18s %12.0f %10s %8.2f %8.2f %8.2f %8.2f %9s' \
    "$name" "$m_rate" "$m_p99" "$m_su" "$m_ss" "$m_gu" "$m_gs" "$ratio")")
done
stop_server

echo
echo "== medians of $RUNS runs (CPU seconds over each whole run: connect, warm-up, measure, close)"
printf '%-18s %12s %10s %8s %8s %8s %8s %9s\n' case "msg/s" "p99 us" "wshub u" "wshub s" "bench u" "bench s" \
  "bench/hub"
printf '%s\n' "${summary[@]}"
echo "msg/s: echo round trips per second; fanout deliveries per second (messages received, summed"
echo "over subscribers; p99 is publish to receive)."
echo "bench/hub: wsbench CPU as a share of wshub's. Near 100% (as on loopback, where each end of an"
echo "echo pays the same kernel TCP cost) the result is a joint limit of both, not wshub's alone."

echo "results: $CSV"
exit "$failed"
