package io.teleport.benchmark;

/**
 * {@code java -jar teleport-benchmark.jar COMMAND [options]}:
 * <pre>
 *   server        --port P [--host H] [--handler pool|virtual|inline] [--metrics] [--io-threads T]
 *   spring-server --port P [--host H] [--handler pool|virtual|inline] [--metrics]
 *   client        --port P -c C -n N [--warmup W] [--host H]
 *   scale-server  --port P [--host H]
 *   scale-client  --port P --sessions S [--processes K] [--sources 127.0.0.1,127.0.0.2,...] [--rounds R]
 *   scale-holder  (started by scale-client)
 *   jmh           [JMH options], e.g. -prof gc
 *   msg-size
 * </pre>
 */
public final class BenchMain {

    private BenchMain() {
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: server|spring-server|client|scale-server|scale-client|jmh|msg-size [options]");
            System.exit(64);
        }
        int rc = 0;
        switch (args[0]) {
            case "server":
                BenchServer.run(new Options(args, 1));
                break;
            case "spring-server":
                SpringBenchServer.run(new Options(args, 1));
                return;
            case "client":
                rc = BenchClient.run(new Options(args, 1));
                break;
            case "scale-server":
                io.teleport.benchmark.scale.ScaleServer.run(new Options(args, 1));
                break;
            case "scale-client":
                rc = io.teleport.benchmark.scale.ScaleClient.run(new Options(args, 1));
                break;
            case "scale-holder":
                rc = io.teleport.benchmark.scale.ScaleHolder.run(new Options(args, 1));
                break;
            case "jmh":
                org.openjdk.jmh.Main.main(java.util.Arrays.copyOfRange(args, 1, args.length));
                return;
            case "msg-size":
                System.out.println(Workload.request().getSerializedSize());
                break;
            default:
                System.err.println("unknown command: " + args[0]);
                rc = 64;
        }
        System.exit(rc);
    }
}
