package dev.chorus.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** Checks, before anything connects, that a CA file setting names something a TLS client can load. */
final class CertificateFiles {

    private static final long LARGEST = 1 << 20;

    private CertificateFiles() {
    }

    /** A readable file of at most 1 MiB holding at least one PEM certificate. */
    static boolean readablePem(String path) {
        try {
            Path file = Path.of(path);
            if (!Files.isRegularFile(file) || Files.size(file) > LARGEST) {
                return false;
            }
            return Files.readString(file, StandardCharsets.ISO_8859_1).contains("-----BEGIN CERTIFICATE-----");
        } catch (IOException | InvalidPathException e) {
            return false;
        }
    }
}
