package io.teleport.proto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.teleport.codec.Codecs;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;
import io.teleport.testing.ErpcGoldenFrames;
import io.teleport.xfer.XferException;
import io.teleport.xfer.XferFilters;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Mutated erpc v6 frames never make the decoder fail other than with a protocol or filter error, never
 * leak a buffer (the leak check runs PARANOID), and random packets survive a round trip. A failing case
 * names its seed; {@code -Dteleport.fuzz.seed=<seed>} replays it as the first case.
 */
class ErpcRawProtoFuzzTest {

    private static final long BASE_SEED = Long.getLong("teleport.fuzz.seed", new SplittableRandom().nextLong());
    private static final long SEED_STEP = 0x9E3779B97F4A7C15L;
    // The test's own frames go untracked: only what the decoder allocates is worth tracking.
    private static final ByteBufAllocator UNTRACKED = new UnpooledByteBufAllocator(false, true);
    private static final ProtoContext CTX = new ProtoContext(Codecs.defaults(), XferFilters.defaults(), 64 * 1024,
            1024, 1024, 32, 64 * 1024);
    private static final List<byte[]> GOLDEN = ErpcGoldenFrames.all().values().stream()
            .map(ErpcGoldenFrames.Vector::frame).toList();

    private interface Case {
        void run(SplittableRandom r);
    }

    private static void forEachCase(int cases, Case body) {
        for (int i = 0; i < cases; i++) {
            long seed = BASE_SEED + i * SEED_STEP;
            try {
                body.run(new SplittableRandom(seed));
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("case " + i + " failed; replay with -Dteleport.fuzz.seed=" + seed, e);
            }
        }
    }

    @Test
    void mutatedGoldenFramesFailCleanly() {
        forEachCase(4000, r -> {
            byte[] frame = GOLDEN.get(r.nextInt(GOLDEN.size())).clone();
            for (int n = r.nextInt(1, 4); n > 0; n--) {
                int at = r.nextInt(frame.length);
                frame[at] = r.nextBoolean() ? (byte) r.nextInt(256) : (byte) (frame[at] + r.nextInt(-2, 3));
            }
            int length = r.nextInt(10) == 0 ? r.nextInt(frame.length + 1) : frame.length;
            ByteBuf in = UNTRACKED.buffer(length).writeBytes(frame, 0, length);
            try {
                while (in.isReadable()) {
                    int before = in.readerIndex();
                    Packet p = ErpcRawProto.INSTANCE.decode(in, CTX, ByteBufAllocator.DEFAULT);
                    if (p == null) {
                        assertThat(in.readerIndex()).as("an incomplete frame consumes nothing").isEqualTo(before);
                        break;
                    }
                }
            } catch (ProtoException | XferException refused) {
                // the only ways a frame may fail
            } finally {
                in.release();
            }
        });
    }

    @Test
    void randomPacketsRoundTrip() {
        forEachCase(1500, r -> {
            PacketType type = PacketType.values()[r.nextInt(3)];
            String uri = r.nextInt(8) == 0 ? ErpcRawProto.AUTH_URI : "/" + text(r, r.nextInt(0, 40));
            long seq = r.nextLong() & 0xFFFF_FFFFL;
            Packet packet = new Packet(type, seq, uri, r.nextBoolean() ? null : text(r, r.nextInt(0, 300)))
                    .bodyCodec((byte) 's');
            for (int n = r.nextInt(3); n > 0; n--) {
                packet.meta().add(text(r, r.nextInt(1, 6)), text(r, r.nextInt(0, 8)));
            }
            boolean failed = type == PacketType.REPLY && r.nextInt(3) == 0;
            if (failed) {
                new Rerror(r.nextInt(1, 2000), text(r, r.nextInt(0, 10)), text(r, r.nextInt(0, 10)))
                        .writeTo(packet.meta());
            }
            if (r.nextInt(4) == 0) {
                packet.xferPipe((byte) 'g');
            }
            if (type == PacketType.PUSH && uri.equals(ErpcRawProto.AUTH_URI)) {
                assertThatThrownBy(() -> ErpcRawProto.INSTANCE.encode(packet, CTX, ByteBufAllocator.DEFAULT))
                        .isInstanceOf(ProtoException.class).hasMessageContaining("the handshake's");
                return;
            }
            ByteBuf frame = ErpcRawProto.INSTANCE.encode(packet, CTX, ByteBufAllocator.DEFAULT);
            Packet back;
            try {
                back = ErpcRawProto.INSTANCE.decode(frame, CTX, ByteBufAllocator.DEFAULT);
                assertThat(frame.isReadable()).isFalse();
            } finally {
                frame.release();
            }
            assertThat(back.type()).as(packet.toString()).isEqualTo(type);
            assertThat(back.seq()).isEqualTo(seq);
            assertThat(back.uri()).isEqualTo(type == PacketType.REPLY && !uri.equals(ErpcRawProto.AUTH_URI) ? "" : uri);
            assertThat(back.xferPipe()).isEqualTo(packet.xferPipe());
            if (failed) {
                Rerror sent = Rerror.fromMeta(packet.meta());
                assertThat(Rerror.fromMeta(back.meta())).isEqualTo(sent);
            } else {
                assertThat(back.hasMeta() ? back.meta().toString() : "")
                        .isEqualTo(packet.hasMeta() ? packet.meta().toString() : "");
                assertThat(new String(back.bodyBytes(), StandardCharsets.UTF_8))
                        .isEqualTo(packet.body() == null ? "" : packet.body());
            }
        });
    }

    private static String text(SplittableRandom r, int length) {
        int[] chars = {'a', 'Z', '7', '-', '.', '_', ' ', '+', '%', '&', '=', '/', '"', 0xE9, 0x4E2D};
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.appendCodePoint(chars[r.nextInt(chars.length)]);
        }
        return sb.toString();
    }
}
