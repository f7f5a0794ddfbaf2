package io.teleport.demo;

import io.teleport.router.PullContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

/** The seed's {@code Home} controller; registered in group {@code group}: {@code /group/home/test}. */
public class Home {

    private static final Logger log = LoggerFactory.getLogger(Home.class);

    private final Duration delay;

    /** A controller that waits {@code delay} before replying, to show the slow-call alarm. */
    public Home(Duration delay) {
        this.delay = delay;
    }

    /** Pushes {@code /push/test} back to the caller, logs the request meta, waits, and replies. */
    public Map<String, Object> test(Map<String, Object> args, PullContext ctx) throws InterruptedException {
        ctx.session().push("/push/test?tag=from home-test", Map.of("your_id", String.valueOf(ctx.queryValue("peer_id"))));
        ctx.meta().forEach((k, v) -> log.info("meta: key: {}, value: {}", k, v));
        Thread.sleep(delay.toMillis());
        return DemoServer.reply(args, ctx);
    }

    static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            map.put((String) kv[i], kv[i + 1]);
        }
        return map;
    }

    static String now() {
        return OffsetDateTime.now().toString();
    }
}
