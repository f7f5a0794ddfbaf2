package io.teleport.transport;

import org.jspecify.annotations.Nullable;

import java.util.Locale;

/** The networks a peer can listen on and dial, named as in Go. */
public enum Network {
    /** TCP over IPv4 or IPv6. */
    TCP("tcp"),
    /** TCP over IPv4 only. */
    TCP4("tcp4"),
    /** TCP over IPv6 only. */
    TCP6("tcp6"),
    /** Unix domain stream sockets; the address is a file path. */
    UNIX("unix");

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
        return this != UNIX;
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
                    + "SOCK_SEQPACKET sockets (supported: tcp, tcp4, tcp6, unix)");
        }
        throw new IllegalArgumentException("network: " + name + " (expected one of: tcp, tcp4, tcp6, unix)");
    }
}
