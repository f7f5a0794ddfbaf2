package io.teleport.internal.limits;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The order in which room given back to an {@link InboundBudget} is served to the frames that wait for it. */
class WaitingLineTest {

    private static final long KIB = 1024;
    /**
     * Frames over 64 KiB and up to 1 MiB: the share of frames still arriving, seven eighths. Each more than
     * 64 KiB from whole here, so none may take its rest past the share (see {@link InboundBudget#overdraw}).
     */
    private static final long FRAME = 500 * KIB;

    private final InboundBudget budget = new InboundBudget(1024 * KIB);
    private final long share = 1024 * KIB - 1024 * KIB / 8;

    /** A connection's gate, as far as the budget sees it: counts its wake-ups. */
    private static final class Gate implements InboundBudget.Waiter {
        final AtomicInteger woken = new AtomicInteger();

        @Override
        public void roomFreed() {
            woken.incrementAndGet();
        }
    }

    /** Fills the share of frames still arriving, held by a frame of its own that waits for nothing. */
    private void fillShare() {
        assertThat(budget.reserveOrWait(share, 900 * KIB, 0, new Gate())).isTrue();
    }

    @Test
    void roomGivenBackIsReservedForTheFrameNearestToWholeAndOnlyItIsWoken() {
        fillShare();
        Gate far = new Gate();
        Gate near = new Gate();
        assertThat(budget.reserveOrWait(10 * KIB, FRAME, 10 * KIB, far)).as("came first, far from whole").isFalse();
        assertThat(budget.reserveOrWait(10 * KIB, FRAME, 400 * KIB, near)).isFalse();

        budget.release(10 * KIB);
        assertThat(near.woken).as("served").hasValue(1);
        assertThat(far.woken).as("not woken to find no room").hasValue(0);
        long used = budget.used();
        assertThat(budget.reserveOrWait(10 * KIB, FRAME, 400 * KIB, near)).as("what was kept for it").isTrue();
        assertThat(budget.used()).as("taken once").isEqualTo(used);

        budget.release(10 * KIB);
        assertThat(far.woken).hasValue(1);
        assertThat(budget.reserveOrWait(10 * KIB, FRAME, 10 * KIB, far)).isTrue();
        assertThat(budget.used()).as("both served out of what was given back").isEqualTo(share);
    }

    @Test
    void aFrameThatArrivesWhileOthersWaitDoesNotTakeTheRoomServedToThem() {
        fillShare();
        Gate waiting = new Gate();
        assertThat(budget.reserveOrWait(10 * KIB, FRAME, 100 * KIB, waiting)).isFalse();
        budget.release(10 * KIB);
        // The room freed is the waiting frame's before it comes back for it: a newcomer finds none.
        assertThat(budget.reserveOrWait(10 * KIB, FRAME, 100 * KIB, new Gate())).isFalse();
        assertThat(budget.reserveOrWait(10 * KIB, FRAME, 100 * KIB, waiting)).isTrue();
    }

    @Test
    void aFrameWhoseRoomDoesNotFitHoldsUpNoneThatFitsBehindIt() {
        fillShare();
        Gate growing = new Gate();
        Gate later = new Gate();
        // Nearer to whole (70 KiB left), its growth of 64 KiB does not fit what is given back ...
        assertThat(budget.reserveOrWait(64 * KIB, FRAME, FRAME - 70 * KIB, growing)).isFalse();
        assertThat(budget.reserveOrWait(KIB, FRAME, 0, later)).isFalse();
        budget.release(4 * KIB);
        // ... and the frame behind it, whose first kilobyte does, is not held up.
        assertThat(later.woken).hasValue(1);
        assertThat(growing.woken).hasValue(0);
    }

    @Test
    void aFrameLargerThanItsShareIsServedOnceItIsAloneAgain() {
        Gate large = new Gate();
        long size = 2000 * KIB;
        assertThat(budget.reserveOrWait(600 * KIB, size, 0, large)).as("alone: past the large frames' half").isTrue();
        assertThat(budget.reserveOrWait(10 * KIB, 10 * KIB, 0, new Gate())).isTrue();
        assertThat(budget.reserveOrWait(100 * KIB, size, 600 * KIB, large)).as("no longer alone").isFalse();
        budget.release(10 * KIB);
        assertThat(large.woken).as("alone again").hasValue(1);
        assertThat(budget.reserveOrWait(100 * KIB, size, 600 * KIB, large)).isTrue();
    }

    /** 850 KiB of one frame held, and 40 KiB of a 100 KiB one, whose rest (60 KiB) may go past the share. */
    private Gate mediumFrameBesideALargeOne() {
        Gate past = new Gate();
        assertThat(budget.reserveOrWait(850 * KIB, 900 * KIB, 0, new Gate())).isTrue();
        assertThat(budget.reserveOrWait(40 * KIB, 100 * KIB, 0, past)).isTrue();
        return past;
    }

    @Test
    void theFramePastItsShareTakesOutOfItsOwnWhileRoomServedToAnotherIsNotYetTaken() {
        Gate past = mediumFrameBesideALargeOne();
        Gate other = new Gate();
        assertThat(budget.reserveOrWait(6 * KIB, FRAME, 0, other)).isTrue();
        assertThat(budget.reserveOrWait(10 * KIB, FRAME, 6 * KIB, other)).isFalse();
        assertThat(budget.reserveOrWait(10 * KIB, 100 * KIB, 40 * KIB, past)).as("takes its rest past the share").isTrue();
        budget.release(70 * KIB);
        assertThat(other.woken).as("served, not back for it yet").hasValue(1);
        // Its next bytes come out of what it took (it waited behind the line before a review).
        assertThat(budget.reserveOrWait(10 * KIB, 100 * KIB, 50 * KIB, past)).isTrue();
        assertThat(budget.reserveOrWait(10 * KIB, FRAME, 6 * KIB, other)).isTrue();
    }

