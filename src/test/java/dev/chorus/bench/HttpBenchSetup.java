package dev.chorus.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Sets up what {@code bin/chorus bench http} needs and prints it as {@code NAME=value} lines for the wrk scripts:
 * a user with a group holding some history ({@code CHORUS_TOKEN}, {@code CHORUS_GROUP}), a user the mixed profile
 * logs in as ({@code CHORUS_LOGIN_EMAIL}, {@code CHORUS_LOGIN_PASSWORD}), a run id for unique clientMessageIds
 * ({@code CHORUS_RUN}) and, with {@code --sessions N}, two pools of N login sessions' refresh tokens, one for the
 * warm-up and one for the measurement ({@code CHORUS_WARMUP_REFRESH_TOKENS}, {@code CHORUS_REFRESH_TOKENS}): a
 * refresh token is good for one use (presenting it again revokes its session), so no pool is used twice.
 *
 * <pre>HttpBenchSetup --url http://127.0.0.1:9080 --sessions 72</pre>
 */
public final class HttpBenchSetup {

    private static final int HISTORY = 20;

    private HttpBenchSetup() {
    }

    public static void main(String[] argv) {
        Map<String, String> args = new LinkedHashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            args.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
        }
        String url = args.get("url");
        if (url == null) {
            System.err.println("usage: HttpBenchSetup --url BALANCER [--sessions N]");
            System.exit(2);
        }
        setUp(new BenchApi(url), Integer.parseInt(args.getOrDefault("sessions", "0")))
                .forEach((name, value) -> System.out.println(name + "=" + value));
        System.exit(0);
    }

    static Map<String, String> setUp(BenchApi api, int sessions) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String token = api.newUser("bench-" + run + "-reader@example.test").path("accessToken").asString();
        String group = api.createGroup(token, "bench " + run);
        for (int i = 1; i <= HISTORY; i++) {
            api.postMessage(token, group, "history " + i);
        }
        String loginEmail = "bench-" + run + "-login@example.test";
        api.newUser(loginEmail);
        Map<String, String> out = new LinkedHashMap<>();
        out.put("CHORUS_RUN", run);
        out.put("CHORUS_TOKEN", token);
        out.put("CHORUS_GROUP", group);
        out.put("CHORUS_LOGIN_EMAIL", loginEmail);
        out.put("CHORUS_LOGIN_PASSWORD", BenchApi.PASSWORD);
        if (sessions > 0) {
            String refreshEmail = "bench-" + run + "-refresh@example.test";
            api.newUser(refreshEmail);
            out.put("CHORUS_WARMUP_REFRESH_TOKENS", String.join(",", refreshTokens(api, refreshEmail, sessions)));
            out.put("CHORUS_REFRESH_TOKENS", String.join(",", refreshTokens(api, refreshEmail, sessions)));
        }
        return out;
    }

    private static List<String> refreshTokens(BenchApi api, String email, int n) {
        return BenchApi.inParallel(n, i -> api.login(email).path("refreshToken").asString());
    }
}
