package io.teleport.plugin;


/**
 * Hook. When a route is registered, with the plugins of its scope. An exception fails the registration.
 */
public interface PostReg extends Plugin {

    /** Runs the hook. */
    void postReg(RouteInfo route);
}
