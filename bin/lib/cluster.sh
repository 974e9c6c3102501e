# cluster.sh — sourced by bin/chorus: up, status, down, restart --rolling, kill, start, logs, and the instance
# processes they manage (pids, ports and logs under .chorus/).

# The cluster's one JWT secret, kept in $RUN/jwt-secret: created once, atomically, and read into JWT_SECRET_VALUE in
# this shell, before any instance starts. (A $(...) inside an instance's background job would run in every job at
# once: each would see no file, or a half-written one, and write or read a secret of its own.)
load_jwt_secret() {
  mkdir -p "$RUN"
  [ -e "$RUN/jwt-secret" ] || head -c 48 /dev/urandom | base64 | tr -d '\n=/+' | create_once "$RUN/jwt-secret" 600
  JWT_SECRET_VALUE=$(cat "$RUN/jwt-secret")
  [ ${#JWT_SECRET_VALUE} -ge 32 ] || die "$RUN/jwt-secret is shorter than 32 characters: delete it (bin/chorus down first)"
}

# Where an instance's log is: `bin/chorus logs NAME` for the cluster of `up`, the file itself for a bench cluster.
log_hint() { if [ "$RUN" = "$ROOT/.chorus" ]; then echo "bin/chorus logs $1"; else echo "$RUN/$1.log"; fi; }

# Every instance `up` started, alive or not, in order (chorus-1, chorus-2, ...).
instance_names() {
  local f
  for f in "$RUN"/*.port; do [ -e "$f" ] && basename "$f" .port; done | grep -v '^lb$' | sort -V || true
}

running_instances() {
  local name
  for name in $(instance_names); do alive "$RUN/$name.pid" && echo "$name"; done
  return 0
}

ready_state() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1/health/ready" || true; }

leader_state() {
  case "$(curl -s --max-time 2 "http://127.0.0.1:$1/health/detailed" | grep -o '"leader":[a-z]*' || true)" in
    '"leader":true') echo yes ;; '"leader":false') echo no ;; *) echo "?" ;;
  esac
}

# start_instance NAME PORT [VAR=value ...]: one instance in the background, its pid, port and log under .chorus/; it
# runs its release's jar (NAME.release, see deploy.sh), else target/chorus.jar. It does not inherit descriptor 9, the
# deploy lock (deploy_lock): an instance outliving the deploy that started it must not hold the lock.
# The cluster's settings (database URL, PgBouncer) come from .chorus/cluster.env, written by `up`. Everything the
# background job uses is computed here, in this shell, before the job starts.
start_instance() {
  local name=$1 port=$2; shift 2
  local settings=()
  [ -f "$RUN/cluster.env" ] && mapfile -t settings < "$RUN/cluster.env"
  [ -n "${JWT_SECRET_VALUE:-}" ] || load_jwt_secret
  env INSTANCE_ID="$name" PORT="$port" JWT_SECRET="$JWT_SECRET_VALUE" COOKIE_SECURE=false \
    DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/$DB_NAME}" \
    REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}" "${settings[@]}" "$@" \
    nohup "$JAVA_HOME/bin/java" ${CHORUS_JAVA_OPTS:--XX:+UseZGC -Xmx512m} -jar "$(release_jar "$name")" >> "$RUN/$name.log" 2>&1 9>&- &
  echo $! | write_atomically "$RUN/$name.pid"
  echo "$port" | write_atomically "$RUN/$name.port"
}

# await_ready NAME...: waits until each answers /health/ready with 200, at most CHORUS_READY_TIMEOUT seconds (120)
await_ready() {
  local name pending limit=${CHORUS_READY_TIMEOUT:-120} deadline
  deadline=$((SECONDS + limit))
  say "waiting for $* to be ready"
  while :; do
    pending=0
    for name in "$@"; do
      alive "$RUN/$name.pid" || die "$name exited; see $(log_hint "$name")"
      [ "$(ready_state "$(cat "$RUN/$name.port")")" = 200 ] || pending=1
    done
    [ $pending -eq 0 ] && return
    if [ $SECONDS -ge $deadline ]; then
      for name in "$@"; do say "$name: $(curl -s --max-time 2 "http://127.0.0.1:$(cat "$RUN/$name.port")/health/ready")"; done
      die "not ready after $limit s (CHORUS_READY_TIMEOUT): $*; see $(log_hint NAME)"
    fi
    sleep 0.5
  done
}


cluster_is_up() { [ -n "$(running_instances)" ] || { [ -n "$(lb_kind)" ] && alive "$(lb_pidfile)"; }; }

cmd_up() {
  local n=3 lb=nginx pgbouncer=no replica=no kafka=no sentinel=no rcluster=no tls=no monitoring=no
  while [ $# -gt 0 ]; do
    case "$1" in
      --sentinel) sentinel=yes; shift ;;
      --redis-cluster) rcluster=yes; shift ;;
      --instances) n=${2:?--instances needs a number}; shift 2 ;;
      --instances=*) n=${1#*=}; shift ;;
      --lb) lb=${2:?--lb needs nginx or haproxy}; shift 2 ;;
      --lb=*) lb=${1#*=}; shift ;;
      --pgbouncer) pgbouncer=yes; shift ;;
      --replica) replica=yes; shift ;;
      --tls) tls=yes; shift ;;
      --monitoring) monitoring=yes; shift ;;
      --kafka) kafka=yes; shift ;;
      *) die "unknown option for up: $1 (see bin/chorus help)" ;;
    esac
  done
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "--instances must be a positive number"
  [[ "$lb" =~ ^(nginx|haproxy)$ ]] || die "--lb must be nginx or haproxy"
  [ $sentinel = no ] || [ $rcluster = no ] || die "--sentinel and --redis-cluster are two different Redis set-ups: use one"
  if [ $replica = yes ] && [ $pgbouncer = yes ] && ! local_allows_replication; then
    die "--replica needs a primary of our own here (the local PostgreSQL refuses replication), and --pgbouncer points at the local one: use one of the two"
  fi
  if cluster_is_up; then
    say "a cluster is already up (bin/chorus status; bin/chorus down to stop it)"; cmd_status; return 0
  fi
  ensure_tool curl curl; ensure_postgres; [ $sentinel = yes ] || [ $rcluster = yes ] || ensure_redis; ensure_database; build; ensure_tool "$lb" "$lb"
  # The state every instance reads is complete before the first one starts.
  mkdir -p "$RUN"
  rm -f "$RUN"/*.pid "$RUN"/*.port "$RUN"/*.release "$RUN/lb.down" "$RUN/lb.tls" "$RUN/cluster.env" "$RUN/standby" \
    "$RUN/release.previous"
  load_jwt_secret
  # The instances run a copy of the jar (a release), so that rebuilding it never touches a running JVM's file.
  local release; release=$(release_stage "$JAR")
  echo "$release" | write_atomically "$RUN/release"
  release_prune
  local settings=()
  if [ $pgbouncer = yes ]; then
    pgbouncer_start
    settings+=("DATABASE_URL=postgresql://postgres@127.0.0.1:$PGBOUNCER_PORT/$DB_NAME" DB_PGBOUNCER=true)
  fi
  if [ $replica = yes ]; then
    local lines=()
    replica_start "$RUN/replica.env"; mapfile -t lines < "$RUN/replica.env"
    settings+=("${lines[@]}")
  fi
  if [ $kafka = yes ]; then
    kafka_start
    mapfile -t -O "${#settings[@]}" settings < <(kafka_settings)
  fi
  if [ $sentinel = yes ]; then
    sentinel_start
    mapfile -t -O ${#settings[@]} settings < <(sentinel_env)
  fi
  if [ $rcluster = yes ]; then
    redis_cluster_start
    mapfile -t -O ${#settings[@]} settings < <(redis_cluster_env)
  fi
  [ ${#settings[@]} -eq 0 ] || printf '%s\n' "${settings[@]}" | write_atomically "$RUN/cluster.env" 600
  local i names=()
  for i in $(seq 1 "$n"); do
    start_release "chorus-$i" $((BASE_PORT + i - 1)) "$release"; names+=("chorus-$i")
  done
  await_ready "${names[@]}"
  echo "$lb" | write_atomically "$RUN/lb.kind"
  if [ $tls = yes ]; then tls_certificate "$TLS_DIR"; echo "$TLS_PORT" | write_atomically "$RUN/lb.tls"; fi
  lb_start
  [ $monitoring = no ] || monitoring_start
  cmd_status
}

cmd_status() {
  local any=0 name pid port ready leader
  printf '%-10s %-8s %-6s %-6s %s\n' INSTANCE PID PORT READY LEADER
  for name in $(instance_names); do
    any=1; port=$(cat "$RUN/$name.port")
    if alive "$RUN/$name.pid"; then
      pid=$(cat "$RUN/$name.pid")
      ready=$([ "$(ready_state "$port")" = 200 ] && echo yes || echo no); leader=$(leader_state "$port")
    else
      pid=-; ready=down; leader=-
    fi
    printf '%-10s %-8s %-6s %-6s %s\n' "$name" "$pid" "$port" "$ready" "$leader"
  done
  [ $any -eq 1 ] || { echo "(no instance running)"; return 0; }
  echo
  if [ -n "$(lb_kind)" ] && alive "$(lb_pidfile)"; then
    echo "balancer   $(lb_kind), pid $(cat "$(lb_pidfile)"), config $(lb_config)"
    [ -s "$RUN/lb.down" ] && echo "           out of the rotation: $(paste -sd, "$RUN/lb.down")"
    echo "API        $(lb_url /api/...)   (e.g. POST /api/auth/register)"
    echo "WebSocket  $(lb_url /ws | sed 's/^http/ws/')   (first frame: {\"type\":\"auth\",\"token\":\"<accessToken>\"})"
    echo "health     $(lb_url /health/ready)   (one instance's answer; each: http://127.0.0.1:PORT/health/detailed)"
    tls_on && echo "TLS        CA $TLS_DIR/ca.crt (curl --cacert it); http://127.0.0.1:$LB_PORT redirects to HTTPS"
    echo "metrics    http://127.0.0.1:PORT/metrics per instance"
  else
    echo "balancer   not running (instances answer directly on their ports)"
  fi
  if [ -f "$RUN/release" ]; then
    echo "release    $(cat "$RUN/release") live$([ -f "$RUN/release.previous" ] && echo ", $(cat "$RUN/release.previous") before it")"
    echo "builds     $(for name in $(instance_names); do printf '%s=%s ' "$name" "$(cat "$RUN/$name.release" 2>/dev/null || echo '?')"; done)"
    if [ -s "$RUN/standby" ]; then
      echo "standby    $(paste -sd, "$RUN/standby"): the previous set, kept out of the rotation (bin/chorus rollback)"
    fi
  fi
  if alive "$RUN/pgbouncer/pgbouncer.pid"; then
    echo "pgbouncer  pid $(cat "$RUN/pgbouncer/pgbouncer.pid"), 127.0.0.1:$PGBOUNCER_PORT (transaction pooling)"
  fi
  replica_status
  monitoring_status
  kafka_status
  sentinel_status
  redis_cluster_status
}

cmd_down() {
  monitoring_stop
  lb_stop
  local name
  for name in $(running_instances); do kill -TERM "$(cat "$RUN/$name.pid")"; done # drain in parallel
  for name in $(instance_names); do
    stop_pid "$RUN/$name.pid" "$name"; rm -f "$RUN/$name.pid" "$RUN/$name.port" "$RUN/$name.release"
  done
  pgbouncer_stop
  replica_stop
  kafka_stop
  sentinel_stop
  redis_cluster_stop
  rm -f "$RUN/cluster.env" "$RUN/standby" "$RUN/release" "$RUN/release.previous"
  return 0
}

# restart --rolling: for each instance, out of the balancer's rotation (open-source nginx has no active health
# checks), SIGTERM (it drains, closes sockets with 1012, hands its lease over and finishes in-flight requests),
# start again on the same port, wait until ready, back into the rotation. No request fails, no socket is lost for
# good: clients reconnect and resume with afterSeq.
cmd_restart() {
  [ "${1:-}" = --rolling ] || die "usage: bin/chorus restart --rolling"
  [ -n "$(instance_names)" ] || die "no cluster (bin/chorus up)"
  find_java
  local name port
  for name in $(instance_names); do
    port=$(cat "$RUN/$name.port")
    say "$name: out of the rotation"; lb_out "$name"
    stop_pid "$RUN/$name.pid" "$name"
    start_instance "$name" "$port"
    await_ready "$name"
    grep -qx "$name" "$RUN/standby" 2>/dev/null || lb_in "$name" # a blue-green standby set stays out
    say "$name: back (pid $(cat "$RUN/$name.pid"))"
  done
  cmd_status
}

cmd_kill() {
  local name=${1:?usage: bin/chorus kill NAME}
  alive "$RUN/$name.pid" || die "$name is not running"
  kill -KILL "$(cat "$RUN/$name.pid")"
  for _ in $(seq 1 50); do alive "$RUN/$name.pid" || break; sleep 0.2; done
  say "$name killed with SIGKILL (pid $(cat "$RUN/$name.pid")); bin/chorus start $name brings it back"
}

cmd_start() {
  local name=${1:?usage: bin/chorus start NAME}
  [ -f "$RUN/$name.port" ] || die "no instance $name (bin/chorus status)"
  alive "$RUN/$name.pid" && die "$name is already running"
  find_java
  start_instance "$name" "$(cat "$RUN/$name.port")"
  await_ready "$name"
  cmd_status
}

cmd_logs() {
  local name=${1:-chorus-1}
  case "$name" in
    balancer|nginx|haproxy) cat "$RUN"/lb/*.log 2>/dev/null || die "no balancer log" ;;
    pgbouncer) cat "$RUN/pgbouncer/pgbouncer.log" 2>/dev/null || die "no PgBouncer log" ;;
    *) [ -f "$RUN/$name.log" ] || die "no log for $name"; cat "$RUN/$name.log" ;;
  esac
}
