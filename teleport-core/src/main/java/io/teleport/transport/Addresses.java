package io.teleport.transport;

import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.NetUtil;
import org.jspecify.annotations.Nullable;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Addresses as Go writes them: {@code ip:port}, {@code [v6]:port}, or the socket path. Formats them,
 * and reads their text without resolving it, so that a configuration is checked when it is loaded
 * rather than at its first dial. Message logs and {@code X-Real-IP} use the format. A
 * {@link Network#LOCAL local} address is a name, written {@code local:name} as Netty prints it.
 */
public final class Addresses {

    private Addresses() {
    }

    /** The prefix of a local address as Netty prints it, which a local address may be written with. */
    private static final String LOCAL_PREFIX = "local:";

    /** A TCP address as written: its host without brackets (empty for every interface) and its port. */
    record HostPort(String host, int port) {
    }

    /**
     * Checks the text of an address for a network, without resolving it: {@code host:port},
     * {@code [v6]:port} or {@code :port} with a port from 0 to 65535 for TCP, any path for unix, a
     * name (or {@code local:name}) for local.
     *
     * @throws IllegalArgumentException naming the address and what is expected
     */
    public static void check(Network network, @Nullable String address) {
        parse(network, address);
    }

    /**
     * The host and port of a TCP address, or {@code null} for a unix socket path or a local name.
     *
     * @throws IllegalArgumentException naming the address and what is expected
     */
    static @Nullable HostPort parse(Network network, @Nullable String address) {
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException("address: empty (expected: " + expected(network) + ")");
        }
        if (network == Network.LOCAL) {
            String name = localName(address);
            if (name.isBlank() || name.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("address: " + address + " (expected: " + expected(network) + ")");
            }
            return null;
        }
        if (network == Network.UNIX) {
            if (address.indexOf('/') < 0 && hostAndPort(address)) {
                // A peer has one network, which its dials use too: a backend's TCP address would be
                // taken for a file name, and fail only when dialed, blaming a missing file.
                throw new IllegalArgumentException("address: " + address + " (expected: a socket file path: the"
                        + " network unix is the peer's, for its dials too; host:port needs the network tcp)");
            }
            return null;
        }
        int colon = address.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("address: " + address + " (expected: host:port)");
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        // A colon in a host not in brackets, or a comma (a property set twice, joined), is no host:
        // as Go's SplitHostPort, so that the check before start-up catches what listening would.
        boolean bracketed = host.length() != colon;
        if (host.chars().anyMatch(c -> Character.isWhitespace(c) || c == '[' || c == ']' || c == '/' || c == ','
                || (c == ':' && !bracketed))) {
            throw new IllegalArgumentException("address: " + address + " (expected: host:port, or [v6]:port)");
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("address: " + address + (address.startsWith(LOCAL_PREFIX)
                    ? " (a local address needs the network local)" : " (expected: a port number after ':')"));
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("address: " + address + " (expected: port 0-65535)");
        }
        return new HostPort(host, port);
    }

    /**
     * Whether dialing {@code address} asks a name service first, which may block for seconds: a TCP
     * address whose host is a name other than {@code localhost}, not an IP literal. False for an
     * address that does not parse (its dial fails at once, saying why).
     */
    public static boolean needsLookup(Network network, String address) {
        if (!network.isTcp()) {
            return false;
        }
        HostPort written;
        try {
            written = parse(network, address);
        } catch (IllegalArgumentException e) {
            return false;
        }
        String host = written == null ? "" : written.host();
        return !host.isEmpty() && !host.equalsIgnoreCase("localhost") && !NetUtil.isValidIpV4Address(host)
                && !NetUtil.isValidIpV6Address(host);
    }

    /** Whether {@code address} reads as {@code host:port} (or {@code :port}): no spaces, a port number. */
    private static boolean hostAndPort(String address) {
        int colon = address.lastIndexOf(':');
        if (colon < 0 || colon == address.length() - 1 || address.chars().anyMatch(Character::isWhitespace)) {
            return false;
        }
        for (int i = colon + 1; i < address.length(); i++) {
            if (!Character.isDigit(address.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** The name of a local address, written {@code name} or {@code local:name}. */
    static String localName(String address) {
        return address.startsWith(LOCAL_PREFIX) ? address.substring(LOCAL_PREFIX.length()) : address;
    }

    private static String expected(Network network) {
        return switch (network) {
            case UNIX -> "a socket file path";
            case LOCAL -> "a name without spaces, or local:name";
            default -> "host:port";
        };
    }

    /**
     * {@link #format}, for a log line: a unix socket client's unnamed end, which formats as nothing, is
     * said to be one.
     */
    public static String describe(@Nullable SocketAddress address) {
        String formatted = format(address);
        return formatted.isEmpty() ? "a unix socket client" : formatted;
    }

    /** The Go form of an address; {@code "null"} for none, as Netty gives for a channel not connected. */
    public static String format(@Nullable SocketAddress address) {
        if (address instanceof InetSocketAddress) {
            InetSocketAddress inet = (InetSocketAddress) address;
            String host = inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
            if (inet.getAddress() instanceof Inet6Address) {
                int zone = host.indexOf('%');
                return "[" + (zone >= 0 ? host.substring(0, zone) : host) + "]:" + inet.getPort();
            }
            return host + ":" + inet.getPort();
        }
        if (address instanceof DomainSocketAddress) {
            return ((DomainSocketAddress) address).path();
        }
        // Netty's LocalAddress prints as local:name, the form a local address may be written in.
        return String.valueOf(address);
    }
}
