package io.teleport.router;

import ch.qos.logback.classic.Level;
import io.teleport.Peer;
import io.teleport.PeerBuilder;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.session.Session;
import io.teleport.testing.LogCapture;
import ch.qos.logback.classic.spi.IThrowableProxy;
import io.teleport.testing.PullFailures;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a failing handler's caller gets and what the log gets: a returned or thrown {@link Rerror}
 * and a mapped exception are answers (one DEBUG line); anything else is a 500 without this peer's
 * class names or messages, logged once with its stack.
 */
class HandlerErrorsTest {

    private static final Rerror OUT_OF_STOCK = new Rerror(1409, "Out Of Stock", "sku-1");

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @RegisterExtension
    final LogCapture log = LogCapture.of("io.teleport.internal.session.InboundContext", Level.DEBUG);

    @RegisterExtension
    final LogCapture peerLog = LogCapture.of("io.teleport.internal.session.PeerContext", null);

    /** An application exception that a mapper knows. */
    static final class OutOfStockException extends RuntimeException {
        OutOfStockException(String sku) {
            super("out of stock: " + sku + " (warehouse db-7)");
        }
    }

    /** The server of the last {@link #connect}. */
    private Peer server;

    private Session connect(PeerBuilder builder) {
        Peer server = peers.add(builder.build());
        this.server = server;
        server.pullRouter().route("/boom", String.class, (body, ctx) -> {
            throw new IllegalStateException("password rejected by com.example.internal.Vault");
        });
        server.pullRouter().route("/quoting", String.class, (body, ctx) -> {
            throw new IllegalStateException("bad input: " + body, new IllegalArgumentException("again: " + body));
        });
        server.pullRouter().route("/other_boom", String.class, (body, ctx) -> {
            throw new IllegalStateException("another bug");
        });
        server.pullRouter().route("/unmarshallable", String.class, (body, ctx) -> new Object() {
            public Object getSelf() {
                return this;
            }
        });
        server.pullRouter().route("/returned", String.class, (body, ctx) -> OUT_OF_STOCK);
        server.pullRouter().route("/typed", Sku.class, (body, ctx) -> body);
        server.pullRouter().route("/returned_later", String.class,
                (body, ctx) -> CompletableFuture.completedFuture(OUT_OF_STOCK));
        server.pullRouter().route("/thrown", String.class, (body, ctx) -> {
            throw OUT_OF_STOCK.toException();
        });
        server.pullRouter().route("/mapped", String.class, (body, ctx) -> {
            throw new OutOfStockException(body);
        });
        server.pullRouter().route("/mapped_later", String.class,
                (body, ctx) -> CompletableFuture.failedFuture(new OutOfStockException(body)));
        server.pushRouter().route("/crash", String.class, (body, ctx) -> {
            throw new IllegalArgumentException("bad presence");
        });
        server.pushRouter().route("/note", String.class, (body, ctx) -> {
            throw OUT_OF_STOCK.toException();
        });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        return peers.add(Peer.builder().build()).dial("127.0.0.1:" + port);
    }

    private static Rerror failure(Session session, String uri) {
        return PullFailures.of(session, uri, "sku-1");
    }

    @Test
    void anUnexpectedExceptionIsA500WithoutInternalsAndOneStackInTheLog() {
        Session session = connect(Peer.builder());
        assertThat(failure(session, "/boom")).isEqualTo(new Rerror(500, "Internal Server Error", ""));
        await().until(() -> !log.events(Level.WARN).isEmpty());
        assertThat(log.events(Level.WARN)).singleElement().satisfies(e -> {
            assertThat(e.getFormattedMessage()).contains("failed on /boom");
            assertThat(e.getThrowableProxy().getMessage()).contains("Vault");
        });
    }

    /** A handler's exception that quotes the remote's input cannot forge or flood a log line (hostile round 9). */
    @Test
    void anExceptionQuotingTheInputIsLoggedEscapedAndCutWithItsClassAndStack() {
        Session session = connect(Peer.builder());
        String forged = "x\r\n20:00:00.000 ERROR [main] io.teleport.Peer - FORGED \u001b[31m" + "y".repeat(10_000);
        assertThat(PullFailures.of(session, "/quoting", forged).code()).isEqualTo(500);
        await().until(() -> !log.events(Level.WARN).isEmpty());
        assertThat(log.events(Level.WARN)).singleElement().satisfies(e -> {
            IThrowableProxy logged = e.getThrowableProxy();
            assertThat(logged.getMessage()).startsWith("java.lang.IllegalStateException: bad input: x\\r\\n20:00")
                    .contains("\\u001b[31m").doesNotContain("\r", "\n", "\u001b").contains("more chars)")
                    .hasSizeLessThan(4_200);
            assertThat(logged.getStackTraceElementProxyArray()).isNotEmpty();
            assertThat(logged.getCause().getMessage()).startsWith("java.lang.IllegalArgumentException: again: x\\r")
                    .doesNotContain("\n");
        });
    }

