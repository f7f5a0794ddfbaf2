package io.teleport.spring.discovery;

import io.teleport.message.RerrorException;
import io.teleport.spring.client.SessionTemplate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A steady stream of pulls of {@link InventoryInstances#WHOAMI} from a few threads, each waiting for
 * its reply before the next: who answered, how often, and every failure with its code.
 */
final class SteadyPulls implements AutoCloseable {

    private final SessionTemplate template;
    private final List<Thread> threads = new ArrayList<>();
    private final Map<String, AtomicInteger> answered = new ConcurrentHashMap<>();
    private final List<Integer> failures = new CopyOnWriteArrayList<>();
    private final AtomicLong pulls = new AtomicLong();
    private volatile boolean running = true;

    SteadyPulls(SessionTemplate template, int threadCount) {
        this.template = template;
        for (int i = 0; i < threadCount; i++) {
            Thread t = new Thread(this::pullUntilClosed, "steady-pulls-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void pullUntilClosed() {
        while (running) {
            try {
                String who = template.pull(InventoryInstances.WHOAMI, null, String.class);
                answered.computeIfAbsent(who, w -> new AtomicInteger()).incrementAndGet();
            } catch (RerrorException e) {
                failures.add(e.rerror().code());
            }
            pulls.incrementAndGet();
        }
    }

    /** Pulls done so far, failed ones included. */
    long pulls() {
        return pulls.get();
    }

    /** How many pulls {@code label} answered so far. */
    int answeredBy(String label) {
        AtomicInteger n = answered.get(label);
        return n == null ? 0 : n.get();
    }

    /** The codes of the pulls that failed, in order. */
    List<Integer> failures() {
        return List.copyOf(failures);
    }

    /** Forgets the counts, so that what follows is counted alone. */
    void reset() {
        answered.clear();
        failures.clear();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(10_000);
        }
    }
}
