package io.teleport.benchmark.scale;

import io.teleport.Peer;
import io.teleport.benchmark.Options;
import io.teleport.config.HandlerExecution;
import io.teleport.config.PeerConfig;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One process of the scale test's client side: holds its share of the idle sessions, spread over
 * several loopback source addresses (one peer per address), and tells the coordinator on stdout
 * when every session has received a round's push.
 *
 * <p>Lines in (stdin): {@code CONTINUE} dials the second half; {@code ARM r} expects round
 * {@code r}; {@code CPU} asks for the process's CPU time; {@code QUIT}. Lines out (stdout):
 * {@code HALF n} once half the sessions are open, {@code READY n}, {@code ARMED r},
 * {@code DELIVERED r nanoTime}, {@code CPU nanos}. {@link System#nanoTime()}
 * is CLOCK_MONOTONIC on Linux, shared by all processes of the machine, so the coordinator can
 * compare the stamps with its own.
 */
public final class ScaleHolder {

    private ScaleHolder() {
    }

    /** Runs until {@code QUIT} or the end of stdin. */
    public static int run(Options options) throws Exception {
        int sessions = options.required("sessions");
        String address = options.string("host", "127.0.0.1") + ":" + options.required("port");
        String[] sources = options.string("sources", "").isBlank() ? new String[] {null}
                : options.string("sources", "").split(",");
        int ioThreads = options.integer("io-threads", 1);
        Round round = new Round();
        List<Peer> peers = new ArrayList<>();
        try {
            for (String source : sources) {
                // One I/O thread per peer by default: the holders share two cores with the server.
                Peer peer = new Peer(PeerConfig.builder().handlerExecution(HandlerExecution.INLINE).localIp(source)
                        .ioThreads(ioThreads).dialTimeout(Duration.ofSeconds(30)).build());
                peer.pushRouter().route("/scale/ping", String.class, (body, ctx) -> round.delivered());
                peers.add(peer);
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            int half = sessions / 2;
            dial(peers, address, 0, half);
            say("HALF " + half);
            String line = in.readLine();
            if (!"CONTINUE".equals(line)) {
                return 2;
            }
            dial(peers, address, half, sessions);
            say("READY " + sessions);
            for (line = in.readLine(); line != null && !line.equals("QUIT"); line = in.readLine()) {
                if (line.startsWith("ARM ")) {
                    int r = Integer.parseInt(line.substring(4).trim());
                    round.arm(r, sessions);
                    say("ARMED " + r);
                } else if (line.equals("CPU")) {
                    say("CPU " + ProcessCpu.nanos());
                }
            }
            return 0;
        } finally {
            for (Peer peer : peers) {
                peer.shutdown(Duration.ofSeconds(2));
            }
        }
    }

    /** Dials sessions {@code from} to {@code to} (exclusive), spread over the peers, 256 at a time. */
    private static void dial(List<Peer> peers, String address, int from, int to) throws Exception {
        List<CompletableFuture<?>> dials = new ArrayList<>();
        for (int i = from; i < to; i++) {
            dials.add(peers.get(i % peers.size()).dialAsync(address, null));
            if (dials.size() == 256 || i == to - 1) {
                CompletableFuture.allOf(dials.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
                dials.clear();
            }
        }
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** The round being received: counts deliveries down and reports the last one's time. */
    private static final class Round {

        private final AtomicInteger left = new AtomicInteger();
        private volatile int number;

        void arm(int r, int expected) {
            number = r;
            left.set(expected);
        }

        void delivered() {
            if (left.decrementAndGet() == 0) {
                long at = System.nanoTime();
                say("DELIVERED " + number + " " + at);
            }
        }
    }
}
