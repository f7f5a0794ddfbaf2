package io.teleport.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.kqueue.KQueueChannelOption;
import io.netty.channel.kqueue.KQueueDomainSocketChannel;
import io.netty.channel.kqueue.KQueueIoHandler;
import io.netty.channel.kqueue.KQueueServerDomainSocketChannel;
import io.netty.channel.kqueue.KQueueServerSocketChannel;
import io.netty.channel.kqueue.KQueueSocketChannel;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringDomainSocketChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerDomainSocketChannel;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.jspecify.annotations.Nullable;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;

/**
 * The I/O layer's choices: the {@link TransportType} a peer uses (epoll, kqueue, io_uring or NIO), and
 * the event loops, channel classes and addresses for each {@link Network}. The {@link Network#LOCAL
 * local} network always uses Netty's local transport, whose channels register only on event loops of
 * {@link LocalIoHandler}: a local peer gets such a group rather than a socket one.
 */
public final class Transport {

    private final TransportType type;

    private Transport(TransportType type) {
        this.type = type;
    }

    /**
     * {@link #select select(AUTO)}, or NIO when the system property {@code teleport.transport.nio} is
     * {@code true}.
     */
    public static Transport detect() {
        return select(Boolean.getBoolean("teleport.transport.nio") ? TransportType.NIO : TransportType.AUTO);
    }

    /**
     * The transport {@code requested}: for {@link TransportType#AUTO} the first of epoll and kqueue
     * that loads here, else NIO.
     *
     * @throws IllegalStateException when a native transport is asked for by name and cannot load here,
     *     with the reason
     */
    public static Transport select(TransportType requested) {
        return new Transport(resolve(requested, TransportType::unavailabilityCause));
    }

    /** The choice, with how each native transport's availability is learnt. */
    static TransportType resolve(TransportType requested, java.util.function.Function<TransportType, @Nullable Throwable> why) {
        if (requested == TransportType.AUTO) {
            for (TransportType candidate : new TransportType[] {TransportType.EPOLL, TransportType.KQUEUE}) {
                if (why.apply(candidate) == null) {
                    return candidate;
                }
            }
            return TransportType.NIO;
        }
        Throwable cause = why.apply(requested);
        if (cause != null) {
            throw new IllegalStateException("transport " + requested.configName() + " cannot be used here: "
                    + reason(cause) + (missingJar(cause) ? " (use auto or nio, or add the netty-transport-native jar "
                    + "for this platform)" : " (use auto or nio)"), cause);
        }
        return requested;
    }

    /** The first message down the causes: Netty's is often on the error inside an initializer's. */
    private static String reason(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                return t.getMessage();
            }
        }
        return cause.toString();
    }

    /** Whether the transport's classes or native library are missing, rather than not for this system. */
    private static boolean missingJar(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof ClassNotFoundException || t instanceof NoClassDefFoundError || t instanceof UnsatisfiedLinkError) {
                return true;
            }
        }
        return false;
    }

    /** The transport in use: never {@link TransportType#AUTO}. */
    public TransportType type() {
        return type;
    }

    /** Whether the native epoll transport is used. */
    public boolean isEpoll() {
        return type == TransportType.EPOLL;
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
        IoHandlerFactory io = network == Network.LOCAL ? LocalIoHandler.newFactory() : switch (type) {
            case EPOLL -> EpollIoHandler.newFactory();
            case KQUEUE -> KQueueIoHandler.newFactory();
            case IO_URING -> IoUringIoHandler.newFactory();
            default -> NioIoHandler.newFactory();
        };
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, false), io);
    }

    /** The listening channel class for a network. */
    public Class<? extends ServerChannel> serverChannel(Network network) {
        if (network == Network.LOCAL) {
            return LocalServerChannel.class;
        }
        boolean unix = network == Network.UNIX;
        return switch (type) {
            case EPOLL -> unix ? EpollServerDomainSocketChannel.class : EpollServerSocketChannel.class;
            case KQUEUE -> unix ? KQueueServerDomainSocketChannel.class : KQueueServerSocketChannel.class;
            case IO_URING -> unix ? IoUringServerDomainSocketChannel.class : IoUringServerSocketChannel.class;
            default -> unix ? NioServerDomainSocketChannel.class : NioServerSocketChannel.class;
        };
    }

    /** The connecting channel class for a network. */
    public Class<? extends Channel> clientChannel(Network network) {
        if (network == Network.LOCAL) {
            return LocalChannel.class;
        }
        boolean unix = network == Network.UNIX;
        return switch (type) {
            case EPOLL -> unix ? EpollDomainSocketChannel.class : EpollSocketChannel.class;
            case KQUEUE -> unix ? KQueueDomainSocketChannel.class : KQueueSocketChannel.class;
            case IO_URING -> unix ? IoUringDomainSocketChannel.class : IoUringSocketChannel.class;
            default -> unix ? NioDomainSocketChannel.class : NioSocketChannel.class;
        };
    }

    /** The option that binds a listening socket with SO_REUSEPORT on this transport. */
    public ChannelOption<Boolean> reusePortOption() {
        return switch (type) {
            case EPOLL -> EpollChannelOption.SO_REUSEPORT;
            case KQUEUE -> KQueueChannelOption.SO_REUSEPORT;
            case IO_URING -> IoUringChannelOption.SO_REUSEPORT;
            default -> NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT);
        };
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
            return type == TransportType.NIO ? UnixDomainSocketAddress.of(address) : new DomainSocketAddress(address);
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
