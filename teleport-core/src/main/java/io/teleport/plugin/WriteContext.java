package io.teleport.plugin;

import io.teleport.message.Packet;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;

/** What the write hooks see: the outgoing packet, which they may still change before it is written. */
public interface WriteContext {

    /** The session the packet goes out on. */
    Session session();

    /** The outgoing packet: a PULL, a PUSH or a REPLY. */
    Packet output();

    /** For a REPLY, the PULL it answers; otherwise {@code null}. */
    @Nullable Packet input();

    /** For a REPLY, the route that handled the pull ({@code null} for 404s); otherwise {@code null}. */
    @Nullable RouteInfo route();

    /**
     * {@link System#nanoTime()} when the message was launched (for a reply, when its pull was
     * launched): the start of its cost, for plugins that time calls.
     */
    long startNanos();

    /**
     * For a REPLY, what its pull's handler threw (or the stage it returned failed with), unwrapped, when
     * the reply answers that: an exception an exception mapper turned into an error too, as the reply's
     * error does not say which it was. Observations record it as their error. {@code null} otherwise,
     * and for a {@link io.teleport.message.RerrorException}, whose error the reply carries.
     */
    default @Nullable Throwable handlerFailure() {
        return null;
    }
}
