package io.teleport.internal.session;

import io.netty.channel.EventLoopGroup;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timer;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.teleport.codec.Codecs;
import io.teleport.config.HandlerExecution;
import io.teleport.config.PeerConfig;
import io.teleport.internal.dispatch.BoundedExecutor;
import io.teleport.internal.dispatch.HandlerPool;
import io.teleport.internal.dispatch.VirtualThreads;
import io.teleport.internal.limits.AcceptGate;
import io.teleport.internal.limits.Counters;
import io.teleport.internal.limits.InboundBudget;
import io.teleport.internal.log.MessageLog;
import io.teleport.limits.Limits;
import io.teleport.plugin.PluginChain;
import io.teleport.proto.Proto;
import io.teleport.proto.ProtoContext;
import io.teleport.router.ExceptionMapper;
import io.teleport.router.PullRouter;
import io.teleport.router.PushRouter;
import io.teleport.transport.Network;
import io.teleport.transport.TlsContexts;
import io.teleport.transport.Transport;
import io.teleport.xfer.XferFilters;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * What every session of one peer shares: configuration, registries, routers, plugins, threads and
 * timers. Not part of the API.
 */
public final class PeerContext {

    private static final Logger log = LoggerFactory.getLogger(PeerContext.class);

    public final PeerConfig config;
    final Codecs codecs;
    final XferFilters xferFilters;
    final PullRouter pullRouter;
    final PushRouter pushRouter;
    public final PluginChain plugins;
    public final ProtoContext protoContext;
    public final Proto defaultProto;
    final byte defaultCodecId;
    public final Transport transport;
    public final EventLoopGroup group;
    public final Executor executor;
    public final boolean inline;
    /** The handler executor the peer made and stops; null when it runs handlers inline or on the caller's. */
    private final @Nullable ExecutorService ownedExecutor;
    private final BlockingPools blockingPools = new BlockingPools();
    /** Turns a dial address into a socket address; not final, so that tests can watch where names are looked up. */
    public volatile BiFunction<Network, String, SocketAddress> resolver;
    /** Set by the peer right after it constructs this, before anything can dial (never read null); redials use it. */
    public volatile Dialer dialer;
    /** Pull timeouts, redial backoff, drain deadlines and the handler pool's looks. */
    final Timer timer;
    /** The thread of the peer's own timer, once it started: its stop waits for it. */
    private volatile @Nullable Thread timerThread;
    /** Whether the timer is the peer's own (stopped with it) rather than the caller's. */
    private final boolean ownsTimer;
    final SessionHub hub = new SessionHub();
    /** Every session not yet finished, in the hub or redialing: what a shutdown must close. */
    final java.util.Set<DefaultSession> live = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final MessageLog messageLog;
    /** What a handler's failure becomes: the caller's error and the log line. */
    final HandlerErrors errors;
    final long pullTimeoutNanos;
    public final Limits limits;
    /** Every connection's write water marks: one immutable instance rather than one per channel. */
    public final io.netty.channel.WriteBufferWaterMark waterMark;
    public final InboundBudget budget;
    /** The sessions over their high water mark, whose queued bytes are bounded together. */
    final SlowReaders slowReaders = new SlowReaders();
    public final Counters counters;
    /** Every listener's bound on the connections it accepts. */
    public final AcceptGate acceptGate;
    /** The peer's rate-bounded logs, closed at its shutdown. */
    public final PeerLogs logs = new PeerLogs();
    /** Set once the peer shuts down ({@link #markClosing}); written only there. */
    public volatile boolean closing;
    /** Whether it ever listened, dialed or served a connection: one that never did (a failed start-up) stops quietly. */
    public volatile boolean used;
    /** When the drain must end ({@link System#nanoTime()}); written before {@link #closing}. */
    private volatile long drainDeadline;
    /** Dials in progress: failed by {@link #shutdown(long)} if the stopped I/O threads left them unsettled. */
    public final PendingDials dials = new PendingDials();
    /** The graceful shutdown of the sessions, and what it refused. */
    public final PeerDrain drain = new PeerDrain(this);
    /** The TLS contexts new connections use: the configuration's, until replaced. */
    public final TlsContexts tls;
    /** The read limit accepted sessions start with: the plugins' {@code UnverifiedReadLimit}, at most the peer's. */
    public final int acceptedReadLimit;

