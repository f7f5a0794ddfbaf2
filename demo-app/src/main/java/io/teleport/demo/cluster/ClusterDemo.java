package io.teleport.demo.cluster;

import io.teleport.demo.DemoApplication;
import io.teleport.message.RerrorException;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.spring.client.SessionTemplates;
import org.apache.curator.test.TestingServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.ExitCodeGenerator;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * The scale-out demo ({@code --spring.profiles.active=cluster}): an embedded ZooKeeper, three server
 * instances of the service {@code demo-home} that register in it, and a client that names the
 * service, spreads its pulls over the instances, and keeps pulling while one instance stops
 * gracefully. Each is a Spring application of its own, as it would be a process of its own.
 * Exits 0 when the pulls spread over all three and none failed.
 */
@Component
@Profile("cluster")
public class ClusterDemo implements ApplicationRunner, ExitCodeGenerator {

    private static final Logger log = LoggerFactory.getLogger(ClusterDemo.class);
    private static final int PULLS = 30;

    private final Map<String, Integer> spread = new TreeMap<>();
    private volatile int failed = -1;

    @Override
    public void run(ApplicationArguments arguments) throws Exception {
        try (TestingServer zookeeper = new TestingServer(true)) {
            log.info("ZooKeeper (embedded) at {}", zookeeper.getConnectString());
            String registry = "--spring.cloud.zookeeper.connect-string=" + zookeeper.getConnectString();
            List<ConfigurableApplicationContext> servers = new ArrayList<>();
            try {
                for (String name : List.of("home-1", "home-2", "home-3")) {
                    servers.add(new SpringApplicationBuilder(DemoApplication.class).profiles("cluster-server")
                            .run(registry, "--demo.instance=" + name));
                }
                try (ConfigurableApplicationContext client = new SpringApplicationBuilder(DemoApplication.class)
                        .profiles("cluster-client").run(registry)) {
                    call(client.getBean(SessionTemplates.class).get("home"), servers.get(0));
                }
            } finally {
                servers.forEach(ConfigurableApplicationContext::close);
            }
        }
    }

    private void call(SessionTemplate home, ConfigurableApplicationContext first) throws InterruptedException {
        for (int i = 1; i <= PULLS; i++) {
            String who = home.pull("/cluster/whoami", null, String.class);
            spread.merge(who, 1, Integer::sum);
            log.info("pull {} answered by {}", i, who);
        }
        log.info("{} pulls over {} instances: {}", PULLS, spread.size(), spread);
        // Deregisters, waits for the clients to notice, then drains: calls meanwhile go elsewhere.
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(first::close);
        int errors = 0;
        Map<String, Integer> during = new TreeMap<>();
        while (!stopping.isDone()) {
            try {
                during.merge(home.pull("/cluster/whoami", null, String.class), 1, Integer::sum);
            } catch (RerrorException e) {
                errors++;
                log.warn("pull failed while home-1 stopped: {}", e.rerror());
            }
            Thread.sleep(20);
        }
        failed = errors;
        log.info("while home-1 stopped gracefully: {} pulls, {} failed, answered by {}",
                during.values().stream().mapToInt(Integer::intValue).sum() + errors, errors, during);
    }

    /** The pulls each instance answered before one was stopped. */
    public Map<String, Integer> spread() {
        return spread;
    }

    @Override
    public int getExitCode() {
        return failed == 0 && spread.size() == 3 && spread.values().stream().allMatch(n -> n == PULLS / 3) ? 0 : 1;
    }
}
