package io.teleport.router;

import io.teleport.message.Meta;

/** The context of a pull handler: the request, and the reply it is building. */
public interface PullContext extends MessageContext {

    /** A pull context is a pull's unless it says otherwise. */
    @Override
    default boolean isPull() {
        return true;
    }

    /** The reply metadata; what a handler sets here is sent with the reply. */
    Meta replyMeta();

    /**
     * Chooses the reply body codec. Without it a reply with a body uses the request's codec, or the
     * peer's default when the request had none.
     */
    PullContext replyBodyCodec(byte codecId);

    /** The reply body codec chosen so far; 0 when none was chosen. */
    byte replyBodyCodec();

    /** Appends transfer filters to the reply, after the request's, which a reply always keeps. */
    PullContext addReplyXfer(byte... filterIds);
}
