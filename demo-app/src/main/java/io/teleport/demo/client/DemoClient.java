package io.teleport.demo.client;

import io.teleport.demo.Args;
import io.teleport.demo.DemoProperties;
import io.teleport.demo.LogValues;
import io.teleport.message.RerrorException;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.xfer.GzipFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.ExitCodeGenerator;
import org.springframework.context.annotation.Profile;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.JsonNodeFactory;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.teleport.session.CallOptions.addMeta;
import static io.teleport.session.CallOptions.setMeta;
import static io.teleport.session.CallOptions.xfer;

/**
 * The seed's {@code client.go}: pulls {@code /group/home/test} (retrying until it answers), then
 * {@code /group/home/test_unknown}, both with gzip. Without the server role in the same JVM the
 * application then exits, with 0 only when both pulls succeeded.
 */
@Component
@Profile("client")
public class DemoClient implements ApplicationRunner, ExitCodeGenerator {

    private static final Logger log = LoggerFactory.getLogger(DemoClient.class);
    private static final byte[] TEST_BYTES = "test bytes".getBytes(StandardCharsets.UTF_8);

    private final SessionTemplate teleport;
    private final DemoProperties demo;
    private final Environment environment;
    private final List<Map<?, ?>> replies = new CopyOnWriteArrayList<>();
    private volatile int exitCode = 1;

    DemoClient(SessionTemplate teleport, DemoProperties demo, Environment environment) {
        this.teleport = teleport;
        this.demo = demo;
        this.environment = environment;
    }

    @Override
    public void run(ApplicationArguments arguments) throws InterruptedException {
        exitCode = exchange() ? 0 : 1;
        log.info("client done ({}){}", exitCode == 0 ? "ok" : "failed",
                environment.getProperty("teleport.server.listen-address") == null ? ""
                        : "; the server keeps serving until stopped");
    }

    /** Runs both pulls; returns whether both succeeded. */
    public boolean exchange() throws InterruptedException {
        Map<?, ?> test = null;
        for (int attempt = 1; attempt <= demo.attempts() && test == null; attempt++) {
            try {
                teleport.session().setId("testId");
                test = teleport.pull("/group/home/test?peer_id=call-1", Map.of("bytes", TEST_BYTES), Map.class,
                        xfer(GzipFilter.ID), setMeta("set", "0"), addMeta("add", "1"), addMeta("add", "2"));
            } catch (RerrorException e) {
                log.error("pull error: {}", LogValues.shown(e.rerror()));
                Thread.sleep(demo.retryInterval().toMillis());
            }
        }
        if (test == null) {
            return false;
        }
        replies.add(test);
        log.info("test: {}", LogValues.shown(test));
        try {
            Args unknown = new Args(JsonNodeFactory.instance.objectNode().put("RawMessage", "test_unknown"), TEST_BYTES);
            Map<?, ?> reply = teleport.pull("/group/home/test_unknown?peer_id=call-2", unknown, Map.class,
                    xfer(GzipFilter.ID));
            replies.add(reply);
            log.info("test_unknown: {}", LogValues.shown(reply));
            return true;
        } catch (RerrorException e) {
            log.error("pull error: {}", LogValues.shown(e.rerror()));
            return false;
        }
    }

    /** The replies received, in order. */
    public List<Map<?, ?>> replies() {
        return replies;
    }

    @Override
    public int getExitCode() {
        return exitCode;
    }
}
