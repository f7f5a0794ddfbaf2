package io.teleport.spring.handler;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.session.Session;
import io.teleport.spring.annotation.PullController;
import io.teleport.spring.autoconfigure.TeleportAutoConfiguration;
import io.teleport.testing.LogCapture;
import io.teleport.testing.PullFailures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.teleport.spring.handler.LoopbackClient.withSession;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12's rows that core fixed, seen from a Boot application: a {@code byte[]} body round-trips
 * through a {@code @PullController} with the default JSON codec (row 1), a handler that returns a
 * {@link Rerror} answers with that error (row 4), the message log is one key-value line per message
 * at DEBUG (row 12), and closing the context refuses new pulls while one in flight finishes (row 14).
 */
class StarterHandlingTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class))
            .withPropertyValues("teleport.server.listen-address=127.0.0.1:0")
            .withBean(Files.class);

    @RegisterExtension
    final LogCapture messages = LogCapture.of("io.teleport.message", Level.DEBUG);

    static final CountDownLatch STARTED = new CountDownLatch(1);
    static final CountDownLatch RELEASE = new CountDownLatch(1);

    /** Bytes in, bytes out; a Go-style error return; a slow call. */
    @PullController
    public static class Files {
        /** Echoes the bytes reversed. */
        public byte[] reverse(byte[] in) {
            byte[] out = new byte[in.length];
            for (int i = 0; i < in.length; i++) {
                out[i] = in[in.length - 1 - i];
            }
            return out;
        }

        /** Go handlers return (result, *Rerror): a returned error is the reply. */
        public Object find(String name) {
            return new Rerror(404, "Not Found", "no file " + name);
        }

        /** Holds until the test releases it. */
        public String slow(String in) throws InterruptedException {
            STARTED.countDown();
            RELEASE.await(10, TimeUnit.SECONDS);
            return "slow " + in;
        }
    }

    @Test
    void aByteArrayRoundTripsThroughAControllerWithTheDefaultJsonCodec() {
        runner.run(ctx -> withSession(ctx, session -> {
            byte[] reply = session.pull("/files/reverse", new byte[] {1, 2, 3, 0, (byte) 0xFF}, byte[].class);
            assertThat(reply).containsExactly((byte) 0xFF, 0, 3, 2, 1);
        }));
    }

    @Test
    void aReturnedRerrorIsAnErrorReplyNotABody() {
        runner.run(ctx -> withSession(ctx, session -> {
            Rerror error = PullFailures.of(session, "/files/find", "a.txt");
            assertThat(error.code()).isEqualTo(404);
            assertThat(error.detail()).isEqualTo("no file a.txt");
        }));
    }

    @Test
    void eachMessageIsOneKeyValueLineAtDebug() {
        runner.run(ctx -> withSession(ctx, session -> {
            session.pull("/files/reverse", new byte[] {7}, byte[].class);
            // The server logs once its reply is written, which may be just after the client has it.
            org.awaitility.Awaitility.await().until(() -> messages.events().stream()
                    .anyMatch(e -> e.getFormattedMessage().startsWith("kind=pull-handle")));
        }));
        assertThat(messages.events()).isNotEmpty().allSatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.DEBUG);
            assertThat(e.getFormattedMessage()).doesNotContain("\n").startsWith("kind=");
        });
        assertThat(messages.events()).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(l -> assertThat(l).startsWith("kind=pull-handle").contains("uri=/files/reverse"));
    }

    @Test
    void closingTheContextRefusesNewPullsWhileOneInFlightFinishes() throws Exception {
        ConfigurableApplicationContext[] app = new ConfigurableApplicationContext[1];
        runner.run(ctx -> {
            app[0] = ctx;
            Peer server = ctx.getBean(Peer.class);
            int port = ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort();
            Peer client = new Peer(PeerConfig.defaults());
            try {
                Session session = client.dial("127.0.0.1:" + port);
                CompletableFuture<String> inFlight = session.pullAsync("/files/slow", "x", String.class);
                assertThat(STARTED.await(5, TimeUnit.SECONDS)).isTrue();
                CompletableFuture<Void> closed = CompletableFuture.runAsync(ctx::close);
                // The drain has begun once the server refuses; the pull in flight is still held.
                org.awaitility.Awaitility.await().ignoreExceptions().until(() -> {
                    Rerror refused = PullFailures.of(session, "/files/reverse", new byte[] {1});
                    return refused != null && refused.code() == 503;
                });
                assertThat(inFlight).isNotDone();
                RELEASE.countDown();
                assertThat(inFlight.get(5, TimeUnit.SECONDS)).isEqualTo("slow x");
                closed.get(10, TimeUnit.SECONDS);
            } finally {
                RELEASE.countDown();
                client.shutdown(Duration.ofSeconds(1));
            }
        });
    }
}
