package io.teleport.benchmark.jmh;

import io.teleport.router.PullRouter;
import io.teleport.router.RequestUri;
import io.teleport.router.Route;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/** Parsing a URI and finding its route among 200. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RoutingBenchmark {

    private final PullRouter router = new PullRouter();

    @Setup
    public void setUp() {
        for (int i = 0; i < 200; i++) {
            router.group("group" + i).route("/home/test", String.class, (b, c) -> b);
        }
    }

    /** The path of a URI with a query, then the route. */
    @Benchmark
    public Route route() {
        return router.lookup(RequestUri.parse("/group42/home/test?peer_id=call-1").path());
    }
}
