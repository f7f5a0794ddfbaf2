package io.teleport.testing;

import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.TimerTask;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A Netty {@link Timer} whose time moves only when the test says: {@link #advance} runs, on the
 * test's thread and in deadline order, every task that falls due. Pull timeouts, redial backoff and
 * drain deadlines become deterministic, and "nothing happened yet" needs no sleep: a task that was
 * not due did not run.
 */
public final class ManualTimer implements Timer {

    private final List<Task> pending = new ArrayList<>();
    private final List<Task> scheduled = new ArrayList<>();
    private long nowNanos;
    private long seq;
    private boolean stopped;

    /**
     * Moves time forward by {@code step}, then runs each task that fell due, in deadline order. The
     * clock jumps first, so a task scheduled while these run (by them, or by another thread they woke)
     * counts from the new time and is never due within this same step: what runs does not depend on
     * how fast other threads react.
     */
    public void advance(Duration step) {
        List<Task> due;
        synchronized (this) {
            nowNanos += step.toNanos();
            due = pending.stream().filter(t -> t.deadline <= nowNanos)
                    .sorted(Comparator.comparingLong((Task t) -> t.deadline).thenComparingLong(t -> t.seq)).toList();
            pending.removeAll(due);
            due.forEach(t -> t.expired = true);
        }
        for (Task next : due) {
            try {
                next.task.run(next);
            } catch (Exception e) {
                throw new IllegalStateException("timer task failed", e);
            }
        }
    }

    /** The delays of every task ever scheduled whose task class name contains {@code owner}. */
    public synchronized List<Duration> delaysOf(String owner) {
        return scheduled.stream().filter(byOwner(owner)).map(t -> Duration.ofNanos(t.delay)).toList();
    }

    /** How many tasks whose task class name contains {@code owner} wait to fall due. */
    public synchronized long pendingOf(String owner) {
        return pending.stream().filter(byOwner(owner)).count();
    }

    private static Predicate<Task> byOwner(String owner) {
        return t -> t.task.getClass().getName().contains(owner);
    }

    @Override
    public synchronized Timeout newTimeout(TimerTask task, long delay, TimeUnit unit) {
        if (stopped) {
            throw new IllegalStateException("timer stopped");
        }
        Task t = new Task(task, unit.toNanos(delay), nowNanos + unit.toNanos(delay), seq++);
        pending.add(t);
        scheduled.add(t);
        return t;
    }

    @Override
    public synchronized Set<Timeout> stop() {
        stopped = true;
        Set<Timeout> left = new HashSet<>(pending);
        pending.clear();
        return left;
    }

    private final class Task implements Timeout {
        final TimerTask task;
        final long delay;
        final long deadline;
        final long seq;
        volatile boolean expired;
        volatile boolean cancelled;

        Task(TimerTask task, long delay, long deadline, long seq) {
            this.task = task;
            this.delay = delay;
            this.deadline = deadline;
            this.seq = seq;
        }

        @Override
        public Timer timer() {
            return ManualTimer.this;
        }

        @Override
        public TimerTask task() {
            return task;
        }

        @Override
        public boolean isExpired() {
            return expired;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean cancel() {
            synchronized (ManualTimer.this) {
                if (expired || cancelled) {
                    return false;
                }
                cancelled = true;
                return pending.remove(this);
            }
        }
    }
}
