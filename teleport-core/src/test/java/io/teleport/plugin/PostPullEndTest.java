package io.teleport.plugin;

import ch.qos.logback.classic.Level;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import io.teleport.testing.LogCapture;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Every way a pull of this side ends reaches {@link PostPullEnd} exactly once, before the caller
 * learns it, with the reply as the caller got it; and each pull is in the message log once, the
 * ones that ended without a reply with the error made for them.
 */
class PostPullEndTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();
    @RegisterExtension
    final LogCapture log = LogCapture.of("io.teleport.message", Level.DEBUG);
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch entered = new CountDownLatch(1);
    private final List<String> ends = new CopyOnWriteArrayList<>();

    /** Records {@code uri code size} for each ended pull; {@code code} is 0 for a successful reply. */
    private final PostPullEnd recorder = ctx -> {
        if (ctx.output().uri().contains("slow")) {
            // A hook that may block: the refusal thrown to the caller must still wait for it.
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        Rerror rerror = Rerror.fromMeta(ctx.input().hasMeta() ? ctx.input().meta() : null);
        ends.add(ctx.output().uri() + " " + (rerror == null ? 0 : rerror.code()) + (ctx.input().size() > 0 ? " wire" : " here"));
    };

    @AfterEach
    void release() {
        release.countDown();
    }

    private String server() {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        server.pullRouter().route("/hold", String.class, (body, ctx) -> {
            entered.countDown();
            release.await(10, TimeUnit.SECONDS);
            return body;
        });
        return "127.0.0.1:" + ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
    }

    private Session client(String address, Plugin... plugins) {
        return peers.add(new Peer(PeerConfig.builder().readLimit(4096).build(), plugins)).dial(address);
    }

    private long logged(String uri) {
        return log.lines("pull-launch").stream().filter(l -> l.contains(uri)).count();
    }

    private static int code(CompletableFuture<?> pull) {
        return pull.handle((v, e) -> e == null ? 0 : ((RerrorException) e).code()).join();
    }

    @Test
    void repliesAndRemoteErrorsAreSeenAsTheyCame() {
        Session session = client(server(), recorder);
        assertThat(session.pull("/echo", "x", String.class)).isEqualTo("x");
        assertThatThrownBy(() -> session.pull("/missing", "x", String.class)).isInstanceOf(RerrorException.class);
        assertThat(ends).containsExactly("/echo 0 wire", "/missing 404 wire");
        assertThat(logged("/echo")).isEqualTo(1);
        assertThat(logged("/missing")).isEqualTo(1);
    }

    /** A plugin with a bug that throws past the chain, which catches only runtime exceptions. */
    static final class Broken implements PostPullEnd {
        final java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public void postPullEnd(ReadContext ctx) {
            runs.incrementAndGet();
            throw new AssertionError("plugin bug");
        }

        @Override
        public boolean nonBlocking() {
            return true;
        }
    }

    @Test
    void aHookThatThrowsAnErrorRunsOnceAndTheCallerStillGetsItsReply() {
        Broken broken = new Broken();
        Session session = client(server(), broken);
        CompletableFuture<String> pull = session.pullAsync("/echo", "x", String.class);
        assertThat(code(pull.orTimeout(5, TimeUnit.SECONDS))).isEqualTo(0);
        assertThat(broken.runs).hasValue(1);
        assertThat(logged("/echo")).isEqualTo(1);
    }

    @Test
    void aTimeoutIsSeenBeforeTheCallerLearnsIt() {
        Session session = client(server(), recorder);
        assertThatThrownBy(() -> session.pull("/hold", "x", String.class, CallOptions.timeout(Duration.ofMillis(100))))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(408));
        assertThat(ends).as("already seen when the caller wakes").containsExactly("/hold 408 here");
        assertThat(logged("/hold")).isEqualTo(1);
        assertThat(log.lines("pull-launch")).singleElement().asString().contains("408");
    }

    @Test
    void aLostConnectionIsSeen() throws Exception {
        String address = server();
        Session session = client(address, recorder);
        CompletableFuture<String> held = session.pullAsync("/hold", "x", String.class);
        entered.await(5, TimeUnit.SECONDS);
        ((io.teleport.internal.session.DefaultSession) session).channel().close();
        assertThat(code(held)).isEqualTo(102);
        await().until(() -> ends.size() == 1);
        assertThat(ends).containsExactly("/hold 102 here");
        assertThat(logged("/hold")).isEqualTo(1);
    }

    @Test
    void unwritablePullsAreSeen() {
        Session session = client(server(), recorder);
        // A frame over the read limit: thrown at once, and still seen and logged.
        assertThatThrownBy(() -> session.pullAsync("/echo?unencodable-slow", "x".repeat(5000), String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(104));
        assertThat(ends).as("seen before the throw, though the recorder may block").containsExactly("/echo?unencodable-slow 104 here");
        session.close().join();
        assertThat(code(session.pullAsync("/echo?closed", "x", String.class))).isEqualTo(104);
        assertThat(ends).containsExactly("/echo?unencodable-slow 104 here", "/echo?closed 104 here");
        assertThat(logged("/echo?unencodable-slow")).isEqualTo(1);
        assertThat(logged("/echo?closed")).isEqualTo(1);
    }

    @Test
    void aPullRefusedByAPluginIsSeenWithTheRefusal() {
        PreWritePull refusing = ctx -> ctx.output().uri().startsWith("/echo?no") ? new Rerror(403, "Forbidden", "no") : null;
        Session session = client(server(), refusing, recorder);
        assertThatThrownBy(() -> session.pull("/echo?no", "x", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(403));
        assertThat(ends).containsExactly("/echo?no 403 here");
        assertThat(logged("/echo?no")).isEqualTo(1);
        assertThat(session.pull("/echo", "y", String.class)).isEqualTo("y");
        assertThat(ends).containsExactly("/echo?no 403 here", "/echo 0 wire");
    }

    @Test
    void aBlockingPluginRunsOffTheIoAndTimerThreads() {
        List<String> threads = new CopyOnWriteArrayList<>();
        PostPullEnd blocking = ctx -> threads.add(Thread.currentThread().getName());
        Session session = client(server(), blocking);
        assertThat(session.pull("/echo", "x", String.class)).isEqualTo("x");
        assertThatThrownBy(() -> session.pull("/hold", "x", String.class, CallOptions.timeout(Duration.ofMillis(50))))
                .isInstanceOf(RerrorException.class);
        assertThat(threads).hasSize(2).allSatisfy(t -> assertThat(t).doesNotContain("teleport-io").doesNotContain("timer"));
    }

    @Test
    void aFailingPluginIsLoggedAndThePullStillEnds() {
        PostPullEnd failing = ctx -> {
            throw new IllegalStateException("bug");
        };
        Session session = client(server(), failing, recorder);
        assertThat(session.pull("/echo", "x", String.class)).isEqualTo("x");
        assertThat(ends).containsExactly("/echo 0 wire");
    }

    @Test
    void aHookThatThrowsAnErrorStillLetsATimeoutEndTheCaller() {
        Broken broken = new Broken();
        Session session = client(server(), broken);
        CompletableFuture<String> pull = session.pullAsync("/hold", "x", String.class,
                CallOptions.timeout(Duration.ofMillis(100)));
        assertThat(code(pull.orTimeout(5, TimeUnit.SECONDS))).isEqualTo(408);
    }

    @Test
    void aHookThatThrowsAnErrorStillLetsALostConnectionEndTheCaller() throws Exception {
        Broken broken = new Broken();
        Session session = client(server(), broken);
        CompletableFuture<String> held = session.pullAsync("/hold", "x", String.class);
        entered.await(5, TimeUnit.SECONDS);
        ((io.teleport.internal.session.DefaultSession) session).channel().close();
        assertThat(code(held.orTimeout(5, TimeUnit.SECONDS))).isEqualTo(102);
    }
}