    @Test
    void roomServedOutOfTheOverdraftAndAskedForLessGoesBackIntoIt() {
        Gate past = mediumFrameBesideALargeOne();
        // A small whole frame in the last eighth, then no room for the rest of the medium frame.
        assertThat(budget.reserveOrWait(60 * KIB, 60 * KIB, 0, new Gate())).isTrue();
        assertThat(budget.reserveOrWait(20 * KIB, 100 * KIB, 40 * KIB, past)).isFalse();
        budget.release(60 * KIB);
        assertThat(past.woken).as("served out of its rest, taken past the share").hasValue(1);
        // Back, it asks for less: its last 50 KiB still come out of what it took.
        assertThat(budget.reserveOrWait(10 * KIB, 100 * KIB, 40 * KIB, past)).isTrue();
        assertThat(budget.reserveOrWait(50 * KIB, 100 * KIB, 50 * KIB, past)).isTrue();
        assertThat(budget.used()).isEqualTo(850 * KIB + 100 * KIB);
    }

    /** Its connection closed, or its gate stopped reading it for its own load (too much in flight, say): the same. */
    @Test
    void roomServedToAConnectionThatClosedOrStoppedBeingReadComesBackAndGoesToTheNext() {
        fillShare();
        Gate gone = new Gate();
        Gate next = new Gate();
        assertThat(budget.reserveOrWait(10 * KIB, FRAME, 400 * KIB, gone)).isFalse();
        assertThat(budget.reserveOrWait(10 * KIB, FRAME, 10 * KIB, next)).isFalse();
        budget.release(10 * KIB);
        assertThat(gone.woken).hasValue(1);
        budget.frameEnded(gone);
        assertThat(next.woken).as("its room, given back, served to the next").hasValue(1);
        assertThat(budget.reserveOrWait(10 * KIB, FRAME, 10 * KIB, next)).isTrue();
        assertThat(budget.used()).isEqualTo(share);
        assertThat(budget.readSize(1000)).as("nobody left in line").isEqualTo(1000);
    }

    @Test
    void moreBytesThanWereServedTakeTheRestOrWaitForItHoldingWhatWasServed() {
        fillShare();
        Gate gate = new Gate();
        assertThat(budget.reserveOrWait(10 * KIB, FRAME, 50 * KIB, gate)).isFalse();
        budget.release(10 * KIB);
        assertThat(gate.woken).hasValue(1);
        // More arrived while it was woken: 16 KiB now, 10 served, no more room.
        assertThat(budget.reserveOrWait(16 * KIB, FRAME, 50 * KIB, gate)).isFalse();
        assertThat(budget.used()).as("what was served is still held for it").isEqualTo(share);
        budget.release(6 * KIB);
        assertThat(gate.woken).hasValue(2);
        assertThat(budget.reserveOrWait(16 * KIB, FRAME, 50 * KIB, gate)).isTrue();
        assertThat(budget.used()).isEqualTo(share);
        budget.frameEnded(gate);
        assertThat(budget.used()).isEqualTo(share);
    }

    /**
     * Connections on many threads take and give back room while the budget is too small for all of them,
     * asking for more when served than they asked before (more arrived) or less (a growth asks less while
     * frames wait): none waits for ever (a release that missed a waiter would leave it so, as would the
     * frame past its share refused its own room), and all given back, the budget is empty and nobody is
     * in line.
     */
    @Test
    void framesOnManyThreadsAreAllServedAndLeaveTheBudgetEmpty() throws Exception {
        long seed = System.nanoTime();
        // Twelve frames of 100 to 138 KiB: more than the share of frames still arriving (896 KiB) when
        // all are held, and one of any that hold it between them is within 64 KiB of whole, so may take its rest.
        InboundBudget small = new InboundBudget(1024 * KIB);
        int threads = 12;
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
        AtomicInteger waits = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Random random = new Random(seed + t);
            running.add(new Thread(() -> {
                try {
                    Semaphore room = new Semaphore(0);
                    InboundBudget.Waiter gate = room::release;
                    start.await();
                    for (int frame = 0; frame < 300; frame++) {
                        long size = 100 * KIB + random.nextInt(39) * KIB;
                        long held = 0;
                        while (held < size) {
                            long bytes = Math.min(size - held, 1 + random.nextInt(16 * 1024));
                            while (!small.reserveOrWait(bytes, size, held, gate)) {
                                waits.incrementAndGet();
                                if (!room.tryAcquire(10, TimeUnit.SECONDS)) {
                                    throw new AssertionError("never served (seed " + seed + ")");
                                }
                                bytes = Math.max(1, Math.min(size - held, bytes + random.nextInt(8 * 1024) - 4 * 1024));
                            }
                            held += bytes;
                            Thread.onSpinWait();
                        }
                        small.frameEnded(gate);
                        java.util.concurrent.locks.LockSupport.parkNanos(random.nextInt(200_000));
                        small.release(held);
                    }
                    small.frameEnded(gate);
                    done.incrementAndGet();
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        running.forEach(Thread::start);
        for (Thread t : running) {
            t.join(120_000);
        }
        assertThat(failures).as("seed %d", seed).isEmpty();
        assertThat(done).hasValue(threads);
        assertThat(waits.get()).as("frames waited for room (else this tests nothing)").isPositive();
        assertThat(small.used()).as("seed %d", seed).isZero();
        assertThat(small.readSize(1000)).as("nobody in line").isEqualTo(1000);
    }
}
