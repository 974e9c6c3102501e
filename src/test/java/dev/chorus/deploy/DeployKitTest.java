package dev.chorus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.LocalCertificate;
import dev.chorus.support.PgBouncer;
import dev.chorus.support.TestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Every file of deploy/ checked with the real tool where this machine has one: nginx -t, haproxy -c, PgBouncer
 * starting and serving on its config, docker-compose config (the schema of Compose, every profile), the
 * Kubernetes manifests against the API schemas offline (deploy/check/k8s.mjs) and the Dockerfile with a linter;
 * plus what no schema knows: the manifests agree with each other and with how Chorus shuts down.
 * A missing tool fails the test with the command that installs it (bin/chorus test installs them all).
 */
class DeployKitTest {

    static final Path DEPLOY = Path.of("deploy");

    @TempDir
    Path tmp;

    @Test
    void nginxAcceptsTheRenderedTemplate() throws Exception {
        Path conf = render("nginx", "--listen", "127.0.0.1:18080", "--run-dir", tmp.toString(),
                "--servers", "a=127.0.0.1:8081,b=127.0.0.1:8082,c=127.0.0.1:8083", "--down", "b");
        assertThat(directives(conf)).contains("least_conn;", "server 127.0.0.1:8082 max_fails=2 fail_timeout=5s down;",
                "keepalive 64;", "proxy_next_upstream error timeout http_502 http_503 http_504;", "client_max_body_size 64k;",
                // issue 17: on /ws an instance's 503 goes to the client and never takes the instance out of the rotation
                "proxy_pass http://chorus_ws;\n            proxy_next_upstream error timeout http_502 http_504;",
                "server 127.0.0.1:8082 max_fails=0 down;")
                .doesNotContain("non_idempotent", "@SERVER@", "@LISTEN@", "@RUN_DIR@");
        Result test = run(List.of(tool("/usr/sbin/nginx", "nginx"), "-t", "-p", tmp + "/", "-e", tmp.resolve("err.log").toString(),
                "-c", conf.toString()));
        assertThat(test.exit()).as(test.output()).isZero();
        assertThat(test.output()).contains("test is successful");
    }

    @Test
    void haproxyAcceptsTheRenderedTemplate() throws Exception {
        Path cfg = render("haproxy", "--listen", "127.0.0.1:18081", "--run-dir", tmp.toString(),
                "--servers", "chorus-1=127.0.0.1:8081,chorus-2=127.0.0.1:8082", "--down", "chorus-2");
        assertThat(Files.readString(cfg)).contains("balance leastconn", "http-check send meth GET uri /health/ready",
                "server chorus-1 127.0.0.1:8081", "server chorus-2 127.0.0.1:8082 disabled", "timeout tunnel 1h");
        Result check = run(List.of(tool("/usr/sbin/haproxy", "haproxy"), "-c", "-f", cfg.toString()));
        assertThat(check.exit()).as(check.output()).isZero();
        assertThat(check.output()).contains("Configuration file is valid");
    }

    /**
     * Issue 17: HAProxy lets each instance take as many connections as the instance itself does (WS_MAX_CONNECTIONS'
     * default, 20,000 sockets, plus the 2,048 that realtime.internal.SocketMemory keeps for HTTP), since an idle
     * WebSocket holds its connection for hours (maxconn 1000 once capped an instance at 1,000 sockets), and sets no
     * global maxconn, which HAProxy then derives from its descriptor limit.
     */
    @Test
    void haproxyLetsEachInstanceTakeAsManyConnectionsAsTheInstanceItself() throws Exception {
        String haproxy = directives(render("haproxy", "--listen", "127.0.0.1:18081", "--run-dir", tmp.toString(),
                "--servers", "chorus-1=127.0.0.1:8081"));
        Matcher perServer = Pattern.compile("default-server .* maxconn (\\d+)").matcher(haproxy);
        assertThat(perServer.find()).as(haproxy).isTrue();
        assertThat(Integer.parseInt(perServer.group(1))).isEqualTo(20_000 + 2_048);
        String global = haproxy.substring(haproxy.indexOf("global"), haproxy.indexOf("defaults"));
        assertThat(global).doesNotContain("maxconn");
    }

