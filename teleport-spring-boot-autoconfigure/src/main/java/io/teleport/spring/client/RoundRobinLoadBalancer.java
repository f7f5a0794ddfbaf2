package io.teleport.spring.client;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Takes the candidates in turn. Each client starts at a random place, so that many clients started
 * together do not all call the same instance first.
 */
public final class RoundRobinLoadBalancer implements TeleportLoadBalancer {

    private final AtomicInteger next = new AtomicInteger(ThreadLocalRandom.current().nextInt(1 << 16));

    @Override
    public TeleportInstance choose(String uri, List<TeleportInstance> candidates) {
        // The mask keeps the position positive once the counter wraps.
        return candidates.get((next.getAndIncrement() & Integer.MAX_VALUE) % candidates.size());
    }
}
