package dev.chorus.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real nginx or HAProxy process in front of instance processes, on a free loopback port, with its config rendered
 * from the template in {@code deploy/} by {@code deploy/render} (the same path bin/chorus takes). Its files (config,
 * logs, pid) live in {@code target/balancers/<kind>-<id>/}. It never touches a system nginx or HAProxy. Started with
 * {@link #startTls}, it serves HTTPS on a second port with a {@link LocalCertificate}, and its plain port redirects.
 *
 * <p>{@link #takeOut} and {@link #putBack} re-render the config with an instance marked down or up and reload the
 * balancer gracefully, as a planned restart does.
 */
public final class Balancer implements AutoCloseable {

    public enum Kind {
        NGINX("/usr/sbin/nginx", "nginx"), HAPROXY("/usr/sbin/haproxy", "haproxy");

        final Path binary;
        final String renderName;

        Kind(String binary, String renderName) {
            this.binary = Path.of(binary);
            this.renderName = renderName;
        }
    }

    private static final Path RENDER = Path.of("deploy", "render");

    private final Kind kind;
    private final Path dir;
    private final int port;
    /** The TLS port and certificate, or null for a plain balancer. */
    private final Tls tls;
    private final Map<String, Integer> instances;
    private final Set<String> down = new LinkedHashSet<>();
    private final Process process;
    private final Api api;

    private record Tls(int port, LocalCertificate certificate) {
    }

    private Balancer(Kind kind, Path dir, int port, Tls tls, Map<String, Integer> instances, Process process) {
        this.kind = kind;
        this.dir = dir;
        this.port = port;
        this.tls = tls;
        this.instances = instances;
        this.process = process;
        this.api = tls == null ? new Api("http://127.0.0.1:" + port)
                : new Api("https://127.0.0.1:" + tls.port(), tls.certificate().client());
    }

    /**
     * Starts a balancer for the given instances (name → port on 127.0.0.1) on a free port ({@link FreePorts}) and
     * waits until it accepts connections; if another process took the port first, tries again on another one.
     */
    public static Balancer start(Kind kind, Map<String, Integer> instances) {
        return start(kind, instances, (LocalCertificate) null);
    }

    /**
     * As {@link #start}, serving HTTPS (HTTP/2 and HTTP/1.1) with this certificate on a second free port; the plain
     * port only redirects there. {@link #api()} is then an https client trusting the certificate's CA.
     */
    public static Balancer startTls(Kind kind, Map<String, Integer> instances, LocalCertificate certificate) {
        return start(kind, instances, certificate);
    }

    private static Balancer start(Kind kind, Map<String, Integer> instances, LocalCertificate certificate) {
        if (!Files.isExecutable(kind.binary)) {
            throw new IllegalStateException(kind.renderName + " is not installed at " + kind.binary
                    + ": run bin/chorus test (it installs nginx, HAProxy and wrk) or apt-get install " + kind.renderName);
        }
        for (int attempt = 1; ; attempt++) {
            try {
                int port = FreePorts.pick();
                int tlsPort = FreePorts.pick();
                while (tlsPort == port) {
                    tlsPort = FreePorts.pick();
                }
                return start(kind, instances, port, certificate == null ? null : new Tls(tlsPort, certificate));
            } catch (PortInUse e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    private static Balancer start(Kind kind, Map<String, Integer> instances, int port, Tls tls) {
        try {
            Path dir = Files.createDirectories(Path.of("target", "balancers").toAbsolutePath()
                    .resolve(kind.renderName + "-" + UUID.randomUUID().toString().substring(0, 8)));
            // nginx's workers run as nobody when the master is root: they need to reach their temporary files.
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Map<String, Integer> servers = new LinkedHashMap<>(instances);
            Balancer balancer = new Balancer(kind, dir, port, tls, servers, null);
            balancer.render();
            Process process = new ProcessBuilder(balancer.command()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile()).start();
            Balancer started = new Balancer(kind, dir, port, tls, servers, process);
            try {
                started.awaitListening(Duration.ofSeconds(20));
            } catch (RuntimeException | IOException notListening) {
                started.close();
                throw notListening;
            }
            return started;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public Api api() {
        return api;
    }

    public int port() {
        return port;
    }

    /** The HTTPS port of a balancer started with {@link #startTls}. */
    public int tlsPort() {
        if (tls == null) {
            throw new IllegalStateException("this balancer serves no TLS");
        }
        return tls.port();
    }

    public Path dir() {
        return dir;
    }

    /** The rendered configuration file. */
    public Path config() {
        return dir.resolve(kind == Kind.NGINX ? "nginx.conf" : "haproxy.cfg");
    }

    /** Marks the instance down (no new requests or sockets go to it) and reloads; returns once the reload took. */
    public void takeOut(String instance) {
        down.add(instance);
        reload();
    }

    /** Puts the instance back into the rotation and reloads. */
    public void putBack(String instance) {
        down.remove(instance);
        reload();
    }

    private List<String> command() {
        return switch (kind) {
            case NGINX -> List.of(kind.binary.toString(), "-p", dir + "/", "-e", dir.resolve("nginx-startup.log").toString(),
                    "-c", config().toString(), "-g", "daemon off;");
            // Master-worker mode without daemonising: SIGUSR2 reloads, the old worker finishes its connections.
            case HAPROXY -> List.of(kind.binary.toString(), "-W", "-db", "-f", config().toString());
        };
    }

    private void render() throws IOException {
        String servers = instances.entrySet().stream().map(e -> e.getKey() + "=127.0.0.1:" + e.getValue())
                .collect(Collectors.joining(","));
        List<String> command = new ArrayList<>(List.of(RENDER.toString(), kind.renderName, "--listen", "127.0.0.1:" + port,
                "--run-dir", dir.toString(), "--servers", servers, "--down", String.join(",", down)));
        if (tls != null) {
            LocalCertificate certificate = tls.certificate();
            command.addAll(List.of("--tls-listen", "127.0.0.1:" + tls.port()));
            command.addAll(kind == Kind.NGINX
                    ? List.of("--tls-cert", certificate.certificate().toString(), "--tls-key", certificate.key().toString())
                    : List.of("--tls-cert", certificate.pem().toString()));
        }
        Process render = new ProcessBuilder(command).redirectOutput(config().toFile())
                .redirectError(dir.resolve("render.log").toFile()).start();
        try {
            if (!render.waitFor(10, TimeUnit.SECONDS) || render.exitValue() != 0) {
                throw new IllegalStateException("deploy/render failed: " + Files.readString(dir.resolve("render.log")));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void reload() {
        try {
            render();
            Set<Long> before = workers();
            signal(kind == Kind.NGINX ? "HUP" : "USR2");
            Instant deadline = Instant.now().plusSeconds(15);
            while (Instant.now().isBefore(deadline)) {
                Set<Long> now = workers();
                now.removeAll(before);
                if (!now.isEmpty()) {
                    return; // a worker with the new configuration is serving; the old ones only finish what they hold
                }
                process.waitFor(50, TimeUnit.MILLISECONDS);
            }
            throw new IllegalStateException(kind.renderName + " did not reload within 15 s; see " + dir);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Set<Long> workers() {
        return process.toHandle().children().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
        if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /**
     * Waits until the port accepts connections and the balancer's output does not say the port was taken (nginx keeps
     * retrying a bind for a while, so whatever accepts may be someone else).
     */
    private void awaitListening(Duration timeout) throws IOException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                String output = output();
                if (FreePorts.inUse(output)) {
                    throw new PortInUse(kind.renderName + " could not bind port " + port + ": " + output);
                }
                throw new IllegalStateException(kind.renderName + " exited: " + output);
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                String output = output();
                if (FreePorts.inUse(output)) {
                    throw new PortInUse(kind.renderName + " could not bind port " + port + ": " + output);
                }
                return;
            } catch (IOException notYet) {
                try {
                    process.waitFor(50, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        throw new IllegalStateException(kind.renderName + " did not listen on " + port + " within " + timeout);
    }

    private String output() throws IOException {
        return readIfExists(dir.resolve("stdout.log")) + readIfExists(dir.resolve("nginx-startup.log"))
                + readIfExists(dir.resolve("nginx-error.log"));
    }

    /** The balancer could not bind its port: someone else took it between the pick and the bind. */
    private static final class PortInUse extends IllegalStateException {
        PortInUse(String message) {
            super(message);
        }
    }

    private static String readIfExists(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    /** Stops the balancer (SIGTERM: fast shutdown), then any worker left behind. */
    @Override
    public void close() {
        List<ProcessHandle> children = process.toHandle().descendants().toList();
        Processes.stop(process, Duration.ofSeconds(10));
        children.forEach(ProcessHandle::destroyForcibly);
    }
}
