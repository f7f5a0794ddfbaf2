package io.teleport.plugin;

import io.teleport.Peer;
import io.teleport.PeerConfig;
import io.teleport.Rerror;
import io.teleport.router.Route;
import io.teleport.session.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * An ordered, immutable list of plugins with one precomputed array per hook, so that running a hook
 * is a loop over exactly the plugins that have it.
 *
 * <p>Hooks run in list order and the first error stops the chain. A plugin that throws from a hook
 * returning {@link Rerror} counts as returning a 500 error. Plugin names must be unique.
 */
public final class PluginChain {

    private static final Logger log = LoggerFactory.getLogger(PluginChain.class);
    private static final PluginChain EMPTY = new PluginChain(List.of());

    private final List<Plugin> all;
    private final PreNewPeer[] preNewPeer;
    private final PostNewPeer[] postNewPeer;
    private final PostReg[] postReg;
    private final PostDial[] postDial;
    private final PostAccept[] postAccept;
    private final PreWritePull[] preWritePull;
    private final PostWritePull[] postWritePull;
    private final PreWriteReply[] preWriteReply;
    private final PostWriteReply[] postWriteReply;
    private final PreWritePush[] preWritePush;
    private final PostWritePush[] postWritePush;
    private final PreReadHeader[] preReadHeader;
    private final PostReadPullHeader[] postReadPullHeader;
    private final PreReadPullBody[] preReadPullBody;
    private final PostReadPullBody[] postReadPullBody;
    private final PostReadPushHeader[] postReadPushHeader;
    private final PreReadPushBody[] preReadPushBody;
    private final PostReadPushBody[] postReadPushBody;
    private final PostReadReplyHeader[] postReadReplyHeader;
    private final PreReadReplyBody[] preReadReplyBody;
    private final PostReadReplyBody[] postReadReplyBody;
    private final PostDisconnect[] postDisconnect;
    private final boolean postWritePullBlocks;
    private final boolean postWriteReplyBlocks;
    private final boolean postWritePushBlocks;
    private final boolean replyHooksBlock;

    private PluginChain(List<Plugin> all) {
        this.all = all;
        preNewPeer = select(all, PreNewPeer.class);
        postNewPeer = select(all, PostNewPeer.class);
        postReg = select(all, PostReg.class);
        postDial = select(all, PostDial.class);
        postAccept = select(all, PostAccept.class);
        preWritePull = select(all, PreWritePull.class);
        postWritePull = select(all, PostWritePull.class);
        preWriteReply = select(all, PreWriteReply.class);
        postWriteReply = select(all, PostWriteReply.class);
        preWritePush = select(all, PreWritePush.class);
        postWritePush = select(all, PostWritePush.class);
        preReadHeader = select(all, PreReadHeader.class);
        postReadPullHeader = select(all, PostReadPullHeader.class);
        preReadPullBody = select(all, PreReadPullBody.class);
        postReadPullBody = select(all, PostReadPullBody.class);
        postReadPushHeader = select(all, PostReadPushHeader.class);
        preReadPushBody = select(all, PreReadPushBody.class);
        postReadPushBody = select(all, PostReadPushBody.class);
        postReadReplyHeader = select(all, PostReadReplyHeader.class);
        preReadReplyBody = select(all, PreReadReplyBody.class);
        postReadReplyBody = select(all, PostReadReplyBody.class);
        postDisconnect = select(all, PostDisconnect.class);
        postWritePullBlocks = anyBlocking(postWritePull);
        postWriteReplyBlocks = anyBlocking(postWriteReply);
        postWritePushBlocks = anyBlocking(postWritePush);
        replyHooksBlock = anyBlocking(postReadReplyHeader) || anyBlocking(preReadReplyBody)
                || anyBlocking(postReadReplyBody);
    }

    private static boolean anyBlocking(Plugin[] hooks) {
        for (Plugin p : hooks) {
            if (!p.nonBlocking()) {
                return true;
            }
        }
        return false;
    }

    /** The chain with no plugin. */
    public static PluginChain empty() {
        return EMPTY;
    }

    /**
     * A chain of these plugins, in order.
     *
     * @throws IllegalArgumentException for two plugins with the same name
     */
    public static PluginChain of(List<? extends Plugin> plugins) {
        if (plugins.isEmpty()) {
            return EMPTY;
        }
        List<Plugin> list = new ArrayList<>(plugins.size());
        Set<String> names = new HashSet<>();
        for (Plugin plugin : plugins) {
            Objects.requireNonNull(plugin, "plugin");
            if (!names.add(plugin.name())) {
                throw new IllegalArgumentException("plugin name: " + plugin.name() + " (expected: unique in the chain)");
            }
            list.add(plugin);
        }
        return new PluginChain(Collections.unmodifiableList(list));
    }

