package io.teleport.internal.limits;

import io.teleport.internal.log.RefusalLogs;
import io.netty.channel.ChannelConfig;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.embedded.EmbeddedChannel;
import io.teleport.limits.Limits;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ReadGate} over the high water mark: reading stops while pulls of the other side are in flight
 * here (until their replies are written), except while this side awaits replies there itself.
 */
class ReadGateTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final InboundBudget budget = new InboundBudget(1 << 20);
    private final Counters counters = new Counters(budget, Limits.defaults(), new RefusalLogs(), () -> Runnable::run, () -> 0);
    private final ReadGate gate = new ReadGate(channel, budget, counters, Limits.defaults(), () -> false, () -> false);

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private void writable(boolean writable) {
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, writable);
    }

    /** Room served in line to a connection that then stops being read for its own load is not held meanwhile (a review). */
    @Test
    void roomServedToAConnectionThatStopsBeingReadForItsOwnLoadComesBack() {
        assertThat(budget.reserveOrWait(896 * 1024, 900 * 1024, 0, () -> { })).isTrue();
        assertThat(gate.reserveFrame(10 * 1024, 500 * 1024, 10 * 1024)).as("waits in line").isFalse();
        budget.release(10 * 1024);
        assertThat(budget.used()).as("served to it").isEqualTo(896 * 1024);
        gate.admit(0, true);
        writable(false);
        gate.writabilityChanged(false);
        assertThat(channel.config().isAutoRead()).isFalse();
        assertThat(budget.used()).as("given back as reading stopped").isEqualTo(886 * 1024);
    }

    @Test
    void overTheHighWaterMarkReadingStopsUntilWritableAgain() {
        gate.admit(0, true);
        writable(false);
        gate.writabilityChanged(false);
        assertThat(channel.config().isAutoRead()).isFalse();
        assertThat(counters.pausedSessions()).isEqualTo(1);

        writable(true);
        gate.writabilityChanged(false);
        assertThat(channel.config().isAutoRead()).isTrue();
        assertThat(counters.pausedSessions()).isZero();
    }

    @Test
    void withNothingOfTheOtherSideInFlightItReadsOnUntilSomethingIs() {
        writable(false);
        gate.writabilityChanged(false);
        assertThat(channel.config().isAutoRead()).as("only this side's own writes wait").isTrue();

        gate.admit(0, true);
        gate.recheckUnwritable(false);
        assertThat(channel.config().isAutoRead()).as("the other side's pulls may now fill the buffer").isFalse();

        gate.finished(0, true);
        channel.runPendingTasks();
        assertThat(channel.config().isAutoRead()).as("its message is done, its reply out").isTrue();
        assertThat(counters.pausedSessions()).isZero();
    }

    @Test
    void pushesInFlightDoNotStopReadingAtTheHighWaterMark() {
        gate.admit(0, false);
        writable(false);
        gate.writabilityChanged(false);
        assertThat(channel.config().isAutoRead()).as("a push adds no reply to the buffer").isTrue();
        gate.admit(0, true);
        gate.recheckUnwritable(false);
        assertThat(channel.config().isAutoRead()).isFalse();
        gate.finished(0, false);
        channel.runPendingTasks();
        assertThat(channel.config().isAutoRead()).as("a pull is still in flight").isFalse();
        gate.finished(0, true);
        channel.runPendingTasks();
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void awaitingRepliesItReadsOnAndStopsOnceItAwaitsNone() {
        gate.admit(0, true);
        writable(false);
        gate.writabilityChanged(true);
        assertThat(channel.config().isAutoRead()).as("its replies are what the other side waits to send").isTrue();
        assertThat(gate.readingUnwritable()).isTrue();

        gate.recheckUnwritable(true);
        assertThat(channel.config().isAutoRead()).isTrue();

        gate.recheckUnwritable(false);
        assertThat(channel.config().isAutoRead()).as("no reply awaited: back-pressure as before").isFalse();
        assertThat(gate.readingUnwritable()).isFalse();

        writable(true);
        gate.writabilityChanged(false);
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    /** A channel on which stopping reading lets a handler thread finish its message meanwhile. */
    private static final class FinishingWhilePausing extends EmbeddedChannel {
        volatile @Nullable Runnable onPause;
        private @Nullable DefaultChannelConfig config;

        @Override
        public synchronized ChannelConfig config() {
            if (config == null) {
                config = new DefaultChannelConfig(this) {
                    @Override
                    public ChannelConfig setAutoRead(boolean autoRead) {
                        Runnable finishing = onPause;
                        if (!autoRead && finishing != null) {
                            onPause = null;
                            Thread other = new Thread(finishing);
                            other.start();
                            try {
                                other.join();
                            } catch (InterruptedException e) {
                                throw new AssertionError(e);
                            }
                        }
                        return super.setAutoRead(autoRead);
                    }
                };
            }
            return config;
        }
    }

    @Test
    void theLastPullFinishingWhileReadingStopsDoesNotLeaveItStopped() {
        FinishingWhilePausing racing = new FinishingWhilePausing();
        ReadGate raced = new ReadGate(racing, budget, counters, Limits.defaults(), () -> false, () -> false);
        try {
            raced.admit(0, true);
            racing.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
            racing.onPause = () -> raced.finished(0, true);
            raced.writabilityChanged(false);
            racing.runPendingTasks();
            assertThat(racing.config().isAutoRead()).as("at the crossing").isTrue();

            raced.admit(0, true);
            racing.onPause = () -> raced.finished(0, true);
            raced.recheckUnwritable(false);
            racing.runPendingTasks();
            assertThat(racing.config().isAutoRead()).as("after a frame").isTrue();
        } finally {
            racing.finishAndReleaseAll();
        }
    }

    @Test
    void writableAgainWhileReadingOnClearsTheExemption() {
        writable(false);
        gate.writabilityChanged(true);
        writable(true);
        gate.writabilityChanged(true);
        assertThat(gate.readingUnwritable()).isFalse();
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void aConnectionThatStopsBeingReadGivesUpTheOverdraftItsFrameHeld() {
        long mib = 1 << 20;
        InboundBudget big = new InboundBudget(64 * mib);
        ReadGate holder = new ReadGate(channel, big, new Counters(big, Limits.defaults(), new RefusalLogs(), () -> Runnable::run, () -> 0), Limits.builder().maxInflightPerSession(1).build(), () -> false, () -> false);
        assertThat(big.reserveOrWait(32 * mib, 40 * mib, 0, () -> { })).isTrue();
        // A 16 MiB frame half here takes its rest (8 MiB) past the large frames' share.
        assertThat(holder.reserveFrame(1024, 16 * mib, 8 * mib)).isTrue();
        assertThat(big.used()).isEqualTo(40 * mib);
        // Its connection stops being read (a pull in flight at the limit): its frame's clock stops too, so
        // it must not keep the slot, nor the 8 MiB it has not grown into.
        holder.admit(0, true);
        assertThat(channel.config().isAutoRead()).isFalse();
        assertThat(big.used()).isEqualTo(32 * mib + 1024);
        InboundBudget.Waiter other = () -> { };
        assertThat(big.reserveOrWait(1024, 16 * mib, 8 * mib, other)).as("the slot is free for another").isTrue();
    }

    @Test
    void atTheInflightLimitItReadsOnOnlyWhileThisSideAwaitsRepliesAndRefusesWhatIsPastTheLimit() {
        java.util.concurrent.atomic.AtomicBoolean awaiting = new java.util.concurrent.atomic.AtomicBoolean();
        ReadGate two = new ReadGate(channel, budget, counters, Limits.builder().maxInflightPerSession(2).build(), awaiting::get, () -> false);
        assertThat(two.admit(0, true)).isEqualTo(Admission.WITHIN);
        assertThat(two.admit(0, true)).isEqualTo(Admission.WITHIN);
        assertThat(channel.config().isAutoRead()).as("at the limit, nothing awaited").isFalse();

        two.wrote();
        assertThat(channel.config().isAutoRead()).as("a write that awaits nothing changes nothing").isFalse();
        awaiting.set(true);
        two.wrote();
        assertThat(channel.config().isAutoRead()).as("a pull of this side's: its reply must be read").isTrue();
        assertThat(two.admit(0, false)).as("past the limit: it waits, counted until finished").isEqualTo(Admission.WAITS);
        two.finished(0, false);
        two.recheckInflight();
        assertThat(channel.config().isAutoRead()).isTrue();

        awaiting.set(false);
        two.recheckInflight();
        assertThat(channel.config().isAutoRead()).as("its reply came: at the limit again, stopped").isFalse();
        two.finished(0, true);
        channel.runPendingTasks();
        assertThat(channel.config().isAutoRead()).as("half done").isTrue();
        assertThat(counters.pausedSessions()).isZero();

        // Reading on is bounded too: what waits counts, up to twice the limit.
        awaiting.set(true);
        for (int i = 0; i < 3; i++) {
            assertThat(two.admit(0, true)).isEqualTo(i < 1 ? Admission.WITHIN : Admission.WAITS);
        }
        assertThat(channel.config().isAutoRead()).as("1 + 3 in flight: twice the limit").isFalse();
        two.finished(0, true);
        channel.runPendingTasks();
        assertThat(channel.config().isAutoRead()).as("one finished: reading on again").isTrue();
    }

    @Test
    void aRefusedMessageGivesItsBytesBackAtOnce() {
        InboundBudget small = new InboundBudget(1000);
        ReadGate one = new ReadGate(channel, small, new Counters(small, Limits.defaults(), new RefusalLogs(), () -> Runnable::run, () -> 0),
                Limits.builder().maxInflightPerSession(1).build(), () -> true, () -> false);
        assertThat(small.reserveOrWait(300, 300, 0, one)).isTrue();
        assertThat(small.reserveOrWait(300, 300, 0, one)).isTrue();
        assertThat(one.admit(300, true)).isEqualTo(Admission.WITHIN);
        assertThat(one.admit(300, true)).as("past the limit").isEqualTo(Admission.WAITS);
        one.givenBack(300);
        assertThat(small.used()).isEqualTo(300);
        one.finished(0, true);
        one.finished(300, true);
        assertThat(small.used()).isZero();
    }

    @Test
    void readOnForRepliesPastTheBytesLimitMessagesWaitUntilTwiceItWhereReadingStops() {
        Limits limits = Limits.builder().maxInflightPerSession(100).maxInflightBytesPerSession(1024).build();
        EmbeddedChannel ch = new EmbeddedChannel();
        try {
            ReadGate awaiting = new ReadGate(ch, budget, counters, limits, () -> true, () -> false);
            assertThat(awaiting.admit(700, false)).isEqualTo(Admission.WITHIN);
            assertThat(awaiting.admit(700, false)).as("the one that crosses the bytes limit").isEqualTo(Admission.WITHIN);
            assertThat(ch.config().isAutoRead()).as("read on for replies").isTrue();

            assertThat(awaiting.admit(700, false)).as("past the bytes limit, come under twice it: it waits")
                    .isEqualTo(Admission.WAITS);
            assertThat(ch.config().isAutoRead()).as("twice the limit in bytes: reading stops, whatever the count")
                    .isFalse();
            assertThat(awaiting.roomFor(1, 700)).as("what runs holds the limit").isFalse();
            assertThat(awaiting.admit(700, false)).as("past twice the limit: refused").isEqualTo(Admission.REFUSED);
            awaiting.givenBack(700);

            awaiting.finished(700, false);
            assertThat(awaiting.roomFor(1, 700)).as("what runs is under the limit again").isTrue();
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void whileAHandlerAwaitsAReplyReadingGoesOnPastTwiceTheLimitAndWhatIsPastItIsRefused() {
        Limits limits = Limits.builder().maxInflightPerSession(2).build();
        EmbeddedChannel ch = new EmbeddedChannel();
        java.util.concurrent.atomic.AtomicBoolean handlerAwaits = new java.util.concurrent.atomic.AtomicBoolean();
        try {
            ReadGate gate = new ReadGate(ch, budget, counters, limits, () -> true, handlerAwaits::get);
            for (int i = 0; i < 4; i++) {
                assertThat(gate.admit(0, true)).isEqualTo(i < 2 ? Admission.WITHIN : Admission.WAITS);
            }
            assertThat(ch.config().isAutoRead()).as("twice the limit, a pull of this side's awaited: stopped").isFalse();
            handlerAwaits.set(true);
            gate.wrote();
            assertThat(ch.config().isAutoRead()).as("a handler's nested pull: its reply must be read").isTrue();
            assertThat(gate.admit(0, true)).isEqualTo(Admission.REFUSED);
            assertThat(ch.config().isAutoRead()).as("refused, not stopped").isTrue();
            // Refusals the other side does not read count until written: at three times the limit, stopped.
            assertThat(gate.admit(0, true)).isEqualTo(Admission.REFUSED);
            assertThat(ch.config().isAutoRead()).as("2 + 2 waiting + 2 refusals unwritten").isFalse();
            gate.finished(0, true);
            ch.runPendingTasks();
            assertThat(ch.config().isAutoRead()).as("a refusal was written: reading on").isTrue();
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void withNoReplyAwaitedAMessagePastTheLimitNeverWaits() {
        Limits limits = Limits.builder().maxInflightPerSession(2).build();
        EmbeddedChannel ch = new EmbeddedChannel();
        try {
            ReadGate quiet = new ReadGate(ch, budget, counters, limits, () -> false, () -> false);
            assertThat(quiet.admit(10, false)).isEqualTo(Admission.WITHIN);
            assertThat(quiet.admit(10, false)).isEqualTo(Admission.WITHIN);
            assertThat(ch.config().isAutoRead()).isFalse();
            assertThat(quiet.admit(10, false)).isEqualTo(Admission.REFUSED);
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
