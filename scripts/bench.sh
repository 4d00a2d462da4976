#!/usr/bin/env bash
# Benchmark of wshub against peer servers on loopback, measured with wsbench.
#
# usage: scripts/bench.sh [--short] [RESULTS.csv]     (default bench/results.csv)
#
# Servers: wshub --workers 1, a Boost.Beast server and a WebSocket++ server
# (scripts/peers/, one thread each), wshub --workers 2 for the scaling case,
# and wshub-deflate (wshub --workers 1 --compression on) for the JSON fan-out
# case, whose other server is wshub. Every server runs pinned to core 0 (wshub
# --workers 2: cores 0 and 1) and wsbench to core 1, when taskset exists and
# there are two cores.
#
# Compression (permessage-deflate): fanout-1k-json publishes 1 KiB chat
# messages in JSON (wsbench --json) to 1,000 members; against wshub-deflate
# every member offers permessage-deflate and inflates what comes compressed
# (wsbench --deflate). The report compares deliveries/s and wire bytes per
# delivery with compression on and off, round by round. The case
# deflate-zlib runs once, before the rounds: scripts/deflate-bench.sh, wshub's
# deflate against zlib levels 1 and 6 (skipped without zlib's headers; Debian:
# zlib1g-dev), its tables in RESULTS-deflate.md and RESULTS.md.
#
# Several nodes (the nodes case, nodes-1000x64B): the fan-out of 1,000 x 64 B,
# 16 in flight, from one publisher, against wshub alone, wshub-redis (one node
# with --redis, every member local: the bus's cost), wshub-2nodes (two wshub
# --workers 1 on one Redis, the subscribers split between them, the publisher
# on the first), socketio (Socket.IO 4 on node, scripts/peers/socketio/, one
# process) and socketio-2nodes (two of them on one Redis through
# @socket.io/redis-adapter). Socket.IO carries wsbench's payload as text
# events (wsbench --protocol socketio). Every process of a server, its Redis
# too, runs on core 0 and counts in its CPU time; each server start gets a
# redis-server of its own (on the next free port, no persistence), stopped
# with it. Without redis-server (Debian: redis-server) the Redis servers are
# skipped, without node and npm the Socket.IO ones, each said once.
#
# Proxies (the proxy case, proxy-100x16B and proxy-100x1KiB): echo through a
# WebSocket reverse proxy, 100 connections, one message in flight each. Every
# server start runs an upstream of its own (wshub --workers 1 --route
# /echo=echo) and in front of it, on the same core 0: nothing (the server
# upstream-direct, the baseline for the latency a proxy adds), nginx-proxy
# (Debian's nginx, one worker, proxy_http_version 1.1 with the Upgrade and
# Connection headers, its pid, error log and temporary files in a directory
# of its own, as the invoking user) or wshub-proxy (wshub --workers 1 --route
# /echo=proxy,upstream=...). Only the proxy's processes (nginx's master and
# worker, or the proxying wshub) count in the server's CPU time; for
# upstream-direct, the upstream's. Without nginx (Debian: nginx) nginx-proxy
# is skipped, and wshub-proxy when this wshub refuses the proxy route, each
# said once.
#
# The machine's speed drifts between rounds, so servers are interleaved: in
# each round every case runs against every server in turn, each on a freshly
# started process, and each ratio wshub/peer is taken within one round. The
# report gives medians over the rounds, and the median (min-max) of the
# per-round ratios.
#
# environment:
#   BENCH_SHORT=1      the short mode (as --short): 3 rounds of 0.5 s runs, under 2 minutes
#   BENCH_RUNS=5       rounds (short: 3)
#   BENCH_DURATION=5   measured seconds per run (short: 0.5)
#   BENCH_WARMUP=1     unmeasured seconds before that (short: 0.25)
#   BENCH_PORT=19100   first loopback port; each server start takes the next one
#   BENCH_CASES=       cases to run, comma- or space-separated: case names, or a
#                      scenario (echo, fanout, connect, idle, deflate, nodes, proxy) for all
#                      its cases;
#                      default: all
#   BENCH_SERVERS=     servers, from: wshub beast websocketpp wshub-w2 wshub-deflate
#                      wshub-redis wshub-2nodes socketio socketio-2nodes upstream-direct
#                      nginx-proxy wshub-proxy wshub-base;
#                      default: all
#   BENCH_BASE=        a wshub binary built from an earlier commit: adds the server
#                      wshub-base (its --workers 1), so that a change is measured
#                      against what it changed, in the same rounds
#   BENCH_MAX_STEAL=5  a run during which the hypervisor took more than this
#                      percent of the machine's CPU time (wsbench's steal_pct)
#                      is run again, up to BENCH_STEAL_TRIES=3 times in all;
#                      the least disturbed try stands
#
# Writes RESULTS.csv (one line per run: the case, the round, whether the run
# was clean, then wsbench's CSV columns), and via scripts/bench_report.py
# RESULTS-summary.csv, RESULTS.md and, with gnuplot, RESULTS.png. Exit status 1
# if any run had an error, a lost or reordered message, or a server died.
set -euo pipefail

