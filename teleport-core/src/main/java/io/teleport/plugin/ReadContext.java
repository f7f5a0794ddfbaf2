package io.teleport.plugin;

import io.teleport.message.Packet;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;

/**
 * What the read hooks see: the incoming packet. A header hook may rewrite its URI, which then
 * decides the route.
 */
public interface ReadContext {

    /** The session the packet came in on. */
    Session session();

    /** The incoming packet; its body is still raw in the header hooks. */
    Packet input();

    /** The route chosen for a PULL or PUSH, once known; {@code null} in header hooks and for replies. */
    @Nullable RouteInfo route();

    /** The decoded body, in the post-body hooks; {@code null} before. */
    @Nullable Object body();

    /** For a REPLY, the PULL it answers; otherwise {@code null}. */
    @Nullable Packet output();

    /**
     * {@link System#nanoTime()} when the message was received (for a reply, when its pull was
     * launched): the start of its cost, for plugins that time calls.
     */
    long startNanos();
}
