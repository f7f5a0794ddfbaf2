package io.teleport.demo.client;

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

    /** Pushes logged each; after them, one line per thousand. */
    static final int LOGGED = 100;

    private final PushLog pushes;

    Push(PushLog pushes) {
        this.pushes = pushes;
    }

    /**
     * Logs a push from the server: each of the first {@value #LOGGED}, then one line per thousand, as a
     * server decides how many come.
     */
    public void test(Map<String, Object> args, PushContext ctx) {
        long n = pushes.add(ctx.uri() + " " + args);
        if (n <= LOGGED || n % 1000 == 0) {
            log.info("receive push({}){}:\nargs: {}\nquery: {}", ctx.remoteAddress(), n <= LOGGED ? "" : ", " + n + " in all",
                    LogValues.shown(args), LogValues.shown(ctx.query()));
        }
    }
}