cd "$(dirname "$0")/.."

SHORT=${BENCH_SHORT:-}
args=()
for a in "$@"; do
  case $a in
    --short) SHORT=1 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench.sh: unknown option $a (try --help)" >&2; exit 2 ;;
    *) args+=("$a") ;;
  esac
done
[ "${#args[@]}" -le 1 ] || { echo "bench.sh: at most one RESULTS.csv" >&2; exit 2; }
[ "$SHORT" = 0 ] && SHORT=

if [ -n "$SHORT" ]; then
  RUNS=${BENCH_RUNS:-3}; DURATION=${BENCH_DURATION:-0.5}; WARMUP=${BENCH_WARMUP:-0.25}
  IDLE_SETTLE=0.3; IDLE_HOLD=0.3
else
  RUNS=${BENCH_RUNS:-5}; DURATION=${BENCH_DURATION:-5}; WARMUP=${BENCH_WARMUP:-1}
  IDLE_SETTLE=1; IDLE_HOLD=2
fi
PORT=${BENCH_PORT:-19100}
MAX_STEAL=${BENCH_MAX_STEAL:-5}
STEAL_TRIES=${BENCH_STEAL_TRIES:-3}
CSV=${args[0]:-bench/results.csv}
OUT=$(dirname "$CSV")/logs
WSBENCH=build/release/wsbench
PEERS=build/peers

# name scenario knobs... (echo: connections size inflight; fanout: subscribers
# publishers size inflight [json]; connect: concurrency; idle: connections;
# deflate: none, run once before the rounds; nodes: as fanout, against the
# servers of several nodes; proxy: as echo, through the proxies)
ALL_CASES=(
  "echo-100x16B echo 100 16 1"
  "echo-1000x16B echo 1000 16 1"
  "echo-100x1KiB echo 100 1024 1"
  "fanout-1000x64B fanout 1000 1 64 16"
  "fanout-1k-json fanout 1000 1 1024 16 json"
  "connect-c64 connect 64"
  "idle-10000 idle 10000"
  "nodes-1000x64B nodes 1000 1 64 16"
  "proxy-100x16B proxy 100 16 1"
  "proxy-100x1KiB proxy 100 1024 1"
  "deflate-zlib deflate"
)
ALL_SERVERS=(wshub beast websocketpp wshub-w2 wshub-deflate wshub-redis wshub-2nodes socketio socketio-2nodes
             upstream-direct nginx-proxy wshub-proxy)
if [ -n "${BENCH_BASE:-}" ]; then
  [ -x "$BENCH_BASE" ] || { echo "bench.sh: BENCH_BASE=$BENCH_BASE is not an executable" >&2; exit 2; }
  ALL_SERVERS+=(wshub-base)
fi

die() { echo "bench.sh: $*" >&2; exit 1; }

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer, got '$RUNS'"
[[ $PORT =~ ^[0-9]+$ ]] || die "BENCH_PORT must be a port number, got '$PORT'"
[[ $MAX_STEAL =~ ^[0-9]+([.][0-9]+)?$ ]] || die "BENCH_MAX_STEAL must be a percentage, got '$MAX_STEAL'"
[[ $STEAL_TRIES =~ ^[1-9][0-9]*$ ]] || die "BENCH_STEAL_TRIES must be a positive integer, got '$STEAL_TRIES'"

