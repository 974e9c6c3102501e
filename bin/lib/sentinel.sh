# sentinel.sh — sourced by bin/chorus: the Redis master, replica and three Sentinels (quorum 2) of `up --sentinel`.

# Ports: CHORUS_REDIS_MASTER_PORT (6380; the replica takes the next one) and CHORUS_SENTINEL_PORT (26379; the three
# Sentinels take it and the next two). One password (created once in .chorus/redis-password) protects the data
# nodes and the Sentinels. Configs, logs and pids live in .chorus/redis/; Sentinel rewrites its config as it learns.
REDIS_MASTER_PORT=${CHORUS_REDIS_MASTER_PORT:-6380}
SENTINEL_PORT=${CHORUS_SENTINEL_PORT:-26379}
SENTINEL_MASTER_NAME=chorus

sentinel_dir() { echo "$RUN/redis"; }

sentinel_password() {
  [ -e "$RUN/redis-password" ] || head -c 32 /dev/urandom | base64 | tr -d '\n=/+' | create_once "$RUN/redis-password" 600
  cat "$RUN/redis-password"
}

# The settings every instance gets (lines for .chorus/cluster.env).
sentinel_env() {
  echo "REDIS_SENTINELS=127.0.0.1:$SENTINEL_PORT,127.0.0.1:$((SENTINEL_PORT + 1)),127.0.0.1:$((SENTINEL_PORT + 2))"
  echo "REDIS_SENTINEL_MASTER=$SENTINEL_MASTER_NAME"
  echo "REDIS_PASSWORD=$(sentinel_password)"
}

sentinel_start() {
  ensure_tool redis-server redis-server; ensure_tool redis-cli redis-tools
  local dir password i port replica=$((REDIS_MASTER_PORT + 1))
  dir=$(sentinel_dir); password=$(sentinel_password)
  mkdir -p "$dir"; chmod 700 "$dir"
  # The password goes in config files (mode 600), never on a command line that `ps` shows.
  printf '%s\n' "port $REDIS_MASTER_PORT" "dir $dir" "dbfilename master.rdb" "requirepass $password" \
    "masterauth $password" > "$dir/master.conf"
  printf '%s\n' "port $replica" "dir $dir" "dbfilename replica.rdb" "requirepass $password" "masterauth $password" \
    "replicaof 127.0.0.1 $REDIS_MASTER_PORT" > "$dir/replica.conf"
  for i in 1 2 3; do
    port=$((SENTINEL_PORT + i - 1))
    printf '%s\n' "port $port" "bind 127.0.0.1" "dir $dir" "requirepass $password" "sentinel sentinel-pass $password" \
      "sentinel monitor $SENTINEL_MASTER_NAME 127.0.0.1 $REDIS_MASTER_PORT 2" \
      "sentinel auth-pass $SENTINEL_MASTER_NAME $password" \
      "sentinel down-after-milliseconds $SENTINEL_MASTER_NAME 5000" \
      "sentinel failover-timeout $SENTINEL_MASTER_NAME 30000" > "$dir/sentinel-$i.conf"
  done
  chmod 600 "$dir"/*.conf
  sentinel_process master "$dir/master.conf" --bind 127.0.0.1 --save '' --appendonly no --maxmemory-policy noeviction
  sentinel_process replica "$dir/replica.conf" --bind 127.0.0.1 --save '' --appendonly no --maxmemory-policy noeviction
  for i in 1 2 3; do sentinel_process "sentinel-$i" "$dir/sentinel-$i.conf" --sentinel; done
  say "waiting for the Sentinels to find the replica and each other"
  for _ in $(seq 1 60); do
    sentinel_settled && return 0
    sleep 0.5
  done
  die "the Sentinels did not settle within 30 s; see $dir/*.log"
}

# sentinel_process NAME CONFIG ARGS...: one redis-server in the background, its pid and log in .chorus/redis/.
sentinel_process() {
  local name=$1 config=$2 dir; shift 2
  dir=$(sentinel_dir)
  alive "$dir/$name.pid" && die "$name already runs (pid $(cat "$dir/$name.pid"))"
  nohup redis-server "$config" "$@" >> "$dir/$name.log" 2>&1 &
  echo $! | write_atomically "$dir/$name.pid"
}

sentinel_settled() {
  local i info
  for i in 0 1 2; do
    info=$(REDISCLI_AUTH=$(sentinel_password) redis-cli -p $((SENTINEL_PORT + i)) sentinel master "$SENTINEL_MASTER_NAME" 2>/dev/null | paste -sd' ') || return 1
    [[ "$info" =~ num-slaves\ ([1-9]) ]] && [[ "$info" =~ num-other-sentinels\ ([2-9]) ]] || return 1
  done
}

sentinel_running() { any_alive "$(sentinel_dir)"; }

sentinel_status() {
  sentinel_running || return 0
  local master
  master=$(REDISCLI_AUTH=$(sentinel_password) redis-cli -p "$SENTINEL_PORT" sentinel get-master-addr-by-name "$SENTINEL_MASTER_NAME" 2>/dev/null | paste -sd:)
  echo "redis      master ${master:-?} (Sentinels 127.0.0.1:$SENTINEL_PORT-$((SENTINEL_PORT + 2)), quorum 2; password in .chorus/redis-password)"
}

sentinel_stop() { stop_pids "$(sentinel_dir)" redis; }
