package io.teleport.spring.lifecycle;

import io.teleport.Peer;
import org.springframework.context.ApplicationEvent;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

/**
 * Published once the peer listens, as Boot publishes its web server's initialized event: with
 * {@code listen-address} port 0 only now is the port known, so a test, a registry client or a
 * readiness probe waits for this event rather than for the context.
 */
public final class TeleportServerStartedEvent extends ApplicationEvent {

    private static final long serialVersionUID = 1L;

    private final transient Peer peer;
    private final List<SocketAddress> addresses;

    /**
     * An event for {@code peer}, now listening on {@code addresses}.
     *
     * @param addresses the bound addresses, as the operating system (or Netty's local transport) gave them
     */
    public TeleportServerStartedEvent(Peer peer, List<SocketAddress> addresses) {
        super(peer);
        this.peer = peer;
        this.addresses = List.copyOf(addresses);
    }

    /** The peer that listens. */
    public Peer getPeer() {
        return peer;
    }

    /** The bound addresses: a TCP port 0 in the configuration is the chosen port here. */
    public List<SocketAddress> getAddresses() {
        return addresses;
    }

    /** The first bound TCP port, or -1 when the peer listens on a unix socket or the local network. */
    public int getPort() {
        return addresses.stream().filter(InetSocketAddress.class::isInstance)
                .mapToInt(a -> ((InetSocketAddress) a).getPort()).findFirst().orElse(-1);
    }
}
