package io.teleport.spring.client;

import io.teleport.message.Rerror;

/**
 * Told of each pull that a {@link SessionTemplate} could not start because its remote could not be
 * dialed ({@code 105}). Such a pull never reaches a session, so no plugin of the peer sees it (every
 * other pull ends through the {@code PostPullEnd} hook); beans of this type are told instead, so that
 * it is timed and counted like the rest. The Micrometer plugin is one.
 */
@FunctionalInterface
public interface UndialedPulls {

    /**
     * A pull of {@code uri} to the remote named {@code remote} failed before it had a session.
     *
     * @param startNanos {@link System#nanoTime()} when the pull was asked for
     */
    void pullNotDialed(String remote, String uri, Rerror rerror, long startNanos);
}