    /**
     * Issue 13: with --tls-listen both balancers serve TLS 1.2/1.3 with HTTP/2 on that port, redirect the plain one, and
     * send HSTS; without it they carry no TLS line at all. Either way X-Frame-Options and nosniff are set once for all
     * locations, and nginx's stub_status answers loopback only. (TlsThroughBalancersTest runs them for real.)
     */
    @Test
    void bothBalancersServeTlsWhenRenderedWithACertificateAndAcceptThatConfig() throws Exception {
        LocalCertificate certificate = LocalCertificate.make(tmp.resolve("tls"));
        Path nginx = render("nginx", "--listen", "127.0.0.1:18080", "--tls-listen", "127.0.0.1:18443", "--tls-cert",
                certificate.certificate().toString(), "--tls-key", certificate.key().toString(), "--run-dir", tmp.toString(),
                "--servers", "a=127.0.0.1:8081");
        assertThat(directives(nginx)).contains("listen 127.0.0.1:18443 ssl http2 backlog=4096;", "ssl_protocols TLSv1.2 TLSv1.3;",
                "add_header Strict-Transport-Security \"max-age=63072000\" always;", "return 301 https://$host:18443$request_uri;",
                "add_header X-Frame-Options DENY always;", "add_header X-Content-Type-Options nosniff always;")
                .doesNotContain("@TLS", "@HTTPS_PORT@", "tls-only", "plain-only", "listen 127.0.0.1:18080 backlog=4096;\n        listen");
        NginxConfig.Block root = NginxConfig.parse(Files.readString(nginx));
        assertThat(NginxConfig.droppedInheritance(root)).isEmpty();
        Result test = run(List.of(tool("/usr/sbin/nginx", "nginx"), "-t", "-p", tmp + "/", "-e", tmp.resolve("err.log").toString(),
                "-c", nginx.toString()));
        assertThat(test.exit()).as(test.output()).isZero();

        Path haproxy = render("haproxy", "--listen", "127.0.0.1:18081", "--tls-listen", "127.0.0.1:443", "--tls-cert",
                certificate.pem().toString(), "--run-dir", tmp.toString(), "--servers", "chorus-1=127.0.0.1:8081");
        assertThat(directives(haproxy)).contains("bind 127.0.0.1:443 ssl crt " + certificate.pem() + " alpn h2,http/1.1",
                "ssl-default-bind-options ssl-min-ver TLSv1.2", "redirect location https://%[var(txn.host)]%[url] code 301 unless { ssl_fc }",
                "set-header Strict-Transport-Security \"max-age=63072000\" if { ssl_fc }");
        Result check = run(List.of(tool("/usr/sbin/haproxy", "haproxy"), "-c", "-f", haproxy.toString()));
        assertThat(check.exit()).as(check.output()).isZero();
    }

    @Test
    void withoutTlsTheBalancersCarryNoTlsLineButTheOtherSecurityHeadersAndStubStatus() throws Exception {
        String nginx = directives(render("nginx", "--listen", "127.0.0.1:18080", "--run-dir", tmp.toString(), "--servers", "a=127.0.0.1:8081"));
        assertThat(nginx).doesNotContain("ssl", "Strict-Transport-Security \"", "return 301", "@TLS", "tls-only")
                .contains("listen 127.0.0.1:18080 backlog=4096;", "add_header X-Frame-Options DENY always;",
                        "proxy_hide_header X-Frame-Options;", "location = /nginx_status {\n            stub_status;\n            allow 127.0.0.1;",
                        "allow 127.0.0.1;", "deny all;");
        String haproxy = directives(render("haproxy", "--listen", "127.0.0.1:18081", "--run-dir", tmp.toString(),
                "--servers", "chorus-1=127.0.0.1:8081"));
        assertThat(haproxy).doesNotContain("crt ", "redirect location").contains("bind 127.0.0.1:18081\n",
                "http-after-response set-header X-Frame-Options DENY");
    }

