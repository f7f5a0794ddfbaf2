package io.teleport.spring.handler;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.router.NonBlocking;
import io.teleport.spring.annotation.PullController;
import io.teleport.spring.autoconfigure.TeleportAutoConfiguration;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.ParameterizedTypeReference;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.teleport.spring.handler.LoopbackClient.withSession;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * A {@code @NonBlocking} handler runs on an I/O thread, where a call that waits is refused: also when
 * the wait would be for the first dial of a {@link SessionTemplate}'s remote, whose connection may
 * be registered on that same thread and so would never complete.
 */
class NonBlockingTemplateCallTests {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @PullController
    public static class Relay {
        private final SessionTemplate backend;

        public Relay(SessionTemplate backend) {
            this.backend = backend;
        }

        @NonBlocking
        public String waiting(String in) {
            try {
                return "answered " + backend.pull("/echo", in, String.class);
            } catch (IllegalStateException refused) {
                return "refused: " + refused.getMessage();
            }
        }

        @NonBlocking
        public String generic(String in) {
            try {
                return "answered " + backend.pull("/echo", in, new ParameterizedTypeReference<String>() { });
            } catch (IllegalStateException refused) {
                return "refused: " + refused.getMessage();
            }
        }

        @NonBlocking
        public String session(String in) {
            try {
                return "session " + backend.session().id();
            } catch (IllegalStateException refused) {
                return "refused: " + refused.getMessage();
            }
        }
    }

    private ApplicationContextRunner runner() {
        Peer backend = peers.add(new Peer(PeerConfig.defaults()));
        backend.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        int port = ((InetSocketAddress) backend.listen("127.0.0.1:0", null)).getPort();
        // One I/O thread: the dial's connection is certain to land on the thread that would wait.
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class))
                .withPropertyValues("teleport.server.listen-address=127.0.0.1:0", "teleport.io-threads=1",
                        "teleport.shutdown-timeout=1s", "teleport.client.address=127.0.0.1:" + port)
                .withBean(Relay.class);
    }

    @Test
    void aWaitingPullBeforeTheFirstDialIsRefusedNotLeftHanging() {
        // Preemptive: a stuck I/O thread would keep the context from closing too.
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> runner().run(ctx -> withSession(ctx, session -> {
            String answer = session.pullAsync("/relay/waiting", "x", String.class).orTimeout(10, TimeUnit.SECONDS).join();
            assertThat(answer).startsWith("refused: waiting on an I/O thread for the dial of remote")
                    .contains("pullAsync");
        })));
    }

    @Test
    void aBlockingPullOfAGenericReplyIsRefusedOnAnIoThreadEvenOnceDialed() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> runner().run(ctx -> withSession(ctx, session -> {
            ctx.getBean(SessionTemplate.class).session();
            assertThat(session.pullAsync("/relay/generic", "x", String.class).orTimeout(10, TimeUnit.SECONDS).join())
                    .startsWith("refused: a blocking pull of /echo on an I/O thread").contains("pullReply");
        })));
    }

    @Test
    void theSessionBeforeTheFirstDialIsRefusedAndAfterItIsGiven() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> runner().run(ctx -> withSession(ctx, session -> {
            assertThat(session.pullAsync("/relay/session", "x", String.class).orTimeout(10, TimeUnit.SECONDS).join())
                    .startsWith("refused: waiting on an I/O thread");
            // Once dialed, nothing waits: the handler gets the session.
            ctx.getBean(SessionTemplate.class).session();
            assertThat(session.pullAsync("/relay/session", "x", String.class).orTimeout(10, TimeUnit.SECONDS).join())
                    .startsWith("session ");
        })));
    }
}
