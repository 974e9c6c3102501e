package dev.chorus.system;

import java.net.URI;
import java.net.URISyntaxException;

/** Checks a {@code redis://[:password@]host:port[/db]} or {@code rediss://} URL before Spring hands it to Lettuce. */
public final class RedisUrl {

    private RedisUrl() {
    }

    public static String validate(String value) {
        URI uri;
        try {
            uri = new URI(value.trim());
        } catch (URISyntaxException e) {
            throw invalid("it is not a URL");
        }
        if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
            throw invalid("the scheme must be redis:// or rediss://");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw invalid("it names no host");
        }
        String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        if (!path.isEmpty() && !path.matches("\\d{1,2}")) {
            throw invalid("the database must be a number (redis://host:port/0)");
        }
        return value.trim();
    }

    private static InvalidSettingsException invalid(String why) {
        return new InvalidSettingsException("REDIS_URL is malformed: " + why);
    }
}
