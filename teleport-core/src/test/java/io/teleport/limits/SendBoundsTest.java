package io.teleport.limits;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.proto.AutoProto;
import io.teleport.proto.ErpcRawProto;
import io.teleport.proto.FastProto;
import io.teleport.proto.Proto;
import io.teleport.session.CallOption;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A message past the bounds a receiver holds frames to (URI, metadata bytes and pairs) fails alone,
 * on the side that would send it, rather than making a receiver with the same limits close the
 * connection under every other call on it (hostile round 9).
 */
class SendBoundsTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @Test
    void anOversizeCallFailsNotSentAndTheCallsBesideItAreAnswered() throws Exception {
        for (Proto proto : List.of(FastProto.INSTANCE, ErpcRawProto.INSTANCE)) {
            Session client = clientOf(proto);
            String name = proto.name();

            expectNotSent(client, s -> s.pullAsync("/echo/" + "u".repeat(20_000), "x", String.class),
                    name.equals("erpc-v6") ? "service method of 20006 bytes" : "uri of 20006 bytes exceeds the limit of 16384");
            expectNotSent(client, s -> s.pullAsync("/echo", "x", String.class, CallOptions.setMeta("big", "m".repeat(70_000))),
                    "meta of 70004 bytes exceeds the limit of 65536 (limits.max-meta-bytes)");
            CallOption[] pairs = new CallOption[300];
            for (int i = 0; i < pairs.length; i++) {
                pairs[i] = CallOptions.addMeta("k" + i, "v");
            }
            expectNotSent(client, s -> s.pullAsync("/echo", "x", String.class, pairs),
                    "meta of 300 pairs exceeds the limit of 256 (limits.max-meta-pairs)");
            assertThat(client.isHealthy()).as(name).isTrue();
        }
    }

    /** Framed on the caller's thread (gzip covers the header too): the caller learns it there. */
    @Test
    void anOversizeCallFramedOnTheCallersThreadFailsThereWith104() throws Exception {
        Session client = clientOf(FastProto.INSTANCE);
        List<CompletableFuture<String>> beside = slowPulls(client);
        assertThatThrownBy(() -> client.pullAsync("/echo/" + "u".repeat(20_000), "x", String.class,
                CallOptions.xfer(io.teleport.xfer.GzipFilter.ID)).join())
                .satisfies(e -> assertThat(e instanceof RerrorException r ? r : (RerrorException) e.getCause())
                        .satisfies(r -> {
                            assertThat(r.rerror().code()).isEqualTo(Rerror.CODE_WRITE_FAILED);
                            assertThat(r.rerror().detail()).contains("uri of 20006 bytes exceeds the limit of 16384");
                        }));
        for (CompletableFuture<String> pull : beside) {
            assertThat(pull.get(10, TimeUnit.SECONDS)).isEqualTo("slept");
        }
        assertThat(client.isHealthy()).isTrue();
    }

    /** A broadcast is framed once: past a bound, it reaches no session, and the sessions stay. */
    @Test
    void anOversizeBroadcastReachesNoSessionAndClosesNone() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        java.util.concurrent.atomic.AtomicInteger got = new java.util.concurrent.atomic.AtomicInteger();
        client.pushRouter().route("/news", String.class, (s, ctx) -> got.incrementAndGet());
        Session session = client.dial("127.0.0.1:" + port);
        org.awaitility.Awaitility.await().until(() -> server.sessionCount() == 1);
        CompletableFuture<Integer> reached;
        try {
            reached = server.pushAll("/news", "x", s -> true, CallOptions.setMeta("big", "m".repeat(70_000)));
        } catch (RuntimeException thrown) {
            reached = CompletableFuture.failedFuture(thrown);
        }
        assertThat(reached.handle((n, e) -> e != null ? 0 : n).get(10, TimeUnit.SECONDS)).isZero();
        Thread.sleep(200);
        assertThat(got).hasValue(0);
        assertThat(session.isHealthy()).isTrue();
        assertThat(server.pushAll("/news", "y", s -> true).get(10, TimeUnit.SECONDS)).isEqualTo(1);
    }

    @Test
    void anErrorThatQuotesALargeInputIsCutSoThatItsReplyFitsAndKeepsItsCode() throws Exception {
        for (Proto proto : List.of(FastProto.INSTANCE, ErpcRawProto.INSTANCE)) {
            Session client = clientOf(proto);
            List<CompletableFuture<String>> beside = slowPulls(client);

            assertThatThrownBy(() -> client.pull("/fail", "b".repeat(70_000), String.class))
                    .isInstanceOfSatisfying(RerrorException.class, e -> {
                        Rerror rerror = e.rerror();
                        assertThat(rerror.code()).as(proto.name()).isEqualTo(1400);
                        assertThat(rerror.message()).startsWith("bad input bbbb").contains(" chars cut)");
                        assertThat(rerror.message().length()).isLessThan(6_000);
                    });
            for (CompletableFuture<String> pull : beside) {
                assertThat(pull.get(10, TimeUnit.SECONDS)).isEqualTo("slept");
            }
        }
    }

    /** A pull that fails with 104 before it is written, while pulls beside it on the session are answered. */
    private static void expectNotSent(Session client, Function<Session, CompletableFuture<String>> call, String says)
            throws Exception {
        List<CompletableFuture<String>> beside = slowPulls(client);
        CompletableFuture<String> oversize = call.apply(client);
        assertThat(oversize).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                .havingCause().isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.rerror().code()).isEqualTo(Rerror.CODE_WRITE_FAILED);
                    assertThat(e.rerror().detail()).contains(says);
                });
        for (CompletableFuture<String> pull : beside) {
            assertThat(pull.get(10, TimeUnit.SECONDS)).isEqualTo("slept");
        }
    }

    private static List<CompletableFuture<String>> slowPulls(Session client) {
        List<CompletableFuture<String>> pulls = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            pulls.add(client.pullAsync("/slow", "s", String.class));
        }
        return pulls;
    }

    private Session clientOf(Proto proto) {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        server.pullRouter().route("/slow", String.class, (s, ctx) -> {
            Thread.sleep(300);
            return "slept";
        });
        server.pullRouter().route("/echo", String.class, (s, ctx) -> s);
        server.pullRouter().route("/fail", String.class, (s, ctx) -> {
            throw new RerrorException(Rerror.of(1400, "bad input " + s));
        });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", AutoProto.INSTANCE)).getPort();
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        return client.dial("127.0.0.1:" + port, proto);
    }
}
