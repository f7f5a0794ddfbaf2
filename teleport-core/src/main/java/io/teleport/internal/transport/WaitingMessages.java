package io.teleport.internal.transport;

import io.teleport.internal.limits.ReadGate;
import io.teleport.internal.session.DefaultSession;
import io.teleport.internal.session.InboundContext;
import org.jspecify.annotations.Nullable;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * Messages of one connection that came past its in-flight limit while it was read on for this side's
 * replies ({@link ReadGate#admit}), waiting for room rather than refused: stopping would leave the
 * replies unread (this side's pulls, a heartbeat's ping, timing out against a peer that answered), and
 * refusing would lose pushes that back-pressure would have kept. They stay counted in flight, so that
 * reading stops at twice the limit, and go to their handlers in the order they came as messages finish.
 * None waits while a handler of the session awaits a reply there (a nested call): what is past the limit
 * is refused then, as it finishes at once, since waiting messages would fill twice the limit and stop
 * reading before the reply that handler waits for.
 *
 * <p>Event loop only, except {@link ReadGate#finished}, which hands {@link #drain} back to it.
 */
final class WaitingMessages {

    private final ReadGate gate;
    private final DefaultSession session;
    private final Consumer<InboundContext> start;
    private final Runnable drain = this::drain;
    /** Made by the first message that waits: most connections never have one. */
    private @Nullable ArrayDeque<InboundContext> waiting;
    /** What the waiting messages hold of the in-flight bytes. */
    private long waitingBytes;

    /** {@code start} hands a message to its handler, as a message within the limit is. */
    WaitingMessages(ReadGate gate, DefaultSession session, Consumer<InboundContext> start) {
        this.gate = gate;
        this.session = session;
        this.start = start;
    }

    /** Whether a message may go to its handler now: none waits before it. */
    boolean noneWaiting() {
        return waiting == null || waiting.isEmpty();
    }

    /** Whether a message past the limit waits rather than being refused. */
    boolean mayWait() {
        return gate.mayWait() && !session.awaitsNestedReplies();
    }

    /** Queues {@code message}, admitted, behind those waiting; it goes as soon as there is room. */
    void add(InboundContext message) {
        if (waiting == null) {
            waiting = new ArrayDeque<>();
        }
        if (waiting.isEmpty()) {
            gate.deferring(drain);
        }
        waiting.add(message);
        waitingBytes += message.charge;
        drain();
    }

    /** Hands waiting messages to their handlers while there is room (a message finished). */
    private void drain() {
        while (waiting != null && !waiting.isEmpty() && gate.roomFor(waiting.size(), waitingBytes)) {
            InboundContext next = waiting.poll();
            waitingBytes -= next.charge;
            start.accept(next);
        }
        if (waiting != null && waiting.isEmpty()) {
            gate.deferring(null);
        }
    }

    /**
     * A handler of the session made a nested call on it (event loop, as it is written): the messages
     * waiting are refused now, as they would have been had they come after it, since counted in flight
     * they could stop reading before its reply (reading on at the limit stops at twice it).
     */
    void nestedCallStarted() {
        if (noneWaiting() || !session.awaitsNestedReplies()) {
            return;
        }
        gate.deferring(null);
        while (!waiting.isEmpty()) {
            InboundContext next = waiting.poll();
            waitingBytes -= next.charge;
            next.refuseOverInflight();
        }
    }

    /**
     * The connection closed: every waiting message goes now, room or not. Each was received whole; a
     * push is handled still, a pull dropped by its handler's first look (nobody would get its reply).
     */
    void closed() {
        gate.deferring(null);
        while (waiting != null && !waiting.isEmpty()) {
            InboundContext next = waiting.poll();
            waitingBytes -= next.charge;
            start.accept(next);
        }
    }
}