# Items of ALL ($2...) that match the list in $1 (by first word or, for cases,
# by scenario), in ALL's order; everything when $1 is empty.
select_items() {
  local wanted_text=$1; shift
  local -a all=("$@") wanted=()
  if [ -z "$wanted_text" ]; then printf '%s\n' "${all[@]}"; return; fi
  read -r -a wanted <<<"${wanted_text//,/ }"
  for w in "${wanted[@]}"; do
    local found=
    for c in "${all[@]}"; do
      read -r n s _ <<<"$c"
      if [ "$w" = "$n" ] || [ "$w" = "${s:-}" ]; then found=1; fi
    done
    if [ -z "$found" ]; then
      echo "bench.sh: no case or server '$w' (choose from: $(for c in "${all[@]}"; do printf '%s ' "${c%% *}"; done))" >&2
      return 1
    fi
  done
  for c in "${all[@]}"; do
    read -r n s _ <<<"$c"
    for w in "${wanted[@]}"; do
      if [ "$w" = "$n" ] || [ "$w" = "${s:-}" ]; then printf '%s\n' "$c"; break; fi
    done
  done
}
chosen=$(select_items "${BENCH_CASES:-}" "${ALL_CASES[@]}") || exit 2
mapfile -t CASES <<<"$chosen"
chosen=$(select_items "${BENCH_SERVERS:-}" "${ALL_SERVERS[@]}") || exit 2
mapfile -t SERVERS <<<"$chosen"

echo "== building"
${MAKE:-make} --no-print-directory build/release/wshub "$WSBENCH"
for s in "${SERVERS[@]}"; do
  case $s in beast|websocketpp) scripts/peers/build.sh "$PEERS"; break ;; esac
done
# Servers that cannot run here (no redis-server, or no Socket.IO install):
# skipped, as skip() says.
UNAVAILABLE=" "
if printf '%s\n' "${CASES[@]}" | grep -q '^[^ ]* nodes '; then
  command -v redis-server >/dev/null 2>&1 || {
    UNAVAILABLE+="wshub-redis wshub-2nodes socketio-2nodes "
    echo "bench.sh: no redis-server (apt-get install -y redis-server): wshub-redis, wshub-2nodes and socketio-2nodes skipped" >&2; }
  for s in "${SERVERS[@]}"; do
    case $s in socketio|socketio-2nodes)
      scripts/peers/socketio/build.sh "$PEERS/socketio" || {
        UNAVAILABLE+="socketio socketio-2nodes "
        echo "bench.sh: the Socket.IO peer could not be installed: socketio and socketio-2nodes skipped" >&2; }
      break ;;
    esac
  done
fi
if ! command -v gnuplot >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q gnuplot-nox >/dev/null 2>&1 ||
      echo "bench.sh: could not install gnuplot-nox: no chart" >&2
  else
    echo "bench.sh: no gnuplot (apt-get install -y gnuplot-nox): no chart" >&2
  fi
fi
mkdir -p "$OUT"

SERVER_CORES=
BENCH_PIN=()
if command -v taskset >/dev/null 2>&1 && [ "$(getconf _NPROCESSORS_ONLN)" -ge 2 ]; then
  SERVER_CORES=0
  BENCH_PIN=(taskset -c 1)
  pinning="servers on core 0 (wshub-w2: cores 0-1; a proxy: with its upstream), wsbench on core 1"
else
  pinning="not pinned (no taskset or fewer than 2 cores)"