    @Test
    void includeErrorMessageSendsTheMessageButNotTheClassName() {
        Session session = connect(Peer.builder().configure(c -> c.includeErrorMessage(true)));
        assertThat(failure(session, "/boom"))
                .isEqualTo(new Rerror(500, "Internal Server Error", "password rejected by com.example.internal.Vault"));
        assertThat(failure(session, "/unmarshallable").detail()).startsWith("reply: json: cannot marshal");
    }

    @Test
    void aFailedPushIsLoggedAtOnceEvenJustAfterAFailedPull() {
        Session session = connect(Peer.builder());
        assertThat(failure(session, "/boom").code()).isEqualTo(500);
        session.push("/crash", "x").join();
        await().until(() -> log.events(Level.WARN).size() == 2);
        assertThat(log.events(Level.WARN).get(1).getFormattedMessage())
                .startsWith("push handler function /crash failed with an unmapped exception (pushes lost)")
                .contains("failed on /crash");
    }

    @Test
    void eachFailingHandlerGetsItsStackLoggedNotOnlyTheFirst() {
        Session session = connect(Peer.builder());
        assertThat(failure(session, "/boom").code()).isEqualTo(500);
        assertThat(failure(session, "/boom").code()).isEqualTo(500);
        assertThat(failure(session, "/other_boom").code()).isEqualTo(500);
        await().until(() -> log.events(Level.WARN).size() == 2);
        assertThat(log.events(Level.WARN)).extracting(e -> e.getFormattedMessage().substring(0, e.getFormattedMessage().indexOf(':')))
                .containsExactly("pull handler function /boom failed with an unmapped exception (answered 500)",
                        "pull handler function /other_boom failed with an unmapped exception (answered 500)");
        assertThat(log.events(Level.WARN)).allSatisfy(e -> assertThat(e.getThrowableProxy()).isNotNull());
    }

    /** A body type the caller's string does not fit. */
    record Sku(String id) {
    }

    @Test
    void aBodyThatDoesNotFitIsA400NamingOurTypeOnlyWhenMessagesAreIncluded() {
        Rerror hidden = failure(connect(Peer.builder()), "/typed");
        assertThat(hidden.code()).isEqualTo(400);
        assertThat(hidden.detail()).startsWith("json: the body does not fit the route's type").doesNotContain("Sku");
        Rerror told = failure(connect(Peer.builder().configure(c -> c.includeErrorMessage(true))), "/typed");
        assertThat(told.detail()).startsWith("json: cannot unmarshal into " + Sku.class.getTypeName());
    }

    @RegisterExtension
    final LogCapture codecLog = LogCapture.of("io.teleport.codec.Codecs", null);

    /** A body type no JSON can make a value of: it is not static. */
    public class Unmakeable {
        public int x;
    }

