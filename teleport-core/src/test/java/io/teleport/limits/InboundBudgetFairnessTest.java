package io.teleport.limits;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Sessions that keep pulls queued hold the inbound budget between them; one that holds little next to
 * them is still read (hostile round 17: six hundred peers that read every reply but kept their
 * allowance of pulls queued to a 50 ms route held the whole budget, and a bystander's calls all timed
 * out waiting with them for each freed frame's room).
 */
class InboundBudgetFairnessTest {

    private static final long BUDGET = 1024 * 1024;

    private final List<Peer> peers = new ArrayList<>();
    private final CountDownLatch hold = new CountDownLatch(1);

    @AfterEach
    void stop() {
        hold.countDown();
        peers.forEach(p -> p.shutdown(Duration.ofSeconds(1)));
    }

    private Peer peer(PeerConfig config) {
        Peer peer = new Peer(config);
        peers.add(peer);
        return peer;
    }

    /** A server with a budget of 1 MiB that eight sessions hold with pulls of 16 KB waiting for the latch. */
    private String heldServer(Limits.Builder limits) {
        Peer server = peer(PeerConfig.builder().limits(limits.maxInboundBytes(BUDGET).build()).build());
        server.pullRouter().route("/hold", String.class, (b, ctx) -> {
            hold.await();
            return "done";
        });
        server.pullRouter().route("/length", String.class, (b, ctx) -> b.length());
        String address = "127.0.0.1:" + ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        // 80 pulls wanted: more than the budget takes.
        String body = "h".repeat(16_000);
        for (int s = 0; s < 8; s++) {
            Session busy = peer(PeerConfig.defaults()).dial(address);
            for (int i = 0; i < 10; i++) {
                busy.pullAsync("/hold", body, String.class, CallOptions.timeout(Duration.ofSeconds(30)));
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.stats().pausedSessions() > 0
                && server.stats().inboundBytes() > BUDGET / 2);
        return address;
    }

    @Test
    void aSessionHoldingLittleIsReadWhileOthersHoldTheBudgetWithQueuedPulls() {
        String address = heldServer(Limits.builder());
        // Its 16 KB did not fit in the room the busy ones left (less than one of their frames): it waited
        // with them for room, which none gave back until the latch opened.
        Session bystander = peer(PeerConfig.defaults()).dial(address);
        for (int i = 0; i < 5; i++) {
            assertThat(bystander.pull("/length", "b".repeat(16_000), Integer.class,
                    CallOptions.timeout(Duration.ofSeconds(5)))).isEqualTo(16_000);
        }
        assertThat(peers.get(0).stats().pausedSessions()).as("the busy ones still wait for room").isPositive();
    }
}
