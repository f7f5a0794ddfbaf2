package io.teleport.spring.observation;

import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.SenderContext;
import io.teleport.message.Packet;
import org.jspecify.annotations.Nullable;

/**
 * The observation context of a pull this peer makes. It is a {@link SenderContext} over the pull,
 * whose setter writes the pull's metadata, so that the configured tracing propagator puts W3C
 * {@code traceparent}/{@code tracestate} (or whatever its format is) into the message; Go Teleport
 * peers keep unknown metadata to themselves and ignore it.
 */
public final class TeleportClientContext extends SenderContext<Packet> implements PullContext {

    private final String route;
    private final String remote;
    private @Nullable Integer code;

    /**
     * The context of a pull about to be written.
     *
     * @param route the pull's path as a bounded tag value
     * @param remote the remote peer's address, or the remote's name for a pull that could not dial it
     */
    public TeleportClientContext(Packet pull, String route, String remote) {
        super((carrier, key, value) -> {
            if (carrier != null) {
                carrier.meta().set(key, value);
            }
        }, Kind.CLIENT);
        setCarrier(pull);
        this.route = route;
        this.remote = remote;
    }

    /** The pull, whose metadata carries the trace context once the observation started. */
    public Packet pull() {
        return getCarrier();
    }

    /** The pull's path, the first 256 distinct ones as they are and {@code OTHER} after. */
    @Override
    public String route() {
        return route;
    }

    /**
     * The code the caller got: 0, the error reply's code ({@code -1} for code 0), or this side's own
     * (408, 102, 104, 105, a plugin's refusal); {@code null} until the pull ended.
     */
    @Override
    public @Nullable Integer code() {
        return code;
    }

    /** Sets the code the caller got. */
    public void code(int code) {
        this.code = code;
    }

    /** The remote peer's address, or the remote's name for a pull that could not dial it. */
    @Override
    public String remoteAddress() {
        return remote;
    }
}
