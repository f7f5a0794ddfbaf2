package io.teleport.plugin;

import io.teleport.message.Rerror;
import org.jspecify.annotations.Nullable;

/**
 * Hook. Before a PULL is written. An error ends the pull with it; nothing is written.
 *
 * <p>The hook may change the outgoing packet (URI, meta, body, codec, filters) but not its seq or
 * type: the pull waits for the reply to the seq it was given, so a change to either is undone
 * before the packet is written.
 */
public interface PreWritePull extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    @Nullable Rerror preWritePull(WriteContext ctx);
}
