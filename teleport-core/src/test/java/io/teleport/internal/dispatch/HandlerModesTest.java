package io.teleport.internal.dispatch;

import org.junit.jupiter.api.Test;

import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;

import static org.assertj.core.api.Assertions.assertThat;

/** The start-up line's words for where handlers run, for each executor a peer may run them on. */
class HandlerModesTest {

    @Test
    void eachExecutorIsNamedAsItRunsHandlers() {
        HandlerPool pool = new HandlerPool(1, 200, 100, System::nanoTime, null);
        ExecutorService application = Executors.newSingleThreadExecutor();
        try {
            assertThat(HandlerModes.describe(pool, false, true, 200, 10_000))
                    .isEqualTo("a pool of 200 threads, 50 more in reserve");
            assertThat(HandlerModes.describe(new BoundedExecutor(application, 10_000), false, true, 200, 10_000))
                    .isEqualTo("virtual threads, at most 10000 at once");
            assertThat(HandlerModes.describe(pool, false, false, 8, 10_000))
                    .as("a pool the application gave is its own, whatever the peer's settings")
                    .isEqualTo("the application's executor");
            Executor inline = Runnable::run;
            assertThat(HandlerModes.describe(inline, true, true, 200, 10_000)).isEqualTo("on the I/O threads (inline)");
        } finally {
            pool.shutdownNow();
            application.shutdownNow();
        }
    }
}