fi
# The idle case holds 10,000 connections: take the hard limit (20,000 here).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# A server is one or more processes (nodes, their Redis; a proxy, its
# upstream): server_pids holds them all, the Redis or the upstream last;
# server_pid the first node or the proxy, whose port is server_port (the
# other nodes': node_ports). measured_pids, when set, are the processes whose
# CPU time counts (a proxy's, not its upstream's); otherwise all of them.
# nginx_dir: the running nginx's directory (pid, error log, temporary files),
# its error log appended to nginx_log when it stops.
server_pid=
server_pids=()
measured_pids=()
server_port=$PORT
node_ports=()
nginx_dir=
nginx_log=
stop_one() {
  local pid=$1
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
stop_server() {
  local pid
  for pid in ${server_pids[@]+"${server_pids[@]}"}; do stop_one "$pid"; done
  server_pid= server_pids=() measured_pids=() node_ports=()
  if [ -n "$nginx_dir" ]; then
    cat "$nginx_dir/error.log" >>"$nginx_log" 2>/dev/null || true
    rm -rf "$nginx_dir"
    nginx_dir=
  fi
}
trap stop_server EXIT
trap 'exit 130' INT TERM

# True once something listens on 127.0.0.1:$1, read from /proc/net/tcp so
# that no connection is made (it would count in the server's memory).
listening() {
  local hex
  hex=$(printf '0100007F:%04X' "$1")
  awk -v a="$hex" '$2 == a && $4 == "0A" { found = 1 } END { exit !found }' /proc/net/tcp
}

# The next port after server_port that nothing listens on.
next_port() {
  server_port=$((server_port + 1))
  while listening "$server_port"; do server_port=$((server_port + 1)); done
}

# True when this wshub starts with a proxy route: it refuses a route mode it
# does not know at start, before it listens. Its output goes to $1. No
# client connects, so the upstream (its own port) is never dialled.
wshub_proxies() {
  local log=$1 pid
  next_port
  build/release/wshub --listen "127.0.0.1:$server_port" --workers 1 \
    --route "/echo=proxy,upstream=ws://127.0.0.1:$server_port/echo" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 250); do
    if listening "$server_port"; then stop_one "$pid"; return 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.02
  done
  stop_one "$pid"
  return 1
}

# The proxies that cannot run here (no nginx; a wshub without the proxy
# route) join UNAVAILABLE, each said once.
NGINX=$(command -v nginx || true)
[ -z "$NGINX" ] && [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx
if printf '%s\n' "${CASES[@]}" | grep -q '^[^ ]* proxy '; then
  for s in "${SERVERS[@]}"; do
    case $s in
      nginx-proxy) [ -n "$NGINX" ] || {
        UNAVAILABLE+="nginx-proxy "
        echo "bench.sh: no nginx (apt-get install -y --no-install-recommends nginx): nginx-proxy skipped" >&2; } ;;
      wshub-proxy) wshub_proxies "$OUT/wshub-proxy-probe.log" || {
        UNAVAILABLE+="wshub-proxy "
        echo "bench.sh: build/release/wshub refuses --route /echo=proxy,upstream=... (see $OUT/wshub-proxy-probe.log): wshub-proxy skipped" >&2; } ;;
    esac
  done
fi

# Starts command $3... as one more process of server $1 (log $2), on $cores,
# and waits until it listens on port_wanted.
start_process() {
  local name=$1 log=$2; shift 2
  local -a cmd=("$@")
  if [ -n "$cores" ]; then cmd=(taskset -c "$cores" "${cmd[@]}"); fi
  "${cmd[@]}" >>"$log" 2>&1 &
  local pid=$!
  server_pids+=("$pid")
  for _ in $(seq 250); do
    kill -0 "$pid" 2>/dev/null || break
    if listening "$port_wanted"; then return 0; fi
    sleep 0.02
  done
  cat "$log" >&2
  die "$name did not start on 127.0.0.1:$port_wanted"
}

# Starts server $1, made of several processes (Redis first, then the nodes);
# their logs go to $2.
start_nodes() {
  local name=$1 log=$2 redis_url= port_wanted i
  : >"$log"
  case $name in *-redis|*-2nodes)
    next_port; port_wanted=$server_port
    start_process "$name" "$log" redis-server --port "$server_port" --bind 127.0.0.1 --save '' --appendonly no
    redis_url=redis://127.0.0.1:$server_port
  esac
  local count=1
  case $name in *-2nodes) count=2 ;; esac
  for i in $(seq "$count"); do
    next_port; port_wanted=$server_port
    node_ports+=("$server_port")
    case $name in
      wshub-*) start_process "$name" "$log" build/release/wshub --listen "127.0.0.1:$server_port" --workers 1 \
                 --redis "$redis_url" --node-id "n$i" ;;
      socketio*) start_process "$name" "$log" node "$PEERS/socketio/server.js" "$server_port" ${redis_url:+"$redis_url"} ;;
    esac
  done
  # The nodes first (server_pid the first node), the Redis last: stopped after them.
  [ -n "$redis_url" ] && server_pids=("${server_pids[@]:1}" "${server_pids[0]}")
  server_port=${node_ports[0]}
  server_pid=${server_pids[0]}
}

