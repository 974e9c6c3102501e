package dev.chorus.ops;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Arrays;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.security.web.util.matcher.IpAddressMatcher;
import org.springframework.stereotype.Component;

/**
 * The client's address: the peer, unless the peer is a trusted proxy (TRUSTED_PROXIES), in which case the
 * right-most X-Forwarded-For entry that is not itself a trusted proxy.
 */
@Component
public class ClientIpResolver {

    private final List<IpAddressMatcher> trusted;

    ClientIpResolver(@Value("${chorus.web.trusted-proxies:127.0.0.0/8,::1/128}") String trustedProxies) {
        this.trusted = Arrays.stream(trustedProxies.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .map(IpAddressMatcher::new)
                .toList();
    }

    public String clientIp(HttpServletRequest request) {
        String peer = request.getRemoteAddr();
        if (!isTrusted(peer)) {
            return peer;
        }
        String forwarded = request.getHeader("X-Forwarded-For");
        if (forwarded == null || forwarded.isBlank()) {
            return peer;
        }
        String[] hops = forwarded.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].trim();
            if (!hop.isEmpty() && !isTrusted(hop)) {
                return hop.length() > 64 ? hop.substring(0, 64) : hop;
            }
        }
        return peer;
    }

    /** Whether the request came straight from a trusted proxy, whose X-Forwarded-* headers may then be believed. */
    public boolean fromTrustedProxy(HttpServletRequest request) {
        return isTrusted(request.getRemoteAddr());
    }

    private boolean isTrusted(String address) {
        for (IpAddressMatcher matcher : trusted) {
            try {
                if (matcher.matches(address)) {
                    return true;
                }
            } catch (IllegalArgumentException notAnAddress) {
                return false;
            }
        }
        return false;
    }
}
