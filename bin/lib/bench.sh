# bench.sh — sourced by bin/chorus: bench http, bench ws and bench connections.

# bench http|ws: a dedicated cluster of N instances (--instances, default 3) behind its own nginx, state in
# .chorus/bench/, nginx on :9080 and instances on :9081... (CHORUS_BENCH_PORT moves them all), rate limits off,
# stopped again afterwards whatever happens. Clients reach the cluster through nginx only, as in a deployment.
cmd_bench() {
  local kind=${1:-}; shift || true
  case "$kind" in
    http) bench_http "$@" ;;
    ws) bench_ws "$@" ;;
    connections) bench_connections "$@" ;;
    *) die "usage: bin/chorus bench http [--instances N] [--profile read|mixed|both] [--mix read:70,write:25,refresh:3,login:2] [--duration S] [--warmup S] [--connections C] [--threads T]
       bin/chorus bench ws [--instances N] [--kafka] [--subscribers N] [--groups G] [--publishers P] [--rate R] [--duration S] [--warmup S] [--ramp [--step S] [--max-rate M] [--p99-ms L]]
       bin/chorus bench connections [--instances N] [--count N] [--direct] [--groups G] [--per-user U] [--idle S] [--rest S] [--connecting C] [--storm [--jitter-ms MS]]" ;;
  esac
}

# bench_cluster_up N: N instances and nginx in front; the EXIT trap stops them (also on Ctrl-C or SIGTERM).
bench_cluster_up() {
  local n=$1 kafka=${2:-no} i names=()
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "--instances must be a positive number"
  RUN="$ROOT/.chorus/bench"; LB_PORT=${CHORUS_BENCH_PORT:-9080}; BASE_PORT=$((LB_PORT + 1))
  # A bench on a port of its own (CHORUS_BENCH_PORT) also gets a database and Redis prefix of its own, so that two
  # checkouts can run benchmarks on one machine without joining each other's cluster; CHORUS_BENCH_DB and
  # CHORUS_BENCH_REDIS_PREFIX name them outright.
  DB_NAME=${CHORUS_BENCH_DB:-chorus_bench${CHORUS_BENCH_PORT:+_$CHORUS_BENCH_PORT}}
  BENCH_REDIS_PREFIX=${CHORUS_BENCH_REDIS_PREFIX:-chorus-bench${CHORUS_BENCH_PORT:+-$CHORUS_BENCH_PORT}:}
  [[ "$DB_NAME" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "CHORUS_BENCH_DB must be a plain lower-case database name"
  cluster_is_up && die "a benchmark cluster is still running (pids in $RUN)"
  ensure_tool curl curl; ensure_postgres; ensure_redis; ensure_database; build; ensure_tool nginx nginx
  # A state directory of its own each run, complete before the first instance starts: nothing of an earlier
  # benchmark (secret, balancer config, logs) is reused.
  rm -rf "$RUN"; mkdir -p "$RUN"
  load_jwt_secret
  trap 'bench_cluster_down $?' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  if [ "$kafka" = yes ]; then
    # The bench's own broker, next to its balancer's port; a fresh data directory with the rest of $RUN.
    KAFKA_PORT=$((LB_PORT + 92)); KAFKA_CONTROLLER_PORT=$((LB_PORT + 93))
    kafka_start
    kafka_settings | write_atomically "$RUN/cluster.env"
  fi
  # Access tokens outlive a long ramp: the bench measures delivery, not re-authentication.
  for i in $(seq 1 "$n"); do
    bench_instance_start "$i"
    names+=("bench-$i")
  done
  await_ready "${names[@]}"
  echo nginx | write_atomically "$RUN/lb.kind"
  lb_start
}

bench_instance_start() {
  start_instance "bench-$1" $((BASE_PORT + $1 - 1)) RATE_LIMIT_PER_USER=0 RATE_LIMIT_PER_IP=0 RATE_LIMIT_LOGIN=0 \
    RATE_LIMIT_LOGIN_PER_IP=0 PASSWORD_HASH_WAIT=PT60S \
    ACCESS_TOKEN_TTL=PT12H LOGGING_LEVEL_ROOT=WARN CHORUS_REDIS_PREFIX="${BENCH_REDIS_PREFIX:-chorus-bench:}"
}

# On exit: stops the benchmark cluster; its state directory goes too unless the benchmark failed (then its logs help).
bench_cluster_down() {
  if [ -n "${BENCH_SUPERVISOR:-}" ]; then touch "$RUN/supervisor.stop"; wait "$BENCH_SUPERVISOR" 2>/dev/null || true; fi
  cmd_down >/dev/null 2>&1 || true
  if [ "$1" -eq 0 ]; then rm -rf "$RUN"; else say "the benchmark cluster's logs: $RUN/"; fi
}

# bench http: wrk through nginx. Profiles: read (two GETs), mixed (bin/lib/bench-http-mixed.lua: reads, message
# posts, refreshes, logins), both (one warm-up on the mixed profile, then read, then mixed). One JSON line each.
bench_http() {
  local duration=30 connections=64 threads=2 warmup=90 n=3 profile=read mix="read:70,write:25,refresh:3,login:2"
  while [ $# -gt 0 ]; do
    case "$1" in
      --duration) duration=${2:?}; shift 2 ;;
      --warmup) warmup=${2:?}; shift 2 ;;
      --connections) connections=${2:?}; shift 2 ;;
      --threads) threads=${2:?}; shift 2 ;;
      --instances) n=${2:?}; shift 2 ;;
      --profile) profile=${2:?}; shift 2 ;;
      --mix) mix=${2:?}; shift 2 ;;
      *) die "unknown option for bench http: $1" ;;
    esac
  done
  [[ "$profile" =~ ^(read|mixed|both)$ ]] || die "--profile must be read, mixed or both"
  ensure_tool wrk wrk
  tools_build
  bench_cluster_up "$n"
  local lb="http://127.0.0.1:$LB_PORT" sessions=0 name value warm=read
  # A refresh session per connection and a few spare in each thread, for the warm-up and again for the measurement.
  [ "$profile" = read ] || { sessions=$((connections + 4 * threads)); warm=mixed; }
  (umask 077; tools_java dev.chorus.bench.HttpBenchSetup --url "$lb" --sessions "$sessions" > "$RUN/http-setup.env") \
    || die "bench http: setting up users, group and sessions failed"
  while IFS='=' read -r name value; do export "$name=$value"; done < "$RUN/http-setup.env"
  rm -f "$RUN/http-setup.env"
  export CHORUS_MIX=$mix CHORUS_THREADS=$threads CHORUS_INSTANCES=$n CHORUS_CONNECTIONS=$connections
  # Several JVMs share the cores: each needs its hot paths compiled before the figures mean anything.
  say "warming up for $warmup s ($warm profile)"
  CHORUS_QUIET=1 CHORUS_PHASE=w CHORUS_REFRESH_TOKENS=${CHORUS_WARMUP_REFRESH_TOKENS:-} \
    wrk -t "$threads" -c "$connections" -d "${warmup}s" -s "$(bench_http_script $warm)" "$lb" >/dev/null
  local p
  for p in read mixed; do
    [ "$profile" = "$p" ] || [ "$profile" = both ] || continue
    say "measuring the $p profile for $duration s, $connections connections, $n instances"
    # wrk's JSON line, with what the requests cost (CPU of the instances, nginx and the machine; load average) added
    CHORUS_PHASE=m tools_java dev.chorus.bench.HttpBenchRun --run-dir "$RUN" --instances "$n" -- \
      wrk -t "$threads" -c "$connections" -d "${duration}s" -s "$(bench_http_script $p)" "$lb"
  done
}

