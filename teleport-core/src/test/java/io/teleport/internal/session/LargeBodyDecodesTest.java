package io.teleport.internal.session;

import io.netty.buffer.ByteBuf;
import io.teleport.Peer;
import io.teleport.codec.Codec;
import io.teleport.config.PeerConfig;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.reflect.Type;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Large received bodies are decoded at most one per core at once; smaller ones are not held up. */
class LargeBodyDecodesTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    /** Text whose decoding takes a while and notes how many decode at once. */
    static final class SlowText implements Codec {
        final AtomicInteger now = new AtomicInteger();
        final AtomicInteger most = new AtomicInteger();

        @Override
        public byte id() {
            return 'z';
        }

        @Override
        public String name() {
            return "slow-text";
        }

        @Override
        public void encode(Object body, ByteBuf out) {
            out.writeCharSequence((String) body, StandardCharsets.UTF_8);
        }

        @Override
        public Object decode(byte[] bytes, Type type) {
            most.accumulateAndGet(now.incrementAndGet(), Math::max);
            try {
                Thread.sleep(150);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                now.decrementAndGet();
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    @Test
    void largeBodiesDecodeAtMostOnePerCoreAtOnce() throws Exception {
        SlowText codec = new SlowText();
        Peer server = peers.add(Peer.builder().configure(c -> c.handlerThreads(16)).codec(codec).build());
        server.pullRouter().route("/take", String.class, (body, ctx) -> String.valueOf(body.length()));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session session = peers.add(Peer.builder().codec(new SlowText()).build()).dial("127.0.0.1:" + port);

        String large = "x".repeat(LargeBodyDecodes.MIN_BYTES);
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(session.pullAsync("/take", large, String.class, CallOptions.bodyCodec(codec.id()),
                    CallOptions.timeout(Duration.ofSeconds(30))));
        }
        for (CompletableFuture<String> call : calls) {
            assertThat(call.get(30, TimeUnit.SECONDS)).isEqualTo(String.valueOf(large.length()));
        }
        int cores = Math.max(2, io.netty.util.NettyRuntime.availableProcessors());
        assertThat(codec.most.get()).as("decoding at once, %d cores", cores).isBetween(1, cores);

        // Smaller ones decode side by side, as many as there are threads for them.
        codec.most.set(0);
        calls.clear();
        String small = "x".repeat(LargeBodyDecodes.MIN_BYTES - 1);
        for (int i = 0; i < 8; i++) {
            calls.add(session.pullAsync("/take", small, String.class, CallOptions.bodyCodec(codec.id()),
                    CallOptions.timeout(Duration.ofSeconds(30))));
        }
        for (CompletableFuture<String> call : calls) {
            assertThat(call.get(30, TimeUnit.SECONDS)).isEqualTo(String.valueOf(small.length()));
        }
        assertThat(codec.most.get()).as("not held to the slots").isGreaterThan(cores);
    }

    @Test
    void anIoThreadNeverWaitsForASlot() throws Exception {
        SlowText codec = new SlowText();
        // Handlers inline: every body is decoded on its connection's I/O thread.
        Peer server = peers.add(Peer.builder().configure(c -> c.handlerExecution(io.teleport.config.HandlerExecution.INLINE))
                .codec(codec).build());
        java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        server.pullRouter().route("/take", String.class, (body, ctx) -> {
            threads.add(Thread.currentThread().getName());
            return String.valueOf(body.length());
        });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        String large = "x".repeat(LargeBodyDecodes.MIN_BYTES);
        // Every slot taken elsewhere in the JVM: an I/O thread that waited for one would never answer.
        int slots = Math.max(2, io.netty.util.NettyRuntime.availableProcessors());
        LargeBodyDecodes.SLOTS.acquireUninterruptibly(slots);
        try {
            Session session = peers.add(Peer.builder().codec(new SlowText()).build()).dial("127.0.0.1:" + port);
            assertThat(session.pull("/take", large, String.class, CallOptions.bodyCodec(codec.id()),
                    CallOptions.timeout(Duration.ofSeconds(10)))).isEqualTo(String.valueOf(large.length()));
            assertThat(threads).allMatch(t -> t.startsWith("teleport-io"));
        } finally {
            LargeBodyDecodes.SLOTS.release(slots);
        }
    }
}
