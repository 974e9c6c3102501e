# monitoring.sh — sourced by bin/chorus: Prometheus for `up --monitoring`, its own process on
# CHORUS_PROMETHEUS_PORT (9090) with deploy/prometheus/'s scrape config and alert rules, scraping every instance of
# the cluster; its config, targets, data and pid under .chorus/prometheus/. A system Prometheus is never used.

# Where this cluster's Prometheus keeps its files: under $RUN, read at each use (bench moves RUN to a cluster of its own).
prom_dir() { echo "$RUN/prometheus"; }

# Debian's package starts a Prometheus of its own on :9090 when it is installed; this cluster runs its own, so the
# packaged service is stopped and disabled, once, right after the install (only that service: nothing else named
# prometheus is touched).
ensure_prometheus() {
  command -v prometheus >/dev/null && command -v promtool >/dev/null && return 0
  say "installing Prometheus (Debian's package)"
  apt_install --no-install-recommends prometheus
  if [ -d /run/systemd/system ]; then
    as_root systemctl disable --now prometheus >/dev/null 2>&1 || true
  elif [ -x /etc/init.d/prometheus ]; then
    as_root /etc/init.d/prometheus stop >/dev/null 2>&1 || true
    as_root update-rc.d prometheus disable >/dev/null 2>&1 || true
  fi
}

# The instances as file_sd targets, each with its id as the instance label; Prometheus re-reads the file by itself.
monitoring_targets() {
  local name entries=()
  for name in $(instance_names); do
    entries+=("{\"targets\": [\"127.0.0.1:$(cat "$RUN/$name.port")\"], \"labels\": {\"instance\": \"$name\"}}")
  done
  mkdir -p "$(prom_dir)/targets"
  (IFS=,; echo "[${entries[*]}]") | write_atomically "$(prom_dir)/targets/chorus.json"
}

monitoring_start() {
  ensure_prometheus
  mkdir -p "$(prom_dir)/data"
  cp "$ROOT/deploy/prometheus/prometheus.yml" "$ROOT/deploy/prometheus/alerts.yml" "$(prom_dir)/"
  monitoring_targets
  promtool check config "$(prom_dir)/prometheus.yml" >/dev/null || die "promtool refused $(prom_dir)/prometheus.yml"
  local port=${CHORUS_PROMETHEUS_PORT:-9090}
  nohup prometheus --config.file="$(prom_dir)/prometheus.yml" --storage.tsdb.path="$(prom_dir)/data" \
    --storage.tsdb.retention.time=2d --web.listen-address="127.0.0.1:$port" >> "$(prom_dir)/prometheus.log" 2>&1 &
  echo $! | write_atomically "$(prom_dir)/prometheus.pid"
  echo "$port" | write_atomically "$(prom_dir)/port"
  local deadline=$((SECONDS + 30))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/-/ready" || true)" = 200 ]; do
    alive "$(prom_dir)/prometheus.pid" || die "Prometheus exited; see $(prom_dir)/prometheus.log"
    [ $SECONDS -lt $deadline ] || die "Prometheus not ready on :$port after 30 s; see $(prom_dir)/prometheus.log"
    sleep 0.3
  done
}

monitoring_stop() {
  stop_pid "$(prom_dir)/prometheus.pid" prometheus
  rm -f "$(prom_dir)/prometheus.pid" "$(prom_dir)/port"
}

monitoring_status() {
  alive "$(prom_dir)/prometheus.pid" || return 0
  local port; port=$(cat "$(prom_dir)/port")
  echo "prometheus http://127.0.0.1:$port   (targets: /targets, alerts: /alerts; pid $(cat "$(prom_dir)/prometheus.pid"))"
}
