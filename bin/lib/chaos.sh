# chaos.sh — sourced by bin/chorus: bin/chorus chaos SCENARIO [...], faults under load with a delivery checker.

# dev.chorus.chaos.ChaosRun does everything: it starts a cluster of its own (3 instance processes on free loopback
# ports behind its own nginx, a database of its own reached through a proxy, a private redis-server, a private
# master + replica + 3 Sentinels, or a private Redis Cluster of 3 masters with a replica each), runs the load,
# injects the fault, stops by itself and prints one JSON verdict on stdout (progress on stderr), then stops
# everything it started. Exit code 0 only when nothing acknowledged was lost or duplicated.
cmd_chaos() {
  [ $# -gt 0 ] || die "usage: bin/chorus chaos kill-instance|rolling-restart|sentinel-failover|redis-cluster-master-kill|redis-outage|postgres-restart|partition
       [--rate R] [--duration S] [--fault-at S] [--outage S] [--subscribers-per-instance N] [--groups G]"
  ensure_tool curl curl; ensure_postgres; ensure_redis; ensure_tool redis-server redis-server; ensure_tool nginx nginx
  # stdout carries only the JSON verdict: the build's chatter goes to stderr
  tools_build >&2
  cd "$ROOT" && tools_java dev.chorus.chaos.ChaosRun "$@"
}