    /** Creates the shared state and starts the I/O threads. */
    public PeerContext(PeerConfig config, Codecs codecs, XferFilters xferFilters, PullRouter pullRouter,
            PushRouter pushRouter, PluginChain plugins, Proto defaultProto, Transport transport,
            @Nullable Timer timer, List<ExceptionMapper> exceptionMappers) {
        this.config = config;
        this.tls = new TlsContexts(config.serverSslContext(), config.clientSslContext());
        this.codecs = codecs;
        this.xferFilters = xferFilters;
        this.pullRouter = pullRouter;
        this.pushRouter = pushRouter;
        this.plugins = plugins;
        this.defaultProto = defaultProto;
        this.transport = transport;
        this.resolver = transport::resolve;
        this.defaultCodecId = codecs.require(config.defaultBodyCodec()).id();
        this.limits = config.limits();
        this.waterMark = new io.netty.channel.WriteBufferWaterMark(limits.writeBufferLowWaterMark(),
                limits.writeBufferHighWaterMark());
        this.budget = new InboundBudget(limits.maxInboundBytes(), logs.budgetFullLog);
        this.counters = new Counters(budget, limits, logs.refusalLogs, this::handlerExecutor, () -> slowReaders.heldBytes(live));
        long handshake = limits.handshakeTimeout().toNanos();
        // A tenth of the handshake timeout, at least a second (or all of a shorter timeout).
        long strayAge = Math.min(handshake, Math.max(handshake / 10, TimeUnit.SECONDS.toNanos(1)));
        this.acceptGate = new AcceptGate(limits.maxConnections(), limits.maxConnectionsPerAddress(), strayAge,
                counters, logs.refusalLogs);
        this.protoContext = new ProtoContext(codecs, xferFilters, config.readLimit(), limits.maxUriBytes(),
                limits.maxMetaBytes(), limits.maxMetaPairs(), limits.maxUnpackedBytes());
        this.acceptedReadLimit = Math.max(24, Math.min(config.readLimit(), plugins.unverifiedReadLimit()));
        this.pullTimeoutNanos = config.pullTimeout().toNanos();
        this.messageLog = new MessageLog(config, codecs, logs.refusalLogs);
        this.errors = new HandlerErrors(exceptionMappers, config.includeErrorMessage(), limits.logValueLimit(),
                logs.refusalLogs);
        this.ownsTimer = timer == null;
        DefaultThreadFactory timerThreads = new DefaultThreadFactory("teleport-timer", true);
        this.timer = timer != null ? timer : new HashedWheelTimer(r -> {
            Thread t = timerThreads.newThread(r);
            timerThread = t;
            return t;
        }, 10, TimeUnit.MILLISECONDS);
        this.ownedExecutor = config.handlerExecutor() == null ? newExecutor(config, this.timer) : null;
        this.executor = config.handlerExecutor() != null ? config.handlerExecutor()
                : ownedExecutor == null ? Runnable::run
                : ownedExecutor instanceof HandlerPool ? ownedExecutor
                : new BoundedExecutor(ownedExecutor, limits.maxConcurrentHandlers());
        this.inline = config.handlerExecutor() == null && config.handlerExecution() == HandlerExecution.INLINE;
        this.group = transport.newEventLoopGroup(Network.of(config.network()), ioThreads(config, inline), "teleport-io");
    }

