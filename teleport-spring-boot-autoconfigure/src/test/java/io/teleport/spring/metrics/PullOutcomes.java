package io.teleport.spring.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.Plugin;
import io.teleport.plugin.PostReadPullHeader;
import io.teleport.plugin.PreWritePull;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.spring.client.UndialedPulls;
import io.teleport.testing.ReservedPort;
import io.teleport.testing.TestPeers;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A server and a client whose pulls end in every way a pull can end, in one order, for the tests of
 * what meters and observations make of them: {@code /echo} 0, {@code /hold} 408 (timeout),
 * {@code /echo?local} 403 (refused by the client's {@link #REFUSING} plugin), {@code /odd} 7777 (a
 * remote's own code), {@code /echo} 104 (closed session), {@code /echo} 105 (a template of the
 * remote {@code gone} that cannot dial), {@code /hang} 102 (the server goes away).
 */
public final class PullOutcomes implements AutoCloseable {

    /** The codes of {@link #endEveryWay}, in order. */
    public static final List<Integer> CODES = List.of(0, 408, 403, 7777, 104, 105, 102);
    /** A client plugin that refuses pulls of {@code /echo?local} with 403. */
    public static final PreWritePull REFUSING =
            ctx -> ctx.output().uri().startsWith("/echo?local") ? new Rerror(403, "Forbidden", "no") : null;

    private final TestPeers peers;
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch hanging = new CountDownLatch(1);
    private final ReservedPort nobody = new ReservedPort();

    public PullOutcomes(TestPeers peers) {
        this.peers = peers;
    }

    /** A listening server whose first plugin refuses URIs containing {@code deny} with 401, then {@code plugins}. */
    public Peer server(Plugin... plugins) {
        PostReadPullHeader gate = ctx -> ctx.input().uri().contains("deny") ? new Rerror(401, "Unauthorized", "no") : null;
        Plugin[] chain = new Plugin[plugins.length + 1];
        chain[0] = gate;
        System.arraycopy(plugins, 0, chain, 1, plugins.length);
        Peer server = peers.add(new Peer(PeerConfig.defaults(), chain));
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        server.pullRouter().route("/hold", String.class, (body, ctx) -> release.await(10, TimeUnit.SECONDS) + body);
        server.pullRouter().route("/hang", String.class, (body, ctx) -> {
            hanging.countDown();
            return release.await(10, TimeUnit.SECONDS) + body;
        });
        server.pullRouter().route("/odd", String.class, (body, ctx) -> {
            throw new RerrorException(7777, "odd", "a code only this server knows");
        });
        server.listen("127.0.0.1:0", null);
        return server;
    }

    public static String address(Peer server) {
        return "127.0.0.1:" + ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort();
    }

    /**
     * Ends one pull of {@code client} in each way of {@link #CODES}, in that order; the server is
     * closed at the end.
     *
     * @param undialed told of the pull that cannot dial, as a template's listeners are
     */
    public void endEveryWay(Peer server, Peer client, List<UndialedPulls> undialed) {
        Session session = client.dial(address(server));
        assertThat(session.pull("/echo", "x", String.class)).isEqualTo("x");
        assertThatThrownBy(() -> session.pull("/hold", "x", String.class, CallOptions.timeout(Duration.ofMillis(50))))
                .isInstanceOf(RerrorException.class);
        assertThatThrownBy(() -> session.pull("/echo?local", "x", String.class)).isInstanceOf(RerrorException.class);
        assertThatThrownBy(() -> session.pull("/odd", "x", String.class)).isInstanceOf(RerrorException.class);
        Session closed = client.dial(address(server));
        closed.close().join();
        assertThat(code(closed.pullAsync("/echo", "x", String.class))).isEqualTo(104);
        SessionTemplate unreachable = new SessionTemplate(client, "gone", nobody.address(), List.of(), undialed);
        assertThatThrownBy(() -> unreachable.pull("/echo", "x", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(105));
        CompletableFuture<String> lost = session.pullAsync("/hang", "x", String.class);
        await().until(() -> hanging.getCount() == 0);
        server.closeAsync(Duration.ZERO);
        assertThat(code(lost)).isEqualTo(102);
    }

    /**
     * Asserts that {@code teleport.pull.launch} timed each pull of {@link #endEveryWay} once, with
     * bounded codes. They were recorded before each caller learnt its outcome: no waiting is needed.
     */
    public static void assertTimedOnceEach(MeterRegistry meters) {
        assertThat(launched(meters, "/echo", "0")).as("timed once").isEqualTo(1);
        assertThat(launched(meters, "/hold", "408")).isEqualTo(1);
        assertThat(launched(meters, "/echo", "403")).isEqualTo(1);
        assertThat(launched(meters, "/odd", "OTHER")).as("a remote's own code is not a tag value").isEqualTo(1);
        assertThat(launched(meters, "/echo", "104")).isEqualTo(1);
        assertThat(launched(meters, "/echo", "105")).isEqualTo(1);
        assertThat(launched(meters, "/hang", "102")).isEqualTo(1);
        assertThat(meters.find("teleport.pull.launch").tag("code", "7777").timer()).isNull();
        assertThat(meters.get("teleport.pull.launch").tag("code", "408").timer().getId().getTag("outcome"))
                .isEqualTo("ERROR");
    }

    private static long launched(MeterRegistry meters, String route, String code) {
        Timer timer = meters.find("teleport.pull.launch").tag("route", route).tag("code", code).timer();
        return timer == null ? 0 : timer.count();
    }

    private static int code(CompletableFuture<?> pull) {
        return pull.handle((v, e) -> e == null ? 0 : ((RerrorException) e).code()).join();
    }

    @Override
    public void close() throws Exception {
        release.countDown();
        nobody.close();
    }
}
