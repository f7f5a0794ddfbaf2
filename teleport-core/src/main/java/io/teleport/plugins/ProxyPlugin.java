package io.teleport.plugins;

import io.teleport.codec.PreEncoded;
import io.teleport.message.Meta;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.setup.PeerSetup;
import io.teleport.plugin.setup.PostNewPeer;
import io.teleport.router.MessageContext;
import io.teleport.session.CallOption;
import io.teleport.session.CallOptions;
import io.teleport.session.Reply;
import io.teleport.session.Session;
import io.teleport.transport.Addresses;
import org.jspecify.annotations.Nullable;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * Forwards pulls and pushes that have no route here to another peer, as they came: same URI, meta
 * and codec, the body bytes untouched, plus {@value #REAL_IP} naming the original sender. The
 * target's reply, or its error, goes back to the caller; a pull this side could not send to the target
 * or dial it for ({@code 104}, {@code 105}) is answered {@code 503}, which the caller may send elsewhere
 * (nothing ran), and one whose connection broke after it was sent ({@code 102}), or that could not be
 * framed at all (over the target's limits with the metadata added: no other instance would take it
 * either), {@code 502}.
 */
public final class ProxyPlugin implements PostNewPeer {

    /** The meta key naming the original sender's address. */
    public static final String REAL_IP = "X-Real-IP";

    private final Function<MessageContext, Session> target;

    /** Forwards to the session {@code target} picks for each message. */
    public ProxyPlugin(Function<MessageContext, Session> target) {
        this.target = Objects.requireNonNull(target, "target");
    }

    @Override
    public String name() {
        return "proxy";
    }

    @Override
    public void postNewPeer(PeerSetup peer) {
        peer.pullRouter().setUnknown(ctx -> {
            Session to;
            try {
                to = target.apply(ctx);
            } catch (RerrorException e) {
                // A target picked by dialing it, which failed: nothing was sent.
                throw unwrap(e);
            }
            CompletableFuture<Reply<PreEncoded>> forwarded = to.pullReply(ctx.uri(),
                    body(ctx.bodyBytes()), PreEncoded.class, forward(ctx));
            return forwarded.handle((reply, error) -> {
                if (error != null) {
                    throw unwrap(error);
                }
                Meta meta = reply.meta();
                meta.forEach((k, v) -> ctx.replyMeta().add(k, v));
                ctx.replyBodyCodec(reply.bodyCodec());
                return reply.body();
            });
        });
        peer.pushRouter().setUnknown(ctx -> target.apply(ctx).push(ctx.uri(), body(ctx.bodyBytes()), forward(ctx)));
    }

    private static CallOption forward(MessageContext ctx) {
        // Behind a chain of proxies the first one's value is the sender's.
        String sent = ctx.meta().peek(REAL_IP);
        String realIp = sent != null ? sent : Addresses.format(ctx.remoteAddress());
        return call -> {
            call.packet().meta().addAll(ctx.meta()).set(REAL_IP, realIp);
            CallOptions.bodyCodec(ctx.bodyCodec()).apply(call);
        };
    }

    private static @Nullable PreEncoded body(byte @Nullable [] bytes) {
        return bytes == null || bytes.length == 0 ? null : new PreEncoded(bytes);
    }

    private static RuntimeException unwrap(Throwable error) {
        Throwable c = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (!(c instanceof RerrorException)) {
            return new CompletionException(c);
        }
        RerrorException e = (RerrorException) c;
        Rerror r = e.rerror();
        if (!e.fromReply() && (r.code() == Rerror.CODE_WRITE_FAILED || r.code() == Rerror.CODE_DIAL_FAILED)) {
            // Its codes would tell the caller that the caller's own pull was not sent; the caller's was, and
            // no handler ran it: as a draining or saturated peer's refusal, which may go elsewhere.
            return new RerrorException(new Rerror(Rerror.CODE_UNAVAILABLE, "Service Unavailable", "the proxy could not"
                    + " forward it: " + r.code() + " " + r.message() + (r.detail().isEmpty() ? "" : ": " + r.detail())), e);
        }
        return e;
    }
}
