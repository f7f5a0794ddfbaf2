package io.teleport.internal.session;

import io.netty.channel.Channel;
import io.netty.channel.ChannelId;
import io.teleport.message.Packet;
import io.teleport.message.Rerror;
import io.teleport.transport.Addresses;
import org.jspecify.annotations.Nullable;

import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * Whether a session's remote said it is draining (a pull answered {@code 503} "shutting down" by a
 * draining peer of ours, which marks the refusal with {@link #DRAINING_META}), and which of this
 * side's pulls were written after it said so. Only the mark counts: a handler, or a proxy passing on
 * its backend's error, may answer the same 503 while its own peer runs pulls as usual. The mark
 * names the connection as the refusing peer sees it (this side's address), so that one passed on
 * by a proxy that copies reply metadata (erpc's does, errors included) names the proxy's own
 * connection, not this one, and is ignored; so is one across a NAT, which leaves 102 as before.
 *
 * <p>A draining peer starts no handler for a pull it reads once its drain began, and the connection
 * delivers in order: a pull written after such a refusal came back was read, if at all, after the
 * drain began, so it never ran there. When the connection then closes with it unanswered, it ends
 * with 104 (safe to send again), not 102 (it may have run): a rolling restart's callers, sending all
 * along, otherwise saw each pull in flight at the close end with an unknown outcome. Pulls written
 * before the refusal came back may have been taken before the drain began, and keep 102.
 */
final class RemoteDrain {

    /** The reply metadata a draining peer of ours adds to its refusals; a Go peer ignores it. */
    static final String DRAINING_META = "X-Teleport-Draining";

    private static final AtomicLongFieldUpdater<RemoteDrain> WRITES =
            AtomicLongFieldUpdater.newUpdater(RemoteDrain.class, "writes");

    /**
     * The remote's first refusal on a connection: the writes counted when it was seen. The connection
     * by its id, not itself: a session that redials keeps its notice, and would keep the dead channel.
     */
    private record Notice(ChannelId connection, long writes) {
    }

    /** Pulls written on the session's connections so far, counted on their I/O threads (two at once across a redial). */
    private volatile long writes;
    private volatile @Nullable Notice notice;

    /** A pull was written; returns its place in the order of writes. Called on the connection's I/O thread. */
    long wrote() {
        return WRITES.incrementAndGet(this);
    }

    /** {@code reply} came on {@code connection} with {@code rerror}: noted when it is a draining peer's refusal. */
    void replied(Rerror rerror, Packet reply, @Nullable Channel connection) {
        Notice seen = notice;
        if (connection != null && rerror.code() == Rerror.CODE_UNAVAILABLE && reply.hasMeta()
                && isOwnMark(reply.meta().peek(DRAINING_META), connection)
                && (seen == null || !seen.connection().equals(connection.id()))) {
            // The count when the refusal is seen here, or later: never fewer than were written before it came.
            notice = new Notice(connection.id(), writes);
        }
    }

    /** The mark a draining peer puts on its refusals on {@code accepted}: the remote's address. */
    static String mark(Channel accepted) {
        return Addresses.format(accepted.remoteAddress());
    }

    /** Whether {@code mark} names {@code connection} as this side's end of it, as its remote saw it. */
    private static boolean isOwnMark(@Nullable String mark, Channel connection) {
        return mark != null && !mark.isEmpty()
                && mark.equals(Addresses.format(connection.localAddress()));
    }

    /** Whether the pull written {@code writeOrder}-th, on {@code connection}, came after its remote said it drains. */
    boolean writtenAfterNotice(long writeOrder, Channel connection) {
        Notice seen = notice;
        return seen != null && seen.connection().equals(connection.id()) && writeOrder > seen.writes();
    }
}
