package io.teleport.demo;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Runs the seed's example. {@code server} listens, {@code client} dials, no role does both in one
 * JVM: the client runs its pulls against the local server and the process exits with the client's
 * result.
 *
 * <p>Options: {@code --listen=0.0.0.0:9090}, {@code --connect=127.0.0.1:9090}, {@code --delay-ms=600}.
 */
public final class DemoApplication {

    private DemoApplication() {
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        List<String> list = Arrays.asList(args);
        String listen = option(list, "--listen=", "0.0.0.0:9090");
        String connect = option(list, "--connect=", "127.0.0.1:9090");
        Duration delay = Duration.ofMillis(Long.parseLong(option(list, "--delay-ms=", "600")));
        boolean server = list.contains("server") || !list.contains("client");
        boolean client = list.contains("client") || !list.contains("server");
        if (server && !client) {
            DemoServer demo = new DemoServer(listen, delay);
            demo.start();
            Runtime.getRuntime().addShutdownHook(new Thread(demo::close));
            Thread.currentThread().join();
            return;
        }
        int status;
        if (server) {
            try (DemoServer demo = new DemoServer(listen, delay); DemoClient demoClient = new DemoClient()) {
                demo.start();
                status = demoClient.run(connect, 5) ? 0 : 1;
            }
        } else {
            try (DemoClient demoClient = new DemoClient()) {
                status = demoClient.run(connect, 30) ? 0 : 1;
            }
        }
        System.exit(status);
    }

    private static String option(List<String> args, String prefix, String fallback) {
        return args.stream().filter(a -> a.startsWith(prefix)).map(a -> a.substring(prefix.length()))
                .findFirst().orElse(fallback);
    }
}
