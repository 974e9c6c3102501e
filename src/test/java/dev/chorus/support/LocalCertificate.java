package dev.chorus.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A local certificate authority and a certificate for localhost, 127.0.0.1 and ::1, made in a directory of the test's
 * own by {@code bin/chorus tls --dir DIR}: the very files {@code bin/chorus up --tls} serves. Clients trust the CA
 * through {@link #sslContext()}; nothing else on the machine does.
 */
public record LocalCertificate(Path dir) {

    /** Makes the CA and the certificate in {@code dir} (created if needed); fails with bin/chorus's output. */
    public static LocalCertificate make(Path dir) {
        try {
            Process tls = new ProcessBuilder("bin/chorus", "tls", "--dir", dir.toAbsolutePath().toString())
                    .redirectErrorStream(true).start();
            String output = new String(tls.getInputStream().readAllBytes());
            if (!tls.waitFor(60, TimeUnit.SECONDS) || tls.exitValue() != 0) {
                throw new IllegalStateException("bin/chorus tls failed: " + output);
            }
            return new LocalCertificate(dir.toAbsolutePath());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Path ca() {
        return dir.resolve("ca.crt");
    }

    /** The certificate, for nginx's ssl_certificate. */
    public Path certificate() {
        return dir.resolve("chorus.crt");
    }

    /** Its key, for nginx's ssl_certificate_key. */
    public Path key() {
        return dir.resolve("chorus.key");
    }

    /** Certificate and key in one file, for HAProxy's crt. */
    public Path pem() {
        return dir.resolve("chorus.pem");
    }

    /** A TLS context that trusts this CA only. */
    public SSLContext sslContext() {
        try (InputStream in = Files.newInputStream(ca())) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("chorus-local-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An HTTP client that trusts this CA, prefers HTTP/2 and never follows redirects (tests look at them). */
    public HttpClient client() {
        return HttpClient.newBuilder().sslContext(sslContext()).version(HttpClient.Version.HTTP_2)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    }
}
