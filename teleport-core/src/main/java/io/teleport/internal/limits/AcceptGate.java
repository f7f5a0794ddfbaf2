package io.teleport.internal.limits;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.EventExecutor;
import io.teleport.internal.log.RefusalLog;
import io.teleport.internal.log.RefusalLogs;
import io.teleport.limits.Limits;
import io.teleport.transport.Addresses;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bounds the connections remote peers hold open on a peer's listeners ({@link Limits#maxConnections()}).
 * Sits in each listener's pipeline, before Netty's acceptor, and sees every accepted channel first.
 *
 * <p>Back-pressure before refusal: at the bound every listener stops reading its socket, so new
 * connections wait in the kernel's backlog until one closes. Some transports accept a batch per
 * read (NIO up to 16) before the pause takes effect; those accepted past the bound wait here, not yet
 * registered, and each connection that closes hands its place to the oldest of them. Only past
 * {@link #MAX_WAITING} of them is one closed at once, and counted.
 *
 * <p>The count, the waiting line and whether the listeners should read change together under this
 * object's lock (no I/O under it). Each listener applies that decision on its own event loop from the
 * state at that moment, so that a pause and a resume racing on two threads cannot leave it paused
 * below the bound; the acceptor's own back-off, which turns reading back on after an accept error,
 * is undone by the next connection it accepts.
 *
 * <p>With {@link Limits#maxConnectionsPerAddress()} set, a connection from an address that holds that
 * many (admitted or waiting) is closed at once, before it takes a place or a spot in the line.
 *
 * <p>At the bound, an address holding over half of the places (admitted: one at most) crowds the others
 * out: the listeners read on, so that other addresses' connections reach the line instead of waiting in
 * the backlog behind its own (past a full line its new ones are closed, and its newest waiting one gives
 * its spot to another's), freed places go to other addresses first, and each sweep closes as many of its
 * idle connections as they have waiting ({@link CrowdedAddresses}). One alone in waiting (one NAT's) loses nothing.
 */
@ChannelHandler.Sharable
public final class AcceptGate extends ChannelInboundHandlerAdapter {

    /** Connections accepted past the bound that may wait for a place: a few read batches' worth. */
    static final int MAX_WAITING = 64;

    private static final Logger log = LoggerFactory.getLogger(AcceptGate.class);
    private static final AttributeKey<Boolean> ADMITTED = AttributeKey.valueOf("teleport.admitted");

    private final int max;
    /** Connections one address may hold; 0 for no such bound. */
    private final int perAddress;
    private final Counters counters;
    private final Set<Channel> listeners = ConcurrentHashMap.newKeySet();
    private final RefusalLog pausedLog;
    // Guarded by this, with the count of admitted connections (counters.acceptedConnections, written only here).
    private boolean full;
    /** Whether the listeners should read: the decision last applied. */
    private boolean reading = true;
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    /** Connections held and admitted per remote address; guarded by this. */
    private final AddressCounts byAddress;
    private final RefusalLog addressLog;
    private final RefusalLog crowdLog;
    private final RefusalLog acceptErrorLog;
    /** The accepted connections that said nothing yet: closed to make room at the bound. */
    public final StrayConnections strays;
    /** The accepted connections by address: an address holding over half the places gives back its idle ones at the bound. */
    public final CrowdedAddresses crowds;
    /** Whether a sweep of {@link #strays} is running or scheduled. */
    private final AtomicBoolean sweeping = new AtomicBoolean();

    /** A connection accepted past the bound, the listener that accepted it, and its counted address. */
    private record Waiting(ChannelHandlerContext listener, Channel child, @Nullable InetAddress address) {
    }

    /** {@code strayAgeNanos}: how long an accepted connection says nothing before it is a stray at the bound. */
    public AcceptGate(int max, int perAddress, long strayAgeNanos, Counters counters, RefusalLogs logs) {
        this.strays = new StrayConnections(strayAgeNanos);
        this.crowds = new CrowdedAddresses(strayAgeNanos);
        this.pausedLog = logs.open(log, "listeners at limits.max-connections, not accepting until a connection closes");
        this.addressLog = logs.open(log, "connections refused at limits.max-connections-per-address");
        this.crowdLog = logs.open(log, "connections refused at max-connections: their address held over half of the places");
        this.acceptErrorLog = logs.open(log, "listeners failed to accept (paused 1 s each time)");
        this.max = max;
        this.perAddress = perAddress;
        this.byAddress = new AddressCounts(max, perAddress);
        this.counters = counters;
    }

    /** Whether places are scarce: half of the bound or more are taken, so that silent connections are strays. */
    public boolean placesScarce() {
        return counters.acceptedConnections() >= max - max / 2;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel listener = ctx.channel();
        listeners.add(listener);
        listener.closeFuture().addListener(f -> listenerClosed(listener));
        // A listener bound while the others are paused starts paused too.
        reconcile(listener);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        boolean admit = false;
        boolean refuse = false;
        boolean crowding = false;
        Waiting evicted = null;
        boolean paused = false;
        boolean readingChanged;
        InetAddress address = addressOf(child);
        if (address != null && !countIn(address)) {
            counters.connectionsRefusedPerAddress.increment();
            addressLog.record(perAddress + " open from " + address.getHostAddress());
            child.unsafe().closeForcibly();
            return;
        }
        synchronized (this) {
            int open = counters.acceptedConnections.get();
            InetAddress crowd = byAddress.crowd();
            if (open < max && waiting.isEmpty()) {
                counters.acceptedConnections.set(++open);
                byAddress.admitted(address);
                admit = true;
            } else if (waiting.size() < MAX_WAITING) {
                waiting.add(new Waiting(ctx, child, address));
            } else if (address != null && crowd != null && !address.equals(crowd)
                    && (evicted = newestWaitingOf(crowd)) != null) {
                waiting.remove(evicted);
                byAddress.release(evicted.address(), false);
                waiting.add(new Waiting(ctx, child, address));
            } else {
                refuse = true;
                crowding = address != null && address.equals(crowd);
                byAddress.release(address, false);
            }
            if (!full && (open >= max || !waiting.isEmpty())) {
                full = true;
                paused = true;
            }
            readingChanged = decideReading();
        }
        if (paused) {
            counters.acceptPauses.increment();
            pausedLog.record(max + " open, latest from " + Addresses.describe(child.remoteAddress()));
        }
        if (paused || readingChanged) {
            reconcileAll();
        } else if (!admit) {
            // Reading although it should not: the acceptor's back-off after an accept error turned it on.
            reconcile(ctx.channel());
        }
        if (evicted != null) {
            counters.crowdedAddressCloses.increment();
            crowdLog.record(evicted.address().getHostAddress() + " (its place in the line went to " + address.getHostAddress() + ")");
            evicted.child().unsafe().closeForcibly();
        }
        if (crowding) {
            counters.crowdedAddressCloses.increment();
            crowdLog.record(address.getHostAddress());
            child.unsafe().closeForcibly();
        } else if (refuse) {
            counters.connectionsRefused.increment();
            // Not registered with an event loop yet: nothing of Teleport's has run on it.
            child.unsafe().closeForcibly();
        } else if (admit) {
            admit(ctx, child, address);
        }
        if (paused) {
            // After the connection is handed on: nothing the sweep does may keep it from its place.
            startSweep(ctx.executor());
        }
    }

    /**
     * Accepting failed, most often for want of file descriptors ({@code Too many open files}): the
     * listener stops reading for a second, as Netty's acceptor would, but comes back as this gate
     * decides (not while it is full), and the failure is logged once per interval without a stack.
     * Past Netty's acceptor it would be a WARN with its stack at every second the process is short.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Channel listener = ctx.channel();
        acceptErrorLog.record(listener.localAddress() + ": " + cause);
        if (listener.config().isAutoRead()) {
            listener.config().setAutoRead(false);
            listener.eventLoop().schedule(() -> reconcile(listener), 1, TimeUnit.SECONDS);
        }
    }

    /** Whether {@code ch} holds one of the places (silent ones there may be closed as strays). */
    public static boolean admitted(Channel ch) {
        return ch.hasAttr(ADMITTED);
    }

    private synchronized boolean isFull() {
        return full;
    }

    /** Sweeps the strays while the bound is reached, unless a sweep already does. */
    private void startSweep(EventExecutor loop) {
        if (strays.enabled() && sweeping.compareAndSet(false, true)) {
            sweep(loop);
        }
    }

    /**
     * While the bound is reached, closes the strays and the idle connections of an address holding
     * over half the places, whose places go to the connections waiting, and looks again when the next
     * silent one is old enough, or after a stray's age (a connection admitted since, the one that took
     * the last place included, may be silent).
     */
    private void sweep(EventExecutor loop) {
        try {
            if (isFull() && !loop.isShuttingDown()) {
                long next = strays.sweep();
                InetAddress crowding;
                int room;
                synchronized (this) {
                    crowding = byAddress.crowd();
                    room = crowding == null ? 0 : Math.min(byAddress.crowdExcess(),
                            (int) waiting.stream().filter(w -> !crowding.equals(w.address())).count());
                }
                if (crowding != null) {
                    crowds.trim(crowding, room, System.nanoTime());
                }
                loop.schedule(() -> sweep(loop), next >= 0 ? next : strays.minAgeNanos(),
                        TimeUnit.NANOSECONDS);
                return;
            }
        } catch (RuntimeException e) {
            // Whatever failed, the next pause at the bound must be able to sweep again.
            log.warn("sweeping silent connections failed", e);
            sweeping.set(false);
            return;
        }
        sweeping.set(false);
        // Full again between the look and the reset: that pause found the flag set and left it to us.
        if (isFull()) {
            startSweep(loop);
        }
    }

    /** Hands {@code child} to the acceptor; {@code address} is what it counts for, if anything. */
    private void admit(ChannelHandlerContext listener, Channel child, @Nullable InetAddress address) {
        child.attr(ADMITTED).set(Boolean.TRUE);
        child.closeFuture().addListener((ChannelFutureListener) f -> childClosed(address));
        listener.fireChannelRead(child);
    }

    /** {@code address}'s newest connection in the line, if any. Guarded by this. */
    private @Nullable Waiting newestWaitingOf(InetAddress address) {
        for (java.util.Iterator<Waiting> it = waiting.descendingIterator(); it.hasNext();) {
            Waiting w = it.next();
            if (address.equals(w.address())) {
                return w;
            }
        }
        return null;
    }

    /** The next in line: the oldest of another address than the crowding one, else the oldest. Guarded by this. */
    private @Nullable Waiting nextWaiting(@Nullable InetAddress crowd) {
        if (crowd != null) {
            for (java.util.Iterator<Waiting> it = waiting.iterator(); it.hasNext();) {
                Waiting w = it.next();
                if (!crowd.equals(w.address())) {
                    it.remove();
                    return w;
                }
            }
        }
        return waiting.poll();
    }

    /** A waiting connection takes a place, unless its listener closed since: then it is closed and the place freed. */
    private void admitWaiting(Waiting w) {
        if (w.listener().isRemoved() || !w.listener().channel().isOpen()) {
            w.child().unsafe().closeForcibly();
            childClosed(w.address());
            return;
        }
        admit(w.listener(), w.child(), w.address());
    }

    /** An admitted connection closed: its place goes to the oldest waiting one, or frees the listeners. */
    private void childClosed(@Nullable InetAddress address) {
        Waiting next;
        boolean readingChanged;
        synchronized (this) {
            // Crowding until this close or not, the place goes to another address first.
            InetAddress crowd = byAddress.crowd();
            byAddress.release(address, true);
            next = nextWaiting(crowd);
            if (next != null) {
                byAddress.admitted(next.address());
            } else {
                int open = counters.acceptedConnections.decrementAndGet();
                if (full && open < max) {
                    full = false;
                }
            }
            readingChanged = decideReading();
        }
        if (next != null) {
            Waiting w = next;
            try {
                w.listener().executor().execute(() -> admitWaiting(w));
            } catch (RejectedExecutionException e) {
                // Shutting down: its listener is closing, and so is what waits on it.
                w.child().unsafe().closeForcibly();
                childClosed(w.address());
            }
        }
        if (readingChanged) {
            reconcileAll();
        }
    }

    /** A listener closed: connections waiting on it will never be taken. */
    private void listenerClosed(Channel listener) {
        listeners.remove(listener);
        List<Waiting> dropped = new ArrayList<>();
        boolean readingChanged;
        synchronized (this) {
            waiting.removeIf(w -> {
                if (w.listener().channel() == listener) {
                    dropped.add(w);
                    byAddress.release(w.address(), false);
                    return true;
                }
                return false;
            });
            readingChanged = decideReading();
        }
        dropped.forEach(w -> w.child().unsafe().closeForcibly());
        if (readingChanged) {
            reconcileAll();
        }
    }

    /** The remote IP address of an accepted connection; null for Unix sockets and local channels. */
    private static @Nullable InetAddress addressOf(Channel child) {
        return child.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    }

    /** Counts one more connection for {@code address}; false, counting nothing, when it holds its bound. */
    private synchronized boolean countIn(InetAddress address) {
        return byAddress.countIn(address);
    }

    private void reconcileAll() {
        for (Channel listener : listeners) {
            if (listener.eventLoop().inEventLoop()) {
                reconcile(listener);
            } else {
                try {
                    listener.eventLoop().execute(() -> reconcile(listener));
                } catch (RejectedExecutionException e) {
                    // The peer is shutting down: its listeners are closing anyway.
                }
            }
        }
    }

    /**
     * Whether the listeners read: below the bound, or at it while an address crowds the others out and
     * the line has room (see the class comment); true when that changed. Guarded by this.
     */
    private boolean decideReading() {
        InetAddress crowd = byAddress.crowd();
        boolean read = !full || crowd != null && (waiting.size() < MAX_WAITING || newestWaitingOf(crowd) != null);
        boolean changed = read != reading;
        reading = read;
        return changed;
    }

    private void reconcile(Channel listener) {
        boolean accept;
        synchronized (this) {
            accept = reading;
        }
        if (listener.isOpen() && listener.config().isAutoRead() != accept) {
            listener.config().setAutoRead(accept);
        }
    }
}
