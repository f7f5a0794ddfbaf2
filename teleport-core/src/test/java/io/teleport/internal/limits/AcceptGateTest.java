package io.teleport.internal.limits;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gate on a listener's accepted channels, driven by hand: the listener is an embedded channel and
 * each accepted connection another, so that a batch past the bound, which a real listener produces
 * only by chance, happens every time.
 */
class AcceptGateTest {

    private final Counters counters = new Counters(new InboundBudget(1 << 20));
    private final AcceptGate gate = new AcceptGate(2, counters);

    @Test
    void atTheBoundTheListenerPausesAConnectionPastItIsClosedAndAClosePausesNoMore() {
        EmbeddedChannel listener = new EmbeddedChannel(gate);
        EmbeddedChannel first = new EmbeddedChannel();
        EmbeddedChannel second = new EmbeddedChannel();
        EmbeddedChannel third = new EmbeddedChannel();

        listener.writeInbound(first);
        assertThat(listener.config().isAutoRead()).isTrue();
        listener.writeInbound(second);
        assertThat(listener.config().isAutoRead()).as("paused at the bound").isFalse();
        assertThat(counters.acceptPauses()).isEqualTo(1);
        // Accepted in the same batch, past the bound.
        listener.writeInbound(third);
        assertThat(third.isOpen()).isFalse();
        assertThat(counters.connectionsRefused()).isEqualTo(1);
        assertThat(listener.<Object>readInbound()).isSameAs(first);
        assertThat(listener.<Object>readInbound()).as("handed on to the acceptor").isSameAs(second);
        assertThat(listener.<Object>readInbound()).as("the refused one is not").isNull();
        assertThat(counters.acceptedConnections()).isEqualTo(2);

        first.close();
        listener.runPendingTasks();
        assertThat(counters.acceptedConnections()).isEqualTo(1);
        assertThat(listener.config().isAutoRead()).as("accepting again below the bound").isTrue();
        second.close();
        assertThat(counters.acceptedConnections()).isZero();
        assertThat(listener.config().isAutoRead()).isTrue();
        listener.finishAndReleaseAll();
    }

    @Test
    void aListenerBoundWhileTheBoundIsReachedStartsPausedAndBothResumeTogether() {
        EmbeddedChannel one = new EmbeddedChannel(gate);
        EmbeddedChannel a = new EmbeddedChannel();
        EmbeddedChannel b = new EmbeddedChannel();
        one.writeInbound(a);
        one.writeInbound(b);
        EmbeddedChannel two = new EmbeddedChannel(gate);
        assertThat(two.config().isAutoRead()).isFalse();

        a.close();
        one.runPendingTasks();
        two.runPendingTasks();
        assertThat(one.config().isAutoRead()).isTrue();
        assertThat(two.config().isAutoRead()).isTrue();
        one.finishAndReleaseAll();
        two.finishAndReleaseAll();
        b.close();
    }
}
