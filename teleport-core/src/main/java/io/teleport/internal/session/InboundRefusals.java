package io.teleport.internal.session;

import io.teleport.internal.limits.Counters;
import io.teleport.internal.log.LogText;
import io.teleport.internal.log.RefusalLog;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Inbound messages refused before their handler runs: during a drain, when the executor is full, or
 * after waiting too long for a handler. A refused pull is answered, a refused push dropped; both
 * free their handler slot and bytes.
 */
final class InboundRefusals {

    // Under InboundContext's name, where these lines were logged before they moved here.
    private static final Logger log = LoggerFactory.getLogger(InboundContext.class);
    private static final Rerror SHUTTING_DOWN = new Rerror(Rerror.CODE_UNAVAILABLE, "Service Unavailable",
            Rerror.DETAIL_SHUTTING_DOWN);
    private static final Rerror SESSION_CLOSING = new Rerror(Rerror.CODE_UNAVAILABLE, "Service Unavailable",
            Rerror.DETAIL_SESSION_CLOSING);

    private InboundRefusals() {
    }

    /**
     * Refuses {@code message} without running its handler: a pull is answered {@code code}, a push is
     * dropped; either is counted and logged at most once per interval.
     *
     * @param why the executor's reason, for the log; {@code null} when the message expired
     */
    static void refuse(InboundContext message, int code, String detail, RefusalLog refusals, @Nullable String why) {
        boolean pull = message.request.type() == PacketType.PULL;
        PeerContext peer = message.session.peer;
        Counters counters = peer.counters;
        if (why == null) {
            counters.expired.increment();
        } else if (pull) {
            counters.pullsRefused.increment();
        } else {
            counters.pushesRefused.increment();
        }
        refusals.record((pull ? "pull " : "push ") + LogText.safe(message.request.uri(), peer.limits.logValueLimit())
                + " from " + message.session.id() + (why == null ? "" : ": " + why));
        if (pull) {
            message.reply(null, new Rerror(code, "Service Unavailable", detail));
        } else {
            message.finish();
        }
    }

    /**
     * Refuses {@code message} if it waited for a handler past {@link io.teleport.limits.Limits#maxQueueWait()}
     * since {@code queuedNanos}: its caller has likely given up.
     *
     * @return whether it was refused
     */
    static boolean ifExpired(InboundContext message, long queuedNanos) {
        PeerContext peer = message.session.peer;
        long maxWait = peer.limits.maxQueueWait().toNanos();
        if (maxWait <= 0 || peer.inline) {
            return false;
        }
        long waited = System.nanoTime() - queuedNanos;
        if (waited <= maxWait) {
            return false;
        }
        refuse(message, Rerror.CODE_UNAVAILABLE, "waited " + TimeUnit.NANOSECONDS.toMillis(waited)
                + " ms for a handler (limit " + TimeUnit.NANOSECONDS.toMillis(maxWait) + " ms)", peer.logs.expiredLog, null);
        return true;
    }

    /**
     * Refuses {@code message} if the peer is draining or the session closing ({@link PeerDrain}): a
     * pull is answered 503 "shutting down" (or "session closing", when the peer is not), a push dropped.
     *
     * @return whether it was refused
     */
    static boolean ifDraining(InboundContext message) {
        PeerDrain drain = message.session.peer.drain;
        if (!drain.refuses(message.session)) {
            return false;
        }
        boolean pull = message.request.type() == PacketType.PULL;
        drain.refused(pull);
        log.debug("{} {} from {} refused: draining", pull ? "pull" : "push", message.safeUri(),
                message.session.id());
        if (pull) {
            // Marked, so that the caller knows its later pulls on this connection are not run here.
            message.replyMeta().set(RemoteDrain.DRAINING_META, RemoteDrain.mark(message.session.channel()));
            message.reply(null, message.session.peer.closing ? SHUTTING_DOWN : SESSION_CLOSING);
        } else {
            message.finish();
        }
        return true;
    }
}
