package io.teleport.demo;

import io.teleport.demo.cluster.ClusterDemo;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The cluster profile: three instances found in ZooKeeper share the pulls, and a graceful stop fails none. */
class ClusterDemoTest {

    @Test
    void pullsSpreadOverThreeRegisteredInstancesAndNoneFailsWhileOneStops() {
        try (ConfigurableApplicationContext demo = new SpringApplicationBuilder(DemoApplication.class)
                .profiles("cluster").run()) {
            ClusterDemo cluster = demo.getBean(ClusterDemo.class);
            assertThat(cluster.spread()).isEqualTo(Map.of("home-1", 10, "home-2", 10, "home-3", 10));
            assertThat(SpringApplication.exit(demo)).as("what main() exits with").isZero();
        }
    }
}
