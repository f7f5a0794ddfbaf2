package io.teleport.plugin;

import io.teleport.message.Rerror;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;

/**
 * One hook of the plugin chain, described once: the interface a plugin implements to have it, how
 * it is called, and what the chain does when a plugin fails. {@link PluginChain#run} is the one
 * runner for all of them.
 *
 * @param <P> the hook's interface
 * @param <C> what the hook is given
 */
public final class Hook<P extends Plugin, C> {

    /** What the chain does when a plugin's hook fails. */
    public enum OnFailure {
        /** The first error returned (or a thrown exception, as a 500) stops the chain and is returned. */
        FIRST_ERROR_STOPS,
        /** An exception stops the chain and reaches the caller: set-up hooks, where failing is the point. */
        THROWS,
        /** An exception is logged and the next plugin runs: the connection is gone anyway. */
        LOGS
    }

    private static final List<Hook<?, ?>> ALL = new ArrayList<>();

    /** After a route is registered. */
    public static final Hook<PostReg, RouteInfo> POST_REG = setUp(PostReg.class, "PostReg", PostReg::postReg);
    /** A dialed connection is up; an error closes it. */
    public static final Hook<PostDial, Session> POST_DIAL = checks(PostDial.class, "PostDial", PostDial::postDial);
    /** An accepted connection is up; an error closes it. */
    public static final Hook<PostAccept, Session> POST_ACCEPT =
            checks(PostAccept.class, "PostAccept", PostAccept::postAccept);
    /** Before a pull is written; an error ends the pull. */
    public static final Hook<PreWritePull, WriteContext> PRE_WRITE_PULL =
            checks(PreWritePull.class, "PreWritePull", PreWritePull::preWritePull);
    /** After a pull is written. */
    public static final Hook<PostWritePull, WriteContext> POST_WRITE_PULL =
            checks(PostWritePull.class, "PostWritePull", PostWritePull::postWritePull);
    /** Before a reply is written; an error replaces the reply. */
    public static final Hook<PreWriteReply, WriteContext> PRE_WRITE_REPLY =
            checks(PreWriteReply.class, "PreWriteReply", PreWriteReply::preWriteReply);
    /** After a reply is written. */
    public static final Hook<PostWriteReply, WriteContext> POST_WRITE_REPLY =
            checks(PostWriteReply.class, "PostWriteReply", PostWriteReply::postWriteReply);
    /** Before a push is written; an error ends the push. */
    public static final Hook<PreWritePush, WriteContext> PRE_WRITE_PUSH =
            checks(PreWritePush.class, "PreWritePush", PreWritePush::preWritePush);
    /** After a push is written. */
    public static final Hook<PostWritePush, WriteContext> POST_WRITE_PUSH =
            checks(PostWritePush.class, "PostWritePush", PostWritePush::postWritePush);
    /** Before a frame is read; an error closes the connection. */
    public static final Hook<PreReadHeader, Session> PRE_READ_HEADER =
            checks(PreReadHeader.class, "PreReadHeader", PreReadHeader::preReadHeader);
    /** A pull's header was read; an error is the reply. */
    public static final Hook<PostReadPullHeader, ReadContext> POST_READ_PULL_HEADER =
            checks(PostReadPullHeader.class, "PostReadPullHeader", PostReadPullHeader::postReadPullHeader);
    /** Before a pull's body is decoded. */
    public static final Hook<PreReadPullBody, ReadContext> PRE_READ_PULL_BODY =
            checks(PreReadPullBody.class, "PreReadPullBody", PreReadPullBody::preReadPullBody);
    /** After a pull's body is decoded. */
    public static final Hook<PostReadPullBody, ReadContext> POST_READ_PULL_BODY =
            checks(PostReadPullBody.class, "PostReadPullBody", PostReadPullBody::postReadPullBody);
    /** A push's header was read; an error drops the push. */
    public static final Hook<PostReadPushHeader, ReadContext> POST_READ_PUSH_HEADER =
            checks(PostReadPushHeader.class, "PostReadPushHeader", PostReadPushHeader::postReadPushHeader);
    /** Before a push's body is decoded. */
    public static final Hook<PreReadPushBody, ReadContext> PRE_READ_PUSH_BODY =
            checks(PreReadPushBody.class, "PreReadPushBody", PreReadPushBody::preReadPushBody);
    /** After a push's body is decoded. */
    public static final Hook<PostReadPushBody, ReadContext> POST_READ_PUSH_BODY =
            checks(PostReadPushBody.class, "PostReadPushBody", PostReadPushBody::postReadPushBody);
    /** A reply's header was read; an error ends the pull with it. */
    public static final Hook<PostReadReplyHeader, ReadContext> POST_READ_REPLY_HEADER =
            checks(PostReadReplyHeader.class, "PostReadReplyHeader", PostReadReplyHeader::postReadReplyHeader);
    /** Before a reply's body is decoded. */
    public static final Hook<PreReadReplyBody, ReadContext> PRE_READ_REPLY_BODY =
            checks(PreReadReplyBody.class, "PreReadReplyBody", PreReadReplyBody::preReadReplyBody);
    /** After a reply's body is decoded. */
    public static final Hook<PostReadReplyBody, ReadContext> POST_READ_REPLY_BODY =
            checks(PostReadReplyBody.class, "PostReadReplyBody", PostReadReplyBody::postReadReplyBody);
    /** A pull of this side ended, with its reply or an error made here (timeout, lost connection, ...). */
    public static final Hook<PostPullEnd, ReadContext> POST_PULL_END = observes(PostPullEnd.class, "PostPullEnd",
            PostPullEnd::postPullEnd);
    /** A connection is gone. */
    public static final Hook<PostDisconnect, Session> POST_DISCONNECT = observes(PostDisconnect.class,
            "PostDisconnect", PostDisconnect::postDisconnect);

