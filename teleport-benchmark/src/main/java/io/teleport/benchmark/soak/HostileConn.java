package io.teleport.benchmark.soak;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One hostile connection, a plain socket so that it can misbehave at the byte level. It knows who
 * ended it: the server (an end of stream, a reset or a refused write seen here) or this side (the
 * attack ended, or its watchdog fired). Blocking writes have no timeout in Java, so a watchdog
 * closes the socket at a hard deadline; a writer stuck on a server that stopped reading is then
 * released, and that end counts as this side's.
 */
final class HostileConn implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Hostile.Tally tally;
    private final Hostile owner;
    private final byte[] scratch = new byte[64 * 1024];
    private volatile boolean ours;
    private volatile boolean theirs;
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile ScheduledFuture<?> watchdog;

    private HostileConn(Socket socket, Hostile owner, Hostile.Tally tally) throws IOException {
        this.socket = socket;
        this.owner = owner;
        this.tally = tally;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects, or returns null (counted) when the server does not take the connection in 5 s. */
    static HostileConn open(Hostile owner, Hostile.Tally tally, InetSocketAddress server, long hardDeadlineNanos) {
        Socket socket = new Socket();
        try {
            socket.connect(server, 5_000);
        } catch (IOException e) {
            tally.connectFailures.increment();
            closeQuietly(socket);
            return null;
        }
        HostileConn conn;
        try {
            conn = new HostileConn(socket, owner, tally);
        } catch (IOException e) {
            tally.connectFailures.increment();
            closeQuietly(socket);
            return null;
        }
        tally.opened.increment();
        owner.opened(conn);
        long delay = Math.max(0, hardDeadlineNanos - System.nanoTime());
        try {
            conn.watchdog = owner.watchdogs().schedule(conn::abandon, delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) {
            // The run is over: no connection may outlive it.
            conn.close();
            return null;
        }
        return conn;
    }

    /** Whether the server has ended this connection, as far as this side has seen. */
    boolean closedByServer() {
        return theirs;
    }

    /** Writes; false when the connection is gone (the server's doing or ours). */
    boolean send(byte[] bytes) {
        return send(bytes, 0, bytes.length);
    }

    boolean send(byte[] bytes, int offset, int length) {
        if (theirs || ours) {
            return false;
        }
        try {
            out.write(bytes, offset, length);
            tally.bytesSent.add(length);
            return true;
        } catch (IOException e) {
            failed();
            return false;
        }
    }

    /**
     * Waits up to {@code millis} for bytes from the server: more than 0 when some came (read and
     * dropped), 0 when none did, -1 when the connection is gone.
     */
    int awaitReply(int millis) {
        if (theirs || ours) {
            return -1;
        }
        try {
            socket.setSoTimeout(Math.max(1, millis));
            int n = in.read(scratch);
            if (n < 0) {
                theirs = true;
                return -1;
            }
            tally.replies.increment();
            return n;
        } catch (SocketTimeoutException e) {
            tally.noReply.increment();
            return 0;
        } catch (IOException e) {
            failed();
            return -1;
        }
    }

    /** Reads and drops whatever comes for up to {@code millis}; true when the server ended it. */
    boolean drainUntilClosed(int millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        try {
            socket.setSoTimeout(100);
            while (!theirs && !ours && System.nanoTime() - deadline < 0) {
                try {
                    if (in.read(scratch) < 0) {
                        theirs = true;
                    }
                } catch (SocketTimeoutException quiet) {
                    // Nothing yet; look again until the deadline.
                }
            }
        } catch (IOException e) {
            failed();
        }
        return theirs;
    }

    /**
     * At the end of an attack that never read: reads (and drops) what the server queued, for at
     * most {@code millis}, to learn whether it has ended the connection. True when it has; false
     * when it is still open, quiet or still sending.
     */
    boolean probe(int millis) {
        if (theirs || ours) {
            return theirs;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        try {
            socket.setSoTimeout(100);
            while (System.nanoTime() - deadline < 0) {
                int n = in.read(scratch);
                if (n < 0) {
                    theirs = true;
                    break;
                }
                tally.bytesDrained.add(n);
            }
        } catch (SocketTimeoutException quiet) {
            // Open and silent.
        } catch (IOException e) {
            failed();
        }
        return theirs;
    }

    /**
     * A look of 1 ms at a connection the server sends nothing to: true when the server has ended
     * it. Anything that did come is dropped.
     */
    boolean peekEnded() {
        if (theirs || ours) {
            return theirs;
        }
        try {
            socket.setSoTimeout(1);
            int n = in.read(scratch);
            if (n < 0) {
                theirs = true;
            } else {
                tally.bytesDrained.add(n);
            }
        } catch (SocketTimeoutException quiet) {
            // Still open.
        } catch (IOException e) {
            failed();
        }
        return theirs;
    }

    /** Makes the socket end with a reset instead of a FIN when it closes. */
    void resetOnClose() {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException e) {
            // Already closed: it ends as it ends.
        }
    }

    private void failed() {
        // A write or read that fails after this side closed is not the server's doing.
        if (!ours) {
            theirs = true;
        }
    }

    /** The watchdog's end: releases a blocked writer or reader. */
    private void abandon() {
        ours = true;
        closeQuietly(socket);
    }

    /** Ends the connection and counts who ended it. Idempotent. */
    @Override
    public void close() {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        ScheduledFuture<?> w = watchdog;
        if (w != null) {
            w.cancel(false);
        }
        boolean serverEnded = theirs;
        ours = true;
        closeQuietly(socket);
        if (serverEnded) {
            tally.closedByServer.increment();
        } else {
            tally.abandoned.increment();
        }
        owner.closed(this);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Closing is all that is left to do with it.
        }
    }
}