    @Test
    void renderRefusesATlsSetUpItCannotServe() throws Exception {
        List<List<String>> bad = List.of(
                List.of("nginx", "--tls-listen", "127.0.0.1:18443"),
                List.of("nginx", "--tls-listen", "127.0.0.1:18443", "--tls-cert", "/tmp/c.crt"),
                List.of("nginx", "--tls-cert", "/tmp/c.crt", "--tls-key", "/tmp/c.key"),
                List.of("haproxy", "--tls-listen", "127.0.0.1:18443", "--tls-cert", "/tmp/c.pem", "--tls-key", "/tmp/c.key"));
        for (List<String> args : bad) {
            List<String> command = new ArrayList<>(List.of(DEPLOY.resolve("render").toString()));
            command.addAll(args);
            command.addAll(List.of("--listen", "127.0.0.1:18080", "--run-dir", tmp.toString(), "--servers", "a=127.0.0.1:8081"));
            Result r = run(command);
            assertThat(r.exit()).as("%s: %s", args, r.output()).isEqualTo(2);
            assertThat(r.output()).as("%s", args).startsWith("render: ").doesNotContain("server ");
        }
    }

    @Test
    void theComposeBalancerConfigIsTheTemplateRenderedForTheComposeService() throws Exception {
        Path fresh = render("nginx", "--listen", "8080", "--run-dir", "/tmp", "--servers", "chorus:8080");
        assertThat(Files.readString(DEPLOY.resolve("compose/nginx.conf"))).as("deploy/compose/nginx.conf is stale: re-render it")
                .isEqualTo(Files.readString(fresh));
    }

    @Test
    void noLocationOfAnyNginxConfigDropsTheHeadersItShouldInherit() throws Exception {
        Path template = render("nginx", "--listen", "8080", "--run-dir", "/tmp", "--servers", "a=127.0.0.1:8081");
        List<Path> configs = new ArrayList<>(List.of(template));
        try (var files = Files.walk(DEPLOY)) {
            files.filter(f -> f.toString().endsWith(".conf") && !f.toString().contains("node_modules")).forEach(configs::add);
        }
        assertThat(configs).as("nginx configs of deploy/").hasSizeGreaterThanOrEqualTo(2);
        for (Path config : configs) {
            NginxConfig.Block root = NginxConfig.parse(Files.readString(config));
            assertThat(NginxConfig.droppedInheritance(root)).as(config.toString()).isEmpty();
            List<NginxConfig.Block> locations = root.blocks().stream().flatMap(b -> b.blocks().stream())
                    .flatMap(b -> b.blocks().stream()).filter(b -> b.header().equals("location /ws")).toList();
            assertThat(locations).as("%s: location /ws", config).hasSize(1);
        }
        assertThat(directives(template)).contains("proxy_set_header Upgrade $chorus_upgrade;",
                "proxy_set_header Connection $chorus_connection;", "proxy_set_header Host $http_host;");
    }

    /**
     * Issue 10: a WebSocket URL may carry the access token (the legacy {@code /ws?access_token=}), so no balancer log
     * may hold a request's query as sent. nginx logs a URI only through {@code $chorus_logged_uri} (path alone for
     * /ws) and writes no error-log line for /ws (its error log quotes the request line, query and all); HAProxy logs
     * no request line as sent, only {@code txn.logged_uri}. TokensNeverLoggedTest runs a session through both.
     */
    @Test
    void noBalancerConfigLogsTheQueryOfAWebSocketUrl() throws Exception {
        Path template = render("nginx", "--listen", "8080", "--run-dir", "/tmp", "--servers", "a=127.0.0.1:8081");
        Pattern rawRequest = Pattern.compile("\\$(request|request_uri|args|query_string|is_args|arg_\\w+)(?![\\w])");
        for (Path config : List.of(template, DEPLOY.resolve("compose/nginx.conf"))) {
            NginxConfig.Block http = NginxConfig.parse(Files.readString(config)).blocks().stream()
                    .filter(b -> b.header().equals("http")).findFirst().orElseThrow();
            List<NginxConfig.Directive> formats = http.directives().stream().filter(d -> d.name().equals("log_format")).toList();
            assertThat(formats).as("%s: log formats", config).isNotEmpty();
            for (NginxConfig.Directive format : formats) {
                String line = String.join(" ", format.args());
                assertThat(rawRequest.matcher(line).find()).as("%s: log_format %s uses the request as sent", config, line).isFalse();
                assertThat(line).as("%s", config).contains("$chorus_logged_uri");
            }
            NginxConfig.Block ws = http.blocks().stream().flatMap(b -> b.blocks().stream())
                    .filter(b -> b.header().equals("location /ws")).findFirst().orElseThrow();
            assertThat(ws.directives().stream().filter(d -> d.name().equals("error_log")).map(d -> d.args().getLast()))
                    .as("%s: the error log level of location /ws", config).containsExactly("emerg");
        }
        String haproxy = directives(render("haproxy", "--listen", "127.0.0.1:18081", "--run-dir", tmp.toString(),
                "--servers", "chorus-1=127.0.0.1:8081"));
        assertThat(haproxy).doesNotContain("option httplog", "option httpslog")
                .contains("log-format", "%[var(txn.logged_uri)]", "set-var(txn.logged_uri) path if { path_beg /ws }");
        // %r is the request line as sent, %HU its URI, %HQ its query (%rt, %rc and %hr are other fields).
        assertThat(Pattern.compile("%(\\{[^}]*})?(r|HU|HQ)(?![A-Za-z])").matcher(haproxy).find())
                .as("HAProxy logs the request as sent").isFalse();
    }

