package io.teleport.plugin;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link AroundHandler} scopes hold on the handler's thread exactly while the handler runs, for pulls
 * and pushes, open in chain order and close in reverse, and a failing plugin does not stop the handler.
 */
class AroundHandlerTest {

    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

    @RegisterExtension
    final TestPeers peers = new TestPeers();
    private final List<String> events = new CopyOnWriteArrayList<>();

    /** Sets {@link #CURRENT} to its name while the handler runs and records opening and closing. */
    private AroundHandler scoping(String name) {
        return new AroundHandler() {
            @Override
            public Scope aroundHandler(ReadContext ctx) {
                events.add("open " + name + " " + ctx.input().uri());
                String before = CURRENT.get();
                CURRENT.set(name);
                return () -> {
                    CURRENT.set(before);
                    events.add("close " + name);
                };
            }

            @Override
            public String name() {
                return name;
            }
        };
    }

    private static final AroundHandler FAILING = new AroundHandler() {
        @Override
        public Scope aroundHandler(ReadContext ctx) {
            throw new IllegalStateException("broken plugin");
        }

        @Override
        public String name() {
            return "failing";
        }
    };

    @Test
    void aPullHandlerRunsInsideTheScopesWhichCloseInReverse() {
        Peer server = peers.add(new Peer(PeerConfig.defaults(), scoping("outer"), FAILING, scoping("inner")));
        server.pullRouter().route("/current", String.class, (body, ctx) -> {
            events.add("handler");
            return String.valueOf(CURRENT.get());
        });
        Session client = dial(server);

        assertThat(client.pull("/current", "x", String.class)).isEqualTo("inner");
        assertThat(events).containsExactly("open outer /current", "open inner /current", "handler", "close inner",
                "close outer");
        assertThat(client.pull("/current", "x", String.class)).as("closed on the handler thread").isEqualTo("inner");
    }

    @Test
    void aPushHandlerRunsInsideTheScopeAndAFailingHandlerStillClosesIt() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.defaults(), scoping("scope")));
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        server.pushRouter().route("/note", String.class, (body, ctx) -> seen.add(String.valueOf(CURRENT.get())));
        server.pullRouter().route("/fail", String.class, (body, ctx) -> {
            throw new IllegalArgumentException("handler fails");
        });
        Session client = dial(server);

        client.push("/note", "x").join();
        assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo("scope");
        // The handler has run; its scope closes as it returns, which the test's thread may overtake.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> events.size() == 2);
        assertThatThrownBy(() -> client.pull("/fail", "x", String.class)).hasMessageContaining("500");
        // A failure is answered inside the scope (its WARN carries what the scope set): the 500 may arrive first.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> events.size() == 4);
        assertThat(events).containsExactly("open scope /note", "close scope", "open scope /fail", "close scope");
    }

    @Test
    void aScopeThatThrowsAnErrorLeavesTheOthersToCloseAndTheHandlerToRun() {
        AroundHandler erring = new AroundHandler() {
            @Override
            public Scope aroundHandler(ReadContext ctx) {
                if (ctx.input().uri().contains("open")) {
                    throw new AssertionError("broken open");
                }
                return () -> {
                    throw new AssertionError("broken close");
                };
            }

            @Override
            public String name() {
                return "erring";
            }
        };
        Peer server = peers.add(new Peer(PeerConfig.defaults(), scoping("outer"), erring, scoping("inner")));
        server.pullRouter().route("/current", String.class, (body, ctx) -> String.valueOf(CURRENT.get()));
        Session client = dial(server);

        assertThat(client.pull("/current?open", "x", String.class)).as("answered by its handler").isEqualTo("inner");
        assertThat(client.pull("/current?close", "x", String.class)).isEqualTo("inner");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> events.size() == 8);
        assertThat(events).containsExactly("open outer /current?open", "open inner /current?open", "close inner",
                "close outer", "open outer /current?close", "open inner /current?close", "close inner", "close outer");
    }

    @Test
    void aFailingHandlersWarnIsLoggedInsideItsScopes() throws Exception {
        // A tracing plugin's scope puts the trace id in the log's MDC: the framework's line about the
        // handler's failure must carry it, as the handler's own lines do.
        AroundHandler tracing = new AroundHandler() {
            @Override
            public Scope aroundHandler(ReadContext ctx) {
                MDC.put("traceId", "trace-" + ctx.input().uri());
                return () -> MDC.remove("traceId");
            }

            @Override
            public String name() {
                return "tracing";
            }
        };
        Logger logger = (Logger) LoggerFactory.getLogger(io.teleport.internal.session.InboundContext.class);
        BlockingQueue<String> warned = new LinkedBlockingQueue<>();
        AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                // Read on the logging thread, as an asynchronous appender would capture it.
                warned.add(event.getFormattedMessage() + " mdc=" + event.getMDCPropertyMap().get("traceId"));
            }
        };
        appender.start();
        logger.addAppender(appender);
        try {
            Peer server = peers.add(new Peer(PeerConfig.defaults(), tracing));
            server.pullRouter().route("/boom", String.class, (body, ctx) -> {
                throw new IllegalStateException("boom");
            });
            server.pushRouter().route("/lost", String.class, (body, ctx) -> {
                throw new IllegalStateException("lost");
            });
            Session client = dial(server);

            assertThatThrownBy(() -> client.pull("/boom", "x", String.class)).hasMessageContaining("500");
            assertThat(warned.poll(10, TimeUnit.SECONDS)).contains("failed on /boom").endsWith("mdc=trace-/boom");
            client.push("/lost", "x").join();
            assertThat(warned.poll(10, TimeUnit.SECONDS)).contains("failed on /lost").endsWith("mdc=trace-/lost");
            assertThat(MDC.get("traceId")).isNull();
        } finally {
            logger.detachAppender(appender);
        }
    }

    private Session dial(Peer server) {
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        return peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);
    }

    @Test
    void scopesThatOpenNothingCostNothingAndTheOthersCloseInReverse() {
        List<String> closed = new CopyOnWriteArrayList<>();
        AroundHandler nothing = scoping("nothing", () -> AroundHandler.Scope.NONE);
        AroundHandler none = scoping("none", () -> AroundHandler.Scope.NONE);
        AroundHandler first = scoping("first", () -> () -> closed.add("first"));
        AroundHandler second = scoping("second", () -> () -> closed.add("second"));
        assertThat(PluginChain.of(List.of(nothing, none)).openHandlerScopes(null))
                .as("nothing to close: no array, no lambda").isSameAs(AroundHandler.Scope.NONE);
        AroundHandler.Scope scope = PluginChain.of(List.of(first, nothing, second)).openHandlerScopes(null);
        scope.close();
        assertThat(closed).containsExactly("second", "first");
    }

    private static AroundHandler scoping(String name, java.util.function.Supplier<AroundHandler.Scope> scope) {
        return new AroundHandler() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Scope aroundHandler(ReadContext ctx) {
                return scope.get();
            }
        };
    }
}