    /** A new chain: this one's plugins followed by {@code more}. */
    public PluginChain append(List<? extends Plugin> more) {
        if (more.isEmpty()) {
            return this;
        }
        List<Plugin> joined = new ArrayList<>(all);
        joined.addAll(more);
        return of(joined);
    }

    /** The plugins, in order. */
    public List<Plugin> plugins() {
        return all;
    }

    /** Whether the chain has no plugin. */
    public boolean isEmpty() {
        return all.isEmpty();
    }

    @SuppressWarnings("unchecked")
    private static <T> T[] select(List<Plugin> all, Class<T> hook) {
        List<T> matching = new ArrayList<>();
        for (Plugin plugin : all) {
            if (hook.isInstance(plugin)) {
                matching.add(hook.cast(plugin));
            }
        }
        return matching.toArray((T[]) Array.newInstance(hook, matching.size()));
    }

    private static Rerror failed(Plugin plugin, String hook, RuntimeException e) {
        log.error("{}-{}Plugin failed", plugin.name(), hook, e);
        return new Rerror(Rerror.CODE_INTERNAL_ERROR, "Internal Server Error", plugin.name() + ": " + e);
    }

    /** Runs every {@link PreNewPeer} hook in order; an exception stops the chain and propagates. */
    public void preNewPeer(PeerConfig.Builder config) {
        for (PreNewPeer p : preNewPeer) {
            p.preNewPeer(config);
        }
    }

    /** Whether any plugin has the {@link PreNewPeer} hook. */
    public boolean hasPreNewPeer() {
        return preNewPeer.length > 0;
    }

    /** Runs every {@link PostNewPeer} hook in order; an exception stops the chain and propagates. */
    public void postNewPeer(Peer peer) {
        for (PostNewPeer p : postNewPeer) {
            p.postNewPeer(peer);
        }
    }

    /** Whether any plugin has the {@link PostNewPeer} hook. */
    public boolean hasPostNewPeer() {
        return postNewPeer.length > 0;
    }

    /** Runs every {@link PostReg} hook in order; an exception stops the chain and propagates. */
    public void postReg(Route route) {
        for (PostReg p : postReg) {
            p.postReg(route);
        }
    }

    /** Whether any plugin has the {@link PostReg} hook. */
    public boolean hasPostReg() {
        return postReg.length > 0;
    }

