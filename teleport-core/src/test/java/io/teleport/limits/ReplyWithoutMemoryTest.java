package io.teleport.limits;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.teleport.Peer;
import io.teleport.codec.Codec;
import io.teleport.config.PeerConfig;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.RerrorException;
import io.teleport.proto.FastProto;
import io.teleport.proto.Proto;
import io.teleport.proto.ProtoContext;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.reflect.Type;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static io.teleport.session.CallOptions.bodyCodec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A reply that cannot be built for want of memory (a direct buffer over -XX:MaxDirectMemorySize) is
 * answered with a bare error at once: the caller does not wait its whole timeout for a reply that
 * was dropped.
 */
class ReplyWithoutMemoryTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    /** Text, whose encoding of {@code "big"} finds no memory on the side that has {@code starved}. */
    private record TextCodec(boolean starved) implements Codec {
        @Override
        public byte id() {
            return 'x';
        }

        @Override
        public String name() {
            return "text-x";
        }

        @Override
        public void encode(Object body, ByteBuf out) {
            if (starved && body.equals("big")) {
                throw new OutOfMemoryError("Cannot reserve 4000039 bytes of direct buffer memory");
            }
            out.writeCharSequence(body.toString(), StandardCharsets.UTF_8);
        }

        @Override
        public @Nullable Object decode(byte[] bytes, Type type) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** Teleport v3's protocol, whose framing of a reply saying {@code "big"} finds no direct memory. */
    private record StarvedFraming() implements Proto {
        @Override
        public String name() {
            return FastProto.INSTANCE.name();
        }

        @Override
        public ByteBuf encode(Packet packet, ProtoContext ctx, ByteBufAllocator alloc) {
            if (packet.type() == PacketType.REPLY && "big".equals(packet.body())) {
                throw new OutOfMemoryError("Cannot reserve 4000039 bytes of direct buffer memory");
            }
            return FastProto.INSTANCE.encode(packet, ctx, alloc);
        }

        @Override
        public @Nullable Packet decode(ByteBuf in, ProtoContext ctx, ByteBufAllocator alloc) {
            return FastProto.INSTANCE.decode(in, ctx, alloc);
        }

        @Override
        public long frameSize(ByteBuf in, ProtoContext ctx) {
            return FastProto.INSTANCE.frameSize(in, ctx);
        }
    }

    @Test
    void aReplyThatCannotBeFramedIsAnsweredWithAnErrorAtOnce() {
        Peer server = peers.add(Peer.builder().defaultProto(new StarvedFraming()).build());
        server.pullRouter().route("/echo", String.class, (b, ctx) -> b);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session session = peers.add(new Peer(PeerConfig.builder().pullTimeout(Duration.ofSeconds(30)).build()))
                .dial("127.0.0.1:" + port);
        long start = System.nanoTime();
        assertThatThrownBy(() -> session.pull("/echo", "big", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(500));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(session.pull("/echo", "small", String.class)).isEqualTo("small");
    }

    @Test
    void theCallerIsAnsweredWithAnErrorAtOnce() {
        Peer server = peers.add(Peer.builder().codec(new TextCodec(true)).build());
        server.pullRouter().route("/echo", String.class, (b, ctx) -> b);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session session = peers.add(Peer.builder().config(PeerConfig.builder().pullTimeout(Duration.ofSeconds(30))
                .build()).codec(new TextCodec(false)).build()).dial("127.0.0.1:" + port);
        long start = System.nanoTime();
        assertThatThrownBy(() -> session.pull("/echo", "big", String.class, bodyCodec((byte) 'x')))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(500));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(session.pull("/echo", "small", String.class, bodyCodec((byte) 'x'))).isEqualTo("small");
    }
}
