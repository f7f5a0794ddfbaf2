package io.teleport.demo.client;

import io.teleport.demo.LogSampler;
import io.teleport.demo.LogValues;
import io.teleport.router.PushContext;
import io.teleport.spring.annotation.PushController;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Profile;

import java.util.Map;

/** The seed's {@code Push} controller: {@code /push/test}. */
@PushController
@Profile("client")
public class Push {

    private static final Logger log = LoggerFactory.getLogger(Push.class);

    private final PushLog pushes;

    Push(PushLog pushes) {
        this.pushes = pushes;
    }

    /**
     * Logs a push from the server: each of the first ones, then one line per thousand ({@link LogSampler}),
     * as a server decides how many come.
     */
    public void test(Map<String, Object> args, PushContext ctx) {
        long n = pushes.add(ctx.uri() + " " + args);
        if (LogSampler.logs(n)) {
            log.info("receive push({}){}:\nargs: {}\nquery: {}", ctx.remoteAddress(), n <= LogSampler.FIRST ? "" : ", " + n + " in all",
                    LogValues.shown(args), LogValues.shown(ctx.query()));
        }
    }
}
