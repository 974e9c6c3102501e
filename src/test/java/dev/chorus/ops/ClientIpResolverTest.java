package dev.chorus.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

class ClientIpResolverTest {

    final ClientIpResolver resolver = new ClientIpResolver("127.0.0.1/32,10.0.0.0/8");

    static MockHttpServletRequest from(String peer, String... forwardedLines) {
        MockHttpServletRequest request = new MockHttpServletRequest();
        request.setRemoteAddr(peer);
        for (String line : forwardedLines) {
            request.addHeader("X-Forwarded-For", line);
        }
        return request;
    }

    @Test
    void anUntrustedPeerIsTheClientWhateverItForwards() {
        assertThat(resolver.clientIp(from("203.0.113.7", "198.51.100.1"))).isEqualTo("203.0.113.7");
    }

    @Test
    void behindATrustedProxyTheRightMostUntrustedAddressIsTheClient() {
        assertThat(resolver.clientIp(from("127.0.0.1", "198.51.100.1, 203.0.113.7"))).isEqualTo("203.0.113.7");
        assertThat(resolver.clientIp(from("127.0.0.1", "198.51.100.1, 203.0.113.7, 10.1.1.1"))).isEqualTo("203.0.113.7");
    }

    @Test
    void everyHeaderLineCountsInOrderSoASpoofedFirstLineIsNotBelieved() {
        // HAProxy's option forwardfor: the client's own line first, the balancer's line (what it saw) last.
        assertThat(resolver.clientIp(from("127.0.0.1", "6.6.6.6", "203.0.113.7"))).isEqualTo("203.0.113.7");
        assertThat(resolver.clientIp(from("127.0.0.1", "6.6.6.6, 7.7.7.7", "8.8.8.8", "203.0.113.7, 10.0.0.9"))).isEqualTo("203.0.113.7");
    }

    @Test
    void junkHopsAreNeverTrustedAndEmptyOnesAreSkipped() {
        assertThat(resolver.clientIp(from("127.0.0.1", "203.0.113.7, , ", "not-an-ip"))).isEqualTo("not-an-ip");
        assertThat(resolver.clientIp(from("127.0.0.1", "x".repeat(200)))).hasSize(64);
    }

    @Test
    void whenEveryHopIsTrustedTheLeftMostIsTheClientAndWithoutHopsThePeerIs() {
        assertThat(resolver.clientIp(from("127.0.0.1", "10.0.0.3, 10.0.0.2"))).isEqualTo("10.0.0.3");
        assertThat(resolver.clientIp(from("127.0.0.1"))).isEqualTo("127.0.0.1");
    }
}
