package io.teleport.demo.client;

import io.teleport.demo.LogValues;
import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The pushes the client received: URI and body of the latest {@value #KEPT}, each as a log line shows
 * it, and how many came in all. A server decides how many pushes come and how large they are, so
 * neither is kept without a bound.
 */
@Component
@Profile("client")
public class PushLog {

    /** The most pushes kept. */
    static final int KEPT = 100;

    // Guarded by this.
    private final ArrayDeque<String> latest = new ArrayDeque<>();
    private long count;

    /** Keeps {@code push}, shown as a log line would show it; returns how many pushes came in all. */
    synchronized long add(String push) {
        if (latest.size() == KEPT) {
            latest.removeFirst();
        }
        latest.addLast(LogValues.shown(push));
        return ++count;
    }

    /** The latest pushes received, oldest first. */
    public synchronized List<String> received() {
        return List.copyOf(latest);
    }

    /** How many pushes came in all. */
    public synchronized long count() {
        return count;
    }
}
