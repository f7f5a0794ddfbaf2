package io.teleport.internal.dispatch;

import org.jspecify.annotations.Nullable;

import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Iterates over a copy of a queue's tasks, taken under its lock, so that iterating holds no lock;
 * {@link #remove()} removes the last task returned from the queue itself.
 */
final class SnapshotIterator implements Iterator<Runnable> {

    private final Iterator<Runnable> snapshot;
    private final Consumer<Runnable> removeFromQueue;
    private @Nullable Runnable last;

    SnapshotIterator(List<Runnable> snapshot, Consumer<Runnable> removeFromQueue) {
        this.snapshot = snapshot.iterator();
        this.removeFromQueue = removeFromQueue;
    }

    @Override
    public boolean hasNext() {
        return snapshot.hasNext();
    }

    @Override
    public Runnable next() {
        last = snapshot.next();
        return last;
    }

    @Override
    public void remove() {
        if (last == null) {
            throw new IllegalStateException();
        }
        removeFromQueue.accept(last);
        last = null;
    }
}
