package io.teleport.spring.metrics;

import io.teleport.message.Packet;
import io.teleport.message.Rerror;
import io.teleport.plugin.RouteInfo;
import io.teleport.plugin.WriteContext;
import io.teleport.plugin.setup.PeerSetup;
import io.teleport.router.RequestUri;
import io.teleport.router.Route;
import io.teleport.router.Router;
import org.jspecify.annotations.Nullable;

import java.util.Set;

/**
 * The values of the {@code route}, {@code code} and {@code outcome} tags, decided in one place so
 * that the meters of {@link MicrometerPlugin} and the observations of
 * {@link io.teleport.spring.observation.TeleportObservationPlugin} tag alike and stay bounded: a
 * remote peer chooses the codes of its error replies and the paths it sends, and neither may grow the
 * registry without bound.
 */
public final class TeleportTags {

    /**
     * The codes tagged as themselves: success (0), an error reply without a code (-1), and Teleport's
     * codes (102, 104, 105, 400, 401, 403, 404, 408, 500, 501, 502, 503); any other is {@link #OTHER}.
     */
    public static final Set<Integer> KNOWN_CODES = Set.of(0, -1, Rerror.CODE_CONNECTION_CLOSED,
            Rerror.CODE_WRITE_FAILED, Rerror.CODE_DIAL_FAILED, Rerror.CODE_BAD_PACKET, 401, 403, Rerror.CODE_NOT_FOUND,
            Rerror.CODE_PULL_TIMEOUT, Rerror.CODE_INTERNAL_ERROR, Rerror.CODE_NOT_IMPLEMENTED, Rerror.CODE_BAD_GATEWAY,
            Rerror.CODE_UNAVAILABLE);
    /** The route of a handled pull that no route took. */
    public static final String NOT_FOUND = "NOT_FOUND";
    /** A code outside {@link #KNOWN_CODES}, or a path past the bound of {@link BoundedPaths}. */
    public static final String OTHER = "OTHER";
    /** The outcome of a pull that ended with code 0. */
    public static final String SUCCESS = "SUCCESS";
    /** The outcome of any other pull. */
    public static final String ERROR = "ERROR";

    private TeleportTags() {
    }

    /** 0 for a successful reply, else the error's code (an error with code 0 counts as an error: -1). */
    public static int code(@Nullable Packet reply) {
        if (reply == null || !reply.hasMeta()) {
            return 0;
        }
        Rerror rerror = Rerror.fromMeta(reply.meta());
        return rerror == null ? 0 : rerror.code() == 0 ? -1 : rerror.code();
    }

    /** The error a reply carries, or {@code null} for a successful one. */
    public static @Nullable Rerror rerror(@Nullable Packet reply) {
        return reply == null || !reply.hasMeta() ? null : Rerror.fromMeta(reply.meta());
    }

    /** The {@code code} tag: the code itself when it is one of {@link #KNOWN_CODES}, else {@link #OTHER}. */
    public static String codeTag(int code) {
        return KNOWN_CODES.contains(code) ? Integer.toString(code) : OTHER;
    }

    /** The {@code outcome} tag. */
    public static String outcome(int code) {
        return code == 0 ? SUCCESS : ERROR;
    }

    /** The path of a URI: without its query, as routes are named. */
    public static String path(String uri) {
        int end = uri.indexOf('?');
        return end < 0 ? uri : uri.substring(0, end);
    }

    /**
     * The route that handled the pull a reply answers; for a pull refused before routing (by a
     * plugin), the route its path names, else {@link #NOT_FOUND}. Either is a registered path, so a
     * remote peer cannot add tag values.
     */
    public static String handledRoute(WriteContext reply, @Nullable PeerSetup peer) {
        RouteInfo route = reply.route();
        if (route != null) {
            return route.path();
        }
        Packet pull = reply.input();
        return pull == null ? NOT_FOUND : namedRoute(pull.uri(), peer);
    }

    /** The pull route the path of {@code uri} names, or {@link #NOT_FOUND}: a registered path either way. */
    public static String namedRoute(String uri, @Nullable PeerSetup peer) {
        return peer == null ? NOT_FOUND : named(peer.pullRouter(), uri);
    }

    /**
     * The push route the path of {@code uri} names, or {@link #NOT_FOUND}: pushes are counted as they
     * arrive, before routing, and their paths are the sender's choice.
     */
    public static String namedPushRoute(String uri, @Nullable PeerSetup peer) {
        return peer == null ? NOT_FOUND : named(peer.pushRouter(), uri);
    }

    private static String named(Router<?> router, String uri) {
        Route named;
        try {
            // As the router reads it: escapes decoded, fragment and scheme://host left out.
            named = router.lookup(RequestUri.parse(uri).path());
        } catch (IllegalArgumentException unparsable) {
            return NOT_FOUND;
        }
        return named == null ? NOT_FOUND : named.path();
    }
}