# nginx's configuration (on stdout) for a reverse proxy of WebSocket
# connections on 127.0.0.1:$1 to the upstream 127.0.0.1:$2, everything it
# writes kept in directory $3. As root its worker would switch to nobody: it
# stays the invoking user, as without root.
nginx_conf() {
  local port=$1 upstream=$2 dir=$3 kind
  [ "$(id -u)" -eq 0 ] && echo "user $(id -un) $(id -gn);"
  cat <<EOF
worker_processes 1;
pid "$dir/nginx.pid";
error_log "$dir/error.log" warn;
events {
    worker_connections 1024;
}
http {
    access_log off;
EOF
  for kind in client_body proxy fastcgi uwsgi scgi; do echo "    ${kind}_temp_path \"$dir/$kind\";"; done
  cat <<EOF
    server {
        listen 127.0.0.1:$port;
        location /echo {
            proxy_pass http://127.0.0.1:$upstream;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection upgrade;
            proxy_read_timeout 75s;
        }
    }
}
EOF
}

# Starts nginx in front of the upstream on port $2, on port_wanted, in the
# foreground; its output to log $1. Its master and worker both count.
start_nginx() {
  local log=$1 upstream=$2 master worker=
  nginx_dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-nginx.XXXXXX")
  nginx_log=$log
  nginx_conf "$port_wanted" "$upstream" "$nginx_dir" >"$nginx_dir/nginx.conf"
  start_process nginx-proxy "$log" "$NGINX" -p "$nginx_dir/" -c "$nginx_dir/nginx.conf" \
    -e "$nginx_dir/error.log" -g 'daemon off;'
  master=${server_pids[-1]}
  # The master listens before it forks its worker.
  for _ in $(seq 250); do
    worker=$(pgrep -P "$master" | head -1 || true)
    [ -n "$worker" ] && break
    sleep 0.02
  done
  [ -n "$worker" ] || { cat "$nginx_dir/error.log" >&2; die "nginx-proxy started no worker"; }
  server_pids+=("$worker")
}

# Starts server $1 of the proxy case, its log $2: an upstream echo server,
# then the proxy in front of it (none for upstream-direct), both on $cores.
# Only the proxy's processes are measured; it stops before its upstream.
start_proxy() {
  local name=$1 log=$2 port_wanted upstream
  : >"$log"
  next_port; port_wanted=$server_port
  start_process "$name" "$log" build/release/wshub --listen "127.0.0.1:$server_port" --workers 1 --route /echo=echo
  upstream=$server_port
  if [ "$name" != upstream-direct ]; then
    next_port; port_wanted=$server_port
    case $name in
      nginx-proxy) start_nginx "$log" "$upstream" ;;
      wshub-proxy) start_process "$name" "$log" build/release/wshub --listen "127.0.0.1:$server_port" --workers 1 \
                     --route "/echo=proxy,upstream=ws://127.0.0.1:$upstream/echo" ;;
    esac
    server_pids=("${server_pids[@]:1}" "${server_pids[0]}")
    measured_pids=("${server_pids[@]:0:${#server_pids[@]}-1}")
  fi
  server_pid=${server_pids[0]}
}

# Starts server $1 on the next port; its log is $2.
start_server() {
  local name=$1 log=$2 cores=$SERVER_CORES
  case $name in wshub-redis|wshub-2nodes|socketio|socketio-2nodes) start_nodes "$@"; return ;; esac
  case $name in upstream-direct|nginx-proxy|wshub-proxy) start_proxy "$@"; return ;; esac
  server_port=$((server_port + 1))
  local -a cmd
  case $name in
    wshub) cmd=(build/release/wshub --listen "127.0.0.1:$server_port" --workers 1) ;;
    wshub-w2) cmd=(build/release/wshub --listen "127.0.0.1:$server_port" --workers 2); [ -n "$cores" ] && cores=0,1 ;;
    wshub-deflate) cmd=(build/release/wshub --listen "127.0.0.1:$server_port" --workers 1 --compression on) ;;
    wshub-base) cmd=("$BENCH_BASE" --listen "127.0.0.1:$server_port" --workers 1) ;;
    beast) cmd=("$PEERS/beast_server" "$server_port") ;;
    websocketpp) cmd=("$PEERS/websocketpp_server" "$server_port") ;;
  esac
  if [ -n "$cores" ]; then cmd=(taskset -c "$cores" "${cmd[@]}"); fi
  "${cmd[@]}" >"$log" 2>&1 &
  server_pid=$!
  server_pids=("$server_pid")
  for _ in $(seq 200); do
    kill -0 "$server_pid" 2>/dev/null || break
    if listening "$server_port"; then return 0; fi
    sleep 0.02
  done
  cat "$log" >&2
  die "$name did not start on 127.0.0.1:$server_port"
}

