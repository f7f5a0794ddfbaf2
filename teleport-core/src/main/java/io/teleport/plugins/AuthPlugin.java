package io.teleport.plugins;

import io.teleport.codec.StringCodec;
import io.teleport.config.PeerConfig;
import io.teleport.limits.DurationSettings;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.PostAccept;
import io.teleport.plugin.PostDial;
import io.teleport.plugin.PostReadPullHeader;
import io.teleport.plugin.PostReadPushHeader;
import io.teleport.plugin.PrivatePaths;
import io.teleport.plugin.UnverifiedReadLimit;
import io.teleport.plugin.ReadContext;
import io.teleport.plugin.setup.PeerSetup;
import io.teleport.plugin.setup.PostNewPeer;
import io.teleport.proto.ErpcRawProto;
import io.teleport.router.RequestUri;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Token authentication right after a connection is made, before any handler runs.
 *
 * <p>The dialing side pulls {@value #URI} with its token (string codec) from its {@code PostDial}
 * hook, so it runs again after every redial. The accepting side answers that pull, and until it has
 * accepted a token it answers every other pull of the session 401 (a push, which has no reply to carry
 * it, closes the session; so does a refused token); a session that does not authenticate within the
 * timeout is closed. One plugin can play both roles.
 *
 * <p>On an erpc v6 session the same pull and its reply are erpc's AUTH_CALL and AUTH_REPLY
 * ({@link ErpcRawProto} maps this URI to them): the dialing side's first frame carries the token, and a
 * refusal is an AUTH_REPLY whose status is the verifier's error (erpc's checker plugins answer
 * {@code 403} in the captured vectors) after which the dialing side's dial fails. A Go erpc v6 client
 * with a bearer plugin can authenticate with a Java server and a Java client with a Go checker.
 *
 * <p>The handshake is private to this plugin ({@link PrivatePaths}): the plugins after it in the chain
 * do not see {@value #URI} messages on either side, as in Go, where the handshake is read before the
 * session's other hooks run. Put it first in the chain, so that no other plugin acts on a message
 * from a peer that has not authenticated.
 *
 * <p>A dialed session whose attributes hold a {@link #TOKEN} sends that token instead of the plugin's
 * own ({@code peer.dialAsync(address, null, Map.of(AuthPlugin.TOKEN, "..."))}): one peer can dial
 * backends that accept different tokens, each session sending its own after every redial.
 *
 * <p>Until it has authenticated, an accepted session may send frames of at most
 * {@value #DEFAULT_UNVERIFIED_READ_LIMIT} bytes ({@link #withUnverifiedReadLimit}), its handshake
 * included; a larger one closes the connection. Its token accepted, it may send up to the peer's read
 * limit: a peer that has proved nothing cannot make this one buffer and decode 16 MiB frames.
 */
public final class AuthPlugin implements PostNewPeer, PostDial, PostAccept, PostReadPullHeader, PostReadPushHeader,
        PrivatePaths, UnverifiedReadLimit {

    /** The authentication route. */
    public static final String URI = ErpcRawProto.AUTH_URI;
    /**
     * The session attribute holding the token that session sends, in place of the plugin's own (an
     * empty one: none): set it when dialing ({@code Peer.dialAsync(address, proto, attributes)}), before
     * the dial hooks run.
     */
    public static final String TOKEN = AuthPlugin.class.getName() + ".token";
    /** The largest frame an accepted session may send before its handshake is accepted, by default: 64 KiB. */
    public static final int DEFAULT_UNVERIFIED_READ_LIMIT = 64 * 1024;

    private static final Logger log = LoggerFactory.getLogger(AuthPlugin.class);
    private static final String VERIFIED = AuthPlugin.class.getName() + ".verified";
    private static final String TRIED = AuthPlugin.class.getName() + ".tried";
    private static final String DEADLINE = AuthPlugin.class.getName() + ".deadline";
    private static final Rerror UNAUTHORIZED = new Rerror(401, "Unauthorized", "this peer takes calls only after "
            + "the handshake " + URI + ": the caller has no token, or it was refused");

    private final @Nullable Supplier<@Nullable String> token;
    private final @Nullable SessionVerifier verifier;
    private final @Nullable Duration timeout;
    private final int unverifiedReadLimit;
    private final AuthRefusals refusals = new AuthRefusals(log);
    /** The peer's dial timeout, which the dialing side's token must be answered within. */
    private volatile Duration dialTimeout = PeerConfig.defaults().dialTimeout();

    /**
     * Decides on a token with the session it came on, so that what the token proves can stay with the
     * session: its name ({@link Session#setId}, by which the accepting side then finds it) or an
     * attribute ({@link Session#attributes}). Go's auth checker is given the session the same way.
     */
    @FunctionalInterface
    public interface SessionVerifier {

        /** {@code null} to accept {@code token} on {@code session}, or the error to refuse it with. */
        @Nullable Rerror verify(Session session, String token);
    }

    private AuthPlugin(@Nullable Supplier<@Nullable String> token, @Nullable SessionVerifier verifier,
            @Nullable Duration timeout, int unverifiedReadLimit) {
        this.token = token;
        this.verifier = verifier;
        this.timeout = timeout;
        this.unverifiedReadLimit = unverifiedReadLimit;
    }

    /**
     * The dialing side: sends {@code token} after every dial and redial, to be answered within the
     * peer's dial timeout (an instance per peer: it takes its peer's). A supplier that returns
     * {@code null} or an empty token sends nothing, but for the sessions dialed with a {@link #TOKEN} of
     * their own.
     */
    public static AuthPlugin client(Supplier<@Nullable String> token) {
        return new AuthPlugin(Objects.requireNonNull(token, "token"), null, null, DEFAULT_UNVERIFIED_READ_LIMIT);
    }

    /**
     * The accepting side: {@code verifier} returns {@code null} to accept a token, or the error to
     * refuse it with; sessions not authenticated within {@code timeout} (more than zero) are closed.
     */
    public static AuthPlugin server(Function<String, @Nullable Rerror> verifier, Duration timeout) {
        return server(tokenOnly(verifier), timeout);
    }

    /** The accepting side, with a verifier that is also given the session: see {@link SessionVerifier}. */
    public static AuthPlugin server(SessionVerifier verifier, Duration timeout) {
        return new AuthPlugin(null, Objects.requireNonNull(verifier, "verifier"), DurationSettings.positive(timeout, "timeout"),
                DEFAULT_UNVERIFIED_READ_LIMIT);
    }

    /** Both roles in one peer. */
    public static AuthPlugin both(Supplier<String> token, Function<String, @Nullable Rerror> verifier,
            Duration timeout) {
        return both(token, tokenOnly(verifier), timeout);
    }

    /** Both roles in one peer, with a verifier that is also given the session. */
    public static AuthPlugin both(Supplier<String> token, SessionVerifier verifier, Duration timeout) {
        return new AuthPlugin(Objects.requireNonNull(token, "token"), Objects.requireNonNull(verifier, "verifier"),
                DurationSettings.positive(timeout, "timeout"), DEFAULT_UNVERIFIED_READ_LIMIT);
    }

    /**
     * This plugin, with the largest frame an accepted session may send before its handshake is
     * accepted set to {@code bytes} (at least 24, the smallest frame; the peer's read limit applies
     * when lower): room for the token, and for a pull that gets {@code 401}.
     */
    public AuthPlugin withUnverifiedReadLimit(int bytes) {
        if (bytes < 24) {
            throw new IllegalArgumentException("unverifiedReadLimit: " + bytes + " (expected: >= 24, the smallest frame)");
        }
        return new AuthPlugin(token, verifier, timeout, bytes);
    }

    /** The largest frame an accepted session may send before its handshake is accepted; unbounded on the dialing side alone. */
    @Override
    public int unverifiedReadLimit() {
        return verifier == null ? Integer.MAX_VALUE : unverifiedReadLimit;
    }

    private static SessionVerifier tokenOnly(Function<String, @Nullable Rerror> verifier) {
        Objects.requireNonNull(verifier, "verifier");
        return (session, offered) -> verifier.apply(offered);
    }

    @Override
    public String name() {
        return "auth";
    }

    /** The handshake's path: plugins after this one do not see it. */
    @Override
    public Set<String> privatePaths() {
        return Set.of(URI);
    }

    @Override
    public void postNewPeer(PeerSetup peer) {
        dialTimeout = peer.config().dialTimeout();
        if (verifier == null) {
            return;
        }
        peer.pullRouter().route(URI, String.class, (offered, ctx) -> {
            if (ctx.session().attributes().putIfAbsent(TRIED, Boolean.TRUE) != null) {
                // One try per connection: a refused one is closing, and handshakes pipelined behind it
                // must not each get a guess at the token before it does.
                refusals.record(ctx.session(), "a second handshake on one connection");
                throw UNAUTHORIZED.toException();
            }
            Rerror refused = verifier.verify(ctx.session(), offered == null ? "" : offered);
            if (refused != null) {
                refusals.record(ctx.session(), "token refused: " + refused.toJson());
                closeSoon(ctx.session());
                throw refused.toException();
            }
            ctx.session().attributes().put(VERIFIED, Boolean.TRUE);
            // The peer's own limit, whichever peer this plugin serves.
            ctx.session().setReadLimit(Integer.MAX_VALUE);
            Object deadline = ctx.session().attributes().remove(DEADLINE);
            if (deadline instanceof CompletableFuture<?> pending) {
                pending.complete(null);
            }
            return "ok";
        });
    }

    @Override
    public @Nullable Rerror postDial(Session session) {
        String sent = session.attributes().get(TOKEN) instanceof String own ? own : token != null ? token.get() : null;
        if (sent == null || sent.isEmpty()) {
            return null;
        }
        try {
            // Part of the dial: a peer that accepts and never answers fails it within the dial's time.
            session.pull(URI, sent, String.class, CallOptions.bodyCodec(StringCodec.ID),
                    CallOptions.timeout(dialTimeout));
            return null;
        } catch (RerrorException e) {
            Rerror failed = e.rerror();
            // erpc's dial fails so however its handshake did, the refusal's cause kept (a Go client's
            // dial against a Go checker ends 105 "Dial Failed", cause "wrong auth info"); Teleport v3's
            // dial ends with the handshake's own error.
            if (!(session.proto() instanceof ErpcRawProto) || failed.code() == Rerror.CODE_DIAL_FAILED) {
                return failed;
            }
            // A status with no words (code=200, code=403&msg=) still says what the server answered.
            String cause = !failed.detail().isEmpty() ? failed.detail() : !failed.message().isEmpty() ? failed.message()
                    : "the server refused the handshake with code " + failed.code() + " and no message";
            return new Rerror(Rerror.CODE_DIAL_FAILED, "Dial Failed", cause);
        }
    }

    @Override
    public @Nullable Rerror postAccept(Session session) {
        if (verifier != null) {
            // Ended early by the handshake or by the close, which takes its timer entry out: one still
            // waiting would hold a closed connection's objects for the whole timeout, and a peer that
            // opens and drops connections fast could fill the heap with them.
            CompletableFuture<Void> deadline = new CompletableFuture<>();
            session.attributes().put(DEADLINE, deadline);
            session.closeFuture().whenComplete((v, e) -> deadline.complete(null));
            deadline.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).whenComplete((v, timedOut) -> {
                if (timedOut != null && !isVerified(session) && session.isHealthy()) {
                    refusals.record(session, "no handshake within " + timeout.toMillis() + " ms: closed");
                    session.close();
                }
            });
        }
        return null;
    }

    @Override
    public @Nullable Rerror postReadPullHeader(ReadContext ctx) {
        return gate(ctx, true);
    }

    @Override
    public @Nullable Rerror postReadPushHeader(ReadContext ctx) {
        return gate(ctx, false);
    }

    /**
     * Only the handshake's own pull passes unverified: a push to its path would reach the application.
     * A session this side dialed is not gated: there this side is the one that proved itself, and the
     * peer it dialed (a backend that pushes, or pulls it back) never sends a token of its own.
     */
    private @Nullable Rerror gate(ReadContext ctx, boolean pull) {
        if (verifier == null || ctx.session().dialed() || isVerified(ctx.session())) {
            return null;
        }
        if (!pull) {
            // The URI is the remote's text: not in this side's log.
            refusals.record(ctx.session(), "a push before the handshake");
            closeSoon(ctx.session());
            return UNAUTHORIZED;
        }
        String path;
        try {
            path = RequestUri.parse(ctx.input().uri()).path();
        } catch (IllegalArgumentException e) {
            path = "";
        }
        if (path.equals(URI)) {
            return null;
        }
        refusals.record(ctx.session(), "a pull before the handshake");
        // Not closed here: its other pulls get this 401 too, until the handshake or the timeout (which
        // closes it). Closed at once, those already sent were answered 503 "session closing" and 104
        // "draining", and a client without a token saw a shutdown, not what it lacks (new-user trial 14).
        return UNAUTHORIZED;
    }

    /**
     * How many times this peer's accepting side refused: tokens refused, calls before the handshake,
     * second handshakes and sessions closed for want of one within the timeout (each also logged, at
     * WARN once per 10 seconds with the count since the last line).
     */
    public long refusals() {
        return refusals.count();
    }

    /** Whether the session authenticated with this peer. */
    public static boolean isVerified(Session session) {
        return Boolean.TRUE.equals(session.attributes().get(VERIFIED));
    }

    private static void closeSoon(Session session) {
        // Let the refusal reply go out first: a graceful close waits for handlers in flight.
        CompletableFuture.runAsync(session::close);
    }
}
