package io.teleport.spring.discovery;

import io.teleport.Peer;
import io.teleport.limits.DurationSettings;
import io.teleport.spring.lifecycle.TeleportPeerLifecycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.BeanWrapper;
import org.springframework.beans.BeanWrapperImpl;
import org.springframework.beans.BeansException;
import org.springframework.cloud.client.discovery.event.InstancePreRegisteredEvent;
import org.springframework.cloud.client.discovery.event.InstanceRegisteredEvent;
import org.springframework.cloud.client.serviceregistry.Registration;
import org.springframework.cloud.client.serviceregistry.ServiceRegistry;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationEventPublisherAware;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.util.ReflectionUtils;

import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Registers the listening peer with the application's service registry once it listens, its
 * Teleport port, protocol and network in the instance's metadata ({@link TeleportMetadata}), and
 * deregisters it first on shutdown: clients stop picking the instance, then, after the deregister
 * delay, the peer drains the calls it still has.
 *
 * <p>The registration is the registry's own, the one its HTTP side registers with: a web application
 * is registered by Spring Cloud when its web server starts, before the peer listens, so the metadata
 * is added to that registration and the registry told of the change; an application without a web
 * server, which Spring Cloud never registers, is registered here, with the Teleport port as the
 * instance's port when the registration has none.
 *
 * @param <R> the registry's registration type
 */
