package io.teleport.spring.client;

import java.util.List;

/**
 * Chooses the instance of a remote service that one call goes to, as Spring Cloud LoadBalancer's
 * {@code ReactorServiceInstanceLoadBalancer} does for HTTP. The template offers the instances that are
 * connected, or, when none is, those it may still dial; an instance a call already failed on is not
 * offered again for that call. {@link RoundRobinLoadBalancer} is the default; a
 * {@link TeleportLoadBalancer.Factory} bean replaces it.
 */
@FunctionalInterface
public interface TeleportLoadBalancer {

    /**
     * The instance for a call of {@code uri}.
     *
     * @param candidates never empty; the list must not be changed or kept
     * @return one of {@code candidates}
     */
    TeleportInstance choose(String uri, List<TeleportInstance> candidates);

    /** Makes the load balancer of each remote, so that each keeps its own state. */
    @FunctionalInterface
    interface Factory {

        /**
         * The load balancer of the remote {@code remote} (its name under {@code teleport.clients}, or
         * {@code default}), whose instances are those of {@code serviceId}.
         */
        TeleportLoadBalancer create(String remote, String serviceId);
    }
}
