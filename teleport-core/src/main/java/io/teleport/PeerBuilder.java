package io.teleport;

import io.netty.util.Timer;
import io.teleport.codec.Codec;
import io.teleport.codec.Codecs;
import io.teleport.config.PeerConfig;
import io.teleport.plugin.Plugin;
import io.teleport.proto.FastProto;
import io.teleport.proto.Proto;
import io.teleport.router.ExceptionMapper;
import io.teleport.xfer.XferFilter;
import io.teleport.xfer.XferFilters;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Builds a {@link Peer}: its configuration, plugins (in chain order), body codecs, transfer filters
 * and default protocol. Codecs and filters are fixed when {@link #build()} returns: the peer keeps
 * its own unchangeable copy, so what it decodes with never changes under a running connection.
 * Routes are not fixed: as in Go Teleport, they may be added to {@link Peer#pullRouter()} and
 * {@link Peer#pushRouter()} at any time.
 *
 * <pre>{@code
 * Peer peer = Peer.builder()
 *         .configure(c -> c.listenAddress(":9090"))
 *         .plugin(HeartbeatPlugin.ping(Duration.ofSeconds(30)))
 *         .build();
 * }</pre>
 */
public final class PeerBuilder {

    private PeerConfig.Builder config = PeerConfig.builder();
    private final List<Plugin> plugins = new ArrayList<>();
    private Codecs codecs = Codecs.defaults();
    private XferFilters xferFilters = XferFilters.defaults();
    private Proto defaultProto = FastProto.INSTANCE;
    private @Nullable Timer timer;
    private final List<ExceptionMapper> exceptionMappers = new ArrayList<>();

    PeerBuilder() {
    }

    /** Starts from this configuration (replacing what {@link #configure} set before). */
    public PeerBuilder config(PeerConfig config) {
        this.config = Objects.requireNonNull(config, "config").toBuilder();
        return this;
    }

    /** Changes settings of the configuration being built. */
    public PeerBuilder configure(Consumer<PeerConfig.Builder> settings) {
        settings.accept(config);
        return this;
    }

    /** Adds a plugin at the end of the chain. */
    public PeerBuilder plugin(Plugin plugin) {
        plugins.add(Objects.requireNonNull(plugin, "plugin"));
        return this;
    }

    /** Adds plugins at the end of the chain, in order. */
    public PeerBuilder plugins(List<? extends Plugin> more) {
        more.forEach(this::plugin);
        return this;
    }

    /** Adds a body codec to the built-in ones (JSON, string, Protobuf when on the class path). */
    public PeerBuilder codec(Codec codec) {
        codecs.register(codec);
        return this;
    }

    /** Uses exactly these codecs instead of the built-in ones (the peer copies them). */
    public PeerBuilder codecs(Codecs codecs) {
        this.codecs = Objects.requireNonNull(codecs, "codecs");
        return this;
    }

    /** Adds a transfer filter to the built-in ones (gzip). */
    public PeerBuilder xferFilter(XferFilter filter) {
        xferFilters.register(filter);
        return this;
    }

    /** Uses exactly these transfer filters instead of the built-in ones (the peer copies them). */
    public PeerBuilder xferFilters(XferFilters xferFilters) {
        this.xferFilters = Objects.requireNonNull(xferFilters, "xferFilters");
        return this;
    }

    /** The protocol of sessions that do not name one; default {@link FastProto} (Go Teleport v3's). */
    public PeerBuilder defaultProto(Proto proto) {
        this.defaultProto = Objects.requireNonNull(proto, "proto");
        return this;
    }

    /**
     * The timer for pull timeouts, redial backoff, drain deadlines and the handler pool's looks,
     * for example one {@code HashedWheelTimer} shared by many peers; the peer does not stop it. By
     * default the peer runs its own, on one daemon thread, and stops it on shutdown.
     */
    public PeerBuilder timer(Timer timer) {
        this.timer = Objects.requireNonNull(timer, "timer");
        return this;
    }

    /**
     * Adds an {@link ExceptionMapper}, asked after those added before it: an exception a handler
     * throws that a mapper turns into an error is answered with that error and logged in one line,
     * without its stack.
     */
    public PeerBuilder exceptionMapper(ExceptionMapper mapper) {
        exceptionMappers.add(Objects.requireNonNull(mapper, "mapper"));
        return this;
    }

    /**
     * Builds the peer: {@code PreNewPeer} plugins may change the configuration first,
     * {@code PostNewPeer} plugins run last. The peer does not listen until {@link Peer#listen()}.
     *
     * @throws IllegalArgumentException for an unknown network or default codec, or plugins with the
     *     same name
     */
    public Peer build() {
        return new Peer(config.build(), plugins, codecs, xferFilters, defaultProto, timer, exceptionMappers);
    }
}
