package io.teleport.internal.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.teleport.internal.limits.CrowdedAddresses;
import io.teleport.internal.session.DefaultSession;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.RejectedExecutionException;

/**
 * An accepted connection among the others of its address, for {@link CrowdedAddresses}; its decoder
 * counts the reads (a frame arriving slowly counts with each, TLS as its records come whole) and the
 * frames written. Not a handler of its own: an idle session, of which there may be a million, pays
 * this object and its place in the set of accepted connections, not a pipeline stage.
 */
final class CrowdMember implements CrowdedAddresses.Member {

    private final Channel channel;
    private final DefaultSession session;
    private final PacketDecoder decoder;
    private final InetAddress address;
    private int seen = -1;

    private CrowdMember(Channel channel, DefaultSession session, PacketDecoder decoder, InetAddress address) {
        this.channel = channel;
        this.session = session;
        this.decoder = decoder;
        this.address = address;
    }

    /** Counts {@code channel}, admitted by a listener's gate, with its address's until it closes; not a Unix socket's. */
    static void join(Channel channel, DefaultSession session, PacketDecoder decoder, CrowdedAddresses crowds) {
        if (!(channel.remoteAddress() instanceof InetSocketAddress remote) || remote.getAddress() == null) {
            return;
        }
        CrowdMember member = new CrowdMember(channel, session, decoder, remote.getAddress());
        crowds.add(member);
        channel.closeFuture().addListener(f -> crowds.remove(member));
    }

    @Override
    public InetAddress address() {
        return address;
    }

    @Override
    public int activity() {
        return decoder.activity();
    }

    @Override
    public boolean busy() {
        // A pull answered slowly, this side's own awaiting its reply, or bytes still going out to a slow
        // reader (write-stall-timeout judges one that takes none) are not idleness; a closed one is going.
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        return !channel.isActive() || session.activeHandlers() > 0 || session.pendingPulls() > 0
                || out != null && out.totalPendingWriteBytes() > 0;
    }

    @Override
    public int seen() {
        return seen;
    }

    @Override
    public void seen(int activity) {
        seen = activity;
    }

    @Override
    public void closeIfIdle(int seenActivity) {
        try {
            channel.eventLoop().execute(() -> {
                if (activity() != seenActivity || !channel.isActive() || busy()) {
                    return;
                }
                session.peer.counters.crowdedAddressCloses.increment();
                session.peer.logs.crowdedLog.record(String.valueOf(channel.remoteAddress()));
                channel.close();
            });
        } catch (RejectedExecutionException e) {
            // Its I/O thread is stopping: the peer is shutting down and closes it anyway.
        }
    }
}
