package io.teleport.spring.actuate;

import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

/**
 * The HTTP form of the {@code teleport} endpoint's DELETE: {@code 404} for an id no live session has,
 * as HTTP says of a resource that is not there, rather than {@code 200 false}. JMX keeps the
 * endpoint's own boolean.
 */
@EndpointWebExtension(endpoint = TeleportSessionsEndpoint.class)
public class TeleportSessionsWebExtension {

    private final TeleportSessionsEndpoint endpoint;

    /** The extension of {@code endpoint}. */
    public TeleportSessionsWebExtension(TeleportSessionsEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    /** Closes the session with this id gracefully: {@code 200 true}, or {@code 404} when there is none. */
    @DeleteOperation
    public WebEndpointResponse<Boolean> close(@Selector String id) {
        return endpoint.close(id) ? new WebEndpointResponse<>(Boolean.TRUE)
                : new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
    }
}
