# tls.sh — sourced by bin/chorus: bin/chorus tls, and TLS at the balancer for `up --tls` (HTTPS on CHORUS_TLS_PORT,
# 8443; the plain port redirects there). The certificate is a local one, signed by a local CA made for this checkout:
# clients trust .chorus/tls/ca.crt (curl --cacert, a browser's or the JVM's trust store). In production the
# balancer takes real certificates instead (README: certbot).

TLS_DIR="$ROOT/.chorus/tls"
TLS_RENEW_DAYS=30 # a certificate with fewer days left is issued again, as certbot renews 30 days before expiry

# tls_certificate DIR: makes DIR/ca.{crt,key} once (10 years) and DIR/chorus.{crt,key} (90 days, for localhost,
# 127.0.0.1 and ::1), plus DIR/chorus.pem (certificate and key in one file, HAProxy's format); issues the certificate
# again when it has fewer than TLS_RENEW_DAYS days left or the CA changed. Each file appears whole (written aside,
# then renamed).
tls_certificate() {
  local dir=$1
  ensure_tool openssl openssl
  mkdir -p "$dir"; chmod 700 "$dir"
  if [ ! -s "$dir/ca.crt" ] || [ ! -s "$dir/ca.key" ]; then
    say "making a local certificate authority in $dir"
    openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -days 3650 \
      -subj "/CN=Chorus local CA" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" -keyout "$dir/ca.key.new" -out "$dir/ca.crt.new" 2>/dev/null ||
      die "openssl could not make the local CA"
    mv "$dir/ca.key.new" "$dir/ca.key"; mv "$dir/ca.crt.new" "$dir/ca.crt"
    rm -f "$dir/chorus.crt"
  fi
  if [ -s "$dir/chorus.crt" ] && openssl x509 -checkend $((TLS_RENEW_DAYS * 86400)) -noout -in "$dir/chorus.crt" >/dev/null &&
     openssl verify -CAfile "$dir/ca.crt" "$dir/chorus.crt" >/dev/null 2>&1; then
    return 0
  fi
  say "issuing a certificate for localhost, 127.0.0.1 and ::1 (90 days) in $dir"
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -subj "/CN=localhost" \
    -keyout "$dir/chorus.key.new" -out "$dir/chorus.csr" 2>/dev/null || die "openssl could not make a key"
  printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" "extendedKeyUsage=serverAuth" \
    "keyUsage=critical,digitalSignature" "basicConstraints=critical,CA:FALSE" "subjectKeyIdentifier=hash" \
    "authorityKeyIdentifier=keyid,issuer" > "$dir/chorus.ext"
  openssl x509 -req -in "$dir/chorus.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
    -days 90 -extfile "$dir/chorus.ext" -out "$dir/chorus.crt.new" 2>/dev/null || die "openssl could not sign the certificate"
  cat "$dir/chorus.crt.new" "$dir/chorus.key.new" > "$dir/chorus.pem.new"
  chmod 600 "$dir/chorus.key.new" "$dir/chorus.pem.new"
  mv "$dir/chorus.key.new" "$dir/chorus.key"; mv "$dir/chorus.pem.new" "$dir/chorus.pem"; mv "$dir/chorus.crt.new" "$dir/chorus.crt"
  rm -f "$dir/chorus.csr" "$dir/chorus.ext"
}

# bin/chorus tls [--dir DIR]: makes or renews the local CA and certificate (default .chorus/tls/) and, when a TLS
# balancer of `up --tls` is running, reloads it so that it serves the new certificate.
cmd_tls() {
  local dir=$TLS_DIR
  while [ $# -gt 0 ]; do
    case "$1" in
      --dir) dir=${2:?--dir needs a directory}; shift 2 ;;
      *) die "unknown option for tls: $1 (bin/chorus tls [--dir DIR])" ;;
    esac
  done
  tls_certificate "$dir"
  [ "$dir" = "$TLS_DIR" ] && tls_on && lb_reload
  echo "CA           $dir/ca.crt   (trust it: curl --cacert $dir/ca.crt ...)"
  echo "certificate  $dir/chorus.crt, key $dir/chorus.key, both in one file: $dir/chorus.pem"
  echo "expires      $(openssl x509 -enddate -noout -in "$dir/chorus.crt" | cut -d= -f2)"
}

tls_on() { [ -s "$RUN/lb.tls" ]; }

# The render options of the running balancer's TLS, one per line (none without TLS).
tls_render_args() {
  tls_on || return 0
  printf '%s\n' --tls-listen "${CHORUS_LB_LISTEN:-127.0.0.1}:$(cat "$RUN/lb.tls")"
  if [ "$(lb_kind)" = haproxy ]; then
    printf '%s\n' --tls-cert "$TLS_DIR/chorus.pem"
  else
    printf '%s\n' --tls-cert "$TLS_DIR/chorus.crt" --tls-key "$TLS_DIR/chorus.key"
  fi
}

# lb_url PATH: the balancer's URL for PATH (https on the TLS port with TLS); lb_curl PATH [CURL ARGS]: curl it.
lb_url() { if tls_on; then echo "https://127.0.0.1:$(cat "$RUN/lb.tls")$1"; else echo "http://127.0.0.1:$LB_PORT$1"; fi; }
lb_curl() {
  local path=$1; shift
  if tls_on; then curl --cacert "$TLS_DIR/ca.crt" "$@" "$(lb_url "$path")"; else curl "$@" "$(lb_url "$path")"; fi
}
