package io.teleport.proto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.teleport.codec.Codecs;
import io.teleport.codec.JsonCodec;
import io.teleport.codec.PreEncoded;
import io.teleport.codec.ProtobufCodec;
import io.teleport.codec.StringCodec;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.testing.GoldenFrames;
import io.teleport.xfer.GzipFilter;
import io.teleport.xfer.XferException;
import io.teleport.xfer.XferFilters;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random and mutated frames never make the decoder fail other than with a protocol error, never
 * leak a buffer, and valid frames decode to what was sent however the stream is cut.
 *
 * <p>Each case draws its input from a {@link SplittableRandom} of its own seed, derived from a base
 * seed that is new for every run unless {@code -Dteleport.fuzz.seed=<seed>} gives it. A failing case
 * reports its seed; passed as the base seed, it becomes the first case of the same test again, so one
 * case can be replayed without running the others before it.
 */
class FastProtoFuzzTest {

    private static final String SEED_PROPERTY = "teleport.fuzz.seed";
    // The golden-ratio increment SplittableRandom uses itself: successive case seeds give unrelated streams.
    private static final long SEED_STEP = 0x9E3779B97F4A7C15L;
    private static final long BASE_SEED = baseSeed();

    // At PARANOID the leak detector records a stack trace at every access of a tracked buffer. The
    // frames the test encodes and the stream's cumulation are the test's and Netty's, not the
    // decoder's, so they go untracked to keep the cases cheap; what the decoder allocates is tracked.
    private static final ByteBufAllocator UNTRACKED = new UnpooledByteBufAllocator(false, true);
    private static final int READ_LIMIT = 64 * 1024;
    private static final ProtoContext CTX = new ProtoContext(Codecs.defaults(), XferFilters.defaults(), READ_LIMIT);
    private static final List<byte[]> GOLDEN = new ArrayList<>(GoldenFrames.all().values());
    private static final byte[] CODECS = {Packet.NO_CODEC, JsonCodec.ID, StringCodec.ID, ProtobufCodec.ID};
    // Declared sizes around every bound the decoder checks: the prefix, the smallest payload, the limit, u32.
    private static final long[] EDGE_SIZES = {0, 1, 4, 5, 6, 7, 23, 24, 25, READ_LIMIT, READ_LIMIT + 1L,
            Integer.MAX_VALUE, 0x80000000L, 0xFFFFFFFFL};
    private static final long[] EDGE_SEQS = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0xFFFFFFFFL};
    // Characters the metadata escaping and the URI's UTF-8 treat differently: unreserved, reserved,
    // the separators, a two-byte, a three-byte and a four-byte (surrogate pair) character.
    private static final int[] CHARS = {'a', 'Z', '7', '-', '.', '_', '*', '~', ' ', '+', '%', '&', '=', '?',
            '/', '#', '"', '\n', 0, 0x7F, 0xE9, 0x4E2D, 0xFFFD, 0x1F600};

    @BeforeAll
    static void printSeed() {
        // Surefire keeps the output in the test report, so the seed of any run can be found afterwards.
        System.out.println("FastProtoFuzzTest: base seed " + BASE_SEED + " (replay with -D" + SEED_PROPERTY + "="
                + BASE_SEED + ")");
    }

    private static long baseSeed() {
        String given = System.getProperty(SEED_PROPERTY);
        if (given != null && !given.isBlank()) {
            return Long.parseLong(given.trim());
        }
        return new SplittableRandom().nextLong();
    }

    /**
     * Runs {@code cases} cases of one property. Any failure, including an exception the property does
     * not expect, is reported with the case's seed and input.
     */
    private static <T> void forEachCase(int cases, Function<SplittableRandom, T> generator,
            Function<T, String> show, Consumer<T> property) {
        for (int i = 0; i < cases; i++) {
            long seed = BASE_SEED + i * SEED_STEP;
            T input = null;
            try {
                input = generator.apply(new SplittableRandom(seed));
                property.accept(input);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("case " + i + " of " + cases + " failed; seed " + seed + " (base seed "
                        + BASE_SEED + "); replay it as the first case with -D" + SEED_PROPERTY + "=" + seed
                        + "\ninput: " + (input == null ? "(not generated)" : printable(show.apply(input))), e);
            }
        }
    }

    @Test
    void randomBytesFailCleanly() {
        forEachCase(3000, FastProtoFuzzTest::randomFrame, FastProtoFuzzTest::hex, FastProtoFuzzTest::decodeAll);
    }

    @Test
    void mutatedGoldenFramesFailCleanly() {
        forEachCase(4000, FastProtoFuzzTest::mutatedFrame, FastProtoFuzzTest::hex, FastProtoFuzzTest::decodeAll);
    }

    @Test
    void randomPacketsDecodeAsTheyWereSentWhereverTheStreamIsCut() {
        forEachCase(600, r -> {
            List<Packet> packets = new ArrayList<>();
            for (int n = r.nextInt(1, 5); n > 0; n--) {
                packets.add(randomPacket(r));
            }
            return new Sent(packets, r.nextLong());
        }, Sent::show, sent -> {
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            List<Seen> expected = new ArrayList<>();
            for (Packet packet : sent.packets()) {
                stream.writeBytes(encode(packet));
                expected.add(Seen.sent(packet));
            }
            byte[] bytes = stream.toByteArray();
            assertThat(decodeInPieces(bytes, cuts(new SplittableRandom(sent.cutSeed()), bytes.length)))
                    .isEqualTo(expected);
        });
    }

    @Test
    void aStreamOfGoldenFramesDecodesTheSameWhereverItIsCut() {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        List<Seen> whole = new ArrayList<>();
        for (byte[] frame : GOLDEN) {
            stream.writeBytes(frame);
            whole.add(Seen.of(decodeWhole(frame)));
        }
        byte[] bytes = stream.toByteArray();
        forEachCase(300, r -> cuts(r, bytes.length), List::toString,
                cuts -> assertThat(decodeInPieces(bytes, cuts)).isEqualTo(whole));
    }

    // ---------------------------------------------------------------- decoding

    /**
     * Decodes every frame in {@code bytes} until the first incomplete one; a protocol or transfer
     * error ends it as well, and is the only kind of failure allowed.
     */
    private static void decodeAll(byte[] bytes) {
        ByteBuf in = ByteBufAllocator.DEFAULT.buffer(bytes.length).writeBytes(bytes);
        try {
            while (in.isReadable()) {
                int before = in.readerIndex();
                Packet packet = FastProto.INSTANCE.decode(in, CTX, ByteBufAllocator.DEFAULT);
                if (packet == null) {
                    assertThat(in.readerIndex()).as("an incomplete frame consumes nothing").isEqualTo(before);
                    break;
                }
                assertThat(in.readerIndex() - before).as("a decoded frame consumes its size").isEqualTo(packet.size());
            }
        } catch (ProtoException | XferException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        } finally {
            in.release();
        }
    }

    private static Packet decodeWhole(byte[] frame) {
        ByteBuf in = Unpooled.wrappedBuffer(frame);
        try {
            Packet packet = FastProto.INSTANCE.decode(in, CTX, ByteBufAllocator.DEFAULT);
            assertThat(in.isReadable()).isFalse();
            return packet;
        } finally {
            in.release();
        }
    }

    /** Feeds {@code bytes} to a channel's frame decoder in pieces ending at {@code cuts}, as reads from a socket. */
    private static List<Seen> decodeInPieces(byte[] bytes, List<Integer> cuts) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(UNTRACKED);
        channel.pipeline().addLast(new ByteToMessageDecoder() {
            @Override
            protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
                Packet packet = FastProto.INSTANCE.decode(in, CTX, ByteBufAllocator.DEFAULT);
                if (packet != null) {
                    out.add(packet);
                }
            }
        });
        int from = 0;
        for (int to : cuts) {
            channel.writeInbound(Unpooled.copiedBuffer(bytes, from, to - from));
            from = to;
        }
        List<Seen> seen = new ArrayList<>();
        for (Packet p; (p = channel.readInbound()) != null; ) {
            seen.add(Seen.of(p));
        }
        assertThat(channel.finish()).as("nothing left over").isFalse();
        return seen;
    }

    private static byte[] encode(Packet packet) {
        ByteBuf frame = FastProto.INSTANCE.encode(packet, CTX, UNTRACKED);
        try {
            byte[] bytes = new byte[frame.readableBytes()];
            frame.readBytes(bytes);
            return bytes;
        } finally {
            frame.release();
        }
    }

    /** What a packet carries on the wire, comparable between a packet sent and one received. */
    record Seen(PacketType type, long seq, String uri, List<List<String>> meta, int codec, String body,
            String xferPipe, int size) {

        static Seen of(Packet received) {
            return of(received, received.bodyBytes());
        }

        static Seen sent(Packet packet) {
            return of(packet, packet.body() == null ? new byte[0] : ((PreEncoded) packet.body()).bytes());
        }

        static Seen of(Packet packet, byte[] body) {
            List<List<String>> meta = new ArrayList<>();
            if (packet.hasMeta()) {
                packet.meta().forEach((k, v) -> meta.add(List.of(k, v)));
            }
            return new Seen(packet.type(), packet.seq(), packet.uri(), meta, packet.bodyCodec() & 0xFF,
                    HexFormat.of().formatHex(body), HexFormat.of().formatHex(packet.xferPipe()), packet.size());
        }
    }

    /** Packets to send in one stream, and the seed of the cuts it is read in. */
    record Sent(List<Packet> packets, long cutSeed) {

        String show() {
            return packets.stream().map(Seen::sent).toList() + ", cut with seed " + cutSeed;
        }
    }

    // ---------------------------------------------------------------- generators

    /** Up to 200 random bytes, bare or behind a plausible prefix (size, {@code 'f'}, a filter count). */
    private static byte[] randomFrame(SplittableRandom r) {
        byte[] noise = randomBytes(r, 200);
        if (r.nextBoolean()) {
            return noise;
        }
        // Noise behind a plausible prefix gets past the first checks and into the payload's.
        long size = r.nextInt(4) == 0 ? EDGE_SIZES[r.nextInt(EDGE_SIZES.length)] : r.nextInt(301);
        byte[] frame = new byte[6 + noise.length];
        frame[0] = (byte) (size >>> 24);
        frame[1] = (byte) (size >>> 16);
        frame[2] = (byte) (size >>> 8);
        frame[3] = (byte) size;
        frame[4] = FastProto.ID;
        frame[5] = (byte) r.nextInt(4);
        System.arraycopy(noise, 0, frame, 6, noise.length);
        return frame;
    }

    /** A golden frame with one to six bytes changed, cut short half the time. */
    private static byte[] mutatedFrame(SplittableRandom r) {
        byte[] frame = GOLDEN.get(r.nextInt(GOLDEN.size())).clone();
        for (int edits = r.nextInt(1, 7); edits > 0; edits--) {
            // Half the edits hit the header and the lengths, where a wrong byte changes how the rest is read.
            int at = r.nextBoolean() ? r.nextInt(Math.min(frame.length, 32)) : r.nextInt(frame.length);
            frame[at] = (byte) r.nextInt(256);
        }
        return r.nextBoolean() ? Arrays.copyOf(frame, r.nextInt(frame.length)) : frame;
    }

    private static Packet randomPacket(SplittableRandom r) {
        Packet packet = new Packet(PacketType.values()[r.nextInt(PacketType.values().length)])
                .seq(r.nextInt(4) == 0 ? EDGE_SEQS[r.nextInt(EDGE_SEQS.length)] : r.nextLong())
                .uri(randomText(r, 40));
        if (r.nextBoolean()) {
            for (int pairs = r.nextInt(1, 6); pairs > 0; pairs--) {
                String key = randomText(r, 12);
                String value = randomText(r, 24);
                // A pair with an empty key and value has no wire form: the parser drops it, as Teleport's does.
                packet.meta().add(key.isEmpty() && value.isEmpty() ? "k" : key, value);
            }
        }
        byte codec = CODECS[r.nextInt(CODECS.length)];
        packet.bodyCodec(codec);
        if (codec != Packet.NO_CODEC) {
            packet.body(new PreEncoded(randomBytes(r, r.nextInt(8) == 0 ? 4000 : 300)));
        }
        switch (r.nextInt(4)) {
            case 0:
                packet.xferPipe(GzipFilter.ID);
                break;
            case 1:
                packet.xferPipe(GzipFilter.ID, GzipFilter.ID);
                break;
            default:
                break;
        }
        return packet;
    }

    private static byte[] randomBytes(SplittableRandom r, int maxLength) {
        byte[] bytes = new byte[r.nextInt(maxLength + 1)];
        // Runs of one byte as well as noise: they compress, so gzip'd payloads vary in size too.
        if (r.nextInt(4) == 0) {
            Arrays.fill(bytes, (byte) r.nextInt(256));
        } else {
            r.nextBytes(bytes);
        }
        return bytes;
    }

    private static String randomText(SplittableRandom r, int maxLength) {
        StringBuilder sb = new StringBuilder();
        for (int n = r.nextInt(maxLength + 1); n > 0; n--) {
            sb.appendCodePoint(r.nextInt(3) == 0 ? CHARS[r.nextInt(CHARS.length)] : r.nextInt(0x20, 0x7F));
        }
        return sb.toString();
    }

    /** Where a stream of {@code length} bytes is cut into reads: up to 60 pieces of 1 to 97 bytes, then the rest. */
    private static List<Integer> cuts(SplittableRandom r, int length) {
        List<Integer> cuts = new ArrayList<>();
        int at = 0;
        for (int n = r.nextInt(61); n > 0 && at < length; n--) {
            at = Math.min(length, at + r.nextInt(1, 98));
            cuts.add(at);
        }
        if (at < length) {
            cuts.add(length);
        }
        return cuts;
    }

    /** Control characters escaped, so that a report stays one readable text; long inputs shortened. */
    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().limit(4000).forEach(c -> {
            if (c < 0x20 || c == 0x7F) {
                sb.append(String.format("\\u%04x", c));
            } else {
                sb.appendCodePoint(c);
            }
        });
        return s.length() > 4000 ? sb.append("...").toString() : sb.toString();
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
