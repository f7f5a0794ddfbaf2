package io.teleport.internal.limits;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

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
            assertThat(budget.reserveOrWait(8 * MIB, frame, 0, 0, () -> { })).isTrue();
        }
        assertThat(budget.used()).isEqualTo(32 * MIB);
        // The first to need more takes the rest of its frame (8 MiB) past the share, all at once ...
        assertThat(budget.reserveOrWait(MIB, frame, 8 * MIB, 0, a)).isTrue();
        assertThat(budget.used()).isEqualTo(40 * MIB);
        // ... and grows into it without taking more; another waits meanwhile.
        assertThat(budget.reserveOrWait(7 * MIB, frame, 9 * MIB, 0, a)).isTrue();
        assertThat(budget.used()).isEqualTo(40 * MIB);
        assertThat(budget.reserveOrWait(MIB, frame, 8 * MIB, 0, b)).isFalse();
        // Whole: its 16 MiB become its charge, and another may go past the share.
        budget.endOverdraft(a);
        assertThat(budget.reserveOrWait(MIB, frame, 8 * MIB, 0, b)).isTrue();
        assertThat(budget.used()).isEqualTo(48 * MIB);
    }

    @Test
    void theRestIsTakenOnlyUnderThreeQuartersAndItsUnusedPartIsGivenBack() {
        InboundBudget budget = new InboundBudget(64 * MIB);
        InboundBudget.Waiter a = () -> { };
        assertThat(budget.reserveOrWait(32 * MIB, 40 * MIB, 0, 0, () -> { })).as("alone: any size").isTrue();
        assertThat(budget.reserveOrWait(MIB, 32 * MIB, MIB, 0, a)).as("a rest of 31 MiB would pass 48 MiB").isFalse();
        assertThat(budget.reserveOrWait(MIB, 8 * MIB, MIB, 0, a)).isTrue();
        assertThat(budget.used()).isEqualTo(32 * MIB + 7 * MIB);
        // Its connection closed half-way: what it took beyond what it grew into comes back.
        budget.release(MIB);
        budget.cancel(a);
        assertThat(budget.used()).isEqualTo(32 * MIB);
    }

    @Test
    void framesOnTwoThreadsTakingTheOverdraftInTurnsLeaveTheBudgetAsTheyFoundIt() throws Exception {
        InboundBudget budget = new InboundBudget(64 * MIB);
        // The large frames' share full of frames that wait: each new one may only go past it.
        assertThat(budget.reserveOrWait(32 * MIB, 40 * MIB, 0, 0, () -> { })).isTrue();
        Runnable frames = () -> {
            for (int i = 0; i < 100_000; i++) {
                // A waiter of its own per frame, as each connection's gate is (a non-capturing lambda is one object).
                InboundBudget.Waiter gate = new InboundBudget.Waiter() {
                    @Override
                    public void roomFreed() {
                    }
                };
                // It takes the rest of itself (1 MiB) and grows into 64 KiB of it before it ends.
                if (budget.reserveOrWait(64 * 1024, 2 * MIB, MIB, 0, gate)) {
                    budget.release(64 * 1024);
                }
                budget.endOverdraft(gate);
                budget.cancel(gate);
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
        assertThat(budget.reserveOrWait(32 * MIB, 40 * MIB, 0, 0, () -> { })).isTrue();
        InboundBudget.Waiter first = () -> { };
        InboundBudget.Waiter second = woken::incrementAndGet;
        assertThat(budget.reserveOrWait(MIB, 8 * MIB, MIB, 0, first)).isTrue();
        assertThat(budget.reserveOrWait(MIB, 8 * MIB, MIB, 0, second)).as("the slot is taken").isFalse();
        budget.endOverdraft(first);
        assertThat(woken).as("woken to try again").hasValue(1);
        assertThat(budget.reserveOrWait(MIB, 8 * MIB, MIB, 0, second)).isTrue();
    }

    @Test
    void mediumFramesThatFillTheirShareLetOneTakeItsRestIntoHalfTheSmallFramesRoom() {
        InboundBudget budget = new InboundBudget(64 * MIB);
        long frame = 1000 * 1024;
        // Uploads of about a megabyte, half arrived each, one per connection: the medium frames' share
        // (seven eighths) fills.
        List<BudgetShare> uploads = new ArrayList<>();
        BudgetShare next;
        while ((next = connection(budget)).reserveOrWait(500 * 1024, frame, 0)) {
            uploads.add(next);
        }
        assertThat(uploads).hasSize((int) (56 * MIB / (500 * 1024)));
        assertThat(next.reserveOrWait(400 * 1024, frame, 0)).as("no room in the share").isFalse();
        // One that needs more than is left of the share takes its whole rest (500 KiB) past it.
        assertThat(uploads.get(0).reserveOrWait(400 * 1024, frame, 500 * 1024)).isTrue();
        assertThat(budget.used()).isEqualTo((uploads.size() + 1) * 500 * 1024L);
        assertThat(budget.used()).isLessThanOrEqualTo(64 * MIB - 64 * MIB / 16);
    }

    @Test
    void smallFramesHeldShortOfWholeLeaveTheLastSixteenthToFramesThatArriveWhole() {
        InboundBudget budget = new InboundBudget(8 * MIB);
        long frame = 64 * 1024;
        List<BudgetShare> slow = new ArrayList<>();
        BudgetShare next;
        // A slow sender's frames, each one byte short of whole, on as many connections as it likes.
        while ((next = connection(budget)).reserveOrWait(frame - 1, frame, 0)) {
            slow.add(next);
        }
        assertThat(budget.used()).isLessThanOrEqualTo(15 * MIB / 2).isGreaterThan(15 * MIB / 2 - frame);
        assertThat(slow).hasSize((int) (15 * MIB / 2 / (frame - 1)));
        // A call that arrived whole still fits, and so does the last byte of a frame that waited.
        assertThat(connection(budget).reserveOrWait(300, 300, 0)).isTrue();
        assertThat(slow.get(0).reserveOrWait(1, frame, frame - 1)).isTrue();
    }

    /**
     * Connections that each keep pulls queued hold the budget between them (hostile round 17: six hundred
     * of them, and a bystander's calls all timed out waiting with them for room): one holding little
     * next to them still finds room, for whole frames and ones still arriving alike.
     */
    @Test
    void aConnectionHoldingLittleFindsRoomThatHeavyOnesMayNotTake() {
        InboundBudget budget = new InboundBudget(MIB);
        long frame = 16 * 1024;
        List<BudgetShare> busy = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            busy.add(connection(budget));
        }
        int taken = 0;
        for (boolean room = true; room; ) {
            room = false;
            for (BudgetShare c : busy) {
                if (c.reserveOrWait(frame, frame, 0)) {
                    taken++;
                    room = true;
                }
            }
        }
        assertThat(budget.used()).as("heavy connections stop at thirteen sixteenths").isEqualTo(MIB / 16 * 13);
        assertThat(taken).isEqualTo(52);
        BudgetShare bystander = connection(budget);
        assertThat(bystander.reserveOrWait(20_000, 60_000, 0)).as("light: a frame still arriving").isTrue();
        assertThat(bystander.reserveOrWait(40_000, 60_000, 20_000)).as("and whole").isTrue();
        assertThat(busy.get(0).reserveOrWait(frame, frame, 0)).as("still heavy").isFalse();
        for (BudgetShare c : busy) {
            c.release(c.held());
        }
        bystander.release(60_000);
        assertThat(budget.used()).isZero();
        assertThat(budget.holderCount()).isZero();
    }

    @Test
    void holdersAreCountedExactlyWhileConnectionsTakeAndGiveBackOnManyThreads() throws Exception {
        InboundBudget budget = new InboundBudget(64 * MIB);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            BudgetShare shared = connection(budget);
            Runnable calls = () -> {
                // Two threads per connection, as a connection's frames (its I/O thread) and its finished
                // messages (handler threads) move its holding across zero at once.
                BudgetShare own = connection(budget);
                for (int i = 0; i < 100_000; i++) {
                    assertThat(shared.reserveOrWait(100, 100, 0)).isTrue();
                    assertThat(own.reserveOrWait(100, 100, 0)).isTrue();
                    shared.release(100);
                    own.release(100);
                }
            };
            threads.add(new Thread(calls));
            threads.add(new Thread(calls));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(budget.used()).isZero();
        assertThat(budget.holderCount()).isZero();
    }

    @Test
    void aConnectionAloneOrAwaitingRepliesIsLightWhateverItHolds() {
        InboundBudget budget = new InboundBudget(MIB);
        long frame = 16 * 1024;
        BudgetShare alone = connection(budget);
        for (int i = 0; i < 64; i++) {
            assertThat(alone.reserveOrWait(frame, frame, 0)).as("no one to leave room to").isTrue();
        }
        assertThat(budget.used()).isEqualTo(MIB);
        alone.release(MIB / 2);
        // Two connections, each holding far more than a quarter of an even split: one of them awaits
        // replies there (a nested call's reply may be what lets its pulls finish), so its frames fit.
        BudgetShare other = connection(budget);
        for (int i = 0; i < 20; i++) {
            assertThat(other.reserveOrWait(frame, frame, 0)).isTrue();
        }
        assertThat(alone.reserveOrWait(frame, frame, 0)).as("heavy, past thirteen sixteenths").isFalse();
        BudgetShare awaiting = new BudgetShare(budget, new InboundBudget.Waiter() {
            @Override
            public void roomFreed() {
            }

            @Override
            public boolean awaitsReplies() {
                return true;
            }
        });
        // Past six frames it holds more than a quarter of an even split among three (87 KB), as the others do.
        for (int i = 0; i < 8; i++) {
            assertThat(awaiting.reserveOrWait(frame, frame, 0)).as("frame %d, past thirteen sixteenths", i).isTrue();
        }
        assertThat(budget.used()).isGreaterThan(MIB / 16 * 13 + 7 * frame);
    }

    private static BudgetShare connection(InboundBudget budget) {
        return new BudgetShare(budget, () -> { });
    }
}
