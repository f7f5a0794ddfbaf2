package io.teleport.internal.session;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.plugin.PostReadPushHeader;
import io.teleport.plugin.ReadContext;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A push that fails before it has a route is logged with what failed, not with a failure of the log line. */
class PushFailureLogTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private final Logger inboundLog = (Logger) LoggerFactory.getLogger(InboundContext.class);
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @BeforeEach
    void captureLogs() {
        logged.start();
        inboundLog.addAppender(logged);
    }

    @AfterEach
    void stopCapturing() {
        inboundLog.detachAppender(logged);
    }

    /** Message hooks turn an exception, or an error of the plugin's own code, into a 500; the JVM's go past them. */
    private static final class Crashing implements PostReadPushHeader {
        @Override
        public Rerror postReadPushHeader(ReadContext ctx) {
            throw new InternalError("header hook crashed");
        }
    }

    @Test
    void anErrorBeforeRoutingIsLoggedWithThePush() {
        Peer server = peers.add(new Peer(PeerConfig.defaults(), new Crashing()));
        server.pushRouter().route("/q", String.class, (body, ctx) -> { });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);
        session.push("/q", "x").join();
        await().until(() -> logged.list.stream().anyMatch(e -> e.getThrowableProxy() != null
                && e.getThrowableProxy().getMessage().equals("header hook crashed")));
        assertThat(logged.list).filteredOn(e -> e.getThrowableProxy() != null)
                .allSatisfy(e -> assertThat(e.getFormattedMessage()).contains("/q"));
    }
}
