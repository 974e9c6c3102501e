# pgbouncer.sh — sourced by bin/chorus (up --pgbouncer): deploy/pgbouncer/pgbouncer.ini rendered for this machine.

ensure_pgbouncer() { [ -x /usr/sbin/pgbouncer ] || { say "installing PgBouncer"; apt_install pgbouncer; }; }

pgbouncer_start() {
  ensure_pgbouncer
  mkdir -p "$RUN/pgbouncer"; chmod 777 "$RUN/pgbouncer"
  "$ROOT/deploy/render" pgbouncer --listen "127.0.0.1:$PGBOUNCER_PORT" --run-dir "$RUN/pgbouncer" \
    --servers 127.0.0.1:5432 --database "$DB_NAME" --auth-user postgres | write_atomically "$RUN/pgbouncer/pgbouncer.ini"
  local run=()
  [ "$(id -u)" -eq 0 ] && run=(runuser -u postgres --) # PgBouncer refuses to run as root
  "${run[@]}" /usr/sbin/pgbouncer -d "$RUN/pgbouncer/pgbouncer.ini" || die "PgBouncer did not start; see $RUN/pgbouncer/pgbouncer.log"
  for _ in $(seq 1 40); do pg_isready -q -h 127.0.0.1 -p "$PGBOUNCER_PORT" -d "$DB_NAME" && return; sleep 0.25; done
  die "PgBouncer does not answer on :$PGBOUNCER_PORT; see $RUN/pgbouncer/pgbouncer.log"
}

pgbouncer_stop() { stop_pid "$RUN/pgbouncer/pgbouncer.pid" pgbouncer; }