    /**
     * A route whose body type JSON can never make is this side's mistake, not its callers' (new-user
     * trial 18: every call was answered 400 "does not fit", correct bodies too, and nothing was logged):
     * a warning as it is registered, a 500 for each call with the reason in this side's log.
     */
    @Test
    void aRouteTakingATypeNoJsonCanMakeIsWarnedOfAndItsCallsAre500NotTheCallersFault() {
        Session session = connect(Peer.builder());
        server.pullRouter().route("/unmakeable", Unmakeable.class, (body, ctx) -> "made");
        assertThat(codecLog.events(Level.WARN)).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                .contains(Unmakeable.class.getTypeName()).contains("a non-static inner class")
                .contains("answered 500"));
        Rerror rerror = PullFailures.of(session, "/unmakeable", Map.of("x", 1));
        assertThat(rerror).isEqualTo(new Rerror(500, "Internal Server Error", ""));
        await().until(() -> peerLog.events(Level.WARN).stream().anyMatch(e -> e.getFormattedMessage().contains("/unmakeable")));
        assertThat(peerLog.events(Level.WARN)).filteredOn(e -> e.getFormattedMessage().contains("/unmakeable"))
                .first().satisfies(e -> assertThat(e.getFormattedMessage()).contains("non-static inner class"));
    }

    @Test
    void aReturnedRerrorIsAnErrorReplyAsInGo() {
        Session session = connect(Peer.builder());
        assertThat(failure(session, "/returned")).isEqualTo(OUT_OF_STOCK);
        assertThat(failure(session, "/returned_later")).isEqualTo(OUT_OF_STOCK);
        assertThat(failure(session, "/thrown")).isEqualTo(OUT_OF_STOCK);
        session.push("/note", "x").join();
        await().until(() -> log.events(Level.DEBUG).size() >= 4);
        assertThat(log.events(Level.DEBUG)).allSatisfy(e -> {
            assertThat(e.getFormattedMessage()).contains("answered {\"code\":1409");
            assertThat(e.getThrowableProxy()).as("an answer, not a bug: no stack").isNull();
        });
        // The push's error reaches no one else: the bounded refusal line says so, without a stack.
        await().until(() -> !log.events(Level.WARN).isEmpty());
        assertThat(log.events(Level.WARN)).singleElement().satisfies(e -> {
            assertThat(e.getFormattedMessage()).contains("push handlers answered an error")
                    .contains("1 since the last report").contains("on /note").contains("answered {\"code\":1409");
            assertThat(e.getThrowableProxy()).isNull();
        });
    }

    @Test
    void mappedExceptionsAreAnsweredAsTheMapperSaysWithoutAStack() {
        Session session = connect(Peer.builder()
                .exceptionMapper((error, ctx) -> null)
                .exceptionMapper((error, ctx) -> error instanceof OutOfStockException
                        ? OUT_OF_STOCK.withDetail(ctx.path()) : null)
                .exceptionMapper((error, ctx) -> {
                    throw new AssertionError("the first mapper that answers wins");
                }));
        assertThat(failure(session, "/mapped")).isEqualTo(OUT_OF_STOCK.withDetail("/mapped"));
        assertThat(failure(session, "/mapped_later")).isEqualTo(OUT_OF_STOCK.withDetail("/mapped_later"));
        assertThat(log.events(Level.WARN)).isEmpty();
        assertThat(log.events(Level.DEBUG)).hasSize(2).allSatisfy(e -> {
            assertThat(e.getFormattedMessage()).contains("OutOfStockException").contains("answered {\"code\":1409");
            assertThat(e.getThrowableProxy()).isNull();
        });
    }

    @Test
    void aMapperThatThrowsARerrorExceptionAnswersWithIt() {
        Session session = connect(Peer.builder().exceptionMapper((error, ctx) -> {
            throw new RerrorException(409, "Conflict", "");
        }));
        assertThat(failure(session, "/boom")).isEqualTo(new Rerror(409, "Conflict", ""));
    }

    /** Pulls {@code /boom} {@code times} times, each answered 500, until the handler log has them all. */
    private void failBoom(Session session, int times) {
        for (int i = 0; i < times; i++) {
            assertThat(failure(session, "/boom").code()).isEqualTo(500);
        }
        await().until(() -> log.events(Level.DEBUG).stream()
                .filter(e -> e.getFormattedMessage().contains("failed on /boom")).count() == times);
    }

    @Test
    void aPeerThatMakesEveryCallFailGetsOneStackInTheLogPerIntervalNotOnePerCall() {
        failBoom(connect(Peer.builder()), 20);
        assertThat(log.events(Level.WARN)).singleElement().satisfies(e -> {
            assertThat(e.getFormattedMessage()).contains("1 since the last report").contains("failed on /boom");
            assertThat(e.getThrowableProxy()).isNotNull();
        });
    }

    /** Else the line comes ten seconds later, from a peer long gone, into whatever logs then. */
    @Test
    void whatABurstOfFailuresCountedIsWrittenWhenThePeerShutsDown() {
        failBoom(connect(Peer.builder()), 5);
        assertThat(log.events(Level.WARN)).hasSize(1);
        server.close();
        assertThat(log.events(Level.WARN)).hasSize(2).last()
                .satisfies(e -> assertThat(e.getFormattedMessage()).contains("4 since the last report"));
    }

    @Test
    void refusedPushesAreCountedInOneLinePerIntervalNotOnePerPush() {
        Session session = connect(Peer.builder());
        for (int i = 0; i < 20; i++) {
            session.push("/nowhere", "x").join();
        }
        await().until(() -> log.events(Level.DEBUG).stream()
                .filter(e -> e.getFormattedMessage().contains("push /nowhere")).count() == 20);
        assertThat(peerLog.events(Level.WARN)).singleElement()
                .satisfies(e -> assertThat(e.getFormattedMessage()).startsWith("pushes refused before their handler"));
    }
}
