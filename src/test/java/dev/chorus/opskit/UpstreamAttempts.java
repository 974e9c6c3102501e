package dev.chorus.opskit;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeType;
import tools.jackson.databind.json.JsonMapper;

/**
 * The upstream attempts of one line of the balancer's access log ({@code deploy/nginx}'s JSON format): nginx
 * writes every instance it tried in {@code upstream} and their answers in {@code upstreamStatus}, in the same
 * order, separated by ", " (another try in the same upstream) or " : " (an internal redirect, e.g. to an error
 * page). {@code -} as a status means the instance gave no answer.
 */
record UpstreamAttempts(List<Attempt> attempts) {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String SEPARATORS = ", | : ";

    /** One instance tried: its address and its status code (-1 when it gave none). */
    record Attempt(String address, int status) {
        boolean isError() {
            return status < 0 || status >= 500;
        }
    }

    /** Empty for a line that is not one of the access log's JSON objects (nginx's own notes, a torn line). */
    static Optional<UpstreamAttempts> parse(String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JacksonException e) {
            return Optional.empty();
        }
        if (node == null || !node.isObject() || !isText(node.path("upstream"))) {
            return Optional.empty();
        }
        String[] addresses = node.path("upstream").asString().split(SEPARATORS);
        String[] statuses = (isText(node.path("upstreamStatus")) ? node.path("upstreamStatus").asString() : "").split(SEPARATORS);
        List<Attempt> attempts = new ArrayList<>();
        for (int i = 0; i < addresses.length; i++) {
            String address = addresses[i].strip();
            if (!address.isEmpty() && !address.equals("-")) {
                attempts.add(new Attempt(address, i < statuses.length ? status(statuses[i].strip()) : -1));
            }
        }
        return Optional.of(new UpstreamAttempts(List.copyOf(attempts)));
    }

    private static boolean isText(JsonNode node) {
        return node.getNodeType() == JsonNodeType.STRING;
    }

    private static int status(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException noAnswer) {
            return -1;
        }
    }
}
