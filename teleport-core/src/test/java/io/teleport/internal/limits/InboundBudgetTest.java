package io.teleport.internal.limits;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The peer-wide inbound budget's shares, and the one large frame that may take the rest of itself past its share. */
class InboundBudgetTest {

    private static final long MIB = 1024 * 1024;

    @Test
    void oneLargeFrameThatHasStartedTakesItsRestAtOnceAndGivesBackWhatItDidNotUse() {
        InboundBudget budget = new InboundBudget(64 * MIB);
        InboundBudget.Waiter a = () -> { };
        InboundBudget.Waiter b = () -> { };
        long frame = 16 * MIB;
        // Four frames of 16 MiB, 8 MiB of each arrived: the large frames' share (half) is full.
        for (int i = 0; i < 4; i++) {
            assertThat(budget.reserveOrWait(8 * MIB, frame, 0, () -> { })).isTrue();
        }
        assertThat(budget.used()).isEqualTo(32 * MIB);
        // The first to need more takes the rest of its frame (8 MiB) past the share, all at once ...
        assertThat(budget.reserveOrWait(MIB, frame, 8 * MIB, a)).isTrue();
        assertThat(budget.used()).isEqualTo(40 * MIB);
        // ... and grows into it without taking more; another waits meanwhile.
        assertThat(budget.reserveOrWait(7 * MIB, frame, 9 * MIB, a)).isTrue();
        assertThat(budget.used()).isEqualTo(40 * MIB);
        assertThat(budget.reserveOrWait(MIB, frame, 8 * MIB, b)).isFalse();
        // Whole: its 16 MiB become its charge, and another may go past the share.
        budget.endOverdraft(a);
        assertThat(budget.reserveOrWait(MIB, frame, 8 * MIB, b)).isTrue();
        assertThat(budget.used()).isEqualTo(48 * MIB);
    }

    @Test
    void theRestIsTakenOnlyUnderThreeQuartersAndItsUnusedPartIsGivenBack() {
        InboundBudget budget = new InboundBudget(64 * MIB);
        InboundBudget.Waiter a = () -> { };
        assertThat(budget.reserveOrWait(32 * MIB, 40 * MIB, 0, () -> { })).as("alone: any size").isTrue();
        assertThat(budget.reserveOrWait(MIB, 32 * MIB, MIB, a)).as("a rest of 31 MiB would pass 48 MiB").isFalse();
        assertThat(budget.reserveOrWait(MIB, 8 * MIB, MIB, a)).isTrue();
        assertThat(budget.used()).isEqualTo(32 * MIB + 7 * MIB);
        // Its connection closed half-way: what it took beyond what it grew into comes back.
        budget.release(MIB);
        budget.frameEnded(a);
        assertThat(budget.used()).isEqualTo(32 * MIB);
    }

    @Test
    void framesOnTwoThreadsTakingTheOverdraftInTurnsLeaveTheBudgetAsTheyFoundIt() throws Exception {
        InboundBudget budget = new InboundBudget(64 * MIB);
        // The large frames' share full of frames that wait: each new one may only go past it.
        assertThat(budget.reserveOrWait(32 * MIB, 40 * MIB, 0, () -> { })).isTrue();
        Runnable frames = () -> {
            for (int i = 0; i < 100_000; i++) {
                // A waiter of its own per frame, as each connection's gate is (a non-capturing lambda is one object).
                InboundBudget.Waiter gate = new InboundBudget.Waiter() {
                    @Override
                    public void roomFreed() {
                    }
                };
                // It takes the rest of itself (1 MiB) and grows into 64 KiB of it before it ends.
                if (budget.reserveOrWait(64 * 1024, 2 * MIB, MIB, gate)) {
                    budget.release(64 * 1024);
                }
                budget.endOverdraft(gate);
                budget.frameEnded(gate);
            }
        };
        Thread a = new Thread(frames);
        Thread b = new Thread(frames);
        a.start();
        b.start();
        a.join();
        b.join();
        assertThat(budget.used()).as("nothing taken past the share stays taken").isEqualTo(32 * MIB);
    }

    @Test
    void aClaimThatNoLongerFitsWakesWhoeverQueuedBehindIt() {
        InboundBudget budget = new InboundBudget(64 * MIB);
        java.util.concurrent.atomic.AtomicInteger woken = new java.util.concurrent.atomic.AtomicInteger();
        assertThat(budget.reserveOrWait(32 * MIB, 40 * MIB, 0, () -> { })).isTrue();
        InboundBudget.Waiter first = () -> { };
        InboundBudget.Waiter second = woken::incrementAndGet;
        assertThat(budget.reserveOrWait(MIB, 8 * MIB, MIB, first)).isTrue();
        assertThat(budget.reserveOrWait(MIB, 8 * MIB, MIB, second)).as("the slot is taken").isFalse();
        budget.endOverdraft(first);
        assertThat(woken).as("woken to try again").hasValue(1);
        assertThat(budget.reserveOrWait(MIB, 8 * MIB, MIB, second)).isTrue();
    }

    @Test
    void mediumFramesThatFillTheirShareLetOneTakeItsRestIntoHalfTheSmallFramesRoom() {
        InboundBudget budget = new InboundBudget(64 * MIB);
        InboundBudget.Waiter first = () -> { };
        long frame = 1000 * 1024;
        // 114 uploads of about a megabyte, half arrived each: the medium frames' share (7/8) all but full.
        for (int i = 0; i < 114; i++) {
            assertThat(budget.reserveOrWait(500 * 1024, frame, 0, () -> { })).isTrue();
        }
        InboundBudget.Waiter second = () -> { };
        assertThat(budget.reserveOrWait(400 * 1024, frame, 0, second)).as("no room in the share").isFalse();
        // One that needs more than is left of the share takes its whole rest (500 KiB) past it.
        assertThat(budget.reserveOrWait(400 * 1024, frame, 500 * 1024, first)).isTrue();
        assertThat(budget.used()).isEqualTo(115 * 500 * 1024L);
        assertThat(budget.used()).isLessThanOrEqualTo(64 * MIB - 64 * MIB / 16);
    }

    @Test
    void smallFramesHeldShortOfWholeLeaveTheLastEighthToFramesThatArriveWhole() {
        InboundBudget budget = new InboundBudget(8 * MIB);
        long frame = 64 * 1024;
        int held = 0;
        // A slow sender's frames, each one byte short of whole, on as many connections as it likes.
        while (budget.reserveOrWait(frame - 1, frame, 0, () -> { })) {
            held++;
        }
        assertThat(budget.used()).isLessThanOrEqualTo(8 * MIB - MIB).isGreaterThan(8 * MIB - MIB - frame);
        assertThat(held).isEqualTo((int) (7 * MIB / (frame - 1)));
        // A call that arrived whole still fits, and so does the last byte of a frame that waited.
        assertThat(budget.reserveOrWait(300, 300, 0, () -> { })).isTrue();
        assertThat(budget.reserveOrWait(1, frame, frame - 1, () -> { })).isTrue();
    }
}
