# balancer.sh — sourced by bin/chorus: its own nginx or HAProxy process, config and pid under .chorus/lb/, never a
# system one.

lb_kind() { cat "$RUN/lb.kind" 2>/dev/null || true; }
lb_pidfile() { echo "$RUN/lb/$(lb_kind).pid"; }
lb_config() { if [ "$(lb_kind)" = nginx ]; then echo "$RUN/lb/nginx.conf"; else echo "$RUN/lb/haproxy.cfg"; fi; }

lb_render() {
  local servers="" name tls_args=()
  for name in $(instance_names); do servers="$servers${servers:+,}$name=127.0.0.1:$(cat "$RUN/$name.port")"; done
  mapfile -t tls_args < <(tls_render_args)
  mkdir -p "$RUN/lb"
  "$ROOT/deploy/render" "$(lb_kind)" --listen "${CHORUS_LB_LISTEN:-127.0.0.1}:$LB_PORT" --run-dir "$RUN/lb" \
    --servers "$servers" --down "$(paste -sd, "$RUN/lb.down" 2>/dev/null || true)" "${tls_args[@]}" > "$(lb_config).new"
  lb_check "$(lb_config).new"
  mv "$(lb_config).new" "$(lb_config)"
}

lb_check() {
  if [ "$(lb_kind)" = nginx ]; then
    nginx -t -q -p "$RUN/lb/" -e "$RUN/lb/nginx-startup.log" -c "$1" || die "nginx refused $1"
  else
    haproxy -c -q -f "$1" || die "HAProxy refused $1"
  fi
}

lb_start() {
  lb_render
  if [ "$(lb_kind)" = nginx ]; then
    nginx -p "$RUN/lb/" -e "$RUN/lb/nginx-startup.log" -c "$(lb_config)"
  else
    haproxy -W -D -f "$(lb_config)" -p "$(lb_pidfile)"
  fi
  local deadline=$((SECONDS + 20))
  until [ "$(lb_curl /health/ready -s -o /dev/null -w '%{http_code}' --max-time 2 || true)" = 200 ]; do
    [ $SECONDS -lt $deadline ] || die "the balancer does not answer at $(lb_url /health/ready); see bin/chorus logs balancer"
    sleep 0.3
  done
}

# Reloads gracefully: new workers take the new config, old ones finish what they hold (WebSockets too).
lb_reload() {
  alive "$(lb_pidfile)" || return 0
  lb_render
  if [ "$(lb_kind)" = nginx ]; then kill -HUP "$(cat "$(lb_pidfile)")"; else kill -USR2 "$(cat "$(lb_pidfile)")"; fi
  sleep 1
}

# lb_out NAME... / lb_in NAME...: takes instances out of the rotation (kept in the config as `down`) or puts them
# back, then reloads. Planned stops go out first: open-source nginx has no active health checks.
lb_out() {
  local name
  for name; do grep -qx "$name" "$RUN/lb.down" 2>/dev/null || echo "$name" >> "$RUN/lb.down"; done
  lb_reload
}

lb_in() {
  local name
  for name; do grep -vx "$name" "$RUN/lb.down" > "$RUN/lb.down.new" || true; mv "$RUN/lb.down.new" "$RUN/lb.down"; done
  lb_reload
}

lb_stop() {
  [ -n "$(lb_kind)" ] || return 0
  stop_pid "$(lb_pidfile)" "$(lb_kind)"
  rm -f "$RUN/lb.kind" "$RUN/lb.down" "$RUN/lb.tls"
}
