package dev.chorus.opskit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ToolOptionsTest {

    private static final Set<String> KNOWN = Set.of("instance", "timeout", "max-error-rate", "min-requests");

    @Test
    void repeatedOptionsPositionalWordsAndUnitsAreRead() {
        ToolOptions options = ToolOptions.parse(KNOWN, "verify", "--instance", "a=1", "--instance", "b=2:77",
                "--timeout", "2.5s", "--max-error-rate", "2%", "--min-requests", "30", "file.dump");
        assertThat(options.positional()).containsExactly("verify", "file.dump");
        assertThat(options.all("instance")).containsExactly("a=1", "b=2:77");
        assertThat(options.seconds("timeout", Duration.ZERO)).isEqualTo(Duration.ofMillis(2500));
        assertThat(options.fraction("max-error-rate", 1)).isEqualTo(0.02);
        assertThat(options.count("min-requests", 0)).isEqualTo(30);
        assertThat(options.seconds("stable-not-given", Duration.ofSeconds(3))).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void unknownOptionsMissingValuesAndMalformedNumbersAreRefusedByName() {
        assertThatThrownBy(() -> ToolOptions.parse(KNOWN, "--force")).hasMessageContaining("unknown option --force");
        assertThatThrownBy(() -> ToolOptions.parse(KNOWN, "--timeout")).hasMessageContaining("--timeout needs a value");
        assertThatThrownBy(() -> ToolOptions.parse(KNOWN, "--timeout", "--instance", "a=1")).hasMessageContaining("--timeout needs a value");
        assertThatThrownBy(() -> ToolOptions.parse(KNOWN, "--timeout", "-5").seconds("timeout", Duration.ZERO))
                .hasMessageContaining("--timeout must be a number of seconds");
        assertThatThrownBy(() -> ToolOptions.parse(KNOWN, "--timeout", "NaN").seconds("timeout", Duration.ZERO))
                .hasMessageContaining("--timeout must be a number of seconds");
        assertThatThrownBy(() -> ToolOptions.parse(KNOWN, "--max-error-rate", "150%").fraction("max-error-rate", 0))
                .hasMessageContaining("--max-error-rate must be a fraction");
        assertThatThrownBy(() -> ToolOptions.parse(KNOWN, "--min-requests", "1e3").count("min-requests", 0))
                .hasMessageContaining("--min-requests must be a whole number");
        assertThatThrownBy(() -> ToolOptions.parse(KNOWN).required("instance")).hasMessageContaining("--instance is required");
    }

    @Test
    void aHealthGateTargetIsNamePortAndOptionallyPid() {
        assertThat(HealthGate.Target.parse("chorus-4=48084:1234")).isEqualTo(new HealthGate.Target("chorus-4", 48084,
                java.util.Optional.of(1234L)));
        assertThat(HealthGate.Target.parse("chorus-4=48084").pid()).isEmpty();
        for (String bad : new String[] {"chorus-4", "=1", "chorus-4=0", "chorus-4=70000", "chorus-4=80:x", "a b=80", "x=80;rm"}) {
            assertThatThrownBy(() -> HealthGate.Target.parse(bad)).as(bad).hasMessageContaining("NAME=PORT[:PID]");
        }
    }
}
