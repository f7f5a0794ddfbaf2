package io.teleport.spring.lifecycle;

import io.teleport.Peer;
import io.teleport.spring.diagnostics.TeleportConfigurationException;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationEventPublisherAware;
import org.springframework.context.SmartLifecycle;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * Starts the peer listening once the context is refreshed, and shuts it down gracefully in Spring's
 * shutdown phase: no new connections, handlers in flight finish and reply, this side's pulls get
 * their answers, then the sessions close, within the shutdown timeout. Once listening it publishes a
 * {@link TeleportServerStartedEvent}, so that the chosen port of a {@code :0} address is known.
 */
public final class TeleportPeerLifecycle implements SmartLifecycle, ApplicationEventPublisherAware {

    /**
     * Stops after the web server's graceful shutdown ({@code DEFAULT_PHASE - 1024}), whose requests in
     * flight may still call Teleport backends, and before the web server itself stops
     * ({@code DEFAULT_PHASE - 2048}); after ordinary lifecycle beans.
     */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1536;

    private final Peer peer;
    private final String listenAddress;
    private final Duration shutdownTimeout;
    private volatile boolean running;
    private ApplicationEventPublisher events;

    /**
     * A lifecycle for {@code peer}.
     *
     * @param listenAddress where to listen on start, or {@code null} for a peer that only dials
     * @param shutdownTimeout the longest graceful shutdown
     */
    public TeleportPeerLifecycle(Peer peer, String listenAddress, Duration shutdownTimeout) {
        this.peer = peer;
        this.listenAddress = listenAddress;
        this.shutdownTimeout = shutdownTimeout;
    }

    @Override
    public void setApplicationEventPublisher(ApplicationEventPublisher events) {
        this.events = events;
    }

    @Override
    public void start() {
        if (peer.isClosed()) {
            // Not a port in use, which is what a failed listen usually means: the peer's threads are gone.
            throw new IllegalStateException("the Teleport peer was stopped and cannot start again: restart the "
                    + "application context rather than calling stop() and then start() on it");
        }
        SocketAddress bound = null;
        if (listenAddress != null && !listenAddress.isBlank()) {
            try {
                bound = peer.listen(listenAddress, null);
            } catch (RuntimeException e) {
                // Named for Boot's failure analysis: a port in use is the usual reason.
                throw TeleportConfigurationException.cannotListen(listenAddress, e);
            }
        }
        running = true;
        if (bound != null && events != null) {
            events.publishEvent(new TeleportServerStartedEvent(peer, List.of(bound)));
        }
    }

    @Override
    public void stop() {
        peer.shutdown(shutdownTimeout);
        running = false;
    }

    @Override
    public void stop(Runnable callback) {
        // Spring's other lifecycle beans stop meanwhile; the peer says when it is done.
        peer.closeAsync(shutdownTimeout).whenComplete((done, error) -> {
            running = false;
            callback.run();
        });
    }

    /** A stopped peer cannot start again: it is not for context pause and restart. */
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
}
