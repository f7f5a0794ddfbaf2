package io.teleport.router;

import io.teleport.Peer;
import io.teleport.config.HandlerExecution;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.Plugin;
import io.teleport.plugin.PostReadPullHeader;
import io.teleport.plugin.PreReadPullBody;
import io.teleport.plugin.PreWritePush;
import io.teleport.plugin.ReadContext;
import io.teleport.plugin.WriteContext;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link NonBlocking} routes run on the connection's I/O thread while the peer's other handlers run on
 * its executor; a plugin on the way that may block, or a header hook that reroutes, sends the message
 * to the executor after all.
 */
class NonBlockingRoutesTest {

    private static final String IO = "teleport-io";
    private static final String HANDLER = "teleport-handler";

    private final List<Peer> peers = new ArrayList<>();

    /** Two handlers, one marked: each answers with the name of the thread it ran on. */
    public static class Where {
        @NonBlocking
        public String fast(String in) {
            return Thread.currentThread().getName();
        }

        public String slow(String in) {
            return Thread.currentThread().getName();
        }

        @NonBlocking
        public String fails(String in) {
            throw new RerrorException(1499, "refused on " + Thread.currentThread().getName(), in);
        }
    }

    /** Every handler of a marked class never blocks. */
    @NonBlocking
    public static class Quick {
        public String one(String in) {
            return Thread.currentThread().getName();
        }
    }

    /** A push handler that never blocks. */
    public static class Events {
        final BlockingQueue<String> threads = new LinkedBlockingQueue<>();

        @NonBlocking
        public void happened(String in) {
            threads.add(in + "@" + Thread.currentThread().getName());
        }

        public void logged(String in) {
            threads.add(in + "@" + Thread.currentThread().getName());
        }
    }

    @AfterEach
    void closeAll() {
        peers.forEach(Peer::close);
    }

    private Peer peer(PeerConfig config, Plugin... plugins) {
        Peer peer = new Peer(config, plugins);
        peers.add(peer);
        return peer;
    }

    private Session dial(Peer server) {
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        return peer(PeerConfig.defaults()).dial("127.0.0.1:" + port);
    }

    @ParameterizedTest
    @EnumSource(value = HandlerExecution.class, names = {"POOL", "VIRTUAL"})
    void markedHandlersRunOnTheIoThreadTheOthersOnTheExecutor(HandlerExecution execution) {
        Peer server = peer(PeerConfig.builder().handlerExecution(execution).build());
        server.pullRouter().register(new Where());
        server.pullRouter().register(new Quick());
        Session session = dial(server);

        assertThat(session.pull("/where/fast", "", String.class)).startsWith(IO);
        assertThat(session.pull("/quick/one", "", String.class)).startsWith(IO);
        // Not marked: on the pool, or on an unnamed virtual thread (Java 21+).
        assertThat(session.pull("/where/slow", "", String.class)).doesNotStartWith(IO);
        if (execution == HandlerExecution.POOL || Runtime.version().feature() < 21) {
            assertThat(session.pull("/where/slow", "", String.class)).startsWith(HANDLER);
        }
    }

    @Test
    void aMarkedRoutesMessagesRunInTheOrderTheyCameWhateverTheirSize() throws Exception {
        Peer server = peer(PeerConfig.defaults());
        Events events = new Events();
        server.pushRouter().register(events);
        Session session = dial(server);

        // A snapshot, then a delta: the delta must not be applied first, however large the snapshot.
        for (int i = 0; i < 5; i++) {
            session.push("/events/happened", "s" + i + "x".repeat(512 * 1024));
            session.push("/events/happened", "d" + i);
        }
        for (int i = 0; i < 5; i++) {
            assertThat(events.threads.poll(10, TimeUnit.SECONDS)).startsWith("s" + i);
            assertThat(events.threads.poll(10, TimeUnit.SECONDS)).startsWith("d" + i);
        }
    }

