package io.teleport.lifecycle;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.teleport.Peer;
import io.teleport.config.MessageLogFormat;
import io.teleport.config.PeerConfig;
import io.teleport.limits.Limits;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugins.AuthPlugin;
import io.teleport.session.Session;
import io.teleport.testing.LogCapture;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The per-message log: by default one {@code key=value} line per message at DEBUG, the slow-call
 * alarm at WARN; Go Teleport's multi-line entries at INFO as an option.
 */
class MessageLogTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @RegisterExtension
    final LogCapture log = LogCapture.of("io.teleport.message", Level.DEBUG);

    private Session start(PeerConfig config) {
        Peer server = peers.add(new Peer(config));
        server.pullRouter().route("/slow", Map.class, (body, ctx) -> {
            // Slow by a margin, and the fast ones fast by one: a pause of a busy machine must not make them slow.
            Thread.sleep(1200);
            return Map.of("ok", true);
        });
        server.pullRouter().route("/fast", Map.class, (body, ctx) -> Map.of("ok", true));
        server.pushRouter().route("/note", Map.class, (body, ctx) -> { });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        return peers.add(new Peer(config)).dial("127.0.0.1:" + port);
    }

    private List<ILoggingEvent> lines(String kind) {
        return log.startingWith(kind);
    }

    @Test
    void byDefaultOneKeyValueLinePerMessageAtDebug() {
        Session session = start(PeerConfig.builder().countTime(true).build());
        session.pull("/fast?x=a b", Map.of("b", 2), Map.class);
        session.push("/note", Map.of("c", 3)).join();
        await().until(() -> lines("kind=push-handle").size() == 1 && lines("kind=pull-handle").size() == 1);

        assertThat(log.events()).allSatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.DEBUG);
            assertThat(e.getFormattedMessage()).doesNotContain("\n");
        });
        assertThat(lines("kind=pull-launch").get(0).getFormattedMessage())
                .matches("kind=pull-launch remote=127\\.0\\.0\\.1:\\d+ seq=0 uri=\"/fast\\?x=a b\" status=ok "
                        + "cost=[0-9.]+[µm]?s size=\\d+ reply-size=\\d+");
        assertThat(lines("kind=pull-handle").get(0).getFormattedMessage())
                .matches("kind=pull-handle remote=127\\.0\\.0\\.1:\\d+ seq=0 uri=\"/fast\\?x=a b\" status=ok .*");
        assertThat(lines("kind=push-launch").get(0).getFormattedMessage())
                .matches("kind=push-launch remote=\\S+ seq=1 uri=/note cost=\\S+ size=\\d+");
        assertThat(lines("kind=push-handle")).hasSize(1);
    }

    /** A session named by the application (a player, a device) is named in its lines too (new-user trial 18). */
    @Test
    void aSessionWithAnIdOfItsOwnIsNamedInItsLines() {
        Session session = start(PeerConfig.builder().build());
        session.pull("/fast", Map.of(), Map.class);
        session.setId("player 7");
        session.pull("/fast", Map.of(), Map.class);
        await().until(() -> lines("kind=pull-launch").size() == 2 && lines("kind=pull-handle").size() == 2);
        assertThat(lines("kind=pull-launch")).extracting(ILoggingEvent::getFormattedMessage)
                .satisfiesExactly(first -> assertThat(first).doesNotContain(" id="),
                        named -> assertThat(named).matches("kind=pull-launch remote=\\S+ id=\"player 7\" seq=1 .*"));
        assertThat(lines("kind=pull-handle")).as("the accepting side's session keeps its address as its id")
                .allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain(" id="));
    }

    @Test
    void nothingAtInfoUnlessSlow() {
        log.level(Level.INFO);
        Session session = start(PeerConfig.builder().countTime(true).slowCometDuration(Duration.ofSeconds(1)).build());
        session.pull("/fast", Map.of(), Map.class);
        session.pull("/slow", Map.of(), Map.class);
        await().until(() -> lines("kind=pull-handle").size() == 1);
        assertThat(log.events()).as("only the slow pull's two alarms").hasSize(2).allSatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getFormattedMessage()).contains(" uri=/slow ").contains(" slow=true ");
        });
    }

    @Test
    void failedPullsShowTheirCodeAndReasonAndBodiesAreQuoted() {
        Session session = start(PeerConfig.builder().printBody(true).build());
        try {
            session.pull("/missing", null, Map.class);
        } catch (RuntimeException expected) {
            // 404
        }
        session.pull("/fast", Map.of("say", "a \"b\""), Map.class);
        await().until(() -> lines("kind=pull-handle").size() == 2);
        assertThat(lines("kind=pull-launch").get(0).getFormattedMessage())
                .matches("kind=pull-launch .* uri=/missing status=404 reason=\"Not Found\" size=\\d+ reply-size=\\d+ "
                        + "body=null reply-body=null");
        assertThat(lines("kind=pull-launch").get(1).getFormattedMessage())
                .endsWith(" body=\"{\\\"say\\\":\\\"a \\\\\\\"b\\\\\\\"\\\"}\" reply-body=\"{\\\"ok\\\":true}\"");
    }

    @Test
    void aReplyThatFailsToDecodeHereIsLoggedWithTheErrorTheCallerGets() {
        Session session = start(PeerConfig.builder().build());
        assertThatThrownBy(() -> session.pull("/fast", Map.of(), Integer.class))
                .isInstanceOf(RerrorException.class)
                .satisfies(e -> assertThat(((RerrorException) e).rerror().code()).isEqualTo(Rerror.CODE_BAD_PACKET));
        await().until(() -> lines("kind=pull-handle").size() == 1);
        assertThat(lines("kind=pull-launch")).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                .matches("kind=pull-launch .* uri=/fast status=400 reason=\"Bad Packet\" detail=\"reply body: .*\" "
                        + "size=\\d+ reply-size=[1-9]\\d*"));
        assertThat(lines("kind=pull-handle").get(0).getFormattedMessage()).contains(" status=ok ");
    }

    @Test
    void goLinesWithBodiesCostsAndTheSlowMarkerAsAnOption() {
        Session session = start(PeerConfig.builder().messageLogFormat(MessageLogFormat.MULTI_LINE).printBody(true)
                .countTime(true).slowCometDuration(Duration.ofSeconds(1)).build());
        session.pull("/slow?x=1", Map.of("a", 1), Map.class);
        session.pull("/fast", Map.of("b", 2), Map.class);
        session.push("/note", Map.of("c", 3)).join();
        await().until(() -> lines("[push-handle]").size() == 1 && lines("[pull-handle]").size() == 2);

        ILoggingEvent slowLaunch = lines("[pull-launch]").get(0);
        assertThat(slowLaunch.getLevel()).isEqualTo(Level.WARN);
        assertThat(slowLaunch.getFormattedMessage())
                .matches("(?s)\\[pull-launch] remote-ip: 127\\.0\\.0\\.1:\\d+ \\| seq: 0 \\| cost-time: [0-9.]+m?s\\(slow\\) \\| "
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

    @RegisterExtension
    final LogCapture configLog = LogCapture.of("io.teleport.internal.log.MessageLog", null);

    /** A slow-call alarm that count-time keeps off is said to be off (new-user trial 18: no line, no warning). */
    @Test
    void aSlowCometDurationWithoutCountTimeIsWarnedOfOnce() {
        peers.add(new Peer(PeerConfig.builder().slowCometDuration(Duration.ofMillis(100)).build()));
        peers.add(new Peer(PeerConfig.builder().slowCometDuration(Duration.ofMillis(100)).countTime(true).build()));
        assertThat(configLog.events(Level.WARN)).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                .startsWith("slow-comet-duration (100ms) is set but count-time is off"));
    }

    @Test
    void goLinesWithoutCountTimeHaveNoCostAndWithoutPrintBodyNoBody() {
        Session session = start(PeerConfig.builder().messageLogFormat(MessageLogFormat.MULTI_LINE)
                .slowCometDuration(Duration.ofSeconds(1)).build());
        session.pull("/slow", Map.of(), Map.class);
        try {
            session.pull("/missing", null, Map.class);
        } catch (RuntimeException expected) {
            // 404
        }
        await().until(() -> lines("[pull-handle]").size() == 2);
        String line = lines("[pull-launch]").get(0).getFormattedMessage();
        assertThat(line).doesNotContain("cost-time").doesNotContain("body");
        assertThat(lines("[pull-launch]").get(0).getLevel()).as("never slow when time is not counted").isEqualTo(Level.INFO);
        assertThat(lines("[pull-launch]").get(1).getFormattedMessage())
                .contains("\n status: {\"code\":404,\"message\":\"Not Found\"}");
    }

    @Test
    void theAuthenticationTokenIsNeverPrintedEvenWithBodies() {
        for (MessageLogFormat format : MessageLogFormat.values()) {
            PeerConfig config = PeerConfig.builder().printBody(true).messageLogFormat(format).build();
            Peer server = peers.add(new Peer(config, AuthPlugin.server(
                    token -> token.equals("s3cret-token") ? null : new Rerror(401, "Unauthorized", "no"), Duration.ofSeconds(5))));
            server.pullRouter().route("/fast", Map.class, (body, ctx) -> Map.of("ok", true));
            int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
            Session session = peers.add(new Peer(config, AuthPlugin.client(() -> "s3cret-token"))).dial("127.0.0.1:" + port);
            session.pull("/fast", Map.of("visible", 1), Map.class);
            await().until(() -> log.events().stream().anyMatch(e -> e.getFormattedMessage().contains("visible")));
        }

        assertThat(log.events()).filteredOn(e -> e.getFormattedMessage().contains(AuthPlugin.URI)).hasSizeGreaterThanOrEqualTo(4)
                .allSatisfy(e -> assertThat(e.getFormattedMessage()).contains("<credential, not printed>"));
        assertThat(log.events()).noneSatisfy(e -> assertThat(e.getFormattedMessage()).contains("s3cret-token"));
    }

    @Test
    void aFloodOfMessagesWritesNoMoreEntriesThanTheRateAndCountsTheRest() {
        int rate = 20;
        PeerConfig config = PeerConfig.builder().limits(Limits.builder().messageLogRate(rate).build()).build();
        Peer server = peers.add(new Peer(config));
        AtomicInteger handled = new AtomicInteger();
        server.pushRouter().route("/note", Map.class, (body, ctx) -> handled.incrementAndGet());
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session session = peers.add(new Peer(config)).dial("127.0.0.1:" + port);

        long start = System.nanoTime();
        int pushes = 400;
        for (int i = 0; i < pushes; i++) {
            session.push("/note", Map.of("i", i)).join();
        }
        await().until(() -> handled.get() == pushes);
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + 1;

        // A window restarts with its first entry: at most the rate per second, and one window more.
        assertThat(lines("kind=push-handle")).hasSizeGreaterThanOrEqualTo(rate)
                .hasSizeLessThanOrEqualTo((int) (rate * (seconds + 1)));
        assertThat(lines("kind=push-launch")).hasSizeLessThanOrEqualTo((int) (rate * (seconds + 1)));
        assertThat(log.events()).filteredOn(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                .anySatisfy(line -> assertThat(line).startsWith("message log entries left out past"
                        + " limits.message-log-rate (20 per second): 1 since the last report").endsWith("latest: push-handle /note)"));
    }

    /**
     * Pulls refused before their handler (a 404 here; the auth gate's 401 in hostile round 21, where peers
     * that never authenticated kept the log at its whole rate) get a tenth of it; handled ones keep theirs.
     */
    @Test
    void pullsRefusedBeforeTheirHandlerGetATenthOfTheRate() {
        int rate = 40;
        PeerConfig config = PeerConfig.builder().limits(Limits.builder().messageLogRate(rate).build()).build();
        Peer server = peers.add(new Peer(config));
        server.pullRouter().route("/fast", Map.class, (body, ctx) -> Map.of("ok", true));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);

        long start = System.nanoTime();
        int pulls = 100;
        for (int i = 0; i < pulls; i++) {
            assertThatThrownBy(() -> session.pull("/missing", Map.of(), Map.class)).isInstanceOf(RerrorException.class);
        }
        session.pull("/fast", Map.of(), Map.class);
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + 1;
        await().until(() -> lines("kind=pull-handle").stream().anyMatch(e -> e.getFormattedMessage().contains("/fast")));

        assertThat(lines("kind=pull-handle")).filteredOn(e -> e.getFormattedMessage().contains("/missing"))
                .hasSizeGreaterThanOrEqualTo(rate / 10).hasSizeLessThanOrEqualTo((int) (rate / 10 * (seconds + 1)));
        await().until(() -> log.events().stream().anyMatch(e -> e.getLevel() == Level.WARN && e.getFormattedMessage()
                .startsWith("message log entries of pulls refused before their handler left out past a tenth of"
                        + " limits.message-log-rate (4 per second)")));
    }

    /** A rate of 0 is every entry (as Go writes them), refused pulls' too. */
    @Test
    void aRateOfZeroWritesEveryRefusedPullToo() {
        PeerConfig config = PeerConfig.builder().limits(Limits.builder().messageLogRate(0).build()).build();
        Peer server = peers.add(new Peer(config));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);
        for (int i = 0; i < 30; i++) {
            assertThatThrownBy(() -> session.pull("/missing", Map.of(), Map.class)).isInstanceOf(RerrorException.class);
        }
        await().until(() -> lines("kind=pull-handle").size() == 30);
    }

    @Test
    void slowCallAlarmsHaveARateOfTheirOwn() {
        int rate = 5;
        // Every call slow: what a server sees when what its handlers wait for slows down.
        PeerConfig config = PeerConfig.builder().countTime(true).slowCometDuration(Duration.ofNanos(1))
                .limits(Limits.builder().slowCallLogRate(rate).build()).build();
        Session session = start(config);
        long start = System.nanoTime();
        int pulls = 200;
        for (int i = 0; i < pulls; i++) {
            session.pull("/fast", Map.of("i", i), Map.class);
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + 1;

        List<String> alarms = log.events().stream().filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).filter(line -> line.startsWith("kind=pull-")).toList();
        // Two peers, each with its own rate: the client's launches, the server's handles.
        assertThat(alarms).hasSizeGreaterThanOrEqualTo(2 * rate).hasSizeLessThanOrEqualTo((int) (2 * rate * (seconds + 1)));
        assertThat(log.events()).filteredOn(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                .anySatisfy(line -> assertThat(line).startsWith("slow-call alarms left out past"
                        + " limits.slow-call-log-rate (5 per second): 1 since the last report"));
        assertThat(Limits.defaults().slowCallLogRate()).isEqualTo(10);
    }
}
