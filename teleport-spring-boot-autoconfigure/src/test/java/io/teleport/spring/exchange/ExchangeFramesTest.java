package io.teleport.spring.exchange;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.router.MessageContext;
import io.teleport.router.RawBody;
import io.teleport.session.Reply;
import io.teleport.spring.client.SessionTemplate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.teleport.session.CallOptions.setMeta;
import static io.teleport.session.CallOptions.timeout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A proxy is only a way to make calls: each call writes the frame that {@link SessionTemplate}'s
 * {@code pull} or {@code push} writes with the same URI, metadata and body, so a Go peer serves it
 * as it serves those. A bare core peer with no routes records what it decodes (URI, metadata, codec,
 * body bytes) and answers as a Go peer's unknown handler would.
 */
class ExchangeFramesTest {

    /** One decoded frame, as the receiving peer sees it. */
    record Frame(String kind, String uri, String meta, byte codec, String body) {
        static Frame of(String kind, MessageContext ctx, RawBody raw) {
            return new Frame(kind, ctx.uri(), ctx.meta().toString(), ctx.bodyCodec(),
                    HexFormat.of().formatHex(raw.bodyBytes()));
        }
    }

    private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    private Peer server;
    private Peer client;
    private SessionTemplate template;
    private StockApi stock;

    @BeforeEach
    void start() {
        server = new Peer(PeerConfig.builder().listenAddress("127.0.0.1:0").build());
        server.pullRouter().setUnknown(ctx -> {
            frames.add(Frame.of("pull", ctx, ctx));
            if (ctx.path().endsWith("/count")) {
                return null;
            }
            return ctx.path().endsWith("/item") ? Map.of("sku", "s", "count", 1)
                    : ctx.path().endsWith("/slow_echo") ? "echo" : List.of(Map.of("sku", "s", "count", 1));
        });
        server.pushRouter().setUnknown(ctx -> frames.add(Frame.of("push", ctx, ctx)));
        int port = ((InetSocketAddress) server.listen()).getPort();
        client = new Peer(PeerConfig.defaults());
        template = new SessionTemplate(client, "inventory", "127.0.0.1:" + port);
        stock = new TeleportExchangeProxyFactory().create(StockApi.class, template);
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    @Test
    void aPullWithABodyIsTheTemplatesPull() throws Exception {
        stock.item("sku-1");
        template.pull("/inventory/stock/item", "sku-1", StockApi.Item.class);
        assertSameFrames();
    }

    @Test
    void queryValuesAndMetadataAreTheTemplatesUriAndMeta() throws Exception {
        stock.search("red & blue=?é", "ann").get(5, TimeUnit.SECONDS);
        template.pullAsync("/inventory/stock/search?q=red+%26+blue%3D%3F%C3%A9", null, List.class,
                setMeta("user", "ann")).get(5, TimeUnit.SECONDS);
        assertSameFrames();

        stock.listAll(3);
        template.pull("/inventory/stock/list_all?limit=3", null, List.class);
        assertSameFrames();
    }

    @Test
    void aReplyWithoutABodyIsThePrimitivesZero() throws Exception {
        assertThat(stock.count("sku-0")).isZero();
        template.pull("/inventory/stock/count", "sku-0", Integer.class);
        assertSameFrames();
    }

    @Test
    void timeoutsAndOptionsStayOffTheWire() throws Exception {
        stock.slow(5, timeout(Duration.ofSeconds(3)));
        template.pull("/inventory/stock/slow_echo", 5L, String.class);
        assertSameFrames();
    }

    @Test
    void aPushIsTheTemplatesPush() throws Exception {
        stock.changed(new StockApi.StockChanged("sku-4", -1));
        template.push("/inventory/stock/changed", new StockApi.StockChanged("sku-4", -1)).get(5, TimeUnit.SECONDS);
        assertSameFrames();
    }

    @Test
    void aWholeReplyIsTheSamePullToo() throws Exception {
        StockReplies replies = new TeleportExchangeProxyFactory().create(StockReplies.class, template);
        Reply<StockApi.Item> reply = replies.itemAsync("sku-5", "bob").get(5, TimeUnit.SECONDS);
        assertThat(reply.body()).isEqualTo(new StockApi.Item("s", 1));
        template.pull("/inventory/stock/item", "sku-5", StockApi.Item.class, setMeta("user", "bob"));
        assertSameFrames();
    }

    private void assertSameFrames() throws InterruptedException {
        Frame viaProxy = frames.poll(5, TimeUnit.SECONDS);
        Frame viaTemplate = frames.poll(5, TimeUnit.SECONDS);
        assertThat(viaProxy).isNotNull();
        assertThat(viaProxy).isEqualTo(viaTemplate);
    }
}