# wsbench's arguments for case $1 against server $2 on $server_port.
case_args() {
  read -r name scenario a b c d e <<<"$1"
  local url=ws://127.0.0.1:$server_port extra=
  [ "${e:-}" = json ] && extra=" --json"
  [ "$2" = wshub-deflate ] && extra="$extra --deflate"
  case $scenario in
    echo|proxy) echo "echo --url $url/echo --connections $a --size $b --inflight $c --duration $DURATION --warmup $WARMUP" ;;
    fanout) echo "fanout --url $url/raw?room=$name --subscribers $a --publishers $b --size $c --inflight $d --duration $DURATION --warmup $WARMUP$extra" ;;
    connect) echo "connect --url $url/echo --concurrency $a --duration $DURATION --warmup $WARMUP" ;;
    idle) echo "idle --url $url/raw?room=$name --connections $a --duration $IDLE_HOLD --warmup $IDLE_SETTLE" ;;
    nodes)
      local urls= p
      for p in "${node_ports[@]:-$server_port}"; do
        case $2 in
          socketio*) urls+=" --url ws://127.0.0.1:$p/socket.io/?EIO=4&transport=websocket" ;;
          *) urls+=" --url ws://127.0.0.1:$p/raw?room=$name" ;;
        esac
      done
      case $2 in socketio*) extra=" --protocol socketio --room $name" ;; esac
      # The other node subscribes to the room on Redis as its members join.
      [ "${#node_ports[@]}" -gt 1 ] && extra="$extra --settle 0.3"
      echo "fanout$urls --subscribers $a --publishers $b --size $c --inflight $d --duration $DURATION --warmup $WARMUP$extra" ;;
  esac
}

# wsbench's --server-pid for every measured process of the running server.
pid_args() {
  local pid
  local -a pids=("${server_pids[@]}")
  [ "${#measured_pids[@]}" -gt 0 ] && pids=("${measured_pids[@]}")
  for pid in "${pids[@]}"; do printf -- '--server-pid %s ' "$pid"; done
}

# The column named $2 of the last line of CSV file $1 (a header line first).
csv_field() {
  awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) col = i }
                        END { if (col) print $col }' "$1"
}

header_written=
failed=0
retried=0
# Whether server $1 sits out case $2. Peers are compared with one wshub
# worker; the second worker only scales wshub's throughput, so it sits out
# the idle case. The JSON case compares compression on and off in wshub
# (wshub-base too, when given), and compression only serves the JSON case.
# deflate-zlib runs before the rounds, against no server. The servers of
# several nodes serve only the nodes case, where wshub is their reference,
# and the proxies and their upstream only the proxy case; each sits out when
# it cannot run here.
skip() {
  local scenario knobs
  read -r _ scenario knobs <<<"$2"
  [ "$scenario" = deflate ] && return 0
  case $1 in upstream-direct|nginx-proxy|wshub-proxy)
    [ "$scenario" = proxy ] && [[ $UNAVAILABLE != *" $1 "* ]] && return 1
    return 0 ;;
  esac
  [ "$scenario" = proxy ] && return 0
  case $1 in wshub-redis|wshub-2nodes|socketio|socketio-2nodes)
    [ "$scenario" = nodes ] && [[ $UNAVAILABLE != *" $1 "* ]] && return 1
    return 0 ;;
  esac
  [ "$scenario" = nodes ] && { [ "$1" = wshub ] && return 1; return 0; }
  [ "$1" = wshub-w2 ] && [ "$scenario" = idle ] && return 0
  case " $knobs " in
    *" json "*) case $1 in wshub|wshub-deflate|wshub-base) return 1 ;; *) return 0 ;; esac ;;
    *) [ "$1" = wshub-deflate ] ;;
  esac
}
total=0
for case in "${CASES[@]}"; do
  for server in "${SERVERS[@]}"; do skip "$server" "$case" || total=$((total + RUNS)); done
