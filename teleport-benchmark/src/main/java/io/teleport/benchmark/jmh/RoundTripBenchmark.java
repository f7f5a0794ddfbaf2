package io.teleport.benchmark.jmh;

import io.teleport.Peer;
import io.teleport.benchmark.Workload;
import io.teleport.benchmark.proto.BenchmarkMessage;
import io.teleport.config.HandlerExecution;
import io.teleport.config.PeerConfig;
import io.teleport.proto.ErpcRawProto;
import io.teleport.proto.FastProto;
import io.teleport.proto.Proto;
import io.teleport.session.Session;
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

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** One whole pull of the workload message, client and server peers in this JVM over loopback, in each protocol. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RoundTripBenchmark {

    @Param({"POOL", "INLINE"})
    public HandlerExecution handlers;

    /** The wire protocol of both peers. */
    @Param({"teleport-v3", "erpc-v6"})
    public String protocol;

    private Peer server;
    private Peer client;
    private Session session;
    private BenchmarkMessage request;

    @Setup
    public void setUp() {
        server = new Peer(PeerConfig.builder().defaultBodyCodec("protobuf").handlerExecution(handlers).build());
        server.pullRouter().register(new Workload.Hello());
        Proto proto = protocol.equals("erpc-v6") ? ErpcRawProto.INSTANCE : FastProto.INSTANCE;
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", proto)).getPort();
        client = new Peer(PeerConfig.builder().defaultBodyCodec("protobuf").build());
        session = client.dial("127.0.0.1:" + port, proto);
        request = Workload.request();
    }

    @TearDown
    public void tearDown() {
        client.shutdown(Duration.ofSeconds(1));
        server.shutdown(Duration.ofSeconds(1));
    }

    /** A blocking pull and its reply. */
    @Benchmark
    public BenchmarkMessage pull() {
        return session.pull(Workload.URI, request, BenchmarkMessage.class);
    }
}
