package io.teleport.benchmark;

import io.teleport.benchmark.proto.BenchmarkMessage;
import io.teleport.spring.annotation.PullController;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

/** The same server as a Spring Boot application with the starter: what the Spring layer costs. */
@SpringBootApplication(proxyBeanMethods = false)
@Import(SpringBenchServer.Hello.class)
public class SpringBenchServer {

    /** {@code /hello/say} as a {@code @PullController}. */
    @PullController
    public static class Hello {
        /** Answers one request. */
        public BenchmarkMessage say(BenchmarkMessage request) {
            return Workload.answer(request);
        }
    }

    static void run(Options o) {
        SpringApplication app = new SpringApplication(SpringBenchServer.class);
        app.setDefaultProperties(java.util.Map.of(
                "teleport.server.listen-address", o.string("host", "127.0.0.1") + ":" + o.required("port"),
                "teleport.default-body-codec", "protobuf",
                "teleport.handler.execution", o.string("handler", "pool"),
                "teleport.metrics.enabled", String.valueOf(o.flag("metrics")),
                "spring.main.banner-mode", "off",
                "logging.level.io.teleport", "WARN"));
        app.run();
    }
}
