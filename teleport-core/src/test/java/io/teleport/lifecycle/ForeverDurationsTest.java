package io.teleport.lifecycle;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.limits.Limits;
import io.teleport.plugins.AuthPlugin;
import io.teleport.plugins.HeartbeatPlugin;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A duration that means "forever" by being huge (a million days, past the 292 years a long of
 * nanoseconds holds) in every setting, shutdown and plugin that takes one: the peer starts, serves
 * and drains as with a long timeout, instead of failing with an overflow that names nothing.
 */
class ForeverDurationsTest {

    private static final Duration FOREVER = Duration.ofDays(1_000_000);
    private static final Duration FIFTY_YEARS = Duration.ofDays(50L * 365);

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private static PeerConfig foreverEverywhere() {
        Limits limits = Limits.builder().maxQueueWait(FOREVER).frameReadTimeout(FOREVER).handshakeTimeout(FOREVER)
                .writeStallTimeout(FOREVER).build();
        return PeerConfig.builder().limits(limits).readIdleTimeout(FOREVER).writeTimeout(FOREVER).pullTimeout(FOREVER)
                .dialTimeout(FOREVER).slowCometDuration(FOREVER).redialInterval(FOREVER).redialMaxInterval(FOREVER)
                .shutdownTimeout(FOREVER).build();
    }

    @Test
    void settingsLongerThanFiftyYearsCountAsFiftyYears() {
        PeerConfig config = foreverEverywhere();

        assertThat(config.pullTimeout()).isEqualTo(FIFTY_YEARS);
        assertThat(config.readIdleTimeout()).isEqualTo(FIFTY_YEARS);
        assertThat(config.redialMaxInterval()).isEqualTo(FIFTY_YEARS);
        assertThat(config.shutdownTimeout()).isEqualTo(FIFTY_YEARS);
        assertThat(config.limits().writeStallTimeout()).isEqualTo(FIFTY_YEARS);
        assertThat(config.limits().maxQueueWait()).isEqualTo(FIFTY_YEARS);
        // Shorter ones are kept as given, to the nanosecond.
        assertThat(PeerConfig.builder().pullTimeout(Duration.ofDays(18_000).plusNanos(1)).build().pullTimeout())
                .isEqualTo(Duration.ofDays(18_000).plusNanos(1));
    }

    @Test
    void aPeerWithEveryDurationHugeServesBothWaysAndDrains() throws Exception {
        CountDownLatch handling = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Peer server = peers.add(Peer.builder().config(foreverEverywhere())
                .plugin(HeartbeatPlugin.pong(FOREVER))
                .plugin(AuthPlugin.server(token -> null, FOREVER))
                .build());
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        server.pullRouter().route("/slow", String.class, (body, ctx) -> {
            handling.countDown();
            release.await(10, TimeUnit.SECONDS);
            return body;
        });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peers.add(Peer.builder().config(foreverEverywhere())
                .plugin(HeartbeatPlugin.ping(FOREVER))
                .plugin(AuthPlugin.client(() -> "token"))
                .build());
        client.pullRouter().route("/whoami", String.class, (body, ctx) -> "client");
        Session session = client.dial("127.0.0.1:" + port);

        assertThat(session.pull("/echo", "hi", String.class)).isEqualTo("hi");
        // Listed once its accept hooks (the auth plugin's) ended, which may be after it was served.
        Session accepted = await().until(() -> server.sessions().stream().findFirst().orElse(null), Objects::nonNull);
        assertThat(accepted.pull("/whoami", null, String.class)).isEqualTo("client");

        // The drain waits for the pull in flight (not a timeout of 0 from an overflowed deadline).
        CompletableFuture<String> slow = session.pullAsync("/slow", "late", String.class);
        assertThat(handling.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> closed = server.closeAsync(FOREVER);
        Thread.sleep(200);
        assertThat(closed).isNotDone();
        release.countDown();
        assertThat(slow.get(10, TimeUnit.SECONDS)).isEqualTo("late");
        closed.get(10, TimeUnit.SECONDS);
    }

    @Test
    void anAuthTimeoutOrHeartbeatRateOfZeroIsRefusedByName() {
        assertThatThrownBy(() -> AuthPlugin.server(token -> null, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
        assertThatThrownBy(() -> HeartbeatPlugin.ping(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rate");
    }
}