    /** Runs every {@link PostDial} hook in order; returns the first error, or {@code null}. */
    public Rerror postDial(Session session) {
        for (PostDial p : postDial) {
            Rerror r;
            try {
                r = p.postDial(session);
            } catch (RuntimeException e) {
                r = failed(p, "PostDial", e);
            }
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** Whether any plugin has the {@link PostDial} hook. */
    public boolean hasPostDial() {
        return postDial.length > 0;
    }

    /** Runs every {@link PostAccept} hook in order; returns the first error, or {@code null}. */
    public Rerror postAccept(Session session) {
        for (PostAccept p : postAccept) {
            Rerror r;
            try {
                r = p.postAccept(session);
            } catch (RuntimeException e) {
                r = failed(p, "PostAccept", e);
            }
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** Whether any plugin has the {@link PostAccept} hook. */
    public boolean hasPostAccept() {
        return postAccept.length > 0;
    }

    /** Runs every {@link PreWritePull} hook in order; returns the first error, or {@code null}. */
    public Rerror preWritePull(WriteContext ctx) {
        for (PreWritePull p : preWritePull) {
            Rerror r;
            try {
                r = p.preWritePull(ctx);
            } catch (RuntimeException e) {
                r = failed(p, "PreWritePull", e);
            }
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** Whether any plugin has the {@link PreWritePull} hook. */
    public boolean hasPreWritePull() {
        return preWritePull.length > 0;
    }

    /** Runs every {@link PostWritePull} hook in order; returns the first error, or {@code null}. */
    public Rerror postWritePull(WriteContext ctx) {
        for (PostWritePull p : postWritePull) {
            Rerror r;
            try {
                r = p.postWritePull(ctx);
            } catch (RuntimeException e) {
                r = failed(p, "PostWritePull", e);
            }
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** Whether any plugin has the {@link PostWritePull} hook. */
    public boolean hasPostWritePull() {
        return postWritePull.length > 0;
    }

    /** Whether a {@link PostWritePull} hook may block (see {@link Plugin#nonBlocking()}). */
    public boolean postWritePullBlocks() {
        return postWritePullBlocks;
    }

    /** Runs every {@link PreWriteReply} hook in order; returns the first error, or {@code null}. */
    public Rerror preWriteReply(WriteContext ctx) {
        for (PreWriteReply p : preWriteReply) {
            Rerror r;
            try {
                r = p.preWriteReply(ctx);
            } catch (RuntimeException e) {
                r = failed(p, "PreWriteReply", e);
            }
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** Whether any plugin has the {@link PreWriteReply} hook. */
    public boolean hasPreWriteReply() {
        return preWriteReply.length > 0;
    }

    /** Runs every {@link PostWriteReply} hook in order; returns the first error, or {@code null}. */
    public Rerror postWriteReply(WriteContext ctx) {
        for (PostWriteReply p : postWriteReply) {
            Rerror r;
            try {
                r = p.postWriteReply(ctx);
            } catch (RuntimeException e) {
                r = failed(p, "PostWriteReply", e);
            }
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** Whether any plugin has the {@link PostWriteReply} hook. */
    public boolean hasPostWriteReply() {
        return postWriteReply.length > 0;
    }

    /** Whether a {@link PostWriteReply} hook may block (see {@link Plugin#nonBlocking()}). */
    public boolean postWriteReplyBlocks() {
        return postWriteReplyBlocks;
    }

    /** Runs every {@link PreWritePush} hook in order; returns the first error, or {@code null}. */
    public Rerror preWritePush(WriteContext ctx) {
        for (PreWritePush p : preWritePush) {
            Rerror r;
            try {
                r = p.preWritePush(ctx);
            } catch (RuntimeException e) {
                r = failed(p, "PreWritePush", e);
            }
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** Whether any plugin has the {@link PreWritePush} hook. */
    public boolean hasPreWritePush() {
        return preWritePush.length > 0;
    }

    /** Runs every {@link PostWritePush} hook in order; returns the first error, or {@code null}. */
    public Rerror postWritePush(WriteContext ctx) {
        for (PostWritePush p : postWritePush) {
            Rerror r;
            try {
                r = p.postWritePush(ctx);
            } catch (RuntimeException e) {
                r = failed(p, "PostWritePush", e);
            }
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** Whether any plugin has the {@link PostWritePush} hook. */
    public boolean hasPostWritePush() {
        return postWritePush.length > 0;
    }

    /** Whether a {@link PostWritePush} hook may block (see {@link Plugin#nonBlocking()}). */
    public boolean postWritePushBlocks() {
        return postWritePushBlocks;
    }

    /** Runs every {@link PreReadHeader} hook in order; returns the first error, or {@code null}. */
    public Rerror preReadHeader(Session session) {
        for (PreReadHeader p : preReadHeader) {
            Rerror r;
            try {
                r = p.preReadHeader(session);
            } catch (RuntimeException e) {
                r = failed(p, "PreReadHeader", e);
            }
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** Whether any plugin has the {@link PreReadHeader} hook. */
    public boolean hasPreReadHeader() {
        return preReadHeader.length > 0;
    }

    /** Runs every {@link PostReadPullHeader} hook in order; returns the first error, or {@code null}. */
    public Rerror postReadPullHeader(ReadContext ctx) {
        for (PostReadPullHeader p : postReadPullHeader) {
            Rerror r;
            try {
                r = p.postReadPullHeader(ctx);
            } catch (RuntimeException e) {
                r = failed(p, "PostReadPullHeader", e);
            }
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** Whether any plugin has the {@link PostReadPullHeader} hook. */
    public boolean hasPostReadPullHeader() {
        return postReadPullHeader.length > 0;
    }

    /** Runs every {@link PreReadPullBody} hook in order; returns the first error, or {@code null}. */
    public Rerror preReadPullBody(ReadContext ctx) {
        for (PreReadPullBody p : preReadPullBody) {
            Rerror r;
            try {
                r = p.preReadPullBody(ctx);
            } catch (RuntimeException e) {
                r = failed(p, "PreReadPullBody", e);
            }
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** Whether any plugin has the {@link PreReadPullBody} hook. */
    public boolean hasPreReadPullBody() {
        return preReadPullBody.length > 0;
    }

    /** Runs every {@link PostReadPullBody} hook in order; returns the first error, or {@code null}. */
    public Rerror postReadPullBody(ReadContext ctx) {
        for (PostReadPullBody p : postReadPullBody) {
            Rerror r;
            try {
                r = p.postReadPullBody(ctx);
            } catch (RuntimeException e) {
                r = failed(p, "PostReadPullBody", e);
            }
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** Whether any plugin has the {@link PostReadPullBody} hook. */
    public boolean hasPostReadPullBody() {
        return postReadPullBody.length > 0;
    }

    /** Runs every {@link PostReadPushHeader} hook in order; returns the first error, or {@code null}. */
    public Rerror postReadPushHeader(ReadContext ctx) {
        for (PostReadPushHeader p : postReadPushHeader) {
            Rerror r;
            try {
                r = p.postReadPushHeader(ctx);
            } catch (RuntimeException e) {
                r = failed(p, "PostReadPushHeader", e);
            }
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** Whether any plugin has the {@link PostReadPushHeader} hook. */
    public boolean hasPostReadPushHeader() {
        return postReadPushHeader.length > 0;
    }

    /** Runs every {@link PreReadPushBody} hook in order; returns the first error, or {@code null}. */
    public Rerror preReadPushBody(ReadContext ctx) {
        for (PreReadPushBody p : preReadPushBody) {
            Rerror r;
            try {
                r = p.preReadPushBody(ctx);
            } catch (RuntimeException e) {
                r = failed(p, "PreReadPushBody", e);
            }
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** Whether any plugin has the {@link PreReadPushBody} hook. */
    public boolean hasPreReadPushBody() {
        return preReadPushBody.length > 0;
    }

    /** Runs every {@link PostReadPushBody} hook in order; returns the first error, or {@code null}. */
    public Rerror postReadPushBody(ReadContext ctx) {
        for (PostReadPushBody p : postReadPushBody) {
            Rerror r;
            try {
                r = p.postReadPushBody(ctx);
            } catch (RuntimeException e) {
                r = failed(p, "PostReadPushBody", e);
            }
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** Whether any plugin has the {@link PostReadPushBody} hook. */
    public boolean hasPostReadPushBody() {
        return postReadPushBody.length > 0;
    }

    /** Runs every {@link PostReadReplyHeader} hook in order; returns the first error, or {@code null}. */
    public Rerror postReadReplyHeader(ReadContext ctx) {
        for (PostReadReplyHeader p : postReadReplyHeader) {
            Rerror r;
            try {
                r = p.postReadReplyHeader(ctx);
            } catch (RuntimeException e) {
                r = failed(p, "PostReadReplyHeader", e);
            }
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** Whether any plugin has the {@link PostReadReplyHeader} hook. */
    public boolean hasPostReadReplyHeader() {
        return postReadReplyHeader.length > 0;
    }

    /** Runs every {@link PreReadReplyBody} hook in order; returns the first error, or {@code null}. */
    public Rerror preReadReplyBody(ReadContext ctx) {
        for (PreReadReplyBody p : preReadReplyBody) {
            Rerror r;
            try {
                r = p.preReadReplyBody(ctx);
            } catch (RuntimeException e) {
                r = failed(p, "PreReadReplyBody", e);
            }
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** Whether any plugin has the {@link PreReadReplyBody} hook. */
    public boolean hasPreReadReplyBody() {
        return preReadReplyBody.length > 0;
    }

    /** Runs every {@link PostReadReplyBody} hook in order; returns the first error, or {@code null}. */
    public Rerror postReadReplyBody(ReadContext ctx) {
        for (PostReadReplyBody p : postReadReplyBody) {
            Rerror r;
            try {
                r = p.postReadReplyBody(ctx);
            } catch (RuntimeException e) {
                r = failed(p, "PostReadReplyBody", e);
            }
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** Whether any plugin has the {@link PostReadReplyBody} hook. */
    public boolean hasPostReadReplyBody() {
        return postReadReplyBody.length > 0;
    }

    /**
     * Whether a hook of a received reply ({@link PostReadReplyHeader}, {@link PreReadReplyBody},
     * {@link PostReadReplyBody}) may block (see {@link Plugin#nonBlocking()}).
     */
    public boolean replyHooksBlock() {
        return replyHooksBlock;
    }

    /** Runs every {@link PostDisconnect} hook; an exception is logged and the others still run. */
    public void postDisconnect(Session session) {
        for (PostDisconnect p : postDisconnect) {
            try {
                p.postDisconnect(session);
            } catch (RuntimeException e) {
                log.error("{}-PostDisconnectPlugin failed", p.name(), e);
            }
        }
    }

    /** Whether any plugin has the {@link PostDisconnect} hook. */
    public boolean hasPostDisconnect() {
        return postDisconnect.length > 0;
    }
}
