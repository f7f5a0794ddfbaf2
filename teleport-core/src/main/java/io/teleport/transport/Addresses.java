package io.teleport.transport;

import io.netty.channel.unix.DomainSocketAddress;
import org.jspecify.annotations.Nullable;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** Formats addresses as Go does: {@code ip:port}, {@code [v6]:port}, or the socket path; message logs and {@code X-Real-IP} use it. */
public final class Addresses {

    private Addresses() {
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
        return String.valueOf(address);
    }
}
