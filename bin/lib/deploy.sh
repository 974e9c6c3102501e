# deploy.sh — sourced by bin/chorus: deploy --strategy rolling|blue-green|canary, and rollback.
#
# Each build that runs is a release: a copy of its jar in .chorus/releases/<id>/ (id: the start of its SHA-256), so
# that rebuilding target/chorus.jar never touches a running JVM's jar and the previous build stays at hand.
# .chorus/release names the live release, release.previous the one before it, NAME.release what each instance
# runs, and standby the old set a blue-green deploy keeps running out of the rotation for an instant rollback (until
# the next deploy). What decides (the health gate, the canary's verdict) is Java (src/test/java/dev/chorus/opskit);
# this file only puts the steps in order.

GATE_TIMEOUT=60    # seconds a new instance has, from its first answer, to be ready and steady (--gate-timeout)
START_TIMEOUT=${CHORUS_START_TIMEOUT:-300} # seconds it has to answer at all (a loaded machine starts JVMs slowly)
GATE_STABLE=3      # seconds it must then stay ready
CANARY_TIME=60     # seconds the canary is watched (--canary-time)
MAX_ERROR_RATE=0.01
MIN_REQUESTS=20

# release_stage JAR: copies the jar into its release directory (once) and prints the release id.
release_stage() {
  local id; id=$(sha256sum "$1" | cut -c1-12)
  if [ ! -f "$RUN/releases/$id/chorus.jar" ]; then
    mkdir -p "$RUN/releases/$id"
    cp "$1" "$RUN/releases/$id/chorus.jar.tmp" && mv -f "$RUN/releases/$id/chorus.jar.tmp" "$RUN/releases/$id/chorus.jar"
  fi
  echo "$id"
}

# release_jar NAME: the jar an instance runs: its release's, or target/chorus.jar in a cluster without releases (bench).
release_jar() { if [ -f "$RUN/$1.release" ]; then echo "$RUN/releases/$(cat "$RUN/$1.release")/chorus.jar"; else echo "$JAR"; fi; }

