package dev.chorus.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CidrTest {

    @Test
    void aRangeContainsExactlyTheAddressesUnderItsPrefix() {
        Cidr ten = Cidr.parse("10.0.0.0/8");
        assertThat(ten.contains("10.0.0.0")).isTrue();
        assertThat(ten.contains("10.255.255.255")).isTrue();
        assertThat(ten.contains("11.0.0.0")).isFalse();
        assertThat(ten.contains("9.255.255.255")).isFalse();
        Cidr private172 = Cidr.parse("172.16.0.0/12");
        assertThat(private172.contains("172.31.255.255")).isTrue();
        assertThat(private172.contains("172.32.0.0")).isFalse();
    }

    @Test
    void aBareAddressIsARangeOfOneAndSlashZeroIsEverything() {
        assertThat(Cidr.parse("127.0.0.1").contains("127.0.0.1")).isTrue();
        assertThat(Cidr.parse("127.0.0.1").contains("127.0.0.2")).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").contains("203.0.113.9")).isTrue();
        assertThat(Cidr.parse("::/0").contains("2001:db8::1")).isTrue();
    }

    @Test
    void ipv6RangesMatchIpv6AddressesWithOrWithoutBrackets() {
        Cidr loopback = Cidr.parse("::1/128");
        assertThat(loopback.contains("::1")).isTrue();
        assertThat(loopback.contains("0:0:0:0:0:0:0:1")).isTrue();
        assertThat(loopback.contains("[::1]")).isTrue();
        assertThat(Cidr.parse("fc00::/7").contains("fd12:3456::1")).isTrue();
        assertThat(Cidr.parse("fc00::/7").contains("fe80::1")).isFalse();
        assertThat(loopback.contains("127.0.0.1")).isFalse();
        assertThat(Cidr.parse("127.0.0.0/8").contains("::1")).isFalse();
    }

    @Test
    void anythingThatIsNotAnAddressIsInNoRangeAndIsNeverLookedUp() {
        List<Cidr> everything = Cidr.parseList("0.0.0.0/0,::/0");
        for (String junk : new String[] {"localhost", "example.com", "999.1.1.1", "1.2.3", "", "unknown", "1.2.3.4:80", "_hidden", null}) {
            assertThat(Cidr.anyContains(everything, junk)).as(String.valueOf(junk)).isFalse();
        }
    }

    @Test
    void malformedRangesAreRefused() {
        for (String bad : new String[] {"10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/x", "10.0.0", "db.internal", "10.0.0.0/8/8"}) {
            assertThatThrownBy(() -> Cidr.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(Cidr.parseList(" 10.0.0.0/8 , ,::1 ")).hasSize(2);
    }
}
