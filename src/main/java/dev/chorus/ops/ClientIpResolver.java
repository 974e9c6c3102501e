package dev.chorus.ops;

import dev.chorus.system.Cidr;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The client's address (SPEC §2 TRUSTED_PROXIES): the peer, unless the peer is a trusted proxy; then the right-most
 * address that is not a trusted proxy, reading every {@code X-Forwarded-For} line in order as one list. A balancer
 * appends the address it saw (nginx to the line it forwards, HAProxy's {@code option forwardfor} as a line of its
 * own), so everything left of the last untrusted hop is the caller's to invent and is never believed. When every
 * hop is trusted the request began inside the trusted network, and its left-most hop is the client.
 */
@Component
public class ClientIpResolver {

    private static final String HEADER = "X-Forwarded-For";
    private static final int MAX_LENGTH = 64;

    private final List<Cidr> trusted;

    ClientIpResolver(@Value("${chorus.web.trusted-proxies:127.0.0.0/8,::1/128}") String trustedProxies) {
        this.trusted = Cidr.parseList(trustedProxies);
    }

    public String clientIp(HttpServletRequest request) {
        String peer = request.getRemoteAddr();
        if (!isTrusted(peer)) {
            return peer;
        }
        List<String> hops = forwardedHops(request);
        for (int i = hops.size() - 1; i >= 0; i--) {
            if (!isTrusted(hops.get(i))) {
                return clip(hops.get(i));
            }
        }
        return hops.isEmpty() ? peer : clip(hops.getFirst());
    }

    /** Every address of every X-Forwarded-For line, left to right, lines in the order they arrived. */
    private static List<String> forwardedHops(HttpServletRequest request) {
        List<String> hops = new ArrayList<>();
        for (String line : Collections.list(request.getHeaders(HEADER))) {
            for (String hop : line.split(",")) {
                String trimmed = hop.trim();
                if (!trimmed.isEmpty()) {
                    hops.add(trimmed);
                }
            }
        }
        return hops;
    }

    /** Whether the request came straight from a trusted proxy, whose X-Forwarded-* headers may then be believed. */
    public boolean fromTrustedProxy(HttpServletRequest request) {
        return isTrusted(request.getRemoteAddr());
    }

    private boolean isTrusted(String address) {
        return Cidr.anyContains(trusted, address);
    }

    private static String clip(String hop) {
        return hop.length() > MAX_LENGTH ? hop.substring(0, MAX_LENGTH) : hop;
    }
}
