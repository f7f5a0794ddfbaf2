package io.teleport.spring.client;

import io.teleport.spring.lifecycle.TeleportPeerLifecycle;
import org.springframework.context.SmartLifecycle;

import java.util.List;

/**
 * Dials the remotes that connect eagerly once the peer has started (its routes registered, listening
 * if it listens), so that what they push or pull reaches this application before it first calls them;
 * stops their attempts before the peer shuts down. A remote that cannot be reached does not hold up
 * start-up: it is dialed again in the background, and its health says DOWN meanwhile.
 */
public final class EagerRemotes implements SmartLifecycle {

    private final List<SessionTemplate> templates;
    private volatile boolean running;

    /** Connects {@code templates} on start. */
    public EagerRemotes(List<SessionTemplate> templates) {
        this.templates = List.copyOf(templates);
    }

    /** The templates it connects. */
    public List<SessionTemplate> templates() {
        return templates;
    }

    @Override
    public void start() {
        templates.forEach(SessionTemplate::connect);
        running = true;
    }

    @Override
    public void stop() {
        templates.forEach(SessionTemplate::stopConnecting);
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Just after the peer starts, and so stopped just before it. */
    @Override
    public int getPhase() {
        return TeleportPeerLifecycle.PHASE + 1;
    }
}