    final int index;
    final Class<P> type;
    private final String name;
    private final BiFunction<P, C, @Nullable Rerror> invoker;
    private final OnFailure onFailure;

    private Hook(Class<P> type, String name, BiFunction<P, C, @Nullable Rerror> invoker, OnFailure onFailure) {
        this.type = type;
        this.name = name;
        this.invoker = invoker;
        this.onFailure = onFailure;
        synchronized (ALL) {
            this.index = ALL.size();
            ALL.add(this);
        }
    }

    private static <P extends Plugin, C> Hook<P, C> checks(Class<P> type, String name,
            BiFunction<P, C, @Nullable Rerror> invoker) {
        return new Hook<>(type, name, invoker, OnFailure.FIRST_ERROR_STOPS);
    }

    /** A hook that only observes something already over: a failure is logged and the chain goes on. */
    private static <P extends Plugin, C> Hook<P, C> observes(Class<P> type, String name, BiConsumer<P, C> action) {
        return new Hook<>(type, name, noError(action), OnFailure.LOGS);
    }

    private static <P extends Plugin, C> Hook<P, C> setUp(Class<P> type, String name, BiConsumer<P, C> action) {
        return new Hook<>(type, name, noError(action), OnFailure.THROWS);
    }

    private static <P, C> BiFunction<P, C, @Nullable Rerror> noError(BiConsumer<P, C> action) {
        return (p, c) -> {
            action.accept(p, c);
            return null;
        };
    }

    /** Every hook, in the order they are declared. */
    public static List<Hook<?, ?>> all() {
        return Collections.unmodifiableList(ALL);
    }

    /** The hook's name, as Teleport names it, such as {@code PreWritePull}. */
    public String name() {
        return name;
    }

    /** The interface a plugin implements to have this hook. */
    public Class<P> type() {
        return type;
    }

    /** What the chain does when a plugin fails. */
    public OnFailure onFailure() {
        return onFailure;
    }

    @Nullable Rerror invoke(Plugin plugin, C context) {
        return invoker.apply(type.cast(plugin), context);
    }

    @Override
    public String toString() {
        return name;
    }
}
