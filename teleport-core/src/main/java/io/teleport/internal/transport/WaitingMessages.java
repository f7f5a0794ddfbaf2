package io.teleport.internal.transport;

import io.teleport.internal.limits.ReadGate;
import io.teleport.internal.session.InboundContext;
import org.jspecify.annotations.Nullable;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * Messages of one connection that came past its in-flight limit while it was read on for this side's
 * replies ({@link ReadGate#admit}), waiting for room rather than refused: stopping would leave the
 * replies unread (this side's pulls, a handler's nested call, a heartbeat's ping, timing out against a
 * peer that answered), and refusing would lose pushes that back-pressure would have kept. They stay
 * counted in flight, so that what comes past twice the limit is refused, and go to their handlers in
 * the order they came as messages finish (the replies that free their room are read meanwhile).
 *
 * <p>Event loop only, except {@link ReadGate#finished}, which hands {@link #drain} back to it.
 */
final class WaitingMessages {

    private final ReadGate gate;
    private final Consumer<InboundContext> start;
    private final Runnable drain = this::drain;
    /** Made by the first message that waits: most connections never have one. */
    private @Nullable ArrayDeque<InboundContext> waiting;
    /** What the waiting messages hold of the in-flight bytes. */
    private long waitingBytes;

    /** {@code start} hands a message to its handler, as a message within the limit is. */
    WaitingMessages(ReadGate gate, Consumer<InboundContext> start) {
        this.gate = gate;
        this.start = start;
    }

    /** Whether a message may go to its handler now: none waits before it. */
    boolean noneWaiting() {
        return waiting == null || waiting.isEmpty();
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
