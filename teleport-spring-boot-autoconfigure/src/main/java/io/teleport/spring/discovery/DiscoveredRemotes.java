package io.teleport.spring.discovery;

import io.teleport.spring.client.RemoteInstances;
import io.teleport.spring.client.TeleportInstance;
import io.teleport.spring.lifecycle.TeleportPeerLifecycle;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.discovery.event.HeartbeatEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps the instances of the remotes named by {@code service-id} as the {@link DiscoveryClient} lists
 * them: once at start-up, before the first call, then every refresh interval and at once when the
 * registry announces a change (a {@link HeartbeatEvent}, as ZooKeeper's and Consul's watches publish).
 * Lookups run on a thread of their own: registries answer over the network. When a lookup fails, the
 * instances known stay as they are.
 */
public final class DiscoveredRemotes implements SmartLifecycle, ApplicationListener<HeartbeatEvent> {

    private static final Logger log = LoggerFactory.getLogger(DiscoveredRemotes.class);

    private final @Nullable DiscoveryClient discovery;
    private final Map<String, List<RemoteInstances>> byService = new LinkedHashMap<>();
    private final Duration refreshInterval;
    private final AtomicBoolean refreshQueued = new AtomicBoolean();
    private final Map<String, String> failing = new java.util.concurrent.ConcurrentHashMap<>();
    private @Nullable ScheduledExecutorService scheduler;
    private volatile boolean running;

    /**
     * Follows the services of {@code remotes} (those with a {@link RemoteInstances#serviceId()}).
     *
     * @param discovery where instances are looked up; may be {@code null} only when no remote names a service
     * @param refreshInterval how often every service is looked up
     * @throws IllegalArgumentException when a remote names a service and {@code discovery} is null
     */
    public DiscoveredRemotes(@Nullable DiscoveryClient discovery, List<RemoteInstances> remotes, Duration refreshInterval) {
        this.discovery = discovery;
        this.refreshInterval = refreshInterval;
        for (RemoteInstances remote : remotes) {
            String serviceId = remote.serviceId();
            if (serviceId != null) {
                byService.computeIfAbsent(serviceId, id -> new ArrayList<>()).add(remote);
            }
        }
        if (discovery == null && !byService.isEmpty()) {
            throw new IllegalArgumentException("no DiscoveryClient to look up " + byService.keySet());
        }
    }

    /** The services followed. */
    public List<String> serviceIds() {
        return List.copyOf(byService.keySet());
    }

    @Override
    public synchronized void start() {
        if (running || byService.isEmpty()) {
            running = true;
            return;
        }
        refresh();
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "teleport-discovery");
            t.setDaemon(true);
            return t;
        });
        long every = refreshInterval.toMillis();
        executor.scheduleWithFixedDelay(this::refresh, every, every, TimeUnit.MILLISECONDS);
        scheduler = executor;
        running = true;
    }

    /** A change in the registry: looks every service up again now, once for a burst of announcements. */
    @Override
    public void onApplicationEvent(HeartbeatEvent event) {
        ScheduledExecutorService executor = scheduler;
        if (running && executor != null && refreshQueued.compareAndSet(false, true)) {
            try {
                executor.execute(() -> {
                    refreshQueued.set(false);
                    refresh();
                });
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                refreshQueued.set(false);
            }
        }
    }

    /** Looks every service up and updates its remotes. */
    public void refresh() {
        byService.forEach((serviceId, remotes) -> {
            List<TeleportInstance> instances;
            try {
                instances = instances(serviceId);
            } catch (RuntimeException e) {
                // Once per failure streak: a registry that is away would otherwise log every interval.
                if (failing.put(serviceId, String.valueOf(e.getMessage())) == null) {
                    log.warn("instances of service '{}' could not be looked up; the {} known stay until it can: {}",
                            serviceId, remotes.get(0).list().size(), e.toString());
                }
                return;
            }
            if (failing.remove(serviceId) != null) {
                log.info("instances of service '{}' looked up again", serviceId);
            }
            remotes.forEach(remote -> remote.update(instances));
        });
    }

    private List<TeleportInstance> instances(String serviceId) {
        List<ServiceInstance> listed = Objects.requireNonNull(discovery, "discovery").getInstances(serviceId);
        List<TeleportInstance> instances = new ArrayList<>(listed.size());
        for (ServiceInstance instance : listed) {
            TeleportInstance teleport = toTeleport(instance);
            if (teleport != null) {
                instances.add(teleport);
            }
        }
        return instances;
    }

    /** The instance's Teleport address: its host and the port its metadata names (else its own port). */
    static @Nullable TeleportInstance toTeleport(ServiceInstance instance) {
        int port;
        try {
            port = TeleportMetadata.port(instance.getMetadata(), instance.getPort());
        } catch (IllegalArgumentException e) {
            log.warn("instance {} of service '{}' skipped: {}", instance.getInstanceId(), instance.getServiceId(),
                    e.getMessage());
            return null;
        }
        String host = instance.getHost();
        if (port <= 0 || host == null || host.isBlank()) {
            log.debug("instance {} of service '{}' skipped: no host and Teleport port", instance.getInstanceId(),
                    instance.getServiceId());
            return null;
        }
        String address = (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
        String id = instance.getInstanceId() != null ? instance.getInstanceId() : address;
        return new TeleportInstance(id, address, instance.getMetadata());
    }

    @Override
    public synchronized void stop() {
        ScheduledExecutorService executor = scheduler;
        scheduler = null;
        if (executor != null) {
            executor.shutdownNow();
        }
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** With the remotes that connect at start-up: after the peer starts, and stopped before it drains. */
    @Override
    public int getPhase() {
        return TeleportPeerLifecycle.PHASE + 1;
    }
}
