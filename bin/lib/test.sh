# test.sh — sourced by bin/chorus: bin/chorus test.

# What the tests need: the JDK, Maven, PostgreSQL, Redis (and redis-server for private servers and Sentinels), PgBouncer, the balancers and wrk, docker-compose (for
# `config` only: no Docker daemon is used), the npm packages that check the Kubernetes manifests offline,
# Debian's Chromium with playwright-core for the browser test; PostgreSQL's server binaries (private primaries,
# replicas and TLS servers of the tests' own, even when the machine's PostgreSQL runs elsewhere), openssl (the
# tests' certificate authorities, the balancers' local certificates), Prometheus with promtool (Debian's
# package; the service it starts is stopped) and the Kafka broker's jars (tools/kafka-broker).
cmd_test() {
  find_java; ensure_maven; ensure_postgres; ensure_redis; ensure_tool redis-server redis-server; ensure_pgbouncer
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { say "installing PostgreSQL's server binaries"; apt_install postgresql; }
  ensure_tool openssl openssl
  ensure_tool nginx nginx; ensure_tool haproxy haproxy; ensure_tool wrk wrk
  ensure_prometheus
  command -v docker-compose >/dev/null || { say "installing docker-compose"; apt_install --no-install-recommends docker-compose; }
  ensure_deploy_checks
  ensure_browser
  kafka_classpath
  say "running the test suite with $JAVA_HOME"
  cd "$ROOT" && mvn -B test "$@"
}

ensure_deploy_checks() {
  command -v npm >/dev/null || { say "installing Node.js and npm"; apt_install nodejs npm; }
  if [ ! -d "$ROOT/deploy/check/node_modules" ] || [ "$ROOT/deploy/check/package-lock.json" -nt "$ROOT/deploy/check/node_modules" ]; then
    say "installing the deploy checks' npm packages"
    (cd "$ROOT/deploy/check" && npm ci --silent --no-audit --no-fund >/dev/null && touch node_modules)
  fi
}

ensure_browser() {
  [ -x /usr/bin/chromium ] || { say "installing Chromium"; apt_install chromium; }
  command -v npm >/dev/null || { say "installing Node.js and npm"; apt_install nodejs npm; }
  local dir="$ROOT/src/test/browser"
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
    say "installing the browser test's npm packages"
    (cd "$dir" && npm ci --silent --no-audit --no-fund >/dev/null && touch node_modules)
  fi
}
