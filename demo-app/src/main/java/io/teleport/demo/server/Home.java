package io.teleport.demo.server;

import io.teleport.demo.DemoProperties;
import io.teleport.demo.LogSampler;
import io.teleport.demo.LogValues;
import io.teleport.router.PullContext;
import io.teleport.spring.annotation.PullController;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Profile;

import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

/** The seed's {@code Home} controller in group {@code group}: {@code /group/home/test}. */
@PullController("group")
@Profile("server")
public class Home {

    private static final Logger log = LoggerFactory.getLogger(Home.class);
    /** A line for the first calls, then one per thousand: the callers decide how many come. */
    private final LogSampler logged = new LogSampler();

    private final DemoProperties demo;

    Home(DemoProperties demo) {
        this.demo = demo;
    }

    /** Pushes {@code /push/test} back to the caller, logs the request meta, waits, and replies. */
    public Map<String, Object> test(Map<String, Object> args, PullContext ctx) throws InterruptedException {
        ctx.session().push("/push/test?tag=from home-test", Map.of("your_id", String.valueOf(ctx.queryValue("peer_id"))));
        long n = logged.next();
        if (n > 0) {
            log.info("meta{}: {}", LogSampler.ofAll(n), LogValues.shown(ctx.meta()));
        }
        Thread.sleep(demo.delay().toMillis());
        return reply(args, ctx);
    }

    /** The seed's reply: the arguments, the server's time and the request meta as a query string. */
    static Map<String, Object> reply(Object args, PullContext ctx) {
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("your_args", args);
        reply.put("server_time", OffsetDateTime.now().toString());
        reply.put("meta", ctx.meta().toString());
        return reply;
    }
}