# Deletes the releases nothing refers to any more (neither live, previous, nor run by an instance).
release_prune() {
  local dir keep; keep=$(cat "$RUN/release" "$RUN/release.previous" "$RUN"/*.release 2>/dev/null | sort -u || true)
  for dir in "$RUN"/releases/*/; do
    [ -d "$dir" ] && ! grep -qx "$(basename "$dir")" <<< "$keep" && rm -rf "$dir"
  done
  return 0
}

standby_instances() { cat "$RUN/standby" 2>/dev/null || true; }

# Running instances that take traffic (not out of the rotation).
live_instances() {
  local name
  for name in $(running_instances); do grep -qx "$name" "$RUN/lb.down" 2>/dev/null || echo "$name"; done
}

# start_release NAME PORT RELEASE: an instance on that release.
start_release() { echo "$3" | write_atomically "$RUN/$1.release"; start_instance "$1" "$2"; }

# replace_instance NAME RELEASE: out of the rotation, SIGTERM (it drains), started again on its port with RELEASE.
replace_instance() { lb_out "$1"; stop_pid "$RUN/$1.pid" "$1"; start_release "$1" "$(cat "$RUN/$1.port")" "$2"; }

# retire NAME...: out of the rotation, stopped (in parallel, gracefully), forgotten.
retire() {
  local name
  lb_out "$@"
  for name; do alive "$RUN/$name.pid" && kill -TERM "$(cat "$RUN/$name.pid")"; done
  for name; do stop_pid "$RUN/$name.pid" "$name"; rm -f "$RUN/$name.pid" "$RUN/$name.port" "$RUN/$name.release"; done
  lb_in "$@"
}

# gate NAME...: the health gate (HealthGate) for these instances.
gate() {
  local args=() name
  for name; do args+=(--instance "$name=$(cat "$RUN/$name.port"):$(cat "$RUN/$name.pid")"); done
  tools_java dev.chorus.opskit.HealthGate --start-timeout "$START_TIMEOUT" --timeout "$GATE_TIMEOUT" --stable "$GATE_STABLE" \
    "${args[@]}"
}

# free_slots N: the N lowest instance numbers no instance uses (chorus-K listens on CHORUS_BASE_PORT + K - 1).
free_slots() {
  local i=1 found=0
  while [ $found -lt "$1" ]; do
    [ -e "$RUN/chorus-$i.port" ] || { echo "$i"; found=$((found + 1)); }
    i=$((i + 1))
  done
}

# One deploy or rollback at a time: a second one would work on a half-switched cluster. The lock is held by
# descriptor 9 of this shell until it exits; long-lived children (instances) are started without it.
deploy_lock() { exec 9> "$RUN/deploy.lock"; flock -n 9 || die "another deploy or rollback is running"; }

cmd_deploy() {
  local strategy="" jar="" release current name value
  while [ $# -gt 0 ]; do
    case "$1" in
      --strategy) strategy=${2:-}; shift 2 || die "--strategy needs rolling, blue-green or canary" ;;
      --jar) jar=${2:-}; shift 2 || die "--jar needs a file" ;;
      --gate-timeout) GATE_TIMEOUT=${2:-}; shift 2 || die "--gate-timeout needs seconds" ;;
      --canary-time) CANARY_TIME=${2:-}; shift 2 || die "--canary-time needs seconds" ;;
      --max-error-rate) MAX_ERROR_RATE=${2:-}; shift 2 || die "--max-error-rate needs a fraction" ;;
      --min-requests) MIN_REQUESTS=${2:-}; shift 2 || die "--min-requests needs a number" ;;
      *) die "unknown option for deploy: $1 (see bin/chorus help)" ;;
    esac
  done
  [[ "$strategy" =~ ^(rolling|blue-green|canary)$ ]] || die "deploy needs --strategy rolling, blue-green or canary"
  for value in "$GATE_TIMEOUT" "$CANARY_TIME" "$MIN_REQUESTS"; do
    [[ "$value" =~ ^[1-9][0-9]{0,4}$ ]] || die "--gate-timeout, --canary-time and --min-requests take a whole number from 1 to 99999, not '$value'"
  done
  [[ "$MAX_ERROR_RATE" =~ ^(0(\.[0-9]+)?|1(\.0+)?)$ ]] || die "--max-error-rate takes a fraction from 0 to 1, not '$MAX_ERROR_RATE'"
  [ "$strategy" != canary ] || [ "$(lb_kind)" = nginx ] ||
    die "a canary is judged by nginx's access log: bin/chorus up --lb nginx (or deploy with rolling or blue-green)"
  [ -n "$(running_instances)" ] || die "no cluster is running (bin/chorus up)"
  [ -f "$RUN/release" ] || die "this cluster records no release (started by an older bin/chorus): bin/chorus down, then up"
  for name in $(instance_names); do alive "$RUN/$name.pid" || die "$name is not running: bin/chorus start $name first"; done
  if [ -n "$jar" ]; then [ -f "$jar" ] || die "no jar at $jar"; else build; jar=$JAR; fi
  deploy_lock
  tools_build
  release=$(release_stage "$jar"); current=$(cat "$RUN/release")
  say "deploying release $release over $current ($strategy)"
  [ "$strategy" != rolling ] || [ "$(live_instances | wc -l)" -gt 1 ] ||
    say "warning: a rolling deploy of a single instance leaves no instance serving while it restarts (blue-green does not)"
  # A new deploy ends the previous blue-green deploy's rollback window.
  [ -z "$(standby_instances)" ] || { say "stopping the standby set $(standby_instances | paste -sd,)"; retire $(standby_instances); rm -f "$RUN/standby"; }
  if ! "deploy_${strategy//-/_}" "$release" $(live_instances); then
    cmd_status
    die "deploy of release $release failed and was rolled back: $current still serves"
  fi
  [ "$current" = "$release" ] || echo "$current" | write_atomically "$RUN/release.previous"
  echo "$release" | write_atomically "$RUN/release"
  release_prune
  say "release $release is live"
  cmd_status
}

# deploy_rolling RELEASE NAME...: one at a time: out of the rotation, stopped, started on RELEASE, gated, back in.
# When one fails its gate, it and those already replaced go back, the same way, to the release each ran.
deploy_rolling() {
  local release=$1 name back replaced=(); shift
  declare -A was=()
  for name; do was[$name]=$(cat "$RUN/$name.release"); done
  for name; do
    replace_instance "$name" "$release"
    if gate "$name"; then lb_in "$name"; replaced+=("$name"); continue; fi
    say "$name failed its health gate on release $release: rolling back"
    for back in "$name" "${replaced[@]}"; do
      replace_instance "$back" "${was[$back]}"
      gate "$back" || die "$back did not come back on release ${was[$back]} either; see $(log_hint "$back")"
      lb_in "$back"
    done
    return 1
  done
}

