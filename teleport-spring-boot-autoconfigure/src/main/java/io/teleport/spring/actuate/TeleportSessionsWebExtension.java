package io.teleport.spring.actuate;

import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

/**
 * The HTTP form of the {@code teleport} endpoint's DELETE: {@code 404} for an id no live session has,
 * as HTTP says of a resource that is not there, rather than {@code 200} with {@code closed: false}.
 * JMX keeps the endpoint's own answer.
 */
@EndpointWebExtension(endpoint = TeleportSessionsEndpoint.class)
public class TeleportSessionsWebExtension {

    private final TeleportSessionsEndpoint endpoint;

    /** The extension of {@code endpoint}. */
    public TeleportSessionsWebExtension(TeleportSessionsEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    /** Closes the session with this id gracefully: {@code 200} with what was done, or {@code 404} when there is none. */
    @DeleteOperation
    public WebEndpointResponse<TeleportSessionsEndpoint.CloseDescriptor> close(@Selector String id) {
        TeleportSessionsEndpoint.CloseDescriptor result = endpoint.close(id);
        return result.closed() ? new WebEndpointResponse<>(result)
                : new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
    }
}
