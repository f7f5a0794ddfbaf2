package io.teleport.plugin;

import org.jspecify.annotations.Nullable;

import java.lang.reflect.Type;

/**
 * What a plugin may know of a route: its path, the type its body decodes to and the handler's name.
 * Plugins see this view rather than the router's {@code Route}, so they cannot invoke handlers or
 * change a route's plugins, and the plugin package does not depend on the router.
 */
public interface RouteInfo {

    /** The route's path, for example {@code /home/test}. */
    String path();

    /**
     * The type the body is decoded to before the handler runs; {@code null} when the handler takes the
     * raw body (the handler of unknown paths).
     */
    @Nullable Type bodyType();

    /** The handler's name for logs, such as {@code Home.test}. */
    String handlerName();
}
