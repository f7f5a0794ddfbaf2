package io.teleport.transport;

import org.jspecify.annotations.Nullable;

import java.util.Locale;

/**
 * The networks a peer can listen on and dial, named as in Go, plus {@link #LOCAL}, which Go does not
 * have: it exists so that tests run a server and its clients in one JVM without opening a socket.
 */
public enum Network {
    /** TCP over IPv4 or IPv6. */
    TCP("tcp"),
    /** TCP over IPv4 only. */
    TCP4("tcp4"),
    /** TCP over IPv6 only. */
    TCP6("tcp6"),
    /** Unix domain stream sockets; the address is a file path. */
    UNIX("unix"),
    /**
     * Netty's in-JVM transport (Java only: no Go peer can reach it); the address is a name, written
     * {@code name} or {@code local:name}, that both sides of the same JVM agree on.
     */
    LOCAL("local");

    private final String goName;

    Network(String goName) {
        this.goName = goName;
    }

    /** The Go name, such as {@code tcp4}. */
    public String goName() {
        return goName;
    }

    /** Whether this is one of the TCP networks. */
    public boolean isTcp() {
        return this == TCP || this == TCP4 || this == TCP6;
    }

    /**
     * The network with this Go name, case-insensitive; {@code tcp} for {@code null} or blank.
     *
     * @throws IllegalArgumentException for anything else, {@code unixpacket} included, which the
     *     JVM cannot open
     */
    public static Network of(@Nullable String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        if (n.isEmpty()) {
            return TCP;
        }
        for (Network network : values()) {
            if (network.goName.equals(n)) {
                return network;
            }
        }
        if (n.equals("unixpacket")) {
            throw new IllegalArgumentException("network: unixpacket is not supported: the JVM cannot open "
                    + "SOCK_SEQPACKET sockets (supported: tcp, tcp4, tcp6, unix, local)");
        }
        throw new IllegalArgumentException("network: " + name + " (expected one of: tcp, tcp4, tcp6, unix, local)");
    }
}