    /**
     * The configured count, or the default: when handlers run on an executor, I/O threads have only
     * the framing, codecs and writes to do, and more of them than cores only adds context switches
     * (measured: about 10% more throughput with one per core on two cores); inline handlers keep
     * Netty's default, twice the cores, since their work is on these threads. Netty's own
     * {@code io.netty.eventLoopThreads} setting, when given, wins over both defaults.
     */
    static int ioThreads(PeerConfig config, boolean inline) {
        if (config.ioThreads() > 0) {
            return config.ioThreads();
        }
        if (inline || io.netty.util.internal.SystemPropertyUtil.get("io.netty.eventLoopThreads") != null) {
            return 0;
        }
        return io.netty.util.NettyRuntime.availableProcessors();
    }

    private static @Nullable ExecutorService newExecutor(PeerConfig config, Timer timer) {
        switch (config.handlerExecution()) {
            case INLINE:
                return null;
            case VIRTUAL:
                ExecutorService virtual = VirtualThreads.newExecutor();
                if (virtual != null) {
                    return virtual;
                }
                log.warn("handler-execution VIRTUAL needs Java 21+ (running {}); using a pool of {} platform threads",
                        Runtime.version(), config.handlerThreads());
                return newPool(config, timer);
            default:
                return newPool(config, timer);
        }
    }

    private static ExecutorService newPool(PeerConfig config, Timer timer) {
        return HandlerPool.create(config.handlerThreads(), config.handlerQueueCapacity(), timer);
    }

    /** The executor handlers run on; a method, so that the counters made before it can read it later. */
    private Executor handlerExecutor() {
        return executor;
    }

    /**
     * Runs work that may block, such as dial and accept hooks that pull: on the handler executor,
     * or, when handlers run inline on I/O threads, on a small pool of its own.
     */
    public void runBlocking(Runnable task) {
        if (!inline) {
            try {
                executor.execute(task);
                return;
            } catch (RejectedExecutionException saturatedOrShutDown) {
                // fall through to the hook pool
            }
        }
        try {
            blockingPools.hooks().execute(task);
        } catch (RejectedExecutionException shutDown) {
            // The peer is gone: better late on this thread than never.
            task.run();
        }
    }

    /** Runs {@code task} on the hook pool, not the handler executor (whose threads may all wait for it). */
    void runOnHookPool(Runnable task) {
        try {
            blockingPools.hooks().execute(task);
        } catch (RejectedExecutionException stopped) {
            task.run();
        }
    }

    /**
     * Runs {@code task} here when nothing user-written can run in it ({@code needed} false) or
     * handlers run inline anyway; otherwise off the I/O thread.
     */
    void offIoThread(boolean needed, Runnable task) {
        if (!needed || inline) {
            task.run();
        } else {
            runBlocking(task);
        }
    }

    /**
     * Whether the calling thread is one that this peer's shutdown waits for: one of its I/O threads,
     * of the handler pool it owns, or its own timer's (where pulls time out, and inline peers complete
     * their futures).
     */
    public boolean inOwnThread() {
        return inIoThread() || Thread.currentThread() == timerThread
                || (ownedExecutor instanceof HandlerPool && ((HandlerPool) ownedExecutor).isPoolThread());
    }

    /** Whether the calling thread is one of this peer's I/O threads. */
    public boolean inIoThread() {
        // Netty records the executor a thread runs for: no walk over the group (and no iterator) per call.
        io.netty.util.concurrent.EventExecutor current = io.netty.util.internal.ThreadExecutorMap.currentExecutor();
        return current != null && (current.parent() == group || current == group);
    }

    /**
     * Where dials to host names, and all dials asked for on an I/O thread (redials), run: a lookup
     * blocks, and would stall every connection of that loop, or the caller of an asynchronous dial.
     */
    public Executor lookupExecutor() {
        return blockingPools.lookups();
    }

    /** Sessions not yet finished, in the hub or redialing. */
    public java.util.Collection<DefaultSession> liveSessions() {
        return java.util.List.copyOf(live);
    }

    /** What the limits have done so far. */
    public io.teleport.limits.PeerStats stats() {
        return counters;
    }

    /** The sessions. */
    public SessionHub hub() {
        return hub;
    }

    /** The I/O threads. */
    public EventLoopGroup group() {
        return group;
    }

