package dev.chorus.opskit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chorus.opskit.CanaryTally.Verdict;
import dev.chorus.opskit.UpstreamAttempts.Attempt;
import java.util.List;
import org.junit.jupiter.api.Test;

class CanaryTallyTest {

    private static final String CANARY = "127.0.0.1:4003";

    @Test
    void anAccessLogLineGivesEveryInstanceTriedWithItsStatusInOrder() {
        String line = "{\"time\":\"2026-11-29T12:00:00+00:00\",\"requestId\":\"r1\",\"client\":\"127.0.0.1\",\"method\":\"GET\","
                + "\"uri\":\"/api/users/me\",\"status\":200,\"bytes\":90,\"requestTime\":0.004,"
                + "\"upstream\":\"127.0.0.1:4003, 127.0.0.1:4001\",\"upstreamStatus\":\"502, 200\",\"upstreamTime\":\"0.001, 0.003\"}";
        assertThat(UpstreamAttempts.parse(line).orElseThrow().attempts())
                .containsExactly(new Attempt("127.0.0.1:4003", 502), new Attempt("127.0.0.1:4001", 200));
    }

    @Test
    void anInternalRedirectAndAMissingAnswerAreReadAsNginxWritesThem() {
        String line = "{\"upstream\":\"127.0.0.1:4003 : 127.0.0.1:4001\",\"upstreamStatus\":\"- : 200\",\"status\":200}";
        List<Attempt> attempts = UpstreamAttempts.parse(line).orElseThrow().attempts();
        assertThat(attempts).containsExactly(new Attempt("127.0.0.1:4003", -1), new Attempt("127.0.0.1:4001", 200));
        assertThat(attempts.getFirst().isError()).isTrue();
    }

    @Test
    void linesThatAreNotAccessLogEntriesAreSkippedAndOnesWithoutAnUpstreamCountForNoInstance() {
        assertThat(UpstreamAttempts.parse("2026/11/29 12:00:00 [warn] 12#12: something")).isEmpty();
        assertThat(UpstreamAttempts.parse("{\"upstream\": 5")).isEmpty();
        assertThat(UpstreamAttempts.parse("[1,2]")).isEmpty();
        assertThat(UpstreamAttempts.parse("{\"upstream\":\"\",\"upstreamStatus\":\"\",\"status\":413}").orElseThrow().attempts()).isEmpty();
    }

    @Test
    void aCanaryOverTheErrorRateIsRolledBackAsSoonAsEnoughRequestsReachedIt() {
        CanaryTally tally = new CanaryTally(CANARY, 0.05, 10);
        add(tally, CANARY, 500, 1);
        add(tally, "127.0.0.1:4001", 500, 50); // another instance's errors are not the canary's
        add(tally, CANARY, 201, 8);
        assertThat(tally.judge(false)).isInstanceOf(Verdict.Undecided.class);
        add(tally, CANARY, 201, 1);
        assertThat(tally.judge(false)).isInstanceOfSatisfying(Verdict.RollBack.class,
                v -> assertThat(v.reason()).contains("error rate 10.0 % over 10 requests", "5.0 % allowed"));
    }

    @Test
    void aCanaryWithinTheLimitIsPromotedOnlyWhenTheWatchIsOver() {
        CanaryTally tally = new CanaryTally(CANARY, 0.05, 10);
        add(tally, CANARY, 200, 99);
        add(tally, CANARY, 503, 1);
        assertThat(tally.judge(false)).isInstanceOf(Verdict.Undecided.class);
        assertThat(tally.judge(true)).isInstanceOfSatisfying(Verdict.Promote.class,
                v -> assertThat(v.reason()).contains("error rate 1.0 % over 100 requests"));
    }

    @Test
    void tooLittleTrafficToJudgeRollsBack() {
        CanaryTally tally = new CanaryTally(CANARY, 0.05, 20);
        add(tally, CANARY, 200, 19);
        assertThat(tally.judge(true)).isInstanceOfSatisfying(Verdict.RollBack.class,
                v -> assertThat(v.reason()).contains("only 19 requests reached the canary, at least 20"));
    }

    @Test
    void aRuleThatCouldNeverJudgeIsRefused() {
        assertThatThrownBy(() -> new CanaryTally(CANARY, 0.05, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void add(CanaryTally tally, String upstream, int status, int times) {
        for (int i = 0; i < times; i++) {
            tally.add(new UpstreamAttempts(List.of(new Attempt(upstream, status))));
        }
    }
}
