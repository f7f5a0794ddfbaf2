package io.teleport.spring.autoconfigure;

import io.teleport.Peer;
import io.teleport.plugin.Plugin;
import io.teleport.plugins.AuthPlugin;
import io.teleport.plugins.HeartbeatPlugin;
import io.teleport.plugins.ProxyPlugin;
import io.teleport.plugins.ValidationPlugin;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.beans.factory.BeanCurrentlyInCreationException;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.annotation.OrderUtils;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where Teleport's own plugins sit in the peer's chain, so that an application can place its plugins
 * around them with {@code @Order}: authentication first, so that nothing acts on a message from a peer
 * that has not authenticated, then the other built-in plugins, all before any application plugin that
 * does not ask otherwise (an unordered plugin, or {@code @Order(10)}, runs after every one of them).
 * Each constant leaves room before it and after it. A bean of a built-in plugin type without an order
 * of its own takes its constant; an order given on the bean wins.
 */
public final class TeleportPluginOrder {

    /**
     * {@link AuthPlugin}. Its handshake ({@code /auth/verify}) is seen by no plugin after it; a plugin
     * ordered before it sees the handshake and messages from unauthenticated peers.
     */
    public static final int AUTH = Ordered.HIGHEST_PRECEDENCE + 100;
    /** {@link HeartbeatPlugin}: pings and pongs of authenticated sessions. */
    public static final int HEARTBEAT = AUTH + 100;
    /**
     * The observation plugin: right before the Micrometer plugin, so that a pull's observation starts
     * before any plugin but auth can refuse it.
     */
    public static final int OBSERVATION = AUTH + 150;
    /** The Micrometer plugin: it sees every authenticated message, including those later plugins refuse. */
    public static final int METRICS = AUTH + 200;
    /** {@link ProxyPlugin}: forwarding of unknown routes. */
    public static final int PROXY = AUTH + 300;
    /** {@link ValidationPlugin}, when an application declares one (the starter validates without it). */
    public static final int VALIDATION = AUTH + 400;

    private static final String VALIDATION_PLUGIN = "io.teleport.plugins.ValidationPlugin";

    private TeleportPluginOrder() {
    }

    /**
     * The plugin beans in chain order: by {@link Ordered}, by {@code @Order} on the class or the bean
     * method, or {@code @Priority}, else by the built-in type's constant, else last; ties keep the
     * order the beans were defined in.
     */
    static List<Plugin> sorted(ListableBeanFactory beans) {
        return sorted(beans, Set.of());
    }

    /**
     * {@link #sorted(ListableBeanFactory)}, leaving out the beans of {@code routeScoped} types, which
     * controllers name for their own routes: they are made later, after the peer, and may need it.
     */
    static List<Plugin> sorted(ListableBeanFactory beans, Set<Class<?>> routeScoped) {
        List<Map.Entry<String, Plugin>> entries = new ArrayList<>();
        for (String name : beans.getBeanNamesForType(Plugin.class, true, true)) {
            Class<?> type = beans.getType(name);
            if (type != null && routeScoped.stream().anyMatch(scoped -> scoped.isAssignableFrom(type))) {
                continue;
            }
            // A @Bean method may return null (a plugin switched off): no bean of its type then.
            if (plugin(beans, name) instanceof Plugin plugin && routeScoped.stream().noneMatch(t -> t.isInstance(plugin))) {
                entries.add(Map.entry(name, plugin));
            }
        }
        entries.sort(Comparator.comparingInt(entry -> order(beans, entry.getKey(), entry.getValue())));
        return entries.stream().map(Map.Entry::getValue).toList();
    }

    /**
     * The plugin bean {@code name}. One that needs the peer, directly or through other beans, cannot
     * be made while the peer is being built from it: {@code getBeansOfType} would leave it out of the
     * chain without a word, and its hooks would never run.
     */
    private static Object plugin(ListableBeanFactory beans, String name) {
        try {
            return beans.getBean(name);
        } catch (BeanCreationException e) {
            Throwable cycle = e;
            while (cycle != null && !(cycle instanceof BeanCurrentlyInCreationException)) {
                cycle = cycle.getCause();
            }
            // The plugin itself (made first, it asked for the peer) or the peer (asked for on the way).
            if (cycle instanceof BeanCurrentlyInCreationException inCreation && (name.equals(inCreation.getBeanName())
                    || List.of(beans.getBeanNamesForType(Peer.class, true, false)).contains(inCreation.getBeanName()))) {
                throw new IllegalStateException("Teleport plugin bean '" + name + "' depends, directly or through"
                        + " other beans, on the Peer, which is built from the plugin beans, so its hooks could not"
                        + " join the chain: inject ObjectProvider<Peer> (or of SessionTemplate, SessionTemplates)"
                        + " and get it when a hook runs (TeleportSessions may be injected as it is)", e);
            }
            throw e;
        }
    }

    private static int order(ListableBeanFactory beans, String name, Plugin plugin) {
        if (plugin instanceof Ordered) {
            return ((Ordered) plugin).getOrder();
        }
        Order order = beans.findAnnotationOnBean(name, Order.class);
        if (order != null) {
            return order.value();
        }
        Integer priority = OrderUtils.getPriority(plugin.getClass());
        if (priority != null) {
            return priority;
        }
        return builtIn(plugin);
    }

    private static int builtIn(Plugin plugin) {
        if (plugin instanceof AuthPlugin) {
            return AUTH;
        }
        if (plugin instanceof HeartbeatPlugin) {
            return HEARTBEAT;
        }
        if (plugin instanceof ProxyPlugin) {
            return PROXY;
        }
        // By name: ValidationPlugin's class needs Jakarta Validation, which an application may not have.
        return plugin.getClass().getName().equals(VALIDATION_PLUGIN) ? VALIDATION : Ordered.LOWEST_PRECEDENCE;
    }
}