done
n=0
rm -f "$CSV"

# deflate-zlib: once, before the rounds (it measures CPU time, not the servers).
DEFLATE_MD=${CSV%.csv}-deflate.md
rm -f "$DEFLATE_MD"
for case in "${CASES[@]}"; do
  read -r name scenario _ <<<"$case"
  [ "$scenario" = deflate ] || continue
  echo "== $name: wshub's deflate against zlib (scripts/deflate-bench.sh, about 30 s)"
  rc=0
  scripts/deflate-bench.sh >"$DEFLATE_MD.part" || rc=$?
  case $rc in
    0) mv "$DEFLATE_MD.part" "$DEFLATE_MD"; cat "$DEFLATE_MD" ;;
    77) rm -f "$DEFLATE_MD.part"; echo "   $name: skipped (no zlib headers; apt-get install zlib1g-dev)" ;;
    *) cat "$DEFLATE_MD.part" >&2; rm -f "$DEFLATE_MD.part"; echo "   $name: failed (status $rc)" >&2; failed=1 ;;
  esac
  echo
done

[ "$total" -gt 0 ] &&
  echo "== $RUNS rounds, $total runs (${DURATION} s measured after ${WARMUP} s warm-up); $pinning"
for round in $(seq "$RUNS"); do
  for case in "${CASES[@]}"; do
    read -r name scenario _ <<<"$case"
    for server in "${SERVERS[@]}"; do
      if skip "$server" "$case"; then continue; fi
      n=$((n + 1))
      tag=$name-$server-$round
      runcsv=$OUT/$tag.csv
      for try in $(seq "$STEAL_TRIES"); do
        rm -f "$runcsv"
        start_server "$server" "$OUT/$tag.server.log"
        read -r -a wargs <<<"$(case_args "$case" "$server") $(pid_args)"  # for its ports and pids
        rc=0
        ${BENCH_PIN[@]+"${BENCH_PIN[@]}"} "$WSBENCH" "${wargs[@]}" --server-name "$server" \
          --csv "$runcsv" >"$OUT/$tag.txt" 2>&1 || rc=$?
        alive=1
        for pid in "${server_pids[@]}"; do kill -0 "$pid" 2>/dev/null || alive=0; done
        stop_server
        steal=$([ -s "$runcsv" ] && csv_field "$runcsv" steal_pct || true)
        # Keep the try the hypervisor disturbed least (a failed one only if
        # nothing better came).
        if [ "$try" = 1 ] || { [ -n "$steal" ] && { [ -z "$best_steal" ] ||
             awk -v s="$steal" -v b="$best_steal" 'BEGIN { exit !(s < b) }'; }; }; then
          best_steal=$steal best_rc=$rc best_alive=$alive
          cp "$OUT/$tag.txt" "$OUT/$tag.best.txt"
          if [ -s "$runcsv" ]; then cp "$runcsv" "$runcsv.best"; else rm -f "$runcsv.best"; fi
        fi
        if [ "$try" -lt "$STEAL_TRIES" ] && [ -n "$steal" ] && awk -v s="$steal" -v m="$MAX_STEAL" 'BEGIN { exit !(s > m) }'; then
          echo "   $tag: the hypervisor took ${steal}% of the machine (over ${MAX_STEAL}%): run again"
          retried=$((retried + 1))
          continue
        fi
        break
      done
      mv "$OUT/$tag.best.txt" "$OUT/$tag.txt"
      if [ -f "$runcsv.best" ]; then mv "$runcsv.best" "$runcsv"; else rm -f "$runcsv"; fi
      rc=$best_rc alive=$best_alive
      if [ ! -s "$runcsv" ]; then
        cat "$OUT/$tag.txt" >&2
        echo "   $tag: wsbench failed (status $rc), no result" >&2
        failed=1
        continue
      fi
      errors=$(csv_field "$runcsv" errors); loss=$(csv_field "$runcsv" loss); ooo=$(csv_field "$runcsv" out_of_order)
      ok=1
      if [ "$rc" -ne 0 ] || [ "$alive" = 0 ] || [ "${errors:-0}" != 0 ] || [ "${loss:-0}" != 0 ] || [ "${ooo:-0}" != 0 ]; then
        ok=0; failed=1
        echo "   $tag: errors ${errors:-?}, lost ${loss:-0}, out of order ${ooo:-0}, status $rc$([ "$alive" = 0 ] && echo ', SERVER DIED'):" \
          "$(grep 'first error' "$OUT/$tag.txt" | sed 's/^ *//' || true)" >&2
      fi
      if [ "$server" = wshub-deflate ] && [ "$ok" = 1 ] &&
         ! awk -v p="$(csv_field "$runcsv" compressed_pct)" 'BEGIN { exit !(p > 0) }'; then
        echo "   $tag: no message came compressed (is --compression-min-size above $name's size?)" >&2
      fi
      if [ -z "$header_written" ]; then
        echo "case,round,ok,$(head -1 "$runcsv")" >"$CSV"
        header_written=1
      fi
      echo "$name,$round,$ok,$(tail -1 "$runcsv")" >>"$CSV"
      case $scenario in
        echo) fig="$(csv_field "$runcsv" messages_per_s) msg/s" ;;
        proxy) fig="$(csv_field "$runcsv" messages_per_s) msg/s, p50 $(csv_field "$runcsv" p50_us) us" ;;
        nodes) fig="$(csv_field "$runcsv" deliveries_per_s) deliveries/s, p50 $(csv_field "$runcsv" p50_us) us, p99 $(csv_field "$runcsv" p99_us) us" ;;
        fanout) fig="$(csv_field "$runcsv" deliveries_per_s) deliveries/s, $(csv_field "$runcsv" wire_bytes_per_delivery) B each"
                [ "$(csv_field "$runcsv" deflate)" = off ] ||
                  fig="$fig, $(csv_field "$runcsv" compressed_pct)% compressed" ;;
        connect) fig="$(csv_field "$runcsv" upgrades_per_s) upgrades/s" ;;
        idle) fig="$(csv_field "$runcsv" rss_per_conn_bytes) B/conn RSS, $(csv_field "$runcsv" kernel_per_conn_bytes) B/conn kernel" ;;
      esac
      printf '   [%3d/%d] round %d %-16s %-12s %s  (server %s%%, wsbench %s%% of a core; steal %s%%)\n' "$n" "$total" \
        "$round" "$name" "$server" "$fig" "$(csv_field "$runcsv" server_cpu_pct)" \
        "$(csv_field "$runcsv" cpu_measuring_pct)" "$(csv_field "$runcsv" steal_pct)"
    done
  done