bench_http_script() { if [ "$1" = read ]; then echo "$ROOT/bin/lib/bench-http.lua"; else echo "$ROOT/bin/lib/bench-http-mixed.lua"; fi; }

# bench ws: bin/chorus takes the cluster's shape (--instances); every other option goes to FanOutBenchmark.
bench_ws() {
  local n=3 kafka=no args=() i metrics=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --instances) n=${2:?}; shift 2 ;;
      --kafka) kafka=yes; shift ;;
      *) args+=("$1"); shift ;;
    esac
  done
  tools_build
  bench_cluster_up "$n" "$kafka"
  if [ "$kafka" = yes ]; then
    for i in $(seq 1 "$n"); do metrics+=("http://127.0.0.1:$((BASE_PORT + i - 1))/metrics"); done
    args+=(--kafka-metrics "$(IFS=,; echo "${metrics[*]}")")
  fi
  tools_java dev.chorus.bench.FanOutBenchmark --url "http://127.0.0.1:$LB_PORT" --instances "$n" "${args[@]}"
}

# bench connections: idle sockets and what they cost (ConnectionsBenchmark). 20,000 sockets need more descriptors than
# the usual 1024 (or this machine's 20,000) in the client, nginx and the instance: the limit is raised for this
# command's processes only. With --storm a supervisor starts again each instance the benchmark stops with SIGTERM,
# as a process manager would, so that the next storm has somewhere to go.
bench_connections() {
  local n=1 storm=no args=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --instances) n=${2:?}; shift 2 ;;
      --storm) storm=yes; args+=("$1"); shift ;;
      *) args+=("$1"); shift ;;
    esac
  done
  ulimit -n 100000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  # stdout carries only the JSON line: the build's and the cluster's chatter goes to stderr
  tools_build >&2
  bench_cluster_up "$n" >&2
  if [ "$storm" = yes ]; then bench_restart_stopped "$n" & BENCH_SUPERVISOR=$!; fi
  tools_java dev.chorus.bench.ConnectionsBenchmark --url "http://127.0.0.1:$LB_PORT" --run-dir "$RUN" \
    --instances "$n" "${args[@]}"
}

# bench_restart_stopped N: until the benchmark ends (bench_cluster_down leaves supervisor.stop), starts again any of
# the N instances that exited.
bench_restart_stopped() {
  local i
  trap - EXIT INT TERM
  while [ ! -f "$RUN/supervisor.stop" ]; do
    for i in $(seq 1 "$1"); do alive "$RUN/bench-$i.pid" || bench_instance_start "$i"; done
    sleep 1
  done
}
