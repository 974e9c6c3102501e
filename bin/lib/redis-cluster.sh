# redis-cluster.sh — sourced by bin/chorus: the Redis Cluster of `up --redis-cluster`, 3 masters with 1 replica each.

# Ports: CHORUS_REDIS_CLUSTER_PORT (7000): the six nodes take it and the next five, their cluster-bus ports 10000
# higher. The password of `up --sentinel` (.chorus/redis-password) protects every node. Configs (which the nodes
# rewrite), logs and pids live in .chorus/redis-cluster/; each `up` starts an empty cluster (no persistence).
REDIS_CLUSTER_PORT=${CHORUS_REDIS_CLUSTER_PORT:-7000}

redis_cluster_dir() { echo "$RUN/redis-cluster"; }
redis_cluster_ports() { seq "$REDIS_CLUSTER_PORT" $((REDIS_CLUSTER_PORT + 5)); }
redis_cluster_cli() { REDISCLI_AUTH=$(sentinel_password) redis-cli "$@"; }

# The settings every instance gets (lines for .chorus/cluster.env); REDIS_URL is emptied, the cluster replaces it.
redis_cluster_env() {
  echo "REDIS_CLUSTER_NODES=$(redis_cluster_ports | sed 's/^/127.0.0.1:/' | paste -sd,)"
  echo "REDIS_URL="
  echo "REDIS_PASSWORD=$(sentinel_password)"
}

redis_cluster_start() {
  ensure_tool redis-server redis-server; ensure_tool redis-cli redis-tools
  local dir password port nodes=()
  dir=$(redis_cluster_dir); password=$(sentinel_password)
  mkdir -p "$dir"; chmod 700 "$dir"; rm -f "$dir"/nodes-*.conf
  for port in $(redis_cluster_ports); do
    alive "$dir/$port.pid" && die "Redis Cluster node $port already runs (pid $(cat "$dir/$port.pid"))"
    # The password goes in a config file (mode 600), never on a command line that `ps` shows.
    printf '%s\n' "port $port" "bind 127.0.0.1" "dir $dir" "cluster-enabled yes" "cluster-config-file nodes-$port.conf" \
      "cluster-node-timeout 5000" "requirepass $password" "masterauth $password" 'save ""' "appendonly no" \
      "maxmemory-policy noeviction" > "$dir/$port.conf"
    chmod 600 "$dir/$port.conf"
    nohup redis-server "$dir/$port.conf" >> "$dir/$port.log" 2>&1 &
    echo $! | write_atomically "$dir/$port.pid"
    nodes+=("127.0.0.1:$port")
  done
  for port in $(redis_cluster_ports); do redis_cluster_await "node $port" redis_cluster_answers "$port"; done
  redis_cluster_cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes > "$dir/create.log" 2>&1 \
    || die "redis-cli --cluster create failed; see $dir/create.log"
  redis_cluster_await "the cluster to say cluster_state:ok on every node" redis_cluster_ok
}

redis_cluster_answers() { [ "$(redis_cluster_cli -p "$1" ping 2>/dev/null)" = PONG ]; }
redis_cluster_ok() {
  local port
  for port in $(redis_cluster_ports); do redis_cluster_cli -p "$port" cluster info 2>/dev/null | grep -q 'cluster_state:ok' || return 1; done
}

# redis_cluster_await WHAT COMMAND...: until COMMAND succeeds, at most 30 s.
redis_cluster_await() {
  local what=$1; shift
  for _ in $(seq 1 60); do "$@" && return 0; sleep 0.5; done
  die "waited 30 s for $what; see $(redis_cluster_dir)/*.log"
}

redis_cluster_running() { any_alive "$(redis_cluster_dir)"; }

redis_cluster_status() {
  redis_cluster_running || return 0
  local state
  state=$(redis_cluster_cli -p "$REDIS_CLUSTER_PORT" cluster info 2>/dev/null | grep -o 'cluster_state:[a-z]*' || echo 'cluster_state:?')
  echo "redis      cluster 127.0.0.1:$REDIS_CLUSTER_PORT-$((REDIS_CLUSTER_PORT + 5)), 3 masters with a replica each, $state (password in .chorus/redis-password)"
}

redis_cluster_stop() { stop_pids "$(redis_cluster_dir)" "redis cluster node"; }