done

[ "$total" -gt 0 ] || { echo "results: $DEFLATE_MD"; exit "$failed"; }
echo
[ "$retried" -gt 0 ] && echo "== $retried runs were run again for steal over ${MAX_STEAL}%"
echo "== medians of $RUNS rounds; ratios: the median (min-max) of the per-round ratios"
/usr/bin/python3 scripts/bench_report.py "$CSV" || failed=1
echo "CPU: percent of one core over the measured window, from /proc/PID/stat (server) and getrusage (wsbench)."
echo "steal: percent of all cores' time the hypervisor took in that window (/proc/stat): a VM's speed drifts with it."
echo "server us/op: server CPU time per round trip, delivery or upgrade. ratio: wshub/peer within each round"
echo "(idle: bytes, so below 1 means wshub holds less); w2/w1: wshub --workers 2 over --workers 1."
echo "us/op peer/wshub: the peer's CPU cost per operation over wshub's, within each round (above 1: wshub cheaper)."
echo "on/off: wshub --compression on over off (wshub-deflate over wshub) within each round; wire B: bytes"
echo "subscribers read per delivery (frames as sent)."
echo "proxies: server CPU is the proxy's alone (nginx: master and worker; upstream-direct: the upstream's);"
echo "p50 added: the round trip's p50 through the proxy less upstream-direct's, within each round."
echo "results: $CSV"
exit "$failed"