# deploy_blue_green RELEASE NAME...: a second set of as many instances on RELEASE, gated while out of the rotation;
# then one balancer reload moves new requests and sockets to it. The old set keeps running out of the rotation.
deploy_blue_green() {
  local release=$1 i name new=(); shift
  for i in $(free_slots $#); do new+=("chorus-$i"); done
  lb_out "${new[@]}"
  for name in "${new[@]}"; do start_release "$name" $((BASE_PORT + ${name#chorus-} - 1)) "$release"; done
  if ! gate "${new[@]}"; then
    say "the new set failed its health gate: stopping it; the live set was never touched"
    retire "${new[@]}"
    return 1
  fi
  printf '%s\n' "$@" | write_atomically "$RUN/lb.down"
  lb_reload
  printf '%s\n' "$@" | write_atomically "$RUN/standby"
  say "switched to ${new[*]}; $* keep running out of the rotation: bin/chorus rollback switches back at once"
}

# deploy_canary RELEASE NAME...: one more instance on RELEASE takes its share of traffic (least_conn: about
# 1/(N+1) of it) while CanaryWatch judges it; promoted by a rolling deploy of the others, else retired.
deploy_canary() {
  local release=$1 canary port; shift
  canary=chorus-$(free_slots 1); port=$((BASE_PORT + ${canary#chorus-} - 1))
  lb_out "$canary"
  start_release "$canary" "$port" "$release"
  if ! gate "$canary"; then say "the canary failed its health gate"; retire "$canary"; return 1; fi
  lb_in "$canary"
  say "$canary (release $release) is in the rotation; watching it for $CANARY_TIME s"
  if ! tools_java dev.chorus.opskit.CanaryWatch --access-log "$RUN/lb/nginx-access.log" --canary "127.0.0.1:$port" \
      --pid "$(cat "$RUN/$canary.pid")" --duration "$CANARY_TIME" --max-error-rate "$MAX_ERROR_RATE" --min-requests "$MIN_REQUESTS"; then
    say "rolling the canary back"
    retire "$canary"
    return 1
  fi
  say "promoting release $release to $*"
  deploy_rolling "$release" "$@" || { retire "$canary"; return 1; }
  retire "$canary"
}

# add: one more instance on the live release, gated, then into the rotation.
cmd_add() {
  [ $# -eq 0 ] || die "usage: bin/chorus add"
  [ -n "$(running_instances)" ] || die "no cluster is running (bin/chorus up)"
  [ -f "$RUN/release" ] || die "this cluster records no release (started by an older bin/chorus): bin/chorus down, then up"
  deploy_lock
  tools_build
  local name; name=chorus-$(free_slots 1)
  lb_out "$name"
  start_release "$name" $((BASE_PORT + ${name#chorus-} - 1)) "$(cat "$RUN/release")"
  gate "$name" || { retire "$name"; die "$name failed its health gate and was stopped; see $(log_hint "$name")"; }
  lb_in "$name"
  say "$name is in the rotation"
  cmd_status
}

# rollback: to a blue-green standby set by one reload (after a health gate), else a rolling deploy of the previous release.
cmd_rollback() {
  [ $# -eq 0 ] || die "usage: bin/chorus rollback"
  [ -n "$(running_instances)" ] || die "no cluster is running (bin/chorus up)"
  deploy_lock
  tools_build
  local standby live previous current
  standby=$(standby_instances); live=$(live_instances)
  previous=$(cat "$RUN/release.previous" 2>/dev/null || true); current=$(cat "$RUN/release" 2>/dev/null || true)
  [ -n "$previous" ] || die "nothing to roll back to: no deploy has replaced a release yet"
  if [ -n "$standby" ]; then
    GATE_STABLE=1
    gate $standby || die "the standby set ($(paste -sd, <<< "$standby")) failed its health gate: nothing was switched"
    write_atomically "$RUN/lb.down" <<< "$live"
    lb_reload
    write_atomically "$RUN/standby" <<< "$live"
    say "switched back to $(paste -sd, <<< "$standby") (release $previous); $(paste -sd, <<< "$live") keep running out of the rotation"
  else
    [ -f "$RUN/releases/$previous/chorus.jar" ] || die "release $previous is gone from $RUN/releases"
    say "rolling release $previous back over $(paste -sd, <<< "$live")"
    # shellcheck disable=SC2086
    deploy_rolling "$previous" $live || die "rolling back to $previous failed at a health gate and was undone: $current still serves"
  fi
  echo "$current" | write_atomically "$RUN/release.previous"
  echo "$previous" | write_atomically "$RUN/release"
  cmd_status
}
