package io.teleport.lifecycle;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.session.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The v3 message log lines, with and without bodies and costs, and the slow-call alarm. */
class MessageLogTest {

    private final Logger logger = (Logger) LoggerFactory.getLogger("io.teleport.message");
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private Level previous;
    private Peer server;
    private Peer client;

    @BeforeEach
    void capture() {
        previous = logger.getLevel();
        logger.setLevel(Level.INFO);
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void release() {
        logger.detachAppender(appender);
        logger.setLevel(previous);
        if (client != null) {
            client.shutdown(Duration.ofSeconds(1));
        }
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    private Session start(PeerConfig config) {
        server = new Peer(config);
        server.pullRouter().route("/slow", Map.class, (body, ctx) -> {
            Thread.sleep(150);
            return Map.of("ok", true);
        });
        server.pullRouter().route("/fast", Map.class, (body, ctx) -> Map.of("ok", true));
        server.pushRouter().route("/note", Map.class, (body, ctx) -> { });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        client = new Peer(config);
        return client.dial("127.0.0.1:" + port);
    }

    private List<ILoggingEvent> lines(String kind) {
        return appender.list.stream().filter(e -> e.getFormattedMessage().startsWith(kind)).toList();
    }

    @Test
    void linesWithBodiesCostsAndTheSlowMarker() {
        Session session = start(PeerConfig.builder().printBody(true).countTime(true)
                .slowCometDuration(Duration.ofMillis(100)).build());
        session.pull("/slow?x=1", Map.of("a", 1), Map.class);
        session.pull("/fast", Map.of("b", 2), Map.class);
        session.push("/note", Map.of("c", 3)).join();
        await().until(() -> lines("[push-handle]").size() == 1 && lines("[pull-handle]").size() == 2);

        ILoggingEvent slowLaunch = lines("[pull-launch]").get(0);
        assertThat(slowLaunch.getLevel()).isEqualTo(Level.WARN);
        assertThat(slowLaunch.getFormattedMessage())
                .matches("(?s)\\[pull-launch] remote-ip: 127\\.0\\.0\\.1:\\d+ \\| seq: 0 \\| cost-time: [0-9.]+ms\\(slow\\) \\| "
                        + "uri: /slow\\?x=1 {21} \\|\nSEND:\n size: \\d+\n body-json: \\{\"a\":1}\nRECV:\n size: \\d+\n status: \n"
                        + " body-json: \\{\"ok\":true}");
        ILoggingEvent slowHandle = lines("[pull-handle]").get(0);
        assertThat(slowHandle.getLevel()).isEqualTo(Level.WARN);
        assertThat(slowHandle.getFormattedMessage()).contains("(slow)").contains("\nRECV:\n size: ").contains("\nSEND:\n");

        ILoggingEvent fast = lines("[pull-launch]").get(1);
        assertThat(fast.getLevel()).isEqualTo(Level.INFO);
        assertThat(fast.getFormattedMessage()).contains("| seq: 1 | cost-time: ").doesNotContain("(slow)");
        assertThat(lines("[push-launch]").get(0).getFormattedMessage())
                .matches("(?s)\\[push-launch] remote-ip: \\S+ \\| seq: 2 \\| cost-time: \\S+ \\| uri: /note {25} \\|\nSEND:\n"
                        + " size: \\d+\n body-json: \\{\"c\":3}");
        assertThat(lines("[push-handle]").get(0).getFormattedMessage()).contains("\nRECV:\n size: ");
    }

    @Test
    void withoutCountTimeThereIsNoCostAndWithoutPrintBodyNoBody() {
        Session session = start(PeerConfig.builder().slowCometDuration(Duration.ofMillis(100)).build());
        session.pull("/slow", Map.of(), Map.class);
        await().until(() -> lines("[pull-handle]").size() == 1);
        String line = lines("[pull-launch]").get(0).getFormattedMessage();
        assertThat(line).doesNotContain("cost-time").doesNotContain("body");
        assertThat(lines("[pull-launch]").get(0).getLevel()).as("never slow when time is not counted").isEqualTo(Level.INFO);
    }

    @Test
    void errorRepliesShowTheirStatus() {
        Session session = start(PeerConfig.defaults());
        try {
            session.pull("/missing", null, Map.class);
        } catch (RuntimeException expected) {
            // 404
        }
        await().until(() -> lines("[pull-handle]").size() == 1);
        assertThat(lines("[pull-launch]").get(0).getFormattedMessage())
                .contains("\n status: {\"code\":404,\"message\":\"Not Found\"}");
    }
}
