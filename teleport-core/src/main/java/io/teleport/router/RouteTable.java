package io.teleport.router;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** The routes of one message kind, shared by a router and its groups. */
final class RouteTable {

    private static final Logger log = LoggerFactory.getLogger(RouteTable.class);

    private final String kind;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private volatile @Nullable Route unknown;
    /** Whether any route here never blocks: until one does, no message needs its route on the I/O thread. */
    private volatile boolean anyNonBlocking;
    private volatile Consumer<Route> onRegister = route -> { };

    RouteTable(String kind) {
        this.kind = kind;
    }

    String kind() {
        return kind;
    }

    /** Called for each route before it is added; an exception refuses the route. */
    void onRegister(Consumer<Route> listener) {
        this.onRegister = listener;
    }

    void add(Route route) {
        onRegister.accept(route);
        Route previous = routes.putIfAbsent(route.path(), route);
        if (previous != null) {
            String why = previous.handlerName().equals(route.handlerName())
                    ? "; overloaded methods, or classes of the same simple name in different packages, map to one "
                    + "route: rename one of them (with the starter, @RoutePath or a controller group gives one its own path)"
                    : "; give one of them another path";
            throw new IllegalStateException("There is a " + kind + " handler conflict: " + route.path()
                    + " (" + previous.handlerName() + " and " + route.handlerName() + ")" + why);
        }
        if (route.isNonBlocking()) {
            anyNonBlocking = true;
        }
        log.info("register {} handler: {}", kind, route.path());
    }

    void setUnknown(Route route) {
        onRegister.accept(route);
        if (unknown != null) {
            log.warn("covered unknown_{}_handle handler", kind);
        } else {
            log.info("set unknown_{}_handle handler", kind);
        }
        unknown = route;
    }

    @Nullable Route get(String path) {
        return routes.get(path);
    }

    @Nullable Route unknown() {
        return unknown;
    }

    boolean anyNonBlocking() {
        return anyNonBlocking;
    }

    Collection<Route> all() {
        List<Route> all = new ArrayList<>(routes.values());
        all.sort(Comparator.comparing(Route::path));
        return Collections.unmodifiableList(all);
    }
}
