package io.teleport.spring.observation;

import io.micrometer.observation.Observation;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.session.Session;
import io.teleport.spring.metrics.MicrometerPlugin;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A pull A→B whose handler in B pulls C is one trace: A's client span is the parent of B's server
 * span, which is the parent (through the handler's scope) of B's client span, the parent of C's
 * server span; the context crosses the wire in metadata, and the {@code teleport.pull.*} timers come
 * from the same observations, once each. A plain core peer (as a Go peer would) receives the W3C
 * {@code traceparent} of the calling span in the pull's metadata, and nothing else added.
 */
class PullTracingTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();
    private final TracingFixture tracing = new TracingFixture();

    @AfterEach
    void close() {
        tracing.close();
    }

    private Peer peer() {
        return peers.add(new Peer(PeerConfig.defaults(), new TeleportObservationPlugin(tracing.registry),
                new MicrometerPlugin(tracing.meters, false)));
    }

    private static String listen(Peer peer) {
        return "127.0.0.1:" + ((InetSocketAddress) peer.listen("127.0.0.1:0", null)).getPort();
    }

    @Test
    void aHandlersOwnPullContinuesTheCallersTrace() {
        Peer c = peer();
        c.pullRouter().route("/c", String.class, (body, ctx) -> body + "c");
        String cAddress = listen(c);
        Peer b = peer();
        AtomicReference<Session> toC = new AtomicReference<>();
        b.pullRouter().route("/b", String.class, (body, ctx) -> toC.get().pull("/c", body + "b", String.class));
        String bAddress = listen(b);
        toC.set(b.dial(cAddress));
        Session toB = peer().dial(bAddress);

        assertThat(toB.pull("/b?id=1", "a", String.class)).isEqualTo("abc");

        await().until(() -> tracing.spans.size() == 4);
        SpanData aClient = span("pull /b", SpanKind.CLIENT);
        SpanData bServer = span("pull /b", SpanKind.SERVER);
        SpanData bClient = span("pull /c", SpanKind.CLIENT);
        SpanData cServer = span("pull /c", SpanKind.SERVER);
        assertThat(tracing.spans).extracting(SpanData::getTraceId).containsOnly(aClient.getTraceId());
        assertThat(aClient.getParentSpanContext().isValid()).as("A's pull starts the trace").isFalse();
        assertThat(bServer.getParentSpanId()).isEqualTo(aClient.getSpanId());
        assertThat(bClient.getParentSpanId()).as("B's pull is made inside B's handler").isEqualTo(bServer.getSpanId());
        assertThat(cServer.getParentSpanId()).isEqualTo(bClient.getSpanId());
        assertThat(bServer.getAttributes().get(AttributeKey.stringKey("route"))).isEqualTo("/b");
        assertThat(bServer.getAttributes().get(AttributeKey.stringKey("code"))).isEqualTo("0");
        assertThat(bServer.getAttributes().get(AttributeKey.stringKey("remote.address"))).contains("127.0.0.1");

        assertThat(tracing.timed("teleport.pull.launch", "/b", "0")).isEqualTo(1);
        assertThat(tracing.timed("teleport.pull.launch", "/c", "0")).isEqualTo(1);
        await().until(() -> tracing.timed("teleport.pull.handle", "/c", "0") == 1
                && tracing.timed("teleport.pull.handle", "/b", "0") == 1);
        assertThat(tracing.meters.find("teleport.pull.handle").tag("outcome", "SUCCESS").timers())
                .as("one timer per route, not one from the plugin and one from the observation").hasSize(2);
    }

    @Test
    void thePullCarriesTheW3cTraceparentOfItsSpan() {
        Peer plain = peers.add(new Peer(PeerConfig.defaults()));
        Map<String, String> received = new ConcurrentHashMap<>();
        plain.pullRouter().route("/meta", String.class, (body, ctx) -> {
            ctx.meta().forEach((key, value) -> received.put(key, value));
            return body;
        });
        Session session = peer().dial(listen(plain));

        Observation.createNotStarted("test.parent", tracing.registry)
                .observe(() -> session.pull("/meta", "x", String.class));

        await().until(() -> tracing.spans.size() == 2);
        assertThat(tracing.timed("teleport.pull.launch", "/meta", "0")).isEqualTo(1);
        SpanData pull = tracing.spans.stream().filter(s -> s.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();
        SpanData parent = tracing.spans.stream().filter(s -> s.getName().equals("test.parent")).findFirst().orElseThrow();
        assertThat(pull.getParentSpanId()).as("the current observation is the pull's parent").isEqualTo(parent.getSpanId());
        assertThat(received).containsOnlyKeys("traceparent")
                .containsEntry("traceparent", "00-" + pull.getTraceId() + "-" + pull.getSpanId() + "-01");
    }

    private SpanData span(String name, SpanKind kind) {
        List<SpanData> found = tracing.spans.stream().filter(s -> s.getName().equals(name) && s.getKind() == kind).toList();
        assertThat(found).as(kind + " " + name).hasSize(1);
        return found.get(0);
    }
}
