package io.teleport.spring.discovery;

import io.teleport.spring.annotation.PullController;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

import java.util.ArrayList;
import java.util.List;

/**
 * Server instances of service {@code inventory}: Spring applications without a web server that listen
 * on a loopback port of their own and register with a {@link ZooKeeperFixture}'s server, each answering
 * {@code /inventory/whoami} with its label.
 */
public final class InventoryInstances {

    /** The service id the instances register under. */
    public static final String SERVICE_ID = "inventory";

    /** The route each instance answers with its label. */
    public static final String WHOAMI = "/inventory/whoami";

    private InventoryInstances() {
    }

    /**
     * Starts an instance labelled {@code label}, registered with {@code zk}; the caller closes it.
     *
     * @param properties more properties ({@code key=value}), overriding the defaults
     */
    public static ConfigurableApplicationContext start(ZooKeeperFixture zk, String label, String... properties) {
        List<String> all = new ArrayList<>(List.of(
                "spring.application.name=" + SERVICE_ID,
                "spring.main.banner-mode=off",
                "inventory.label=" + label,
                "teleport.server.listen-address=127.0.0.1:0",
                // Clients dial the registered host: the loopback address the instance listens on.
                "spring.cloud.zookeeper.discovery.instance-host=127.0.0.1"));
        all.addAll(zk.springProperties());
        for (String property : properties) {
            // A property given replaces the default of the same key rather than joining it in a list.
            String key = property.substring(0, property.indexOf('=') + 1);
            all.removeIf(p -> p.startsWith(key));
            all.add(property);
        }
        // As command-line arguments: above the test class path's application.properties, which switches
        // ZooKeeper off for every other test.
        return new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .run(all.stream().map(p -> "--" + p).toArray(String[]::new));
    }

    /** An instance application: auto-configured, with the one controller. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(Inventory.class)
    public static class App {
    }

    /** {@code /inventory/whoami}. */
    @PullController
    public static class Inventory {

        private final String label;

        /** A controller answering with {@code label}. */
        public Inventory(@Value("${inventory.label}") String label) {
            this.label = label;
        }

        /** This instance's label. */
        public String whoami() {
            return label;
        }
    }
}