    @Test
    void errorsOnTheIoThreadAreAnsweredAsAnywhere() {
        Peer server = peer(PeerConfig.defaults());
        server.pullRouter().register(new Where());
        Session session = dial(server);

        assertThatThrownBy(() -> session.pull("/where/fails", "why", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(1499);
                    assertThat(e.rerror().message()).startsWith("refused on " + IO);
                    assertThat(e.rerror().detail()).isEqualTo("why");
                });
        assertThatThrownBy(() -> session.pull("/where/none", "", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(Rerror.CODE_NOT_FOUND));
        // A body the route cannot take: the codec's error, answered from the I/O thread.
        assertThatThrownBy(() -> session.pull("/where/fast", List.of(1, 2), String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(Rerror.CODE_BAD_PACKET));
        assertThat(session.pull("/where/fast", "", String.class)).startsWith(IO);
    }

    @Test
    void markedPushHandlersRunOnTheIoThread() throws Exception {
        Peer server = peer(PeerConfig.defaults());
        Events events = new Events();
        server.pushRouter().register(events);
        Session session = dial(server);

        session.push("/events/happened", "a").get(5, TimeUnit.SECONDS);
        session.push("/events/logged", "b").get(5, TimeUnit.SECONDS);

        assertThat(events.threads.poll(5, TimeUnit.SECONDS)).startsWith("a@" + IO);
        assertThat(events.threads.poll(5, TimeUnit.SECONDS)).startsWith("b@" + HANDLER);
    }

    @Test
    void aPreparedRouteSaysItNeverBlocks() {
        Peer server = peer(PeerConfig.defaults());
        Route route = new Route("/prepared", String.class, "prepared",
                (body, ctx) -> Thread.currentThread().getName()).withNonBlocking(true);
        assertThat(route.isNonBlocking()).isTrue();
        assertThat(route.withPlugins(route.plugins()).isNonBlocking()).as("kept by withPlugins").isTrue();
        server.pullRouter().route(route);
        assertThat(server.pullRouter().hasNonBlockingRoutes()).isTrue();

        assertThat(dial(server).pull("/prepared", "", String.class)).startsWith(IO);
    }

    /** Not declared non-blocking, so it may block: what it sees must not run on an I/O thread. */
    static final class MayBlock implements PreReadPullBody {
        @Override
        public @Nullable Rerror preReadPullBody(ReadContext ctx) {
            return null;
        }
    }

    @Test
    void aPluginThatMayBlockKeepsTheRouteOnTheExecutor() {
        Peer server = peer(PeerConfig.defaults(), new MayBlock());
        server.pullRouter().register(new Where());
        assertThat(dial(server).pull("/where/fast", "", String.class)).startsWith(HANDLER);

        Peer scoped = peer(PeerConfig.defaults());
        scoped.pullRouter().register(new Where(), new MayBlock());
        scoped.pullRouter().register(new Quick());
        Session session = dial(scoped);
        assertThat(session.pull("/where/fast", "", String.class)).as("route-scoped plugin").startsWith(HANDLER);
        assertThat(session.pull("/quick/one", "", String.class)).startsWith(IO);
    }

    /** Sends {@code /where/fast} to {@code /where/slow}, and says where it ran. */
    static final class Reroute implements PostReadPullHeader {
        final boolean nonBlocking;
        final BlockingQueue<String> threads = new LinkedBlockingQueue<>();

        Reroute(boolean nonBlocking) {
            this.nonBlocking = nonBlocking;
        }

        @Override
        public boolean nonBlocking() {
            return nonBlocking;
        }

        @Override
        public @Nullable Rerror postReadPullHeader(ReadContext ctx) {
            threads.add(Thread.currentThread().getName());
            if (ctx.input().uri().equals("/where/fast")) {
                ctx.input().uri("/where/slow");
            }
            return null;
        }
    }

    @Test
    void aHeaderHookThatReroutesSendsTheMessageWhereItsNewRouteRuns() {
        Reroute reroute = new Reroute(true);
        Peer server = peer(PeerConfig.defaults(), reroute);
        server.pullRouter().register(new Where());
        Session session = dial(server);
        assertThat(session.pull("/where/fast", "", String.class)).startsWith(HANDLER);
        assertThat(reroute.threads.poll()).startsWith(IO);

        Reroute blocking = new Reroute(false);
        Peer other = peer(PeerConfig.defaults(), blocking);
        other.pullRouter().register(new Quick());
        assertThat(dial(other).pull("/quick/one", "", String.class)).as("a blocking header hook: all on the pool")
                .startsWith(HANDLER);
        assertThat(blocking.threads.poll()).startsWith(HANDLER);
    }

    @Test
    void aRouteThatMayBlockIsRefusedWhenTheExecutorIsFullAsAtDispatch() throws Exception {
        Peer server = peer(PeerConfig.builder().handlerThreads(1).handlerQueueCapacity(1).build());
        server.pullRouter().register(new Quick());
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        server.pullRouter().route("/hold", String.class, (in, ctx) -> {
            started.countDown();
            release.await(10, TimeUnit.SECONDS);
            return in;
        });
        Session session = dial(server);
        try {
            CompletableFuture<String> running = session.pullAsync("/hold", "1", String.class);
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<String> queued = session.pullAsync("/hold", "2", String.class);
            assertThatThrownBy(() -> session.pull("/hold", "3", String.class))
                    .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(Rerror.CODE_UNAVAILABLE));
            // The I/O thread is not held up by the full executor: a marked route still answers (another
            // session's call: the refused one is not read for a while).
            assertThat(dial(server).pull("/quick/one", "", String.class)).startsWith(IO);
            release.countDown();
            assertThat(running.get(5, TimeUnit.SECONDS)).isEqualTo("1");
            assertThat(queued.get(5, TimeUnit.SECONDS)).isEqualTo("2");
        } finally {
            release.countDown();
        }
    }

    /** A marked handler that fails with an exception a mapper knows. */
    public static class Mapped {
        @NonBlocking
        public String fails(String in) {
            throw new IllegalArgumentException(in);
        }
    }

    @Test
    void exceptionMappersOfAMarkedHandlerRunOffTheIoThread() {
        BlockingQueue<String> threads = new LinkedBlockingQueue<>();
        Peer server = Peer.builder().exceptionMapper((error, ctx) -> {
            // An application's mapper may block (an audit write): not on an I/O thread.
            threads.add(Thread.currentThread().getName());
            return error instanceof IllegalArgumentException ? new Rerror(1400, "mapped", error.getMessage()) : null;
        }).build();
        peers.add(server);
        server.pullRouter().register(new Mapped());
        server.pullRouter().register(new Where());
        Session session = dial(server);

        assertThatThrownBy(() -> session.pull("/mapped/fails", "bad input", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(1400);
                    assertThat(e.rerror().detail()).isEqualTo("bad input");
                });
        assertThat(threads.poll()).startsWith(HANDLER);
        // The handler itself still ran on the I/O thread, and a failure it answers itself stays there.
        assertThat(session.pull("/where/fast", "", String.class)).startsWith(IO);
        assertThatThrownBy(() -> session.pull("/where/fails", "", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(1499));
    }

    /** Not declared non-blocking: sees every push this peer sends. */
    static final class SendHook implements PreWritePush {
        final BlockingQueue<String> threads = new LinkedBlockingQueue<>();

        @Override
        public @Nullable Rerror preWritePush(WriteContext ctx) {
            threads.add(Thread.currentThread().getName());
            return null;
        }
    }

    /** Pushes back what it gets. */
    public static class Echo {
        @NonBlocking
        public void ping(String in, PushContext ctx) {
            ctx.session().push("/pong", in + "@" + Thread.currentThread().getName());
        }
    }

    @Test
    void aSendHookThatMayBlockKeepsTheRouteOnTheExecutor() throws Exception {
        SendHook hook = new SendHook();
        Peer server = peer(PeerConfig.defaults(), hook);
        server.pushRouter().register(new Echo());
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peer(PeerConfig.defaults());
        BlockingQueue<String> pongs = new LinkedBlockingQueue<>();
        client.pushRouter().route("/pong", String.class, (body, ctx) -> pongs.add(body));
        Session session = client.dial("127.0.0.1:" + port);

        session.push("/echo/ping", "a").get(5, TimeUnit.SECONDS);

        // A handler may send, and the hook would run on the sending thread: the route is not kept on
        // the I/O thread while a send hook may block.
        assertThat(pongs.poll(5, TimeUnit.SECONDS)).startsWith("a@" + HANDLER);
        assertThat(hook.threads.poll(5, TimeUnit.SECONDS)).startsWith(HANDLER);
    }
}
