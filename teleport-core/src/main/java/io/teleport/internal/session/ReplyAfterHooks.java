package io.teleport.internal.session;

import io.teleport.message.Packet;
import org.jspecify.annotations.Nullable;

/**
 * A pull's reply that came while the pull's {@code PostWritePull} hooks still ran, kept until they
 * are done: the hooks see the pull before its reply does, as they would had the remote been slower.
 * The reply's bytes stay counted in the inbound budget until it has been read, since the other side
 * chose how large it is. Only pulls whose peer has such hooks get one.
 */
final class ReplyAfterHooks {

    private boolean hooksRunning = true;
    private @Nullable Packet kept;
    private @Nullable Runnable release;
    private boolean read;

    /** Keeps {@code reply} while the hooks run; false when they are done and it is to be read now. */
    synchronized boolean keep(Packet reply) {
        if (!hooksRunning) {
            return false;
        }
        kept = reply;
        return true;
    }

    /** The hooks are done: the reply kept meanwhile, if one came, to be read now. */
    synchronized @Nullable Packet hooksDone() {
        hooksRunning = false;
        Packet reply = kept;
        kept = null;
        return reply;
    }

    /** The kept reply has been read: what gives its bytes back, if it was handed in already. */
    synchronized @Nullable Runnable keptReplyRead() {
        read = true;
        Runnable r = release;
        release = null;
        return r;
    }

    /** Holds {@code r} until the kept reply is read; false when it has been, so that {@code r} runs now. */
    synchronized boolean holdRelease(Runnable r) {
        if (read) {
            return false;
        }
        release = r;
        return true;
    }
}
