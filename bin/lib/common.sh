# common.sh — sourced by bin/chorus: messages, root and apt, the JDK, Maven, PostgreSQL, Redis, the database,
# the build, and process helpers shared by every command family.

say() { printf 'chorus: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi; }

# The marker lives in .chorus/ itself (not in $RUN, which bench moves), so apt-get update runs once per checkout.
apt_install() {
  if [ ! -f "$ROOT/.chorus/.apt-updated" ]; then
    mkdir -p "$ROOT/.chorus"
    as_root apt-get update -qq && touch "$ROOT/.chorus/.apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

java_major() { "$1/bin/java" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}'; }

# Chorus targets Java 21: use JAVA_HOME if it is 21 or newer, else the newest JDK under /usr/lib/jvm.
find_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(java_major "$JAVA_HOME")" -ge 21 ]; then
    return
  fi
  local best="" best_major=0 dir major
  for dir in /usr/lib/jvm/*/; do
    dir=${dir%/}
    [ -x "$dir/bin/javac" ] || continue
    major=$(java_major "$dir") || continue
    if [ -n "$major" ] && [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then best=$dir; best_major=$major; fi
  done
  if [ -z "$best" ]; then
    say "no JDK 21+ found; trying Debian's openjdk-21-jdk-headless"
    apt_install openjdk-21-jdk-headless ||
      die "no JDK 21 or newer, and apt has none (Debian 12 ships only 17): install one (e.g. Temurin 21) and set JAVA_HOME"
    best=$(ls -d /usr/lib/jvm/java-21-openjdk-* | head -1)
  fi
  export JAVA_HOME=$best
}

ensure_maven() { command -v mvn >/dev/null || apt_install maven; }


ensure_postgres() {
  ensure_tool pg_isready postgresql-client
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return; fi
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    say "installing PostgreSQL"; apt_install postgresql
  fi
  local version; version=$(ls /etc/postgresql | sort -V | tail -1)
  say "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && return; sleep 1; done
  die "PostgreSQL did not come up on 127.0.0.1:5432"
}

ensure_redis() {
  ensure_tool redis-cli redis-tools
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return; fi
  command -v redis-server >/dev/null || { say "installing Redis"; apt_install redis-server redis-tools; }
  say "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis \
    --logfile /var/log/redis/chorus.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return; sleep 1; done
  die "Redis did not come up on 127.0.0.1:6379"
}

psql_admin() { psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }

ensure_database() {
  ensure_tool psql postgresql-client
  if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != "1" ]; then
    psql_admin -c "CREATE DATABASE $DB_NAME" >/dev/null
  fi
}

# ensure_tool BINARY PACKAGE: installs the Debian package when the binary is missing.
ensure_tool() { command -v "$1" >/dev/null || [ -x "/usr/sbin/$1" ] || { say "installing $2"; apt_install "$2"; }; }

# build: target/chorus.jar from this checkout, rebuilt when a source is newer. CHORUS_JAR names a jar made elsewhere
# instead (a CI artefact, a test's build): it is used as it is, never rebuilt.
build() {
  find_java
  if [ -n "${CHORUS_JAR:-}" ]; then [ -f "$JAR" ] || die "CHORUS_JAR=$JAR is not a file"; return; fi
  ensure_maven
  if [ ! -f "$JAR" ] || [ -n "$(find "$ROOT/src/main" "$ROOT/pom.xml" -newer "$JAR" -print -quit)" ]; then
    say "building $JAR"
    (cd "$ROOT" && mvn -q -B package -DskipTests)
  fi
}

# write_atomically FILE [MODE]: stdin into FILE through a temporary file in the same directory and a rename, so
# that a reader sees the old content or the new one, never a half-written file. MODE defaults to 644.
write_atomically() {
  local tmp; tmp=$(mktemp "$1.XXXXXX")
  if cat > "$tmp" && chmod "${2:-644}" "$tmp" && mv -f "$tmp" "$1"; then return 0; fi
  rm -f "$tmp"; return 1
}

# create_once FILE [MODE]: stdin into FILE unless FILE exists. Atomic, and the first writer wins even against
# another bin/chorus running at the same time: a hard link to a complete temporary file fails if the name exists.
create_once() {
  local tmp; tmp=$(mktemp "$1.XXXXXX")
  if ! { cat > "$tmp" && chmod "${2:-644}" "$tmp"; }; then rm -f "$tmp"; return 1; fi
  ln "$tmp" "$1" 2>/dev/null || [ -e "$1" ] || mv -n "$tmp" "$1" # mv -n: a file system without hard links
  rm -f "$tmp"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop_pid PIDFILE NAME: SIGTERM (the graceful path: drain, 1012, hand-offs), SIGKILL after 60 s
stop_pid() {
  local f=$1 name=$2 pid
  alive "$f" || return 0
  pid=$(cat "$f")
  say "stopping $name (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  say "$name did not stop within 60 s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true
}

# stop_pids DIR LABEL: stop_pid for every pid file in DIR (each named "LABEL <file name>"), the files removed.
stop_pids() {
  local f
  for f in "$1"/*.pid; do
    [ -e "$f" ] || continue
    stop_pid "$f" "$2 $(basename "$f" .pid)"; rm -f "$f"
  done
}

# any_alive DIR: whether a process of some pid file in DIR runs.
any_alive() { local f; for f in "$1"/*.pid; do alive "$f" && return 0; done; return 1; }

# tools_build: compiles the operations and benchmark programs (test sources) and records their class path. Skipped
# when CHORUS_TOOLS_CLASSPATH gives one (the tests, which run bin/chorus from inside a Maven build, pass their own).
tools_build() {
  find_java
  [ -z "${CHORUS_TOOLS_CLASSPATH:-}" ] || return 0
  ensure_maven
  (cd "$ROOT" && mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt >/dev/null)
}

# tools_java CLASS ARGS...: runs one of those programs (dev.chorus.opskit.*, dev.chorus.bench.*).
tools_java() {
  local classpath=${CHORUS_TOOLS_CLASSPATH:-$ROOT/target/test-classes:$ROOT/target/classes:$(cat "$ROOT/target/test-classpath.txt")}
  "$JAVA_HOME/bin/java" -Xmx1g -cp "$classpath" "$@"
}
