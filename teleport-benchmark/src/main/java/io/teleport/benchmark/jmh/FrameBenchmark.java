package io.teleport.benchmark.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.teleport.benchmark.Workload;
import io.teleport.benchmark.proto.BenchmarkMessage;
import io.teleport.codec.Codecs;
import io.teleport.message.Meta;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.proto.ErpcRawProto;
import io.teleport.proto.FastProto;
import io.teleport.proto.Proto;
import io.teleport.proto.ProtoContext;
import io.teleport.xfer.XferFilters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Encoding and decoding one workload frame (581-byte protobuf body) in each protocol, and the meta
 * query string.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FrameBenchmark {

    /** The wire protocol of {@link #encode} and {@link #decode}. */
    @Param({"teleport-v3", "erpc-v6"})
    public String protocol;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private Proto proto;
    private final ProtoContext ctx = new ProtoContext(Codecs.defaults(), XferFilters.defaults(), 1 << 20);
    private BenchmarkMessage message;
    private ByteBuf frame;
    private Meta meta;
    private ByteBuf metaBytes;

    @Setup
    public void setUp() {
        message = Workload.request();
        proto = protocol.equals("erpc-v6") ? ErpcRawProto.INSTANCE : FastProto.INSTANCE;
        frame = proto.encode(pull(), ctx, alloc);
        meta = new Meta().set("set", "0").add("add", "1").add("add", "2");
        metaBytes = alloc.buffer();
        meta.writeTo(metaBytes);
    }

    @TearDown
    public void tearDown() {
        frame.release();
        metaBytes.release();
    }

    private Packet pull() {
        return new Packet(PacketType.PULL, 7, Workload.URI, message).bodyCodec((byte) 'p');
    }

    /** A whole PULL frame, body marshalled into the frame buffer. */
    @Benchmark
    public int encode() {
        ByteBuf out = proto.encode(pull(), ctx, alloc);
        int size = out.readableBytes();
        out.release();
        return size;
    }

    /** A whole frame into a packet (header parsed, body copied). */
    @Benchmark
    public Packet decode() {
        ByteBuf in = frame.retainedDuplicate();
        try {
            return proto.decode(in, ctx, alloc);
        } finally {
            in.release();
        }
    }

    /** Decoding the body into the message. */
    @Benchmark
    public Object decodeBody() {
        return ctx.codecs().decode((byte) 'p', message.toByteArray(), BenchmarkMessage.class);
    }

    /** Writing three meta pairs. */
    @Benchmark
    public int metaWrite() {
        ByteBuf out = alloc.buffer(32);
        int n = meta.writeTo(out);
        out.release();
        return n;
    }

    /** Parsing three meta pairs. */
    @Benchmark
    public Meta metaParse() {
        return Meta.parse(metaBytes, metaBytes.readerIndex(), metaBytes.readableBytes());
    }
}
