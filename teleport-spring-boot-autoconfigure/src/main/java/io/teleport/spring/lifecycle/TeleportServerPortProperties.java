package io.teleport.spring.lifecycle;

import io.teleport.transport.Addresses;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;

import java.util.HashMap;
import java.util.Map;

/**
 * Writes where the peer listens into the environment, as Boot writes {@code local.server.port}: a
 * test with {@code listen-address} port 0 reads it with {@code @LocalTeleportServerPort} (or
 * {@code @Value("${local.teleport.server.port}")}) without asking the peer. The values live in a
 * property source of their own, first in the context's environment and its parents'.
 */
public final class TeleportServerPortProperties implements ApplicationListener<TeleportServerStartedEvent>,
        ApplicationContextAware {

    /** The bound TCP port, when the peer listens on TCP. */
    public static final String PORT = "local.teleport.server.port";

    /** The bound address as text: {@code 127.0.0.1:43210}, a socket path, or {@code local:name}. */
    public static final String ADDRESS = "local.teleport.server.address";

    /** The name of the property source holding both. */
    public static final String SOURCE = "teleport.server.ports";

    private ApplicationContext context;

    @Override
    public void setApplicationContext(ApplicationContext context) {
        this.context = context;
    }

    @Override
    public void onApplicationEvent(TeleportServerStartedEvent event) {
        Map<String, Object> values = new HashMap<>();
        if (!event.getAddresses().isEmpty()) {
            values.put(ADDRESS, Addresses.format(event.getAddresses().get(0)));
        }
        if (event.getPort() >= 0) {
            values.put(PORT, String.valueOf(event.getPort()));
        }
        for (ApplicationContext c = context; c != null; c = c.getParent()) {
            if (c instanceof ConfigurableApplicationContext configurable) {
                put(configurable.getEnvironment().getPropertySources(), values);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void put(MutablePropertySources sources, Map<String, Object> values) {
        PropertySource<?> source = sources.get(SOURCE);
        if (source == null) {
            source = new MapPropertySource(SOURCE, new HashMap<>());
            sources.addFirst(source);
        }
        ((Map<String, Object>) source.getSource()).putAll(values);
    }
}
