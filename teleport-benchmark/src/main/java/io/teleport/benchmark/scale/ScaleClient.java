package io.teleport.benchmark.scale;

import io.teleport.HandlerExecution;
import io.teleport.Peer;
import io.teleport.PeerConfig;
import io.teleport.session.Session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Opens S idle sessions to a {@link ScaleServer}, reports the server's heap and RSS per session, and
 * times one small push from the server to all of them.
 */
public final class ScaleClient {

    private ScaleClient() {
    }

    /** Runs the scale test; prints a SCALE line. */
    public static int run(io.teleport.benchmark.Options options) throws Exception {
        int sessions = options.required("sessions");
        String address = options.string("host", "127.0.0.1") + ":" + options.required("port");
        java.util.concurrent.atomic.AtomicReference<CountDownLatch> round =
                new java.util.concurrent.atomic.AtomicReference<>(new CountDownLatch(sessions));
        Peer peer = new Peer(PeerConfig.builder().handlerExecution(HandlerExecution.INLINE)
                .pullTimeout(Duration.ofMinutes(2)).build());
        peer.pushRouter().route("/scale/ping", String.class, (body, ctx) -> round.get().countDown());
        try {
            Session control = peer.dial(address);
            Map<?, ?> before = control.pull("/scale/stats", null, Map.class);
            List<CompletableFuture<?>> dials = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                dials.add(peer.dialAsync(address, null));
                if (dials.size() == 256) {
                    CompletableFuture.allOf(dials.toArray(CompletableFuture[]::new)).join();
                    dials.clear();
                }
            }
            CompletableFuture.allOf(dials.toArray(CompletableFuture[]::new)).join();
            Map<?, ?> after = control.pull("/scale/stats", null, Map.class);
            // One unmeasured broadcast first, so that the measured one runs compiled code.
            control.pullAsync("/scale/push_all", null, Integer.class);
            round.get().await(60, TimeUnit.SECONDS);
            CountDownLatch delivered = new CountDownLatch(sessions);
            round.set(delivered);
            long t0 = System.nanoTime();
            control.pullAsync("/scale/push_all", null, Integer.class);
            boolean all = delivered.await(60, TimeUnit.SECONDS);
            double pushMs = (System.nanoTime() - t0) / 1e6;
            long n = ((Number) after.get("sessions")).longValue() - ((Number) before.get("sessions")).longValue();
            double heapPer = (((Number) after.get("heap_bytes")).longValue() - ((Number) before.get("heap_bytes")).longValue())
                    / (double) n;
            double rssPer = (((Number) after.get("rss_bytes")).longValue() - ((Number) before.get("rss_bytes")).longValue())
                    / (double) n;
            System.out.printf(Locale.ROOT, "SCALE sessions=%d heap_per_session_bytes=%.0f rss_per_session_bytes=%.0f"
                    + " push_all_ms=%.1f delivered=%d%n", n, heapPer, rssPer, pushMs, sessions - delivered.getCount());
            return all ? 0 : 1;
        } finally {
            peer.shutdown(Duration.ofSeconds(5));
        }
    }
}
