package io.teleport.plugin;

/**
 * Hook. A pull of this side has ended, however it ended: once per pull, just before its caller
 * learns the outcome. Teleport's reply hooks run only for replies read from the wire, so a pull
 * that timed out ({@code 408}), lost its connection ({@code 102}), could not be written
 * ({@code 104}) or was refused by a {@link PreWritePull} hook would otherwise end unseen by the
 * plugins that time and count calls.
 *
 * <p>{@link ReadContext#input()} is the reply as the caller got it: the one read from the wire, or,
 * when the pull ended without one (or its reply could not be used), a reply made on this side that
 * carries the error under {@link io.teleport.message.Rerror#META_KEY}, as Teleport writes errors,
 * and whose size is 0. {@link ReadContext#output()} is the pull, {@link ReadContext#body()} the
 * decoded body of a successful reply. The pull has already ended, so there is nothing to refuse:
 * exceptions are logged and the next plugin runs.
 */
public interface PostPullEnd extends Plugin {

    /** Runs the hook. */
    void postPullEnd(ReadContext ctx);
}
