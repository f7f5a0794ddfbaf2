package io.teleport.internal.log;

import org.jspecify.annotations.Nullable;

import java.net.SocketAddress;

/** What a message-log entry says of the session a message went over. */
public interface MessageSource {

    /** The remote end's address. */
    SocketAddress remoteAddress();

    /** The id the application or a verifier gave the session ({@code setId}); null while it has its default. */
    @Nullable String ownId();
}
