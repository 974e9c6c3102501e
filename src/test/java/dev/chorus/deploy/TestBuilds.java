package dev.chorus.deploy;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;

/**
 * Builds for {@code bin/chorus} ({@code CHORUS_JAR}, {@code deploy --jar}) made in a moment instead of packaged: a
 * jar holding only a manifest whose {@code Class-Path} names this test run's class path, so {@code java -jar} runs
 * exactly the classes under test. Each build has a label in its manifest, so two builds are two releases (their
 * SHA-256 differ). A broken build adds a {@code config/application.properties} that breaks it on purpose:
 * <ul>
 * <li>{@link Fault#FAILS_TO_START}: imports a settings file that does not exist, so the instance stops at start-up
 * (a realistic "bad setting shipped with the build");</li>
 * <li>{@link Fault#NEVER_READY} and {@link Fault#ANSWERS_500}: turn on {@code testbuild.BrokenBuild}, a test-only
 * filter (see there).</li>
 * </ul>
 */
final class TestBuilds {

    enum Fault { NONE, FAILS_TO_START, NEVER_READY, ANSWERS_500 }

    private static final String IMPORTS = "META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports";

    private TestBuilds() {
    }

    static Path write(Path dir, String label, Fault fault) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.put(Attributes.Name.MAIN_CLASS, "dev.chorus.ChorusApplication");
        main.put(Attributes.Name.IMPLEMENTATION_VERSION, label);
        main.put(Attributes.Name.CLASS_PATH, Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(entry -> Path.of(entry).toAbsolutePath().toUri().toString()).collect(Collectors.joining(" ")));
        Path jar = dir.resolve(label + ".jar");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            switch (fault) {
                case NONE -> {
                }
                case FAILS_TO_START -> entry(out, "config/application.properties",
                        "spring.config.import=file:/nonexistent/chorus-broken-build.properties\n");
                case NEVER_READY -> brokenBuild(out, "never-ready");
                case ANSWERS_500 -> brokenBuild(out, "answers-500");
            }
        }
        return jar;
    }

    /** The release id bin/chorus gives this jar: the first 12 hex digits of its SHA-256. */
    static String releaseOf(Path jar) throws IOException {
        return sha256(jar).substring(0, 12);
    }

    /** A file's SHA-256 in hex, as sha256sum prints it. */
    static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void brokenBuild(JarOutputStream out, String mode) throws IOException {
        entry(out, IMPORTS, "testbuild.BrokenBuild\n");
        entry(out, "config/application.properties", "chorus-test.broken=" + mode + "\n");
    }

    private static void entry(JarOutputStream out, String name, String text) throws IOException {
        out.putNextEntry(new JarEntry(name));
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
    }
}
