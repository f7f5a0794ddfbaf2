package io.teleport.spring.observation;

import org.jspecify.annotations.Nullable;

/** What both sides' contexts tell their conventions, so one convention class names both. */
interface PullContext {

    /** The route as a bounded tag value. */
    String route();

    /** The code of the pull's end; {@code null} while it is in flight. */
    @Nullable Integer code();

    /** The other peer's address (or, for a pull that could not dial, the remote's name). */
    String remoteAddress();
}
