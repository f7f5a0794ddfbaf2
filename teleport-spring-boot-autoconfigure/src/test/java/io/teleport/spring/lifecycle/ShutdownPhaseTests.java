package io.teleport.spring.lifecycle;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.spring.autoconfigure.TeleportAutoConfiguration;
import io.teleport.spring.client.SessionTemplate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A web application that calls a Teleport backend: its HTTP requests in flight, which Boot's web
 * server lets finish in its graceful shutdown, may still call the backend, so the peer stops after
 * that phase, not with it.
 */
class ShutdownPhaseTests {

    private final Peer backend = new Peer(PeerConfig.defaults());

    @AfterEach
    void closeBackend() {
        backend.close();
    }

    /** Stands in for the web server's graceful shutdown with a request in flight that calls the backend late. */
    static final class RequestInFlight implements SmartLifecycle {
        static final List<String> RESULTS = new CopyOnWriteArrayList<>();
        private final ObjectProvider<SessionTemplate> backend;
        private volatile boolean running;

        RequestInFlight(ObjectProvider<SessionTemplate> backend) {
            this.backend = backend;
        }

        @Override
        public void start() {
            running = true;
        }

        @Override
        public void stop() {
            stop(() -> { });
        }

        @Override
        public void stop(Runnable callback) {
            new Thread(() -> {
                try {
                    Thread.sleep(300);
                    RESULTS.add(backend.getObject().pull("/echo", "late", String.class));
                } catch (RuntimeException | InterruptedException e) {
                    RESULTS.add(e.toString());
                } finally {
                    running = false;
                    callback.run();
                }
            }).start();
        }

        @Override
        public boolean isRunning() {
            return running;
        }

        @Override
        public int getPhase() {
            return WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE;
        }
    }

    @Test
    void theWebServersRequestsInFlightCanStillCallTheBackend() {
        backend.pullRouter().route("/echo", String.class, (body, ctx) -> "echo " + body);
        int port = ((InetSocketAddress) backend.listen("127.0.0.1:0", null)).getPort();
        RequestInFlight.RESULTS.clear();
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class))
                .withPropertyValues("teleport.client.address=127.0.0.1:" + port)
                .withBean(RequestInFlight.class)
                .run(ctx -> assertThat(ctx.getBean(SessionTemplate.class).pull("/echo", "early", String.class))
                        .isEqualTo("echo early"));
        assertThat(RequestInFlight.RESULTS).containsExactly("echo late");
        assertThat(TeleportPeerLifecycle.PHASE).isLessThan(WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE);
    }
}
