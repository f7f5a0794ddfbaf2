package io.teleport.session;

import io.teleport.message.Packet;

import java.time.Duration;

/** The call a {@link CallOption} is applied to. */
public interface CallSpec {

    /** The outgoing packet: its metadata, body codec and transfer filters may be changed. */
    Packet packet();

    /** Sets the pull timeout; ignored for pushes. A zero or negative value means the peer default. */
    void timeout(Duration timeout);
}
