# backup.sh — sourced by bin/chorus: backup and restore of the PostgreSQL database (the one place Chorus keeps what
# must survive; what Redis holds is listed in README "Backing up and restoring"). The checks are BackupCheck's
# (src/test/java/dev/chorus/opskit); pg_dump and pg_restore talk to PostgreSQL on 127.0.0.1:5432 directly, never
# through PgBouncer (its transaction pooling does not suit them).

pg_tools() {
  [[ "$DB_NAME" =~ ^[a-z_][a-z0-9_]{0,39}$ ]] || die "CHORUS_DB must be a plain database name (a-z, 0-9, _; at most 40), not '$DB_NAME'"
  ensure_tool pg_dump postgresql-client; ensure_tool pg_restore postgresql-client; tools_build
}

# backup [--out FILE]: pg_dump -Fc into FILE.partial; BackupCheck checks it against the database (every table, every
# block readable, not too small), writes FILE.sha256, renames it to FILE. A dump that fails its checks is deleted.
cmd_backup() {
  local out=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --out) out=${2:-}; shift 2 || die "--out needs a file name" ;;
      *) die "unknown option for backup: $1 (usage: bin/chorus backup [--out FILE])" ;;
    esac
  done
  [ -n "$out" ] || { mkdir -p "$RUN/backups"; out="$RUN/backups/$DB_NAME-$(date -u +%Y%m%dT%H%M%SZ).dump"; }
  [ -d "$(dirname "$out")" ] || die "no directory $(dirname "$out") for the backup"
  [ ! -e "$out" ] || die "$out exists: a backup never overwrites another"
  pg_tools
  say "backing up database $DB_NAME to $out"
  pg_dump -Fc -h 127.0.0.1 -p 5432 -U postgres -d "$DB_NAME" -f "$out.partial" || { rm -f "$out.partial"; die "pg_dump of $DB_NAME failed"; }
  tools_java dev.chorus.opskit.BackupCheck seal "$out.partial" "$out" --database "$DB_NAME" ||
    { rm -f "$out.partial"; die "the dump of $DB_NAME failed its checks (above) and was deleted"; }
}

# restore FILE: with no instance running, checks FILE (checksum, contents, every block), restores it into a new
# database in one transaction, then swaps it in by renaming: the database it replaces is kept as
# <name>_before_restore_<time> until the operator drops it. Any failure leaves the current database as it was.
cmd_restore() {
  [ $# -eq 1 ] && [ "${1#-}" = "$1" ] || die "usage: bin/chorus restore FILE (with the cluster down: bin/chorus down)"
  local file=$1 staging="${DB_NAME}_restoring" kept
  [ -f "$file" ] || die "no backup file $file"
  [ -z "$(running_instances)" ] || die "instances are running ($(running_instances | paste -sd,)): bin/chorus down first, restore, then bin/chorus up"
  pg_tools
  tools_java dev.chorus.opskit.BackupCheck verify "$file" || die "refusing to restore $file: it failed its checks (above); nothing was changed"
  psql_admin -c "DROP DATABASE IF EXISTS $staging" -c "CREATE DATABASE $staging" >/dev/null
  say "restoring $file into $staging"
  if ! pg_restore --exit-on-error --single-transaction --no-owner -h 127.0.0.1 -p 5432 -U postgres -d "$staging" "$file"; then
    psql_admin -c "DROP DATABASE IF EXISTS $staging" >/dev/null
    die "pg_restore of $file failed (above); $DB_NAME was not touched"
  fi
  if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" = 1 ]; then
    kept="${DB_NAME}_before_restore_$(date -u +%Y%m%d%H%M%S)"
    psql_admin -c "ALTER DATABASE $DB_NAME RENAME TO $kept" >/dev/null ||
      die "cannot rename $DB_NAME (still in use? see pg_stat_activity); the restored copy waits in $staging"
    say "the database it replaces is kept as $kept (DROP DATABASE $kept once the restore is confirmed)"
  fi
  psql_admin -c "ALTER DATABASE $staging RENAME TO $DB_NAME" >/dev/null
  say "restored $file as database $DB_NAME; bin/chorus up starts the cluster on it"
}