    /** The configuration. */
    public PeerConfig config() {
        return config;
    }

    /** The default protocol. */
    public Proto defaultProto() {
        return defaultProto;
    }

    /** The transport. */
    public Transport transport() {
        return transport;
    }

    /** The id of the default body codec. */
    public byte defaultCodecId() {
        return defaultCodecId;
    }

    /** The peer's plugins. */
    public PluginChain plugins() {
        return plugins;
    }

    /**
     * Waits until each I/O thread has run what was queued on it so far. Called once the listeners are
     * closed: a connection accepted just before is registered (and has its session) only after this,
     * and one registered after the threads began to stop would be left open by Netty, its socket leaked
     * and the other end waiting forever.
     */
    public void awaitQueuedIo(long timeoutMillis) {
        for (io.netty.util.concurrent.EventExecutor loop : group) {
            try {
                loop.submit(() -> { }).awaitUninterruptibly(timeoutMillis);
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                // Already stopping: nothing more will be registered on it.
            }
        }
    }

    /**
     * Marks the peer as closing, to be drained within {@code drainTimeout}: sessions no longer redial,
     * new pulls are refused and new pushes dropped.
     */
    public void markClosing(Duration drainTimeout) {
        drainDeadline = System.nanoTime() + drainTimeout.toNanos();
        closing = true;
    }

    /** What is left of the drain's time, once {@link #markClosing} was called. */
    Duration drainTimeLeft() {
        return Duration.ofNanos(Math.max(0, drainDeadline - System.nanoTime()));
    }

    /** Stops the threads this context owns; waits up to {@code timeoutMillis}. */
    public void shutdown(long timeoutMillis) {
        logs.refusalLogs.close();
        if (ownsTimer) {
            timer.stop();
        }
        if (ownedExecutor != null) {
            ownedExecutor.shutdown();
        }
        blockingPools.stop();
        // Handlers before the I/O threads: one that is interrupted still replies, or fails to, through
        // them, where a stopped loop would log an error for each of its writes.
        if (ownedExecutor != null) {
            stopHandlers(timeoutMillis);
        }
        group.shutdownGracefully(0, timeoutMillis, TimeUnit.MILLISECONDS).awaitUninterruptibly(timeoutMillis);
        dials.failAll();
    }

    /**
     * Waits for the handlers to end; past the timeout, interrupts the running ones, drops the
     * queued ones and says so in one line, and runs the peer's own queued work here.
     */
    private void stopHandlers(long timeoutMillis) {
        boolean interrupted = false;
        try {
            if (ownedExecutor.awaitTermination(timeoutMillis, TimeUnit.MILLISECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            interrupted = true;
        }
        int running = ownedExecutor instanceof ThreadPoolExecutor
                ? ((ThreadPoolExecutor) ownedExecutor).getActiveCount() : -1;
        int queued = 0;
        java.util.List<Runnable> peerWork = new java.util.ArrayList<>();
        for (Runnable task : ownedExecutor.shutdownNow()) {
            if (task instanceof InboundContext) {
                queued++;
                // Never to run: its place and bytes come back, and a PostDisconnect waiting for it goes on.
                ((InboundContext) task).finish();
            } else {
                peerWork.add(task);
            }
        }
        int pulls = 0;
        for (DefaultSession session : live) {
            pulls += session.pendingPulls();
        }
        // Virtual threads cannot be counted.
        log.warn("shutdown timed out: abandoned {} handlers, {} pulls",
                running >= 0 ? String.valueOf(running + queued) : "the running and " + queued + " queued", pulls);
        // The rest completes futures (pulls, session closes) and runs hooks: dropped, those futures would never end.
        for (Runnable task : peerWork) {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.debug("queued work failed during the shutdown", e);
            }
        }
        if (!interrupted) {
            try {
                // A moment for the interrupted ones to reply while the I/O threads still run.
                ownedExecutor.awaitTermination(Math.min(timeoutMillis, 100), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
