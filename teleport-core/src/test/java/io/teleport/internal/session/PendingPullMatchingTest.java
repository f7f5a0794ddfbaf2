package io.teleport.internal.session;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Replies find the pull they answer whether it waits alone on its session (the common case, kept
 * apart from the map of pulls) or beside others, and a reply that comes after its pull gave up is
 * never taken for the pull that waits now.
 */
class PendingPullMatchingTest {

    private final List<Peer> peers = new ArrayList<>();

    @AfterEach
    void closeAll() {
        peers.forEach(p -> p.shutdown(Duration.ofSeconds(1)));
    }

    /** A client session to a server whose {@code /sleep} answers "name:millis" with itself after that long. */
    private Session session() {
        Peer server = Peer.builder().config(PeerConfig.builder().handlerThreads(64).build()).build();
        peers.add(server);
        server.pullRouter().route("/sleep", String.class, (body, ctx) -> {
            Thread.sleep(Long.parseLong(body.substring(body.indexOf(':') + 1)));
            return body;
        });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = Peer.builder().config(PeerConfig.defaults()).build();
        peers.add(client);
        return client.dial("127.0.0.1:" + port);
    }

    @Test
    void aLateReplyIsNotTakenForThePullWaitingNow() {
        Session session = session();

        assertThatThrownBy(() -> session.pull("/sleep", "first:400", String.class,
                CallOptions.timeout(Duration.ofMillis(100))))
                .isInstanceOfSatisfying(RerrorException.class,
                        e -> assertThat(e.code()).isEqualTo(Rerror.CODE_PULL_TIMEOUT));
        // Waits alone on the session while the first pull's reply arrives, about 300 ms from now.
        assertThat(session.pull("/sleep", "second:900", String.class)).isEqualTo("second:900");
        assertThat(session.pendingPulls()).isZero();
    }

    @Test
    void pullsAloneAndSideBySideEachGetTheirOwnReply() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Session session = session();
        try {
            for (int round = 0; round < 40; round++) {
                // Between one pull alone and six at once, some of them giving up before their reply.
                int width = 1 + random.nextInt(6);
                List<CompletableFuture<String>> calls = new ArrayList<>();
                List<String> bodies = new ArrayList<>();
                List<Boolean> givesUp = new ArrayList<>();
                for (int i = 0; i < width; i++) {
                    boolean late = random.nextInt(8) == 0;
                    String body = "r" + round + "c" + i + ":" + (late ? 150 : random.nextInt(15));
                    bodies.add(body);
                    givesUp.add(late);
                    calls.add(session.pullAsync("/sleep", body, String.class,
                            CallOptions.timeout(Duration.ofMillis(late ? 50 : 5_000))));
                }
                for (int i = 0; i < width; i++) {
                    CompletableFuture<String> call = calls.get(i);
                    if (givesUp.get(i)) {
                        assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).cause()
                                .isInstanceOfSatisfying(RerrorException.class,
                                        e -> assertThat(e.code()).isEqualTo(Rerror.CODE_PULL_TIMEOUT));
                    } else {
                        assertThat(call.orTimeout(10, TimeUnit.SECONDS).join()).isEqualTo(bodies.get(i));
                    }
                }
            }
            await().untilAsserted(() -> assertThat(session.pendingPulls()).isZero());
        } catch (AssertionError | CompletionException e) {
            throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
        }
    }
}
