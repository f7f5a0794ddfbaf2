package io.teleport.internal.dispatch;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class FairQueueTest {

    /** A task of a sender: its name says whose and which. */
    private static final class Task implements HandlerPool.Queued {
        final String name;
        final FairQueue.Lane lane;
        final long queuedAt;

        Task(String name, FairQueue.Lane lane) {
            this(name, lane, 0);
        }

        Task(String name, FairQueue.Lane lane, long queuedAt) {
            this.name = name;
            this.lane = lane;
            this.queuedAt = queuedAt;
        }

        @Override
        public void run() {
        }

        @Override
        public long queuedNanos() {
            return queuedAt;
        }

        @Override
        public FairQueue.Lane lane() {
            return lane;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Takes every task, each started as the pool would start it (and none ended). */
    private static List<String> drain(FairQueue q) {
        List<String> names = new ArrayList<>();
        Runnable r;
        while ((r = take(q)) != null) {
            names.add(r.toString());
        }
        return names;
    }

    /** Takes the next task and starts it, as the pool does. */
    private static Runnable take(FairQueue q) {
        Runnable r = q.poll();
        if (r != null) {
            q.started(r);
        }
        return r;
    }

    @Test
    void sendersTakeTurnsAndEachKeepsItsOrder() {
        FairQueue q = new FairQueue(100, 1);
        FairQueue.Lane a = new FairQueue.Lane();
        FairQueue.Lane b = new FairQueue.Lane();
        for (int i = 1; i <= 4; i++) {
            q.offer(new Task("a" + i, a));
        }
        q.offer(new Task("b1", b));
        q.offer(() -> { });
        q.offer(new Task("b2", b));

        assertThat(q.size()).isEqualTo(7);
        assertThat(q.peek()).as("a task of no sender goes first").doesNotHaveToString("a1");
        List<String> order = drain(q);
        assertThat(order.remove(0)).doesNotStartWith("a").doesNotStartWith("b");
        assertThat(order).containsExactly("a1", "b1", "a2", "b2", "a3", "a4");
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void aFullQueueRefusesAndTakesAgainOnceTaken() {
        FairQueue q = new FairQueue(2, 1);
        FairQueue.Lane a = new FairQueue.Lane();
        assertThat(q.offer(new Task("a1", a))).isTrue();
        assertThat(q.offer(new Task("a2", a))).isTrue();
        assertThat(q.offer(new Task("a3", a))).isFalse();
        assertThat(q.remainingCapacity()).isZero();
        assertThat(q.poll()).hasToString("a1");
        assertThat(q.offer(new Task("a3", a))).isTrue();
        assertThat(drain(q)).containsExactly("a2", "a3");
    }

    @Test
    void aFullQueueStillTakesOneTaskOfASenderWithNothingWaiting() {
        FairQueue q = new FairQueue(2, 1);
        FairQueue.Lane flooder = new FairQueue.Lane();
        FairQueue.Lane quiet = new FairQueue.Lane();
        assertThat(q.offer(new Task("f1", flooder))).isTrue();
        assertThat(q.offer(new Task("f2", flooder))).isTrue();
        assertThat(q.offer(new Task("f3", flooder))).as("the sender that fills it").isFalse();
        assertThat(q.offer(() -> { })).as("no lane: no place of its own").isFalse();
        assertThat(q.offer(new Task("q1", quiet))).as("its one place").isTrue();
        assertThat(q.offer(new Task("q2", quiet))).as("one only").isFalse();
        assertThat(q.remainingCapacity()).isZero();
        assertThat(drain(q)).containsExactly("f1", "q1", "f2");
    }

    @Test
    void removeDrainAndIteratorKeepTheTurnOrderConsistent() {
        FairQueue q = new FairQueue(100, 1);
        FairQueue.Lane a = new FairQueue.Lane();
        FairQueue.Lane b = new FairQueue.Lane();
        FairQueue.Lane c = new FairQueue.Lane();
        Task a1 = new Task("a1", a);
        Task b1 = new Task("b1", b);
        q.offer(a1);
        q.offer(b1);
        q.offer(new Task("c1", c));
        q.offer(new Task("a2", a));

        assertThat(q.remove(b1)).isTrue();
        assertThat(q.remove(b1)).isFalse();
        // b's lane left the turn order: offering again puts it at the back.
        q.offer(new Task("b2", b));
        Iterator<Runnable> it = q.iterator();
        List<String> seen = new ArrayList<>();
        while (it.hasNext()) {
            Runnable r = it.next();
            seen.add(r.toString());
            if (r == a1) {
                it.remove();
            }
        }
        assertThat(seen).containsExactly("a1", "a2", "c1", "b2");
        List<Runnable> drained = new ArrayList<>();
        assertThat(q.drainTo(drained, 2)).isEqualTo(2);
        assertThat(drained).extracting(Object::toString).containsExactly("a2", "c1");
        assertThat(drain(q)).containsExactly("b2");
    }

    @Test
    void removingATaskQueuedTwiceTakesItsFirstPlaceAndKeepsTheLanesTurn() {
        FairQueue q = new FairQueue(100, 1);
        FairQueue.Lane a = new FairQueue.Lane();
        FairQueue.Lane b = new FairQueue.Lane();
        Task x = new Task("x", a);
        q.offer(x);
        q.offer(new Task("b1", b));
        q.offer(new Task("y", a));
        q.offer(x);

        assertThat(q.remove(x)).isTrue();
        assertThat(q.size()).isEqualTo(3);
        // a keeps its turn ahead of b, now with y first and x after it.
        assertThat(drain(q)).containsExactly("y", "b1", "x");
        assertThat(q.remove(x)).isFalse();
    }

    @Test
    void aWaitingTakerWakesForAnOfferAndATimedPollGivesUp() throws Exception {
        FairQueue q = new FairQueue(10, 1);
        assertThat(q.poll(20, TimeUnit.MILLISECONDS)).isNull();
        AtomicReference<Runnable> taken = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        Thread taker = new Thread(() -> {
            try {
                taken.set(q.take());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            done.countDown();
        });
        taker.start();
        Thread.sleep(50);
        Task t = new Task("x", new FairQueue.Lane());
        q.offer(t);
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(taken.get()).isSameAs(t);
    }

    /** Random offers and polls against a model: per lane first in first out, and no task lost or doubled. */
    @Test
    void randomOffersAndPollsLoseNothingAndKeepEachLanesOrder() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        FairQueue q = new FairQueue(50, 1);
        FairQueue.Lane[] lanes = new FairQueue.Lane[5];
        int[] sent = new int[lanes.length];
        int[] got = new int[lanes.length];
        for (int i = 0; i < lanes.length; i++) {
            lanes[i] = new FairQueue.Lane();
        }
        int queued = 0;
        for (int step = 0; step < 20_000; step++) {
            if (random.nextInt(3) > 0) {
                int l = random.nextInt(lanes.length);
                boolean accepted = q.offer(new Task(l + ":" + sent[l], lanes[l]));
                // Past capacity, a lane with nothing waiting still has its one place.
                assertThat(accepted).as("seed %d", seed).isEqualTo(queued < 50 || sent[l] == got[l]);
                if (accepted) {
                    sent[l]++;
                    queued++;
                }
            } else {
                Runnable r = q.poll();
                if (queued == 0) {
                    assertThat(r).as("seed %d", seed).isNull();
                    continue;
                }
                String[] parts = r.toString().split(":");
                int l = Integer.parseInt(parts[0]);
                assertThat(Integer.parseInt(parts[1])).as("seed %d, lane %d", seed, l).isEqualTo(got[l]);
                got[l]++;
                queued--;
            }
            assertThat(q.size()).as("seed %d", seed).isEqualTo(queued);
        }
    }

    /**
     * The turns as the queue should keep them: lanes in three rings (those with nothing running first but
     * never twice in a row while the others have work; those the reserve holds back aside until it lets
     * them start one, then first of the others), each lane first in first out, tasks of no lane first.
     */
    private static final class ModelTurns {
        final ArrayDeque<Runnable> shared = new ArrayDeque<>();
        final List<ArrayDeque<Runnable>> idle = new ArrayList<>();
        final List<ArrayDeque<Runnable>> busy = new ArrayList<>();
        final List<ArrayDeque<Runnable>> held = new ArrayList<>();
        final Map<FairQueue.Lane, Integer> running = new HashMap<>();
        final int heavyLimit;
        final int light;
        boolean busyPassedOver;

        ModelTurns(int threads) {
            heavyLimit = threads / 4 == 0 ? Integer.MAX_VALUE : threads;
            light = Math.max(1, threads / 32);
        }

        boolean admits(ArrayDeque<Runnable> lane) {
            int all = running.values().stream().mapToInt(Integer::intValue).sum();
            return running.getOrDefault(((Task) lane.peekFirst()).lane, 0) < light || all < heavyLimit;
        }

        /** The task the queue must hand out next, started; null when none may start. */
        Runnable poll() {
            if (!shared.isEmpty()) {
                return shared.pollFirst();
            }
            List<ArrayDeque<Runnable>> admitted = held.stream().filter(this::admits).toList();
            held.removeAll(admitted);
            busy.addAll(0, admitted);
            for (;;) {
                boolean busyWaiting = !busy.isEmpty();
                boolean fromIdle = !idle.isEmpty() && (!busyWaiting || !busyPassedOver);
                if (!fromIdle && !busyWaiting) {
                    return null;
                }
                ArrayDeque<Runnable> lane = (fromIdle ? idle : busy).remove(0);
                if (!fromIdle && !admits(lane)) {
                    held.add(lane);
                    continue;
                }
                busyPassedOver = fromIdle && busyWaiting;
                Runnable task = lane.pollFirst();
                running.merge(((Task) task).lane, 1, Integer::sum);
                if (!lane.isEmpty()) {
                    busy.add(lane);
                }
                return task;
            }
        }
    }

    /**
     * Random offers, polls, ends and removes, with pools of every size, against {@link ModelTurns}:
     * every poll takes exactly the task the model says, and one the reserve lets start.
     */
    @Test
    void randomOffersPollsEndsAndRemovesTakeExactlyInTurnOrder() {
        long seed = Long.getLong("teleport.fairqueue.seed", System.nanoTime());
        Random random = new Random(seed);
        int capacity = 40;
        int threads = new int[] {1, 4, 6, 8, 12, 64}[random.nextInt(6)];
        FairQueue q = new FairQueue(capacity, threads);
        FairQueue.Lane[] lanes = new FairQueue.Lane[6];
        for (int i = 0; i < lanes.length; i++) {
            lanes[i] = new FairQueue.Lane();
        }
        ModelTurns model = new ModelTurns(threads);
        ArrayDeque<Runnable> modelShared = model.shared;
        // The lanes with work in turn order, each with its waiting tasks.
        List<ArrayDeque<Runnable>> modelIdle = model.idle;
        List<ArrayDeque<Runnable>> modelBusy = model.busy;
        Map<FairQueue.Lane, ArrayDeque<Runnable>> modelLanes = new HashMap<>();
        Map<FairQueue.Lane, Integer> running = model.running;
        List<Runnable> queued = new ArrayList<>();
        List<Runnable> taken = new ArrayList<>();
        int made = 0;
        int step = 0;
        try {
            for (; step < 30_000; step++) {
                int action = random.nextInt(12);
                if (action < 5) {
                    int l = random.nextInt(lanes.length + 1);
                    String name = "t" + made++;
                    Runnable task = l == lanes.length ? new Runnable() {
                        @Override
                        public void run() {
                        }

                        @Override
                        public String toString() {
                            return name;
                        }
                    } : new Task(name, lanes[l]);
                    boolean accepted = q.offer(task);
                    // Past capacity, a lane with nothing waiting still has its one place.
                    boolean laneIdle = l < lanes.length && modelLanes.getOrDefault(lanes[l], new ArrayDeque<>()).isEmpty();
                    assertThat(accepted).as("seed %d", seed).isEqualTo(queued.size() < capacity || laneIdle);
                    if (accepted) {
                        queued.add(task);
                        if (l == lanes.length) {
                            modelShared.addLast(task);
                        } else {
                            ArrayDeque<Runnable> lane = modelLanes.computeIfAbsent(lanes[l], k -> new ArrayDeque<>());
                            if (lane.isEmpty()) {
                                (running.getOrDefault(lanes[l], 0) == 0 ? modelIdle : modelBusy).add(lane);
                            }
                            lane.addLast(task);
                        }
                    }
                } else if (action < 8) {
                    Runnable expected = model.poll();
                    assertThat(take(q)).as("seed %d, step %d, %d threads", seed, step, threads).isSameAs(expected);
                    if (expected != null) {
                        queued.remove(expected);
                        taken.add(expected);
                    }
                } else if (action < 10) {
                    if (!taken.isEmpty()) {
                        Runnable done = taken.remove(random.nextInt(taken.size()));
                        q.ended(done);
                        if (done instanceof Task t) {
                            running.merge(t.lane, -1, Integer::sum);
                        }
                    }
                } else if (!queued.isEmpty()) {
                    Runnable victim = queued.remove(random.nextInt(queued.size()));
                    assertThat(q.remove(victim)).as("seed %d", seed).isTrue();
                    assertThat(q.remove(victim)).as("seed %d", seed).isFalse();
                    if (!modelShared.remove(victim)) {
                        removeFromTurns(modelIdle, victim);
                        removeFromTurns(modelBusy, victim);
                        removeFromTurns(model.held, victim);
                    }
                }
                assertThat(q.size()).as("seed %d", seed).isEqualTo(queued.size());
            }
        } catch (RuntimeException e) {
            throw new AssertionError("seed " + seed + ", step " + step, e);
        }
        // Nothing ends from here on: what the reserve holds back stays, as it does in the model.
        List<String> expectedOrder = new ArrayList<>();
        for (Runnable next; (next = model.poll()) != null; ) {
            expectedOrder.add(next.toString());
        }
        assertThat(drain(q)).as("seed %d, %d threads", seed, threads).containsExactlyElementsOf(expectedOrder);
        int heldBack = model.held.stream().mapToInt(ArrayDeque::size).sum();
        assertThat(q.size()).as("seed %d, %d threads", seed, threads).isEqualTo(heldBack);
    }

    private static void removeFromTurns(List<ArrayDeque<Runnable>> turns, Runnable victim) {
        for (ArrayDeque<Runnable> lane : turns) {
            if (lane.remove(victim)) {
                if (lane.isEmpty()) {
                    turns.remove(lane);
                }
                return;
            }
        }
    }

    @Test
    void aTaskStartedWithoutBeingQueuedCountsAsRunningToo() {
        FairQueue q = new FairQueue(100, 1);
        FairQueue.Lane lane = new FairQueue.Lane();
        // Handed to a new thread directly (the pool's first tasks, and those past a full queue).
        Task direct = new Task("d", lane);
        q.started(direct);
        Task queued = new Task("a", lane);
        q.offer(queued);
        q.offer(new Task("b", lane));
        assertThat(take(q)).isSameAs(queued);
        q.ended(direct);
        // "a" still runs: the sender's next call waits behind one of a sender with nothing running.
        q.offer(new Task("q", new FairQueue.Lane()));
        q.offer(new Task("other", new FairQueue.Lane()));
        assertThat(drain(q)).containsExactly("q", "b", "other");
    }

    @Test
    void theOldestWaitingOfTheTasksNextInTurnIsWhatTheGrowthCheckSees() {
        FairQueue q = new FairQueue(100, 1);
        assertThat(q.oldestQueuedNanos(42)).as("none waiting").isEqualTo(42);
        FairQueue.Lane busy = new FairQueue.Lane();
        q.offer(new Task("b0", busy, 10));
        q.started(take(q));
        q.offer(new Task("b1", busy, 20));
        q.offer(new Task("fresh", new FairQueue.Lane(), 90));
        assertThat(q.peek()).as("taken next").hasToString("fresh");
        assertThat(q.oldestQueuedNanos(0)).as("but the backlog waited longer").isEqualTo(20);
    }

    @Test
    void aSenderWithNothingRunningGoesAheadOfTheBacklogsOfSendersWithTasksRunning() {
        FairQueue q = new FairQueue(100, 1);
        List<FairQueue.Lane> flooders = new ArrayList<>();
        for (int f = 0; f < 5; f++) {
            FairQueue.Lane lane = new FairQueue.Lane();
            flooders.add(lane);
            q.offer(new Task("f" + f + ".0", lane));
        }
        // Each flooder has a task taken (running), and two more waiting in turn.
        for (int f = 0; f < 5; f++) {
            assertThat(take(q)).hasToString("f" + f + ".0");
        }
        for (int i = 1; i <= 2; i++) {
            for (int f = 0; f < 5; f++) {
                q.offer(new Task("f" + f + "." + i, flooders.get(f)));
            }
        }
        FairQueue.Lane quiet = new FairQueue.Lane();
        q.offer(new Task("q1", quiet));
        assertThat(q.peek()).hasToString("q1");
        assertThat(take(q)).as("ahead of five backlogs").hasToString("q1");

        // A second quiet call while q1 runs waits its turn like any other.
        q.offer(new Task("q2", quiet));
        assertThat(drain(q)).containsExactly("f0.1", "f1.1", "f2.1", "f3.1", "f4.1", "q2",
                "f0.2", "f1.2", "f2.2", "f3.2", "f4.2");
    }

    @Test
    void sendersWithTasksRunningStillGetEveryOtherTurnAndAnEndedSenderIsIdleAgain() {
        FairQueue q = new FairQueue(100, 1);
        FairQueue.Lane busy = new FairQueue.Lane();
        for (int i = 0; i < 4; i++) {
            q.offer(new Task("b" + i, busy));
        }
        Runnable b0 = take(q);
        assertThat(b0).hasToString("b0");
        List<String> order = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // A stream of senders with nothing running does not keep the busy one waiting.
            q.offer(new Task("i" + (2 * i), new FairQueue.Lane()));
            q.offer(new Task("i" + (2 * i + 1), new FairQueue.Lane()));
            order.add(take(q).toString());
            order.add(take(q).toString());
        }
        assertThat(order).containsExactly("i0", "b1", "i1", "b2", "i2", "b3");

        assertThat(drain(q)).containsExactly("i3", "i4", "i5");

        // Its four tasks ended, the busy sender has nothing running: its next goes ahead of one that has.
        FairQueue.Lane other = new FairQueue.Lane();
        q.offer(new Task("o0", other));
        assertThat(take(q)).hasToString("o0");
        q.offer(new Task("o1", other));
        q.ended(b0);
        for (String name : List.of("b1", "b2", "b3")) {
            q.ended(new Task(name, busy));
        }
        q.offer(new Task("b4", busy));
        assertThat(drain(q)).containsExactly("b4", "o1");
    }
}
