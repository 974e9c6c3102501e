# bench.sh — sourced by bin/chorus: bench http and bench ws.

# bench http|ws: a dedicated 3-instance cluster (state in .chorus/bench/, made afresh each run; instances on
# :9081-9083, nginx on :9080; CHORUS_BENCH_PORT moves them all) with rate limits off, stopped again afterwards.
cmd_bench() {
  local kind=${1:-}; shift || true
  case "$kind" in
    http) bench_http "$@" ;;
    ws) bench_ws "$@" ;;
    *) die "usage: bin/chorus bench http [--duration S] [--warmup S] [--connections C] [--threads T] | bench ws [--subscribers N] [--groups G] [--rate R] [--duration D]" ;;
  esac
}

bench_cluster_up() {
  RUN="$ROOT/.chorus/bench"; LB_PORT=${CHORUS_BENCH_PORT:-9080}; BASE_PORT=$((LB_PORT + 1)); DB_NAME=chorus_bench
  cluster_is_up && die "a benchmark cluster is still running (pids in $RUN)"
  ensure_tool curl curl; ensure_postgres; ensure_redis; ensure_database; build
  # A state directory of its own each run, complete before the first instance starts: nothing of an earlier
  # benchmark (secret, balancer config, logs) is reused.
  rm -rf "$RUN"; mkdir -p "$RUN"
  load_jwt_secret
  trap 'bench_cluster_down $?' EXIT
  local i names=()
  for i in 1 2 3; do
    start_instance "bench-$i" $((BASE_PORT + i - 1)) RATE_LIMIT_PER_USER=0 RATE_LIMIT_PER_IP=0 RATE_LIMIT_LOGIN=0 \
      LOGGING_LEVEL_ROOT=WARN CHORUS_REDIS_PREFIX=chorus-bench:
    names+=("bench-$i")
  done
  await_ready "${names[@]}"
}

# On exit: stops the benchmark cluster; its state directory goes too unless the benchmark failed (then its logs help).
bench_cluster_down() {
  cmd_down >/dev/null 2>&1 || true
  if [ "$1" -eq 0 ]; then rm -rf "$RUN"; else say "the benchmark cluster's logs: $RUN/"; fi
}

bench_http() {
  local duration=30 connections=64 threads=2 warmup=90
  while [ $# -gt 0 ]; do
    case "$1" in
      --duration) duration=${2:?}; shift 2 ;;
      --warmup) warmup=${2:?}; shift 2 ;;
      --connections) connections=${2:?}; shift 2 ;;
      --threads) threads=${2:?}; shift 2 ;;
      *) die "unknown option for bench http: $1" ;;
    esac
  done
  ensure_tool nginx nginx; ensure_tool wrk wrk
  bench_cluster_up
  echo nginx | write_atomically "$RUN/lb.kind"
  lb_start
  local lb="http://127.0.0.1:$LB_PORT" email="bench-$RANDOM$RANDOM@example.test" token group i
  curl -sf -X POST "$lb/api/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"correct horse battery\",\"displayName\":\"Bench\"}" >/dev/null
  token=$(curl -sf -X POST "$lb/api/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"correct horse battery\"}" | sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p')
  group=$(curl -sf -X POST "$lb/api/groups" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"name":"bench"}' | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
  [ -n "$token" ] && [ -n "$group" ] || die "could not set up the benchmark user and group"
  for i in $(seq 1 20); do
    curl -sf -o /dev/null -X POST "$lb/api/messages" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
      -d "{\"content\":\"history $i\",\"targetType\":\"group\",\"targetIds\":[\"$group\"]}"
  done
  # Three JVMs share the cores: each needs its hot paths compiled before the figures mean anything.
  say "warming up for $warmup s"
  CHORUS_TOKEN=$token CHORUS_GROUP=$group CHORUS_QUIET=1 \
    wrk -t "$threads" -c "$connections" -d "${warmup}s" -s "$ROOT/bin/lib/bench-http.lua" "$lb" >/dev/null
  say "measuring for $duration s: GET /api/users/me and GET /api/groups/{id}/messages?limit=20, $connections connections"
  CHORUS_TOKEN=$token CHORUS_GROUP=$group CHORUS_INSTANCES=3 CHORUS_CONNECTIONS=$connections \
    wrk -t "$threads" -c "$connections" -d "${duration}s" -s "$ROOT/bin/lib/bench-http.lua" "$lb" | tail -1
}

bench_ws() {
  bench_cluster_up
  (cd "$ROOT" && mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt >/dev/null)
  local i urls=""
  for i in 1 2 3; do urls="$urls${urls:+,}http://127.0.0.1:$((BASE_PORT + i - 1))"; done
  "$JAVA_HOME/bin/java" -Xmx1g -cp "$ROOT/target/test-classes:$ROOT/target/classes:$(cat "$ROOT/target/test-classpath.txt")" \
    dev.chorus.bench.FanOutBenchmark --urls "$urls" "$@"
}
