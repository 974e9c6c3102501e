# test.sh — sourced by bin/chorus: bin/chorus test.

# What the tests need: the JDK, Maven, PostgreSQL, Redis (and redis-server for private servers and Sentinels), PgBouncer, the balancers and wrk, docker-compose (for
# `config` only: no Docker daemon is used), the npm packages that check the Kubernetes manifests offline, and
# Debian's Chromium with playwright-core for the browser test.
cmd_test() {
  find_java; ensure_maven; ensure_postgres; ensure_redis; ensure_tool redis-server redis-server; ensure_pgbouncer
  ensure_tool nginx nginx; ensure_tool haproxy haproxy; ensure_tool wrk wrk
  command -v docker-compose >/dev/null || { say "installing docker-compose"; apt_install --no-install-recommends docker-compose; }
  ensure_deploy_checks
  ensure_browser
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
