package io.teleport.transport;

import io.netty.handler.ssl.SslContext;
import org.jspecify.annotations.Nullable;

/**
 * The TLS contexts a peer's new connections use: those of its configuration at first
 * ({@code PeerConfig.serverSslContext()} for the connections it accepts, {@code clientSslContext()} for
 * those it dials). They can be replaced while the peer runs, when a certificate or the trusted ones are
 * renewed: connections made afterwards use the new context, while open ones keep the one their handshake
 * used, as TLS gives a connection its certificate once. A role without TLS cannot be given it this way:
 * the other side of its connections speaks plain TCP.
 */
public final class TlsContexts {

    private volatile @Nullable SslContext server;
    private volatile @Nullable SslContext client;

    /** The contexts of a peer's configuration; {@code null} for a role without TLS. */
    public TlsContexts(@Nullable SslContext server, @Nullable SslContext client) {
        this.server = server;
        this.client = client;
    }

    /** The context of the connections the peer accepts from now on; {@code null} for plain TCP. */
    public @Nullable SslContext server() {
        return server;
    }

    /** The context of the connections the peer dials from now on (redials included); {@code null} for plain TCP. */
    public @Nullable SslContext client() {
        return client;
    }

    /**
     * Replaces the contexts of the roles given; {@code null} keeps a role's context as it is.
     *
     * @throws IllegalArgumentException for a client context given as the server's, or the reverse
     * @throws IllegalStateException for a role that has no TLS
     */
    public synchronized void replace(@Nullable SslContext server, @Nullable SslContext client) {
        if (server != null) {
            check(server.isServer(), this.server, "server", "accepts");
        }
        if (client != null) {
            check(client.isClient(), this.client, "client", "dials");
        }
        if (server != null) {
            this.server = server;
        }
        if (client != null) {
            this.client = client;
        }
    }

    private static void check(boolean rightRole, @Nullable SslContext current, String role, String what) {
        if (!rightRole) {
            throw new IllegalArgumentException(role + ": not a " + role + " context (expected: SslContextBuilder.for"
                    + Character.toUpperCase(role.charAt(0)) + role.substring(1) + ")");
        }
        if (current == null) {
            throw new IllegalStateException(role + ": the connections this peer " + what + " are plain TCP; TLS is "
                    + "chosen when the peer is built (PeerConfig." + role + "SslContext)");
        }
    }
}