public final class TeleportServiceRegistration<R extends Registration>
        implements SmartLifecycle, ApplicationEventPublisherAware, ApplicationListener<InstanceRegisteredEvent<?>> {

    /** After the peer listens and the eager remotes dial, and so stopped before both. */
    public static final int PHASE = TeleportPeerLifecycle.PHASE + 2;

    private static final Logger log = LoggerFactory.getLogger(TeleportServiceRegistration.class);

    private static final String ZOOKEEPER_REGISTRY = "org.springframework.cloud.zookeeper.serviceregistry.ZookeeperServiceRegistry";

    private final ServiceRegistry<R> registry;
    private final R registration;
    private final Peer peer;
    private final String protocol;
    private final Duration deregisterDelay;
    private volatile boolean registeredByOthers;
    private volatile boolean running;
    private volatile String registeredAs = "";
    private ApplicationEventPublisher events;

    /**
     * Registers {@code registration} with {@code registry} for {@code peer}.
     *
     * @param protocol the name of the peer's default protocol, such as {@code fast}
     * @param deregisterDelay the wait between deregistering and letting the peer drain; zero for none
     */
    public TeleportServiceRegistration(ServiceRegistry<R> registry, R registration, Peer peer, String protocol,
            Duration deregisterDelay) {
        this.registry = registry;
        this.registration = registration;
        this.peer = peer;
        this.protocol = protocol;
        this.deregisterDelay = deregisterDelay;
    }

    @Override
    public void setApplicationEventPublisher(ApplicationEventPublisher events) {
        this.events = events;
    }

    /** Spring Cloud's auto-registration (a web application's) registered the instance before the peer listened. */
    @Override
    public void onApplicationEvent(InstanceRegisteredEvent<?> event) {
        if (event.getSource() != this) {
            registeredByOthers = true;
        }
    }

    /** The registration this bean registers. */
    public R getRegistration() {
        return registration;
    }

    @Override
    public void start() {
        Optional<InetSocketAddress> bound = peer.listenAddresses().stream()
                .filter(InetSocketAddress.class::isInstance).map(InetSocketAddress.class::cast).findFirst();
        if (bound.isEmpty()) {
            // A unix socket or the local network cannot be reached through a registry's host and port.
            log.warn("Teleport peer listens on {}, no TCP port: not registered with the service registry "
                    + "(set teleport.discovery.register=false to silence this)", peer.listenAddresses());
            running = true;
            return;
        }
        int port = bound.get().getPort();
        warnIfUnreachable(bound.get());
        ensurePort(port);
        putMetadata(port);
        if (registeredByOthers) {
            update();
        } else {
            if (events != null) {
                // As Spring Cloud's auto-registration does: listeners may still add to the registration.
                events.publishEvent(new InstancePreRegisteredEvent(this, registration));
            }
            registry.register(registration);
            // Before the announcement, whose listeners may throw: a failed start must still deregister.
            registeredAs = describe(port);
            running = true;
            if (events != null) {
                // What Spring Cloud's auto-registration announces after registering: ZooKeeper's service
                // watch (and so its HeartbeatEvents) and the discovery health indicator start on it.
                events.publishEvent(new InstanceRegisteredEvent<>(this, registration));
            }
        }
        registeredAs = describe(port);
        log.info("Registered {} with the service registry", registeredAs);
        running = true;
    }

    /**
     * Deregisters the instance, then calls back after the deregister delay, so that the peer (in a lower
     * phase) drains only once clients have stopped picking this instance; the wait is on a timer, not on
     * the thread stopping the other beans of this phase.
     */
    @Override
    public void stop(Runnable callback) {
        if (!running) {
            callback.run();
            return;
        }
        running = false;
        if (registeredAs.isEmpty()) {
            callback.run();
            return;
        }
        try {
            registry.deregister(registration);
            log.info("Deregistered {} from the service registry; draining in {} ms", registeredAs, deregisterDelay.toMillis());
        } catch (RuntimeException e) {
            // The peer drains all the same: the registry's session expiry removes the instance in the end.
            log.warn("Could not deregister {} from the service registry", registeredAs, e);
        }
        if (deregisterDelay.isZero()) {
            callback.run();
        } else {
            // Capped as the peer's own durations are: a huge "forever" must not overflow into no delay at all.
            long nanos = DurationSettings.capped(deregisterDelay).toNanos();
            CompletableFuture.delayedExecutor(nanos, TimeUnit.NANOSECONDS).execute(callback);
        }
    }

    @Override
    public void stop() {
        CountDownLatch done = new CountDownLatch(1);
        stop(done::countDown);
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A deregistered instance is not registered again: the peer it names does not restart either. */
    @Override
    public boolean isPauseable() {
        return false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /**
     * Gives the registration the Teleport port when it has none: that of an application without a web
     * server is built without one (ZooKeeper's, Consul's), and a client that does not read the metadata
     * then still finds the peer at the instance's port. Registrations have no common setter, hence by name.
     */
    private void ensurePort(int port) {
        if (registration.getPort() > 0) {
            return;
        }
        Method setPort = ReflectionUtils.findMethod(registration.getClass(), "setPort", int.class);
        if (setPort != null) {
            ReflectionUtils.invokeMethod(setPort, registration, port);
        }
    }

    /** A peer on the loopback interface registered under another host is reachable by no client. */
    private void warnIfUnreachable(InetSocketAddress bound) {
        String host = registration.getHost();
        if (host == null) {
            // The registry fills it in when it registers (ZooKeeper's does): nothing to compare yet.
            return;
        }
        boolean loopbackHost = (host.equals("localhost") || host.startsWith("127.") || host.equals("::1")
                || host.equals("[::1]"));
        if (bound.getAddress() != null && bound.getAddress().isLoopbackAddress() && !loopbackHost) {
            log.warn("Teleport peer listens on {} only, but registers as {}: clients will not reach it "
                    + "(listen on 0.0.0.0 or on that host's address)", bound, host);
        }
    }

    private void putMetadata(int port) {
        Map<String, String> metadata = registration.getMetadata();
        try {
            metadata.put(TeleportMetadata.PORT, Integer.toString(port));
            metadata.put(TeleportMetadata.PROTOCOL, protocol);
            metadata.put(TeleportMetadata.NETWORK, peer.config().network());
            if (peer.config().serverSslContext() != null) {
                metadata.put(TeleportMetadata.TLS, "true");
            } else {
                metadata.remove(TeleportMetadata.TLS);
            }
        } catch (UnsupportedOperationException e) {
            throw new IllegalStateException("The service registration " + registration.getClass().getName()
                    + " has read-only metadata: the Teleport port cannot be published with it", e);
        }
    }

    /**
     * Tells the registry of the new metadata of an instance it already has. Registering again would do for
     * most registries, but ZooKeeper's (Curator's ServiceDiscovery) deletes and re-creates the instance's
     * node: clients would see it leave and come back. Its setStatus writes the whole instance in place
     * (Curator's updateService), so it is called with the status the instance already has.
     */
    private void update() {
        if (isZooKeeper(registry.getClass())) {
            try {
                Object status = registry.getStatus(registration);
                registry.setStatus(registration, status == null ? "UP" : status.toString());
                return;
            } catch (RuntimeException e) {
                // Curator updates only the instances it registered: the auto-registration announced one
                // it then did not register. Registering is what is left.
                log.debug("Could not update the registered instance; registering it", e);
            }
        }
        registry.register(registration);
    }

    private static boolean isZooKeeper(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            if (c.getName().equals(ZOOKEEPER_REGISTRY)) {
                return true;
            }
        }
        return false;
    }

    private String describe(int port) {
        return "service " + registration.getServiceId() + " instance " + instanceId() + " at "
                + registration.getHost() + ":" + port;
    }

    /**
     * The instance's id in the registry. ZooKeeper's registration leaves {@code getInstanceId()} unset: the
     * id is its Curator instance's, which other applications' discovery clients see as the instance id.
     */
    private String instanceId() {
        if (registration.getInstanceId() != null) {
            return registration.getInstanceId();
        }
        BeanWrapper properties = new BeanWrapperImpl(registration);
        try {
            if (properties.isReadableProperty("serviceInstance.id")) {
                return String.valueOf(properties.getPropertyValue("serviceInstance.id"));
            }
        } catch (BeansException e) {
            // No such id: the registry's default naming applies.
        }
        return "(unnamed)";
    }
}
