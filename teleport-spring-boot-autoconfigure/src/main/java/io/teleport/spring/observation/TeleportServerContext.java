package io.teleport.spring.observation;

import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.ReceiverContext;
import io.teleport.message.Packet;
import org.jspecify.annotations.Nullable;

/**
 * The observation context of a pull this peer answers. It is a {@link ReceiverContext} over the
 * pull, whose getter reads the pull's metadata, so that a tracing handler continues the trace whose
 * {@code traceparent}/{@code tracestate} the caller put there; a pull without them starts a trace.
 */
public final class TeleportServerContext extends ReceiverContext<Packet> implements PullContext {

    private final String remoteAddress;
    private String route;
    private @Nullable Integer code;

    /**
     * The context of a received pull.
     *
     * @param route the route its path names ({@code NOT_FOUND} when none), until the reply says which
     */
    public TeleportServerContext(Packet pull, String route, String remoteAddress) {
        super((carrier, key) -> carrier.hasMeta() ? carrier.meta().peek(key) : null, Kind.SERVER);
        setCarrier(pull);
        this.route = route;
        this.remoteAddress = remoteAddress;
    }

    /** The pull, with its metadata as received. */
    public Packet pull() {
        return getCarrier();
    }

    /** The route that handled the pull, or that its path names; a registered path or {@code NOT_FOUND}. */
    @Override
    public String route() {
        return route;
    }

    /** Sets the route once routing chose it. */
    public void route(String route) {
        this.route = route;
    }

    /** The code of the reply: 0, the error's code ({@code -1} for code 0); {@code null} before the reply. */
    @Override
    public @Nullable Integer code() {
        return code;
    }

    /** Sets the code of the reply. */
    public void code(int code) {
        this.code = code;
    }

    /** The address of the calling peer, as its session reports it. */
    @Override
    public String remoteAddress() {
        return remoteAddress;
    }
}
