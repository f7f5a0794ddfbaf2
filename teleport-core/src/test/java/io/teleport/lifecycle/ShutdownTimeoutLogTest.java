package io.teleport.lifecycle;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.internal.session.DefaultSession;
import io.teleport.session.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** A shutdown that outlasts its timeout says what it abandoned once, without flooding the log. */
class ShutdownTimeoutLogTest {

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private Peer client;

    @BeforeEach
    void capture() {
        appender.start();
        root.addAppender(appender);
    }

    @AfterEach
    void release() {
        root.detachAppender(appender);
        if (client != null) {
            client.shutdown(Duration.ofSeconds(1));
        }
    }

    @Test
    void handlersThatNeverEndAreAbandonedWithOneWarningAndNoErrors() throws Exception {
        Peer server = new Peer(PeerConfig.defaults());
        CountDownLatch started = new CountDownLatch(2);
        CountDownLatch never = new CountDownLatch(1);
        server.pullRouter().route("/forever", String.class, (body, ctx) -> {
            started.countDown();
            never.await();
            return body;
        });
        server.pushRouter().route("/forever", String.class, (body, ctx) -> {
            started.countDown();
            never.await();
        });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        client = new Peer(PeerConfig.defaults());
        Session session = client.dial("127.0.0.1:" + port);
        CompletableFuture<String> pull = session.pullAsync("/forever", "x", String.class);
        session.push("/forever", "y").join();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        server.shutdown(Duration.ofMillis(200));
        assertThat(pull).failsWithin(Duration.ofSeconds(5));
        // A fence rather than a sleep: once the client has shut down too, no thread of either peer
        // is left to log anything late.
        client.shutdown(Duration.ofSeconds(1));
        client = null;

        List<ILoggingEvent> events = List.copyOf(appender.list);
        assertThat(events).filteredOn(e -> e.getLevel() == Level.ERROR).as("errors").isEmpty();
        // The client's warning that it lost its server is the client's own; the server says once what
        // its drain cut off and once that it abandoned the threads, without stacks.
        assertThat(events).filteredOn(e -> e.getLevel() == Level.WARN)
                .filteredOn(e -> !e.getFormattedMessage().startsWith("connection lost")).as("warnings")
                .satisfiesExactly(e -> assertThat(e.getFormattedMessage()).startsWith("drain of 1 sessions ended at its"
                                + " timeout of").contains("not finished: cut off 2 handlers still running"),
                        e -> assertThat(e.getFormattedMessage()).isEqualTo("shutdown timed out: abandoned 2 handlers, 0 pulls"))
                .allSatisfy(e -> assertThat(e.getThrowableProxy()).isNull());
    }

    @Test
    void aHandlerThatRepliesAfterTheShutdownLogsNoError() throws Exception {
        Peer server = new Peer(PeerConfig.defaults());
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch shutDown = new CountDownLatch(1);
        AtomicReference<Thread> handlerThread = new AtomicReference<>();
        server.pullRouter().route("/deaf", String.class, (body, ctx) -> {
            handlerThread.set(Thread.currentThread());
            started.countDown();
            // Deaf to the shutdown's interrupt, as a handler blocked in a driver's socket read can be.
            while (true) {
                try {
                    shutDown.await();
                    return body;
                } catch (InterruptedException ignored) {
                    // waits on
                }
            }
        });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        client = new Peer(PeerConfig.defaults());
        CompletableFuture<String> pull = client.dial("127.0.0.1:" + port).pullAsync("/deaf", "x", String.class);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        server.shutdown(Duration.ofMillis(200));
        shutDown.countDown();
        // The pool is stopped: its thread ends once the handler has replied, into a stopped I/O thread.
        handlerThread.get().join(5_000);
        assertThat(handlerThread.get().isAlive()).isFalse();
        assertThat(pull).failsWithin(Duration.ofSeconds(5));
        assertThat(appender.list).filteredOn(e -> e.getLevel() == Level.ERROR).as("errors").isEmpty();
    }

    @Test
    void workOfThePeerQueuedBehindAbandonedHandlersStillRuns() throws Exception {
        // One handler thread, held forever: the server session's close is completed behind it.
        Peer server = new Peer(PeerConfig.builder().handlerThreads(1).build());
        CountDownLatch started = new CountDownLatch(1);
        server.pullRouter().route("/forever", String.class, (body, ctx) -> {
            started.countDown();
            new CountDownLatch(1).await();
            return body;
        });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        client = new Peer(PeerConfig.defaults());
        CompletableFuture<String> pull = client.dial("127.0.0.1:" + port).pullAsync("/forever", "x", String.class);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        DefaultSession accepted = (DefaultSession) server.sessions().iterator().next();

        server.shutdown(Duration.ofMillis(200));
        assertThat(accepted.closeFuture()).as("not dropped with the abandoned handler").succeedsWithin(Duration.ofSeconds(5));
        assertThat(pull).failsWithin(Duration.ofSeconds(5));
        assertThat(appender.list).filteredOn(e -> e.getLevel() == Level.ERROR).as("errors").isEmpty();
    }
}