    @Test
    void theInheritanceCheckCatchesALocationThatSetsItsOwnUpgradeHeaders() {
        NginxConfig.Block root = NginxConfig.parse("""
                http { server {
                    proxy_set_header Host $http_host; # every location should get this
                    add_header X-Request-ID "$request_id" always;
                    location /ws { proxy_pass http://chorus; proxy_set_header Upgrade $http_upgrade; }
                    location / { proxy_pass http://chorus; }
                } }
                """);
        assertThat(NginxConfig.droppedInheritance(root))
                .containsExactly("main > http > server > location /ws: its own proxy_set_header drops every proxy_set_header set around it");
    }

    @Test
    void pgBouncerStartsOnItsConfigAndServesInTransactionPooling() throws Exception {
        try (TestCluster cluster = new TestCluster(); PgBouncer bouncer = PgBouncer.startDeployed(cluster.database(), 2);
                Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + bouncer.port() + "/" + cluster.database()
                        + "?prepareThreshold=0", "postgres", "");
                ResultSet rs = c.createStatement().executeQuery("SELECT current_database()")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(cluster.database());
        }
        assertThat(Files.readString(DEPLOY.resolve("pgbouncer/pgbouncer.ini"))).contains("pool_mode = transaction");
    }

    @Test
    void dockerComposeAcceptsTheComposeFileWithEveryProfile() throws Exception {
        String compose = tool("/usr/bin/docker-compose", "docker-compose");
        Map<String, String> env = Map.of("POSTGRES_PASSWORD", "check", "JWT_SECRET", "check-only-0123456789-0123456789-0123");
        Path file = DEPLOY.resolve("compose/compose.yaml");
        Result plain = run(List.of(compose, "-f", file.toString(), "config", "-q"), env);
        assertThat(plain.exit()).as(plain.output()).isZero();
        Result all = run(List.of(compose, "-f", file.toString(), "--profile", "kafka", "--profile", "kafka-cluster", "--profile",
                "sentinel", "--profile", "redis-cluster", "config", "--services"), env);
        assertThat(all.exit()).as(all.output()).isZero();
        assertThat(all.output().lines().toList()).contains("postgres", "pgbouncer", "redis", "chorus", "nginx", "kafka",
                "kafka-1", "kafka-2", "kafka-3", "redis-replica", "redis-sentinel-1", "redis-sentinel-2", "redis-sentinel-3",
                "redis-cluster-1", "redis-cluster-6", "redis-cluster-init");
        assertThat(Files.readString(file)).as("the redis-cluster profile: 3 masters with a replica each, names announced")
                .contains("--cluster-replicas 1", "--cluster-announce-hostname", "REDIS_URL: ${REDIS_URL-redis://redis:6379}");
        assertThat(Files.readString(file)).as("the sentinel profile: quorum 2, passwords")
                .contains("sentinel monitor chorus redis 6379 2", "sentinel auth-pass chorus", "requirepass");
        Result noSecret = run(List.of(compose, "-f", file.toString(), "config", "-q"), Map.of());
        assertThat(noSecret.exit()).as("compose without POSTGRES_PASSWORD and JWT_SECRET").isNotZero();
    }

    @Test
    void theKubernetesManifestsMatchTheApiSchemasAndAMisspeltFieldIsCaught() throws Exception {
        Result check = k8sCheck(DEPLOY.resolve("k8s").toAbsolutePath());
        assertThat(check.exit()).as(check.output()).isZero();
        assertThat(check.output()).contains("apps/v1 Deployment chorus", "policy/v1 PodDisruptionBudget chorus",
                "autoscaling/v2 HorizontalPodAutoscaler chorus", "networking.k8s.io/v1 Ingress chorus", "v1 Service chorus");

        Path broken = Files.createDirectories(tmp.resolve("k8s"));
        Files.writeString(broken.resolve("deployment.yaml"), Files.readString(DEPLOY.resolve("k8s/deployment.yaml"))
                .replace("readinessProbe:", "readinesProbe:"));
        Result caught = k8sCheck(broken);
        assertThat(caught.exit()).isNotZero();
        assertThat(caught.output()).contains("unknown fields: spec.template.spec.containers[0].readinesProbe");
    }

    @Test
    void theDeploymentDrainsBeforeItIsKilledAndEveryManifestPointsAtIt() throws Exception {
        Map<String, Object> deployment = yaml("deployment.yaml");
        Map<String, Object> pod = map(map(map(deployment, "spec"), "template"), "spec");
        Map<String, Object> container = list(pod, "containers").getFirst();
        assertThat(path(map(container, "readinessProbe"), "httpGet", "path")).isEqualTo("/health/ready");
        assertThat(path(map(container, "livenessProbe"), "httpGet", "path")).isEqualTo("/health/live");
        assertThat(path(map(container, "startupProbe"), "httpGet", "path")).isEqualTo("/health/live");
        List<?> preStop = (List<?>) path(map(container, "lifecycle"), "preStop", "exec", "command");
        int preStopSeconds = Integer.parseInt(preStop.getLast().toString());
        Duration grace = Duration.parse(path(yaml("configmap.yaml"), "data", "SHUTDOWN_GRACE").toString());
        int drainAndSockets = 2 + 3; // DrainState's 2 s, SocketShutdown's 3 s at most
        assertThat((Integer) pod.get("terminationGracePeriodSeconds"))
                .isGreaterThan(preStopSeconds + drainAndSockets + (int) grace.toSeconds());

        Object labels = path(deployment, "spec", "selector", "matchLabels");
        assertThat(path(yaml("pdb.yaml"), "spec", "selector", "matchLabels")).isEqualTo(labels);
        assertThat(path(yaml("service.yaml"), "spec", "selector")).isEqualTo(labels);
        assertThat(path(yaml("hpa.yaml"), "spec", "scaleTargetRef", "name")).isEqualTo(path(deployment, "metadata", "name"));
        Map<String, Object> ingress = yaml("ingress.yaml");
        Map<String, Object> backend = map(map(list(map(list(map(ingress, "spec"), "rules").getFirst(), "http"), "paths").getFirst(),
                "backend"), "service");
        assertThat(backend.get("name")).isEqualTo(path(yaml("service.yaml"), "metadata", "name"));
        assertThat(path(backend, "port", "name")).isEqualTo("http");
        assertThat(path(ingress, "metadata", "annotations").toString()).contains("proxy-read-timeout=3600", "proxy-send-timeout=3600");
    }

    /** Issue 18: secrets reach the pods as files of the mounted Secret, never as environment variables. */
    @Test
    void theDeploymentReadsEverySecretFromAFileOfTheMountedSecret() throws Exception {
        Map<String, Object> pod = map(map(map(yaml("deployment.yaml"), "spec"), "template"), "spec");
        Map<String, Object> container = list(pod, "containers").getFirst();
        assertThat(String.valueOf(container.get("envFrom"))).doesNotContain("secretRef");
        assertThat(String.valueOf(container.get("env"))).doesNotContain("secretKeyRef");
        Map<String, Object> volume = list(pod, "volumes").stream().filter(v -> v.containsKey("secret")).findFirst().orElseThrow();
        assertThat(path(volume, "secret", "secretName")).isEqualTo(path(yaml("secret.example.yaml"), "metadata", "name"));
        String mountPath = list(container, "volumeMounts").stream().filter(m -> volume.get("name").equals(m.get("name")))
                .findFirst().orElseThrow().get("mountPath").toString();
        Map<String, Object> example = map(yaml("secret.example.yaml"), "stringData");
        List<Map<String, Object>> files = list(container, "env").stream().filter(e -> e.get("name").toString().endsWith("_FILE")).toList();
        assertThat(files).extracting(e -> e.get("name")).contains("JWT_SECRETS_FILE", "DATABASE_URL_FILE");
        for (Map<String, Object> file : files) {
            String variable = file.get("name").toString().replaceFirst("_FILE$", "");
            assertThat(dev.chorus.system.StartupSettings.SECRET_VARIABLES).as("a secret variable").contains(variable);
            assertThat(file.get("value")).as(variable).isEqualTo(mountPath + "/" + variable);
            assertThat(example).as("the example Secret's keys").containsKey(variable);
        }
    }

    @Test
    void theDockerfileIsMultiStageNonRootAndContainerAwareAndPassesTheLinter() throws Exception {
        String dockerfile = Files.readString(DEPLOY.resolve("Dockerfile"));
        assertThat(dockerfile.lines().filter(l -> l.startsWith("FROM ")).count()).isGreaterThanOrEqualTo(2);
        assertThat(dockerfile).contains("USER 10001", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "/health/ready");
        Path lint = DEPLOY.resolve("check/node_modules/.bin/dockerfile-utils");
        if (!Files.isExecutable(lint)) {
            throw new AssertionError(lint + " is missing: run bin/chorus test (or npm ci in deploy/check)");
        }
        Result result = run(List.of(lint.toString(), "lint", DEPLOY.resolve("Dockerfile").toString()));
        assertThat(result.exit()).as(result.output()).isZero();
    }

    // ---- helpers ----

    record Result(int exit, String output) {
    }

    Path render(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(DEPLOY.resolve("render").toString()));
        command.addAll(List.of(args));
        Result r = run(command);
        assertThat(r.exit()).as(r.output()).isZero();
        Path out = Files.createTempFile(tmp, "rendered", ".conf");
        Files.writeString(out, r.output());
        return out;
    }

    Result k8sCheck(Path dir) throws Exception {
        Path modules = DEPLOY.resolve("check/node_modules");
        if (!Files.isDirectory(modules)) {
            throw new AssertionError(modules + " is missing: run bin/chorus test (or npm ci in deploy/check)");
        }
        return run(List.of(tool("/usr/bin/node", "nodejs"), "k8s.mjs", dir.toString()), Map.of(), DEPLOY.resolve("check"));
    }

    static String tool(String path, String debianPackage) {
        if (!Files.isExecutable(Path.of(path))) {
            throw new AssertionError(path + " is missing: run bin/chorus test, or apt-get install " + debianPackage);
        }
        return path;
    }

    /** The file without its comment lines. */
    static String directives(Path file) throws IOException {
        return String.join("\n", Files.readAllLines(file).stream().filter(l -> !l.strip().startsWith("#")).toList());
    }

    static Result run(List<String> command) throws IOException, InterruptedException {
        return run(command, Map.of());
    }

    static Result run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        return run(command, env, Path.of("."));
    }

    static Result run(List<String> command, Map<String, String> env, Path dir) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().remove("POSTGRES_PASSWORD");
        builder.environment().remove("JWT_SECRET");
        builder.environment().putAll(env);
        Process process = builder.start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish within 60 s");
        }
        return new Result(process.exitValue(), new String(out));
    }

    static Map<String, Object> yaml(String file) throws IOException {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        return new Yaml(options).load(Files.readString(DEPLOY.resolve("k8s").resolve(file)));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> parent, String key) {
        return (Map<String, Object>) parent.get(key);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        return (List<Map<String, Object>>) parent.get(key);
    }

    @SuppressWarnings("unchecked")
    static Object path(Map<String, Object> root, String... keys) {
        Object node = root;
        for (String key : keys) {
            node = ((Map<String, Object>) node).get(key);
        }
        return node;
    }
}
