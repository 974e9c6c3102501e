package dev.chorus.support;

import java.util.LinkedHashMap;
import java.util.Map;

/** A JSON object built for a test: a valid body, then one thing made wrong. Immutable; unlike Map.of it takes nulls. */
public record JsonBody(Map<String, Object> fields) {

    public static JsonBody empty() {
        return new JsonBody(Map.of());
    }

    public static JsonBody of(String name, Object value) {
        return empty().with(name, value);
    }

    public JsonBody with(String name, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(fields);
        copy.put(name, value);
        return new JsonBody(copy);
    }

    public JsonBody without(String name) {
        Map<String, Object> copy = new LinkedHashMap<>(fields);
        copy.remove(name);
        return new JsonBody(copy);
    }

    public String json() {
        return Api.JSON.writeValueAsString(fields);
    }
}
