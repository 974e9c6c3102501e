package dev.chorus.system;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An address range such as {@code 10.0.0.0/8} or {@code ::1/128} (a bare address is a range of one). Only IP
 * literals are accepted, never host names: neither a setting nor a header can make the server ask DNS.
 */
public final class Cidr {

    private static final Pattern IPV4 = Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private final byte[] network;
    private final int prefix;
    private final String text;

    private Cidr(byte[] network, int prefix, String text) {
        this.network = network;
        this.prefix = prefix;
        this.text = text;
    }

    /** Parses one range; throws {@link IllegalArgumentException} naming what is wrong. */
    public static Cidr parse(String text) {
        String trimmed = text.trim();
        int slash = trimmed.indexOf('/');
        String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
        byte[] bytes = literal(address).orElseThrow(() -> new IllegalArgumentException("'" + trimmed + "' is not an IP address or CIDR range"))
                .getAddress();
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(trimmed.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("'" + trimmed + "' has a prefix length outside 0-" + bits);
            }
        }
        return new Cidr(mask(bytes, prefix), prefix, trimmed);
    }

    /** A comma-separated list of ranges; blank entries are ignored. */
    public static List<Cidr> parseList(String list) {
        return Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(Cidr::parse).toList();
    }

    /** Whether {@code address} (an IP literal, IPv6 possibly in brackets) lies in this range; false for anything else. */
    public boolean contains(String address) {
        return literal(address).map(a -> contains(a.getAddress())).orElse(false);
    }

    private boolean contains(byte[] candidate) {
        return candidate.length == network.length && Arrays.equals(mask(candidate, prefix), network);
    }

    /** True when any of {@code ranges} contains {@code address}. */
    public static boolean anyContains(List<Cidr> ranges, String address) {
        Optional<InetAddress> parsed = literal(address);
        if (parsed.isEmpty()) {
            return false;
        }
        byte[] bytes = parsed.get().getAddress();
        for (Cidr range : ranges) {
            if (range.contains(bytes)) {
                return true;
            }
        }
        return false;
    }

    /** The address if {@code text} is an IPv4 or IPv6 literal; never a DNS lookup. */
    public static Optional<InetAddress> literal(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String candidate = text.trim();
        if (candidate.startsWith("[") && candidate.endsWith("]")) {
            candidate = candidate.substring(1, candidate.length() - 1);
        }
        if (candidate.length() > 45 || !(IPV4.matcher(candidate).matches() || IPV6.matcher(candidate).matches())) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(candidate)); // a literal: parsed, not resolved
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] masked = address.clone();
        for (int i = 0; i < masked.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            masked[i] &= (byte) (0xFF << (8 - keep));
        }
        return masked;
    }

    @Override
    public String toString() {
        return text;
    }
}
