package io.teleport.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.teleport.Peer;
import io.teleport.codec.StringCodec;
import io.teleport.config.PeerConfig;
import io.teleport.internal.session.DefaultSession;
import io.teleport.message.Packet;
import io.teleport.message.Rerror;
import io.teleport.plugin.Plugin;
import io.teleport.plugin.PreWritePush;
import io.teleport.plugin.WriteContext;
import io.teleport.proto.FastProto;
import io.teleport.proto.Proto;
import io.teleport.proto.ProtoContext;
import io.teleport.proto.ProtoException;
import io.teleport.router.UnknownPushContext;
import io.teleport.xfer.GzipFilter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class PeerOptionsTest {

    private final List<Peer> peers = new ArrayList<>();

    @AfterEach
    void closeAll() {
        peers.forEach(Peer::close);
    }

    private Peer peer(PeerConfig config, Plugin... plugins) {
        Peer peer = new Peer(config, plugins);
        peers.add(peer);
        return peer;
    }

    /** A protocol of our own: the fast frame with every byte after the prefix inverted. */
    static final class InvertedProto implements Proto {
        @Override
        public String name() {
            return "inverted";
        }

        @Override
        public ByteBuf encode(Packet packet, ProtoContext ctx, ByteBufAllocator alloc) {
            ByteBuf frame = FastProto.INSTANCE.encode(packet, ctx, alloc);
            for (int i = 4; i < frame.writerIndex(); i++) {
                frame.setByte(i, ~frame.getByte(i));
            }
            return frame;
        }

        @Override
        public Packet decode(ByteBuf in, ProtoContext ctx, ByteBufAllocator alloc) {
            if (in.readableBytes() < 4 || in.readableBytes() < in.getInt(in.readerIndex())) {
                return null;
            }
            int size = in.getInt(in.readerIndex());
            if (size < 6 || size > ctx.readLimit()) {
                throw new ProtoException("bad size " + size);
            }
            ByteBuf copy = alloc.buffer(size);
            try {
                copy.writeInt(size);
                for (int i = 4; i < size; i++) {
                    copy.writeByte(~in.getByte(in.readerIndex() + i));
                }
                in.skipBytes(size);
                return FastProto.INSTANCE.decode(copy, ctx, alloc);
            } finally {
                copy.release();
            }
        }
    }

    @Test
    void aProtocolPerConnection() {
        Peer server = peer(PeerConfig.defaults());
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        int fast = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        int inverted = ((InetSocketAddress) server.listen("127.0.0.1:0", new InvertedProto())).getPort();
        Peer client = peer(PeerConfig.defaults());
        assertThat(client.dial("127.0.0.1:" + inverted, new InvertedProto()).pull("/echo", "inverted", String.class))
                .isEqualTo("inverted");
        assertThat(client.dial("127.0.0.1:" + fast).pull("/echo", "fast", String.class)).isEqualTo("fast");
        // Mismatched protocols do not understand each other: the call fails, it does not hang.
        Session wrong = client.dial("127.0.0.1:" + inverted);
        assertThatThrownBy(() -> wrong.pull("/echo", "x", String.class)).isInstanceOf(io.teleport.message.RerrorException.class);
    }

    @Test
    void handlersAddFiltersToTheReply() {
        Peer server = peer(PeerConfig.defaults());
        server.pullRouter().route("/zip", String.class, (body, ctx) -> {
            ctx.addReplyXfer(GzipFilter.ID, (byte) '?');
            return body.repeat(10);
        });
        Session session = peer(PeerConfig.defaults()).dial("127.0.0.1:"
                + ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort());
        assertThat(session.pull("/zip", "ab", String.class)).isEqualTo("ab".repeat(10));
    }

    @Test
    void socketOptionsReachTheChannel() {
        Peer server = peer(PeerConfig.builder().receiveBufferSize(64 * 1024).sendBufferSize(32 * 1024).build());
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session session = peer(PeerConfig.builder().noDelay(false).keepAlive(false).sendBufferSize(16 * 1024).build())
                .dial("127.0.0.1:" + port);
        var config = ((DefaultSession) session).channel().config();
        assertThat(config.getOption(ChannelOption.TCP_NODELAY)).isFalse();
        assertThat(config.getOption(ChannelOption.SO_KEEPALIVE)).isFalse();
        assertThat(config.getOption(ChannelOption.SO_SNDBUF)).isGreaterThanOrEqualTo(16 * 1024);
        await().until(() -> server.sessionCount() == 1);
        var accepted = ((DefaultSession) server.sessions().iterator().next()).channel().config();
        assertThat(accepted.getOption(ChannelOption.TCP_NODELAY)).as("Go's default").isTrue();
        assertThat(accepted.getOption(ChannelOption.SO_RCVBUF)).isGreaterThanOrEqualTo(64 * 1024);
        assertThat(accepted.getOption(ChannelOption.SO_SNDBUF)).isGreaterThanOrEqualTo(32 * 1024);
    }

    @Test
    void ioThreadsDefaultToOnePerCoreUnlessHandlersRunOnThem() {
        int cores = Runtime.getRuntime().availableProcessors();
        assertThat(ioThreadsOf(PeerConfig.defaults())).isEqualTo(cores);
        assertThat(ioThreadsOf(PeerConfig.builder().handlerExecution(io.teleport.config.HandlerExecution.INLINE).build()))
                .as("inline handlers keep Netty's default").isEqualTo(2 * cores);
        assertThat(ioThreadsOf(PeerConfig.builder().ioThreads(3).build())).isEqualTo(3);
    }

    private int ioThreadsOf(PeerConfig config) {
        Peer server = peer(config);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session session = peer(config).dial("127.0.0.1:" + port);
        int threads = 0;
        for (var loop : ((DefaultSession) session).channel().eventLoop().parent()) {
            threads++;
        }
        return threads;
    }

    @Test
    void dialsGoOutFromTheLocalIp() {
        Peer server = peer(PeerConfig.defaults());
        server.pullRouter().route("/who", Void.class, (body, ctx) -> ctx.session().remoteAddress().toString());
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session session = peer(PeerConfig.builder().localIp("127.0.0.2").build()).dial("127.0.0.1:" + port);
        assertThat(((InetSocketAddress) session.localAddress()).getAddress().getHostAddress()).isEqualTo("127.0.0.2");
        // The server sees the connection come from there too.
        assertThat(session.pull("/who", null, String.class)).startsWith("/127.0.0.2:");
        assertThat(PeerConfig.builder().localIp("[::1]").build().localIp()).isEqualTo("::1");
        assertThat(PeerConfig.builder().localIp(" ").build().localIp()).isNull();
        assertThatThrownBy(() -> PeerConfig.builder().localIp("localhost"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("localIp: localhost");
        assertThatThrownBy(() -> PeerConfig.builder().localIp("fe80::1%eth0"))
                .as("a zone would not become an address, and the dial would go out from anywhere")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("localIp: fe80::1%eth0");
    }

    @Test
    void unknownPushHandlerGetsTheRawBody() throws Exception {
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        Peer server = peer(PeerConfig.defaults());
        server.pushRouter().setUnknown((UnknownPushContext ctx) ->
                seen.add(ctx.uri() + " " + new String(ctx.bodyBytes(), StandardCharsets.UTF_8) + " " + ctx.bind(Map.class)));
        Session session = peer(PeerConfig.defaults()).dial("127.0.0.1:"
                + ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort());
        session.push("/any/where?x=1", Map.of("k", "v")).join();
        assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("/any/where?x=1 {\"k\":\"v\"} {k=v}");
    }

    @Test
    void aPeerConnectedToItselfKeepsBothEnds() {
        Peer peer = peer(PeerConfig.defaults());
        peer.pullRouter().route("/echo", String.class, (body, ctx) -> body + " via " + ctx.session().id());
        int port = ((InetSocketAddress) peer.listen("127.0.0.1:0", null)).getPort();
        for (int i = 0; i < 20; i++) {
            Session self = peer.dial("127.0.0.1:" + port);
            assertThat(self.pull("/echo", "hi", String.class)).startsWith("hi via ");
            assertThat(self.isHealthy()).isTrue();
        }
        await().until(() -> peer.sessionCount() == 40);
    }

    @Test
    void pushAllBroadcastsToTheSelectedSessions() throws Exception {
        Peer server = peer(PeerConfig.defaults());
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        Peer client = peer(PeerConfig.defaults());
        client.pushRouter().route("/news", Map.class, (body, ctx) -> received.add(ctx.session().id() + " " + body));
        for (int i = 0; i < 30; i++) {
            client.dial("127.0.0.1:" + port);
        }
        await().until(() -> server.sessionCount() == 30);
        server.sessions().stream().limit(10).forEach(s -> s.attributes().put("muted", true));
        int written = server.pushAll("/news", Map.of("n", 1), s -> !s.attributes().containsKey("muted"))
                .get(5, TimeUnit.SECONDS);
        assertThat(written).isEqualTo(20);
        for (int i = 0; i < 20; i++) {
            assertThat(received.poll(5, TimeUnit.SECONDS)).endsWith(" {n=1}");
        }
        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).isNull();
        assertThat(server.pushAll("/news", null, s -> false).get(1, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void pushAllOverSeveralIoThreadsCountsWhatEachHandedAndGoesOnPastRefusals() throws Exception {
        PreWritePush guard = ctx -> ctx.session().attributes().containsKey("refuse")
                ? new Rerror(Rerror.CODE_BAD_PACKET, "Bad Request", "refused")
                : null;
        // Applied per session (and once to choose the codec): throws for some, as a buggy option might.
        CallOption boom = call -> {
            if (call instanceof WriteContext w && w.session().attributes().containsKey("boom")) {
                throw new IllegalStateException("the option failed");
            }
        };
        Peer server = peer(PeerConfig.builder().ioThreads(3).build(), guard);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        Peer client = peer(PeerConfig.defaults());
        client.pushRouter().route("/news", String.class, (body, ctx) -> received.add(body));
        for (int i = 0; i < 24; i++) {
            client.dial("127.0.0.1:" + port);
        }
        await().until(() -> server.sessionCount() == 24);
        List<Session> sessions = new ArrayList<>(server.sessions());
        sessions.subList(0, 3).forEach(s -> s.attributes().put("boom", true));
        sessions.subList(3, 7).forEach(s -> s.attributes().put("refuse", true));
        // Accepted connections take the I/O threads in turn: the broadcast runs on all three.
        assertThat(sessions.stream().map(s -> ((DefaultSession) s).channel().eventLoop())
                .distinct().count()).isEqualTo(3);

        assertThat(server.pushAll("/news", "hello", s -> true, CallOptions.bodyCodec(StringCodec.ID), boom)
                .get(5, TimeUnit.SECONDS)).isEqualTo(17);
        for (int i = 0; i < 17; i++) {
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("hello");
        }
        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void invalidConfigurationIsRefusedByName() {
        assertThatThrownBy(() -> PeerConfig.builder().readLimit(10)).hasMessageContaining("readLimit: 10");
        assertThatThrownBy(() -> PeerConfig.builder().pullTimeout(java.time.Duration.ZERO)).hasMessageContaining("pullTimeout");
        assertThatThrownBy(() -> PeerConfig.builder().receiveBufferSize(0)).hasMessageContaining("receiveBufferSize");
        assertThatThrownBy(() -> new Peer(PeerConfig.builder().defaultBodyCodec("xml").build()))
                .hasMessageContaining("body codec: xml");
    }
}
