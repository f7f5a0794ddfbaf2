package io.teleport.proto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.teleport.codec.Codecs;
import io.teleport.message.Packet;
import io.teleport.testing.GoldenFrames;
import io.teleport.testing.LeakRecorder;
import io.teleport.xfer.XferException;
import io.teleport.xfer.XferFilters;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random and mutated frames never make the decoder fail other than with a protocol error, never
 * leak a buffer, and a valid frame decodes the same however the stream is cut.
 */
class FastProtoFuzzTest {

    private static final ProtoContext CTX = new ProtoContext(Codecs.defaults(), XferFilters.defaults(), 64 * 1024);
    private static final List<byte[]> GOLDEN = new ArrayList<>(GoldenFrames.all().values());

    @BeforeContainer
    static void install() {
        LeakRecorder.install();
    }

    @AfterContainer
    static void noLeaks() {
        LeakRecorder.assertNoLeaks("FastProtoFuzzTest");
    }

    /** Decodes every frame in {@code bytes}; returns how many, and fails on an unexpected exception. */
    private static int decodeAll(byte[] bytes) {
        ByteBuf in = ByteBufAllocator.DEFAULT.buffer(bytes.length).writeBytes(bytes);
        int frames = 0;
        try {
            while (in.isReadable()) {
                Packet packet = FastProto.INSTANCE.decode(in, CTX, ByteBufAllocator.DEFAULT);
                if (packet == null) {
                    break;
                }
                frames++;
            }
        } catch (ProtoException | XferException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        } finally {
            in.release();
        }
        return frames;
    }

    @Property(tries = 3000)
    void randomBytesFailCleanly(@ForAll("randomFrames") byte[] bytes) {
        decodeAll(bytes);
    }

    @Property(tries = 4000)
    void mutatedGoldenFramesFailCleanly(@ForAll("mutatedFrames") byte[] bytes) {
        decodeAll(bytes);
    }

    @Property(tries = 300)
    void aStreamOfValidFramesDecodesTheSameWhereverItIsCut(@ForAll("cuts") List<Integer> cuts) {
        ByteBuf stream = Unpooled.buffer();
        for (byte[] frame : GOLDEN) {
            stream.writeBytes(frame);
        }
        EmbeddedChannel channel = new EmbeddedChannel(new ByteToMessageDecoder() {
            @Override
            protected void decode(io.netty.channel.ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
                Packet p = FastProto.INSTANCE.decode(in, CTX, ctx.alloc());
                if (p != null) {
                    out.add(p);
                }
            }
        });
        int last = 0;
        int total = stream.readableBytes();
        for (int cut : cuts) {
            int at = Math.min(total, last + cut);
            channel.writeInbound(stream.retainedSlice(last, at - last));
            last = at;
        }
        channel.writeInbound(stream.retainedSlice(last, total - last));
        stream.release();
        int packets = 0;
        for (Packet p; (p = channel.readInbound()) != null; ) {
            assertThat(p.size()).isEqualTo(GOLDEN.get(packets).length);
            packets++;
        }
        assertThat(packets).isEqualTo(GOLDEN.size());
        assertThat(channel.finish()).isFalse();
    }

    @Provide
    Arbitrary<byte[]> randomFrames() {
        Arbitrary<byte[]> noise = Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
        // Noise behind a plausible prefix reaches deeper than pure noise.
        Arbitrary<byte[]> prefixed = Combinators.combine(Arbitraries.integers().between(0, 300), Arbitraries.bytes(),
                noise).as((size, filters, rest) -> {
                    byte[] b = new byte[6 + rest.length];
                    b[0] = (byte) (size >>> 24);
                    b[1] = (byte) (size >>> 16);
                    b[2] = (byte) (size >>> 8);
                    b[3] = (byte) (size & 0xFF);
                    b[4] = 'f';
                    b[5] = (byte) (filters & 3);
                    System.arraycopy(rest, 0, b, 6, rest.length);
                    return b;
                });
        return Arbitraries.oneOf(noise, prefixed);
    }

    @Provide
    Arbitrary<byte[]> mutatedFrames() {
        Arbitrary<byte[]> frame = Arbitraries.of(GOLDEN);
        Arbitrary<int[]> edits = Arbitraries.integers().between(0, 1 << 20).array(int[].class).ofMinSize(1).ofMaxSize(6);
        Arbitrary<Integer> truncate = Arbitraries.integers().between(0, 700);
        return Combinators.combine(frame, edits, Arbitraries.bytes(), truncate).as((f, at, value, cut) -> {
            byte[] b = f.clone();
            for (int i : at) {
                b[i % b.length] = (byte) (value.byteValue() + i);
            }
            return cut < b.length && (cut & 1) == 0 ? java.util.Arrays.copyOf(b, cut) : b;
        });
    }

    @Provide
    Arbitrary<List<Integer>> cuts() {
        return Arbitraries.integers().between(1, 97).list().ofMaxSize(60);
    }
}
