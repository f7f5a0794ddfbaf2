package io.teleport.benchmark;

/**
 * {@code java -jar teleport-benchmark.jar COMMAND [options]}:
 * <pre>
 *   server        --port P [--host H] [--handler pool|virtual|inline] [--nonblocking] [--metrics] [--io-threads T]
 *                 [--protocol teleport-v3|erpc-v6|auto]
 *   spring-server --port P [--host H] [--handler pool|virtual|inline] [--metrics]
 *   client        --port P -c C -n N [--warmup W] [--host H] [--protocol teleport-v3|erpc-v6]
 *   scale-server  --port P [--host H]
 *   scale-client  --port P --sessions S [--processes K] [--sources 127.0.0.1,127.0.0.2,...] [--rounds R]
 *   scale-holder  (started by scale-client)
 *   soak          --minutes M | --seconds S [--interval S] [--port P] [--server-heap 512m] [--server-jvm "OPTS"]
 *                 [--server-log FILE] [--pullers 4] [--rate 1000] [--pushers 2] [--push-rate 20] [--timeout 10]
 *                 [--hostile 4] [--attacks all|a,b,..] [--attack-seconds 20] [--verbose]
 *   soak-server   --port P [server options] [--stats-every 60]  (started by soak)
 *   jmh           [JMH options], e.g. -prof gc
 *   cpu-report    ROUND_DIR...  (CPU per call from run-bench.sh's rounds, with the cpu-agent.jar in every JVM)
 *   msg-size
 * </pre>
 */
public final class BenchMain {

    private BenchMain() {
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: server|spring-server|client|scale-server|scale-client|soak|jmh|msg-size [options]");
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
            case "soak":
                rc = io.teleport.benchmark.soak.Soak.run(new Options(args, 1));
                break;
            case "soak-server":
                rc = io.teleport.benchmark.soak.SoakServer.run(new Options(args, 1));
                break;
            case "jmh":
                org.openjdk.jmh.Main.main(java.util.Arrays.copyOfRange(args, 1, args.length));
                return;
            case "cpu-report":
                rc = io.teleport.benchmark.cpu.CpuReport.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.out);
                break;
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
