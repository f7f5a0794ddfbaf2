package io.teleport.transport;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;

/**
 * The I/O layer's choices: epoll when the native transport is available, NIO otherwise, and the
 * channel classes and addresses for each {@link Network}. The {@link Network#LOCAL local} network
 * always uses Netty's local transport, whose channels register only on event loops of
 * {@link LocalIoHandler}: a local peer gets such a group rather than an epoll or NIO one.
 */
public final class Transport {

    private final boolean epoll;

    private Transport(boolean epoll) {
        this.epoll = epoll;
    }

    /**
     * Epoll when {@code netty-transport-native-epoll} is present and loads, unless the system
     * property {@code teleport.transport.nio} is {@code true}.
     */
    public static Transport detect() {
        return new Transport(!Boolean.getBoolean("teleport.transport.nio") && Epoll.isAvailable());
    }

    /** Whether the native epoll transport is used. */
    public boolean isEpoll() {
        return epoll;
    }

    /**
     * A new event loop group of {@code threads} threads (0 for Netty's default). Its threads are not
     * daemons, as in Netty: a listening peer keeps the JVM alive until it is closed.
     */
    public EventLoopGroup newEventLoopGroup(int threads, String name) {
        return newEventLoopGroup(Network.TCP, threads, name);
    }

    /**
     * A new event loop group for the channels of {@code network}, as {@link #newEventLoopGroup(int, String)}:
     * Netty's local channels need loops of their own kind.
     */
    public EventLoopGroup newEventLoopGroup(Network network, int threads, String name) {
        IoHandlerFactory io = network == Network.LOCAL ? LocalIoHandler.newFactory()
                : epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, false), io);
    }

    /** The listening channel class for a network. */
    public Class<? extends ServerChannel> serverChannel(Network network) {
        if (network == Network.LOCAL) {
            return LocalServerChannel.class;
        }
        if (network == Network.UNIX) {
            return epoll ? EpollServerDomainSocketChannel.class : NioServerDomainSocketChannel.class;
        }
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** The connecting channel class for a network. */
    public Class<? extends Channel> clientChannel(Network network) {
        if (network == Network.LOCAL) {
            return LocalChannel.class;
        }
        if (network == Network.UNIX) {
            return epoll ? EpollDomainSocketChannel.class : NioDomainSocketChannel.class;
        }
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /**
     * Resolves an address: {@code host:port}, {@code [v6]:port} or {@code :port} (every interface)
     * for TCP; a file path for {@code unix}; a name, or {@code local:name}, for {@code local}.
     *
     * @throws IllegalArgumentException for an address that does not fit the network
     */
    public SocketAddress resolve(Network network, String address) {
        Addresses.HostPort written = Addresses.parse(network, address);
        if (network == Network.LOCAL) {
            return new LocalAddress(Addresses.localName(address));
        }
        if (written == null) {
            return epoll ? new DomainSocketAddress(address) : UnixDomainSocketAddress.of(address);
        }
        String host = written.host();
        if (host.isEmpty()) {
            host = network == Network.TCP6 ? "::" : "0.0.0.0";
        }
        return new InetSocketAddress(pick(network, host, address), written.port());
    }

    private static InetAddress pick(Network network, String host, String address) {
        try {
            for (InetAddress candidate : InetAddress.getAllByName(host)) {
                if (network == Network.TCP
                        || (network == Network.TCP4 && candidate instanceof Inet4Address)
                        || (network == Network.TCP6 && candidate instanceof Inet6Address)) {
                    return candidate;
                }
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("address: " + address + ": unknown host " + host, e);
        }
        throw new IllegalArgumentException("address: " + address + " has no "
                + (network == Network.TCP4 ? "IPv4" : "IPv6") + " address for network " + network.goName());
    }
}
