package dev.chorus.system;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * A {@code postgresql://user:pass@host:port/db?params} URL, as operators write it, turned into what JDBC wants.
 * {@code toString()} never shows the password.
 */
public record DatabaseUrl(String host, int port, String database, String username, String password, String query) {

    public static DatabaseUrl parse(String value) {
        return parse(value, "DATABASE_URL");
    }

    /** Parses a URL given in the variable {@code variable}, whose name the error names (never the value). */
    public static DatabaseUrl parse(String value, String variable) {
        URI uri;
        try {
            uri = new URI(value.trim());
        } catch (URISyntaxException e) {
            throw invalid(variable, "it is not a URL");
        }
        String scheme = uri.getScheme();
        if (!"postgresql".equals(scheme) && !"postgres".equals(scheme)) {
            throw invalid(variable, "the scheme must be postgresql://");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw invalid(variable, "it names no host");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceFirst("^/", "");
        if (path.isBlank() || path.contains("/")) {
            throw invalid(variable, "it names no database (postgresql://user:pass@host:port/db)");
        }
        String user = null;
        String pass = null;
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = decode(parts[0]);
            pass = parts.length > 1 ? decode(parts[1]) : null;
        }
        int port = uri.getPort() == -1 ? 5432 : uri.getPort();
        checkQuery(variable, uri.getRawQuery());
        return new DatabaseUrl(uri.getHost(), port, decode(path), user, pass, uri.getRawQuery());
    }

    /** The JDBC URL; with PgBouncer in transaction pooling, server-side prepared statements are turned off. */
    public String jdbcUrl(boolean pgBouncer) {
        StringBuilder url = new StringBuilder("jdbc:postgresql://").append(host).append(':').append(port).append('/').append(database);
        String params = query == null ? "" : query;
        if (pgBouncer) {
            params = params.isEmpty() ? "prepareThreshold=0" : params + "&prepareThreshold=0";
        }
        return params.isEmpty() ? url.toString() : url.append('?').append(params).toString();
    }

    @Override
    public String toString() {
        return "postgresql://" + (username == null ? "" : username + "@") + host + ":" + port + "/" + database;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /**
     * {@code sslrootcert} (the CA that verify-ca and verify-full check the server against) must be a readable file;
     * no password may hide in the query.
     */
    private static void checkQuery(String variable, String query) {
        if (query == null) {
            return;
        }
        for (String param : query.split("&")) {
            if (param.startsWith("password=")) {
                // The JDBC URL, query and all, is logged at start-up (Flyway's "Database: ..." line).
                throw new InvalidSettingsException(variable + ": give the password in the URL's user part "
                        + "(postgresql://user:password@host/db), not in its query, which is logged");
            }
            if (param.startsWith("sslrootcert=")) {
                String path = decode(param.substring("sslrootcert=".length()));
                if (!CertificateFiles.readablePem(path)) {
                    throw new InvalidSettingsException(variable + ": sslrootcert " + path + " is not a readable PEM certificate file");
                }
            }
        }
    }

    private static InvalidSettingsException invalid(String variable, String why) {
        return new InvalidSettingsException(variable + " is malformed: " + why);
    }
}
