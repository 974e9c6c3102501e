# replica.sh — sourced by bin/chorus (up --replica): a streaming read replica on CHORUS_REPLICA_PORT (5433), under
# .chorus/replica, that the instances read history from (DATABASE_REPLICA_URLS).
#
# A replica of the local PostgreSQL needs a replication connection to it (pg_hba.conf: `host replication postgres
# 127.0.0.1/32 trust`, or with a password, and a reload). When the local server refuses one, and bin/chorus will
# not change a shared server's configuration, `up --replica` starts a primary of its own on CHORUS_PRIMARY_PORT
# (5434, under .chorus/primary) with the replica following it, and the instances use that primary instead.

REPLICA_PORT=${CHORUS_REPLICA_PORT:-5433}
PRIMARY_PORT=${CHORUS_PRIMARY_PORT:-5434}

pg_bin() { local dir; dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1); [ -n "$dir" ] || die "no PostgreSQL server binaries (apt-get install postgresql)"; echo "$dir/$1"; }

# as_postgres COMMAND...: PostgreSQL's tools refuse to run as root.
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# pg_private_dir NAME: an empty directory under .chorus that the server's user owns.
pg_private_dir() {
  local dir="$RUN/$1"
  rm -rf "$dir"; mkdir -p "$dir"; chmod 700 "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
  echo "$dir"
}

pg_private_start() { # DIR PORT
  as_postgres "$(pg_bin pg_ctl)" -D "$1/data" -l "$1/server.log" -w -t 90 \
    -o "-p $2 -c listen_addresses=127.0.0.1 -c unix_socket_directories=''" start >/dev/null ||
    die "PostgreSQL in $1 did not start on :$2; see $1/server.log"
}

pg_private_stop() { # DIR
  [ -f "$1/data/postmaster.pid" ] || return 0
  say "stopping the PostgreSQL in $1"
  as_postgres "$(pg_bin pg_ctl)" -D "$1/data" -m fast -w -t 60 stop >/dev/null || true
}

local_allows_replication() {
  psql "host=127.0.0.1 port=5432 user=postgres replication=true dbname=postgres" -qtAc IDENTIFY_SYSTEM >/dev/null 2>&1
}

# replica_start FILE: starts the replica (and a primary of our own if need be) and writes into FILE the cluster.env
# lines the instances need: DATABASE_REPLICA_URLS, and DATABASE_URL when the primary is one of our own.
replica_start() {
  local out=$1 source_port=5432 primary replica
  : > "$out"
  if local_allows_replication; then
    say "starting a streaming replica of the local PostgreSQL on :$REPLICA_PORT"
  else
    say "the local PostgreSQL refuses replication connections (no 'host replication ...' line for 127.0.0.1 in its pg_hba.conf);"
    say "starting a primary of our own on :$PRIMARY_PORT ($RUN/primary) and a replica of it on :$REPLICA_PORT"
    primary=$(pg_private_dir primary)
    as_postgres "$(pg_bin initdb)" -D "$primary/data" -U postgres -A trust -E UTF8 --locale=C >/dev/null ||
      die "initdb failed in $primary"
    printf '%s\n' "host all all 127.0.0.1/32 trust" "host replication all 127.0.0.1/32 trust" > "$primary/data/pg_hba.conf"
    pg_private_start "$primary" "$PRIMARY_PORT"
    psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -d postgres -qtAc "CREATE DATABASE $DB_NAME" >/dev/null
    source_port=$PRIMARY_PORT
    echo "DATABASE_URL=postgresql://postgres@127.0.0.1:$PRIMARY_PORT/$DB_NAME" >> "$out"
  fi
  replica=$(pg_private_dir replica)
  as_postgres "$(pg_bin pg_basebackup)" -h 127.0.0.1 -p "$source_port" -U postgres -D "$replica/data" -R -X stream -c fast >/dev/null ||
    die "pg_basebackup from :$source_port failed"
  # Debian keeps a cluster's configuration in /etc/postgresql, outside the data directory the backup copied.
  [ -f "$replica/data/postgresql.conf" ] || as_postgres sh -c "echo 'hot_standby = on' > '$replica/data/postgresql.conf'"
  [ -f "$replica/data/pg_hba.conf" ] || as_postgres sh -c "echo 'host all all 127.0.0.1/32 trust' > '$replica/data/pg_hba.conf'"
  pg_private_start "$replica" "$REPLICA_PORT"
  echo "DATABASE_REPLICA_URLS=postgresql://postgres@127.0.0.1:$REPLICA_PORT/$DB_NAME" >> "$out"
}

replica_stop() { pg_private_stop "$RUN/replica"; pg_private_stop "$RUN/primary"; }

replica_status() {
  [ -f "$RUN/replica/data/postmaster.pid" ] || return 0
  local lag
  lag=$(psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d postgres -qtAc \
    "SELECT coalesce(round(extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000), 0)" 2>/dev/null || echo '?')
  echo "replica    127.0.0.1:$REPLICA_PORT (streaming; last replayed transaction ${lag} ms ago)$([ -f "$RUN/primary/data/postmaster.pid" ] && echo ", following the primary of our own on 127.0.0.1:$PRIMARY_PORT")"
}
