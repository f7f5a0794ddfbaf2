package io.teleport.internal.limits;

import io.teleport.limits.Limits;
import io.netty.channel.Channel;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalServerChannel;
import ch.qos.logback.classic.Level;
import io.teleport.internal.log.RefusalLogs;
import io.teleport.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gate on a listener's accepted channels, driven by hand: the listener is an embedded channel and
 * each accepted connection another, so that a batch past the bound, which a real listener produces
 * only by chance, happens every time.
 */
class AcceptGateTest {

    @RegisterExtension
    final LogCapture log = LogCapture.of(AcceptGate.class.getName(), Level.WARN);
    private final Counters counters = new Counters(new InboundBudget(1 << 20), Limits.defaults(), new RefusalLogs(), () -> Runnable::run, () -> 0);
    private final AcceptGate gate = new AcceptGate(2, 0, 0, counters, new RefusalLogs());

    /** {@code n} connections the listener accepts, one read each. */
    private static List<EmbeddedChannel> accept(EmbeddedChannel listener, int n) {
        List<EmbeddedChannel> accepted = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            EmbeddedChannel child = new EmbeddedChannel();
            accepted.add(child);
            listener.writeInbound(child);
        }
        return accepted;
    }

    @Test
    void atTheBoundTheListenerPausesAndAConnectionPastItWaitsForAPlace() {
        EmbeddedChannel listener = new EmbeddedChannel(gate);
        EmbeddedChannel first = new EmbeddedChannel();
        EmbeddedChannel second = new EmbeddedChannel();
        EmbeddedChannel third = new EmbeddedChannel();

        listener.writeInbound(first);
        assertThat(listener.config().isAutoRead()).isTrue();
        listener.writeInbound(second);
        assertThat(listener.config().isAutoRead()).as("paused at the bound").isFalse();
        assertThat(counters.acceptPauses()).isEqualTo(1);
        // Accepted in the same batch, past the bound: it waits, not yet handed to the acceptor.
        listener.writeInbound(third);
        assertThat(third.isOpen()).isTrue();
        assertThat(listener.<Object>readInbound()).isSameAs(first);
        assertThat(listener.<Object>readInbound()).as("handed on to the acceptor").isSameAs(second);
        assertThat(listener.<Object>readInbound()).as("the waiting one is not").isNull();
        assertThat(counters.acceptedConnections()).isEqualTo(2);

        first.close();
        listener.runPendingTasks();
        assertThat(listener.<Object>readInbound()).as("takes the place the first left").isSameAs(third);
        assertThat(listener.config().isAutoRead()).as("still full").isFalse();
        assertThat(counters.acceptedConnections()).isEqualTo(2);
        second.close();
        listener.runPendingTasks();
        assertThat(counters.acceptedConnections()).isEqualTo(1);
        assertThat(listener.config().isAutoRead()).as("accepting again below the bound").isTrue();
        third.close();
        assertThat(counters.acceptedConnections()).isZero();
        assertThat(counters.connectionsRefused()).isZero();
        listener.finishAndReleaseAll();
    }

    @Test
    void pastTheWaitingLineAConnectionIsClosedAndCounted() {
        EmbeddedChannel listener = new EmbeddedChannel(gate);
        List<EmbeddedChannel> all = new ArrayList<>();
        for (int i = 0; i < 2 + AcceptGate.MAX_WAITING + 1; i++) {
            EmbeddedChannel c = new EmbeddedChannel();
            all.add(c);
            listener.writeInbound(c);
        }
        assertThat(all.get(all.size() - 1).isOpen()).isFalse();
        assertThat(all.get(all.size() - 2).isOpen()).isTrue();
        assertThat(counters.connectionsRefused()).isEqualTo(1);
        // Closing the listener closes what waits on it.
        listener.close();
        assertThat(all.get(2).isOpen()).isFalse();
        all.forEach(Channel::close);
        listener.finishAndReleaseAll();
    }

    @Test
    void aWaitingConnectionWhoseListenerWentAwayBeforeItsTurnIsClosedAndItsPlaceFreed() {
        EmbeddedChannel listener = new EmbeddedChannel(gate);
        List<EmbeddedChannel> c = accept(listener, 3);
        EmbeddedChannel first = c.get(0);
        EmbeddedChannel second = c.get(1);
        EmbeddedChannel third = c.get(2);
        // As when the listener closes: its pipeline is taken down before the third's turn comes.
        listener.pipeline().remove(gate);
        first.close();
        listener.runPendingTasks();
        assertThat(third.isOpen()).isFalse();
        assertThat(counters.acceptedConnections()).as("only the second").isEqualTo(1);
        second.close();
        assertThat(counters.acceptedConnections()).isZero();
        listener.finishAndReleaseAll();
    }

    @Test
    void aListenerReadingAgainWhileFullIsPausedByTheNextConnection() {
        EmbeddedChannel listener = new EmbeddedChannel(gate);
        List<EmbeddedChannel> ab = accept(listener, 2);
        EmbeddedChannel a = ab.get(0);
        EmbeddedChannel b = ab.get(1);
        EmbeddedChannel c = new EmbeddedChannel();
        // As Netty's acceptor does a second after an accept error.
        listener.config().setAutoRead(true);
        listener.writeInbound(c);
        assertThat(listener.config().isAutoRead()).isFalse();
        a.close();
        b.close();
        c.close();
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

    /**
     * Closes on their own threads racing with accepts past the bound, on a real event loop: after
     * each round, with nothing open, the listener must be reading.
     */
    @Test
    void closesRacingWithAcceptsNeverLeaveTheListenerPausedWithNothingOpen() throws Exception {
        DefaultEventLoop loop = new DefaultEventLoop();
        AcceptGate one = new AcceptGate(1, 0, 0, counters, new RefusalLogs());
        LocalServerChannel listener = new LocalServerChannel();
        listener.pipeline().addLast(one);
        loop.register(listener).sync();
        listener.bind(new LocalAddress("accept-gate-race-" + System.nanoTime())).sync();
        try {
            for (int i = 0; i < 2_000; i++) {
                EmbeddedChannel accepted = new EmbeddedChannel();
                List<EmbeddedChannel> batch = new ArrayList<>();
                for (int k = 0; k < 5; k++) {
                    batch.add(new EmbeddedChannel());
                }
                loop.submit(() -> listener.pipeline().fireChannelRead(accepted)).sync();
                CyclicBarrier go = new CyclicBarrier(2);
                CountDownLatch closed = new CountDownLatch(1);
                Thread closer = new Thread(() -> {
                    await(go);
                    accepted.close();
                    closed.countDown();
                });
                closer.start();
                loop.submit(() -> {
                    await(go);
                    batch.forEach(c -> listener.pipeline().fireChannelRead(c));
                }).sync();
                assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();
                closer.join();
                // Each admitted one closes in turn, on its own thread, and hands its place on.
                for (int round = 0; round < batch.size(); round++) {
                    loop.submit(() -> { }).sync();
                    for (EmbeddedChannel c : batch) {
                        if (c.isOpen() && c.isRegistered()) {
                            c.close();
                        }
                    }
                }
                loop.submit(() -> { }).sync();
                loop.submit(() -> { }).sync();
                assertThat(counters.acceptedConnections()).as("round %d", i).isZero();
                assertThat(loop.submit(() -> listener.config().isAutoRead()).get()).as("reading, round %d", i).isTrue();
            }
        } finally {
            listener.close().sync();
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** An accepted channel from {@code ip}. */
    private static EmbeddedChannel from(String ip) throws Exception {
        java.net.InetSocketAddress address = new java.net.InetSocketAddress(java.net.InetAddress.getByName(ip), 40_000);
        return new EmbeddedChannel() {
            @Override
            protected java.net.SocketAddress remoteAddress0() {
                return address;
            }
        };
    }

    /**
     * An address holding over half of the places at the bound (hostile round 11): the listener reads on,
     * its connections past a full line are closed, its newest waiting one gives its spot to another
     * address's, and a freed place goes to another address first.
     */
    @Test
    void atTheBoundAnAddressHoldingOverHalfThePlacesCannotKeepTheOthersOut() throws Exception {
        EmbeddedChannel listener = new EmbeddedChannel(gate);
        List<EmbeddedChannel> crowd = new ArrayList<>();
        for (int i = 0; i < 2 + AcceptGate.MAX_WAITING; i++) {
            EmbeddedChannel c = from("10.0.0.1");
            crowd.add(c);
            listener.writeInbound(c);
        }
        assertThat(counters.acceptedConnections()).isEqualTo(2);
        assertThat(listener.config().isAutoRead()).as("reads on: another address may be waiting").isTrue();
        EmbeddedChannel past = from("10.0.0.1");
        listener.writeInbound(past);
        assertThat(past.isOpen()).as("past a full line").isFalse();
        assertThat(counters.crowdedAddressCloses()).isEqualTo(1);

        EmbeddedChannel other = from("10.0.0.2");
        listener.writeInbound(other);
        assertThat(other.isOpen()).isTrue();
        assertThat(crowd.get(crowd.size() - 1).isOpen()).as("gave its spot in the line").isFalse();
        assertThat(crowd.get(crowd.size() - 2).isOpen()).isTrue();
        assertThat(counters.crowdedAddressCloses()).isEqualTo(2);
        assertThat(counters.connectionsRefused()).isZero();

        assertThat(listener.<Object>readInbound()).isSameAs(crowd.get(0));
        assertThat(listener.<Object>readInbound()).isSameAs(crowd.get(1));
        crowd.get(0).close();
        listener.runPendingTasks();
        assertThat(listener.<Object>readInbound()).as("another address first, though it came last").isSameAs(other);
        crowd.get(1).close();
        listener.runPendingTasks();
        assertThat(listener.<Object>readInbound()).as("then the crowd's oldest").isSameAs(crowd.get(2));
        crowd.forEach(Channel::close);
        other.close();
        listener.runPendingTasks();
        assertThat(counters.acceptedConnections()).isZero();
        assertThat(listener.config().isAutoRead()).isTrue();
        listener.finishAndReleaseAll();
    }

    /**
     * What crowds the others out is more than half of the places taken, not of the connections held:
     * only one address can, and one with its connections waiting cannot take the label (third review).
     */
    @Test
    void theCrowdingAddressIsTheOneHoldingOverHalfOfThePlacesAndLosesItWhenItHoldsHalf() throws Exception {
        AcceptGate four = new AcceptGate(4, 0, 0, counters, new RefusalLogs());
        EmbeddedChannel listener = new EmbeddedChannel(four);
        EmbeddedChannel a1 = from("10.0.0.1");
        EmbeddedChannel a2 = from("10.0.0.1");
        EmbeddedChannel b1 = from("10.0.0.2");
        EmbeddedChannel b2 = from("10.0.0.2");
        listener.writeInbound(a1, a2, b1, b2);
        assertThat(listener.config().isAutoRead()).as("full, two halves: no crowd, paused").isFalse();
        // B's connections waiting in the line do not make it hold over half of the places.
        EmbeddedChannel b3 = from("10.0.0.2");
        EmbeddedChannel b4 = from("10.0.0.2");
        listener.writeInbound(b3, b4);
        assertThat(listener.config().isAutoRead()).as("still no crowd").isFalse();
        a1.close();
        listener.runPendingTasks();
        // b3 took a1's place: B holds three of four.
        assertThat(listener.config().isAutoRead()).as("B crowds: reading on for others").isTrue();
        b1.close();
        listener.runPendingTasks();
        // b4 took b1's place: B still holds three.
        assertThat(listener.config().isAutoRead()).isTrue();
        b2.close();
        listener.runPendingTasks();
        assertThat(counters.acceptedConnections()).isEqualTo(3);
        assertThat(listener.config().isAutoRead()).as("below the bound").isTrue();
        EmbeddedChannel a3 = from("10.0.0.1");
        listener.writeInbound(a3);
        assertThat(listener.config().isAutoRead()).as("full again, two halves: paused").isFalse();
        for (EmbeddedChannel c : List.of(a2, a3, b3, b4)) {
            c.close();
        }
        listener.runPendingTasks();
        assertThat(counters.acceptedConnections()).isZero();
        listener.finishAndReleaseAll();
    }

    @Test
    void anAddressAtItsBoundIsRefusedBeforeItTakesAPlaceOrASpotInTheLine() throws Exception {
        AcceptGate bounded = new AcceptGate(3, 2, 0, counters, new RefusalLogs());
        EmbeddedChannel listener = new EmbeddedChannel(bounded);
        EmbeddedChannel a1 = from("10.0.0.1");
        EmbeddedChannel a2 = from("10.0.0.1");
        EmbeddedChannel a3 = from("10.0.0.1");
        EmbeddedChannel b1 = from("10.0.0.2");
        EmbeddedChannel b2 = from("10.0.0.2");
        listener.writeInbound(a1, a2, a3);
        assertThat(a3.isOpen()).as("past its address's bound").isFalse();
        assertThat(counters.connectionsRefusedPerAddress()).isEqualTo(1);
        assertThat(counters.connectionsRefused()).isZero();
        assertThat(counters.acceptedConnections()).isEqualTo(2);
        listener.writeInbound(b1, b2);
        assertThat(counters.acceptedConnections()).as("the bound of all").isEqualTo(3);
        assertThat(b2.isOpen()).as("waits for a place: its address is under its bound").isTrue();
        // A waiting connection counts for its address too.
        EmbeddedChannel b3 = from("10.0.0.2");
        listener.writeInbound(b3);
        assertThat(b3.isOpen()).isFalse();
        assertThat(counters.connectionsRefusedPerAddress()).isEqualTo(2);

        a1.close();
        listener.runPendingTasks();
        assertThat(counters.acceptedConnections()).as("b2 took a1's place").isEqualTo(3);
        b1.close();
        listener.runPendingTasks();
        EmbeddedChannel a4 = from("10.0.0.1");
        listener.writeInbound(a4);
        assertThat(a4.isOpen()).as("10.0.0.1 holds one now").isTrue();
        for (EmbeddedChannel c : List.of(a2, a4, b2)) {
            c.close();
        }
        listener.runPendingTasks();
        assertThat(counters.acceptedConnections()).isZero();
        // Every count is back: the address may open its two again.
        EmbeddedChannel a5 = from("10.0.0.1");
        EmbeddedChannel a6 = from("10.0.0.1");
        listener.writeInbound(a5, a6);
        assertThat(a5.isOpen()).isTrue();
        assertThat(a6.isOpen()).isTrue();
        assertThat(counters.connectionsRefusedPerAddress()).isEqualTo(2);
        a5.close();
        a6.close();
        listener.finishAndReleaseAll();
    }

    @Test
    void anAcceptErrorPausesTheListenerForASecondAndIsLoggedOncePerIntervalWithoutAStack() {
        EmbeddedChannel listener = new EmbeddedChannel(gate);
        for (int i = 0; i < 5; i++) {
            listener.pipeline().fireExceptionCaught(new java.io.IOException("Too many open files"));
        }
        listener.checkException();
        assertThat(listener.config().isAutoRead()).as("backing off").isFalse();
        assertThat(log.events(Level.WARN)).singleElement().satisfies(e -> {
            assertThat(e.getFormattedMessage()).contains("listeners failed to accept").contains("Too many open files");
            assertThat(e.getThrowableProxy()).isNull();
        });
        listener.advanceTimeBy(1, TimeUnit.SECONDS);
        listener.runScheduledPendingTasks();
        assertThat(listener.config().isAutoRead()).as("back after a second").isTrue();

        // Full meanwhile: the back-off ends, the pause for the bound does not.
        listener.pipeline().fireExceptionCaught(new java.io.IOException("Too many open files"));
        accept(listener, 2);
        listener.advanceTimeBy(1, TimeUnit.SECONDS);
        listener.runScheduledPendingTasks();
        assertThat(listener.config().isAutoRead()).isFalse();
        listener.finishAndReleaseAll();
    }
}
