/**
 * The connection layer: {@link Connections} (bootstraps for listen and dial, TLS), {@link Pipelines}
 * (one connection's handlers), the frame decoder and encoder, and {@link SessionHandler}, which hands
 * frames to the session engine. Not API.
 */
@NullMarked
package io.teleport.internal.transport;

import org.jspecify.annotations.NullMarked;
