package io.teleport.spring.autoconfigure;

import io.teleport.Peer;
import io.teleport.PeerBuilder;
import io.teleport.codec.Codec;
import io.teleport.codec.JsonCodec;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.plugins.AuthPlugin;
import io.teleport.plugins.HeartbeatPlugin;
import io.teleport.proto.Proto;
import io.teleport.router.ExceptionMapper;
import io.teleport.router.binding.HandlerArgumentValidator;
import io.teleport.spring.annotation.PullController;
import io.teleport.spring.annotation.PushController;
import io.teleport.spring.client.EagerRemotes;
import io.teleport.spring.client.RoundRobinLoadBalancer;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.spring.client.SessionTemplates;
import io.teleport.spring.client.TeleportLoadBalancer;
import io.teleport.spring.client.UndialedPulls;
import io.teleport.spring.diagnostics.TeleportConfigurationException;
import io.teleport.spring.diagnostics.UnknownTeleportKeys;
import io.teleport.spring.handler.BeanValidationArguments;
import io.teleport.spring.handler.ControllerRouteRegistrar;
import io.teleport.spring.handler.TeleportExceptionHandlers;
import io.teleport.spring.lifecycle.TeleportPeerLifecycle;
import io.teleport.spring.lifecycle.TeleportServerPortProperties;
import io.teleport.spring.server.TeleportSessions;
import io.teleport.xfer.XferFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.util.ClassUtils;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import tools.jackson.databind.JacksonModule;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Auto-configuration of a Teleport peer: present when the application listens
 * ({@code teleport.server.listen-address}) or calls a remote ({@code teleport.client.address},
 * {@code teleport.clients.*}). Every bean can be replaced by one of the application's.
 */
// After Jackson's: the JSON codec takes the JacksonModule beans it registers (@JacksonComponent, mixins).
@AutoConfiguration(afterName = "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration")
@ConditionalOnClass(Peer.class)
@Conditional(OnTeleportRoleCondition.class)
@EnableConfigurationProperties(TeleportProperties.class)
public final class TeleportAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(TeleportAutoConfiguration.class);
    /** Keys that conditions read rather than TeleportProperties. */
    private static final Set<String> READ_BY_CONDITIONS = Set.of("teleport.metrics.enabled", "teleport.observations.enabled");

    @Bean
    @ConditionalOnMissingBean
    PeerConfig teleportPeerConfig(TeleportProperties properties, Environment environment,
            ObjectProvider<SslBundles> sslBundles, ObjectProvider<TeleportPeerConfigCustomizer> customizers,
            ObjectProvider<Peer> peer) {
        List<TeleportPeerConfigCustomizer> ordered = customizers.orderedStream().toList();
        SslBundles bundles = sslBundles.getIfAvailable();
        PeerConfig config = PeerConfigFactory.create(properties, environment, bundles, ordered);
        String bundle = properties.ssl().bundle();
        if (bundle != null && !bundle.isBlank() && bundles != null) {
            // Here, not with the peer: a PeerConfig bean of the application's owns its TLS, renewals included.
            SslBundleTls.followUpdates(peer, properties.ssl(), bundles, ordered);
        }
        return config;
    }

    /**
     * The peer, with every plugin bean in {@link TeleportPluginOrder} (except those a controller names
     * for its own routes), every codec, filter and protocol bean, and the exception mappers in {@code @Order}.
     */
    @Bean
    @ConditionalOnMissingBean
    Peer teleportPeer(PeerConfig config, TeleportProperties properties, ListableBeanFactory beanFactory,
            ObjectProvider<Codec> codecBeans, ObjectProvider<XferFilter> filterBeans, ObjectProvider<Proto> proto,
            ObjectProvider<ExceptionMapper> exceptionMappers) {
        warnIfAuthPropertiesUnused(beanFactory, properties.auth());
        Set<Class<?>> scoped = controllerScopedPlugins(beanFactory);
        PeerBuilder builder = Peer.builder().config(config);
        TeleportPluginOrder.sorted(beanFactory, scoped).forEach(builder::plugin);
        codecBeans.orderedStream().forEach(builder::codec);
        filterBeans.orderedStream().forEach(builder::xferFilter);
        // teleport.protocol, unless the application has a Proto bean of its own.
        builder.defaultProto(properties.protocol().proto());
        proto.ifAvailable(builder::defaultProto);
        exceptionMappers.orderedStream().forEach(builder::exceptionMapper);
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            if (String.valueOf(e.getMessage()).startsWith("body codec: ")) {
                // Known only now: Codec beans count, and protobuf is there only with protobuf-java.
                throw new TeleportConfigurationException("teleport.default-body-codec", properties.defaultBodyCodec()
                        + " is not a codec of this application (" + e.getMessage().replaceFirst("^body codec: \\S+ \\((.*)\\)$", "$1")
                        + ")", "Set teleport.default-body-codec to one of those" + (ClassUtils.isPresent(
                        "com.google.protobuf.MessageLite", null) ? "" : ", add com.google.protobuf:protobuf-java for protobuf")
                        + ", or declare a Codec bean of that name.", e);
            }
            throw new IllegalStateException("teleport: " + e.getMessage() + " (check teleport.network and the plugin "
                    + "beans)", e);
        }
    }

    /**
     * The JSON codec with the application's Jackson modules, as Boot's own mapper gets every
     * {@link JacksonModule} bean: Go's encoding rules stay, the modules add types (money, geometry, an
     * id type). Registered before other Codec beans, so that a JSON codec bean of the application's
     * own replaces it.
     */
    @Bean
    @ConditionalOnBean(JacksonModule.class)
    @ConditionalOnMissingBean(JsonCodec.class)
    @Order(Ordered.HIGHEST_PRECEDENCE)
    JsonCodec teleportJsonCodec(ObjectProvider<JacksonModule> modules) {
        return new JsonCodec(JsonCodec.goCompatibleMapperBuilder().addModules(modules.orderedStream().toList()).build());
    }

    private static Set<Class<?>> controllerScopedPlugins(ListableBeanFactory beanFactory) {
        Set<Class<?>> types = new HashSet<>();
        for (String name : beanFactory.getBeanNamesForAnnotation(PullController.class)) {
            types.addAll(List.of(beanFactory.findAnnotationOnBean(name, PullController.class).plugins()));
        }
        for (String name : beanFactory.getBeanNamesForAnnotation(PushController.class)) {
            types.addAll(List.of(beanFactory.findAnnotationOnBean(name, PushController.class).plugins()));
        }
        return types;
    }

    /** Names misspelt {@code teleport.*} keys, whether or not a peer starts (see {@link UnknownTeleportKeys}). */
    @Bean
    static SmartInitializingSingleton teleportUnknownKeysWarning(Environment environment) {
        return () -> warnOfUnknownKeys(environment);
    }

    static void warnOfUnknownKeys(Environment environment) {
        UnknownTeleportKeys.warn(environment, "teleport", TeleportProperties.class, READ_BY_CONDITIONS);
    }

    /** Every misspelt {@code teleport.*} key, security ones too, without failing: for a start-up that failed. */
    static void warnOfAllUnknownKeys(Environment environment) {
        UnknownTeleportKeys.warnAll(environment, "teleport", TeleportProperties.class, READ_BY_CONDITIONS);
    }

    /** The misspelt {@code teleport.*} keys, for a failure analysis (see {@link UnknownTeleportKeys#find}). */
    static String unknownKeys(Environment environment) {
        return UnknownTeleportKeys.find(environment, "teleport", TeleportProperties.class, READ_BY_CONDITIONS);
    }

    /** An application's own {@link AuthPlugin} bean replaces the one of {@code teleport.auth.*}: say so, as they are security settings. */
    private static void warnIfAuthPropertiesUnused(ListableBeanFactory beanFactory, TeleportProperties.Auth auth) {
        List<String> own = List.of(beanFactory.getBeanNamesForType(AuthPlugin.class)).stream()
                .filter(name -> !name.equals(AUTH_PLUGIN_BEAN)).toList();
        if (!own.isEmpty() && (auth.token() != null || !auth.acceptedTokens().isEmpty())) {
            log.warn("the AuthPlugin bean {} replaces the one teleport.auth.token and teleport.auth.accepted-tokens "
                    + "would make: this peer sends and accepts only what that bean says (AuthPlugin.client, server or both)",
                    own);
        }
    }

    private static final String AUTH_PLUGIN_BEAN = "teleportAuthPlugin";

    @Bean
    @ConditionalOnMissingBean
    TeleportPeerLifecycle teleportPeerLifecycle(Peer peer, Environment environment) {
        Duration phase = Binder.get(environment).bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class)
                .orElse(Duration.ofSeconds(30));
        // The peer needs a little past its drain timeout to stop its threads: stay inside the phase.
        Duration withinPhase = phase.minus(SHUTDOWN_SLACK).isNegative() ? Duration.ZERO : phase.minus(SHUTDOWN_SLACK);
        Duration configured = peer.config().shutdownTimeout();
        Duration timeout = configured.compareTo(withinPhase) < 0 ? configured : withinPhase;
        if (timeout.compareTo(configured) < 0) {
            log.warn("teleport.shutdown-timeout {} is cut to {}: Spring stops waiting for the peer after "
                    + "spring.lifecycle.timeout-per-shutdown-phase ({}), and the peer needs {} of it to stop; raise that "
                    + "to drain for the whole timeout", PropertyChecks.written(configured), PropertyChecks.written(timeout),
                    PropertyChecks.written(phase), PropertyChecks.written(SHUTDOWN_SLACK));
        }
        return new TeleportPeerLifecycle(peer, peer.config().listenAddress(), timeout);
    }

    private static final Duration SHUTDOWN_SLACK = Duration.ofSeconds(3);

    /** Where the peer listens, as {@code local.teleport.server.port} in the environment once it does. */
    @Bean
    @ConditionalOnMissingBean
    TeleportServerPortProperties teleportServerPortProperties() {
        return new TeleportServerPortProperties();
    }

    @Bean
    @ConditionalOnMissingBean
    ControllerRouteRegistrar teleportControllerRouteRegistrar(Peer peer, ListableBeanFactory beanFactory,
            ObjectProvider<ConversionService> conversionService, ObjectProvider<HandlerArgumentValidator> validator) {
        // The application's own service (a web application's, with its converters) when it has one.
        return new ControllerRouteRegistrar(peer, beanFactory,
                conversionService.getIfUnique(ApplicationConversionService::getSharedInstance), validator.getIfUnique());
    }

    /** Handler arguments validated with the application's {@code Validator}, when Jakarta Validation is present. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "jakarta.validation.Validator")
    static class ValidationConfiguration {

        @Bean
        @ConditionalOnMissingBean
        HandlerArgumentValidator teleportArgumentValidator(ObjectProvider<jakarta.validation.Validator> validators) {
            return new BeanValidationArguments(validators);
        }
    }

    /** The {@code @TeleportControllerAdvice} beans' handler methods, as one of the peer's exception mappers. */
    @Bean
    @ConditionalOnMissingBean
    TeleportExceptionHandlers teleportExceptionHandlers(ListableBeanFactory beanFactory) {
        return new TeleportExceptionHandlers(beanFactory);
    }

    @Bean
    @ConditionalOnMissingBean
    TeleportSessions teleportSessions(ObjectProvider<Peer> peer) {
        // The peer at first use: plugin beans, which the peer is built from, may hold this one.
        return new TeleportSessions(peer::getObject);
    }

    /** Each remote named by service-id gets a round-robin load balancer of its own. */
    @Bean
    @ConditionalOnMissingBean
    TeleportLoadBalancer.Factory teleportLoadBalancerFactory() {
        return (remote, serviceId) -> new RoundRobinLoadBalancer();
    }

    @Bean
    @ConditionalOnMissingBean
    @Conditional(OnTeleportRoleCondition.DefaultRemote.class)
    SessionTemplate sessionTemplate(Peer peer, TeleportProperties properties, ObjectProvider<UndialedPulls> undialed,
            TeleportLoadBalancer.Factory balancers, ResourceLoader application) {
        return RemoteTemplates.create(peer, properties, "teleport.client", TeleportProperties.DEFAULT_REMOTE, properties.client(),
                undialed.orderedStream().toList(), balancers, application.getClassLoader());
    }

    @Bean
    @ConditionalOnMissingBean
    SessionTemplates sessionTemplates(Peer peer, TeleportProperties properties, ObjectProvider<UndialedPulls> undialed,
            TeleportLoadBalancer.Factory balancers, ResourceLoader application) {
        Map<String, SessionTemplate> templates = new LinkedHashMap<>();
        properties.clients().forEach((name, client) -> {
            if (!client.discovered() && (client.address() == null || client.address().isBlank())) {
                throw new IllegalStateException("teleport.clients." + name + ".address: not set");
            }
            templates.put(name, RemoteTemplates.create(peer, properties, "teleport.clients." + name, name, client,
                    undialed.orderedStream().toList(), balancers, application.getClassLoader()));
        });
        return new SessionTemplates(templates);
    }

    /** Dials at start-up the remotes that connect eagerly (see {@link RemoteTemplates#eager}). */
    @Bean
    @ConditionalOnMissingBean
    EagerRemotes teleportEagerRemotes(TeleportProperties properties, ObjectProvider<SessionTemplate> template,
            SessionTemplates named, ListableBeanFactory beanFactory, PeerConfig config) {
        boolean listens = config.listenAddress() != null;
        List<SessionTemplate> eager = new ArrayList<>();
        template.ifAvailable(t -> {
            if (RemoteTemplates.eager(properties.client(), beanFactory, listens)) {
                eager.add(t);
            }
        });
        properties.clients().forEach((name, client) -> {
            if (RemoteTemplates.eager(client, beanFactory, listens)) {
                eager.add(named.get(name));
            }
        });
        return new EagerRemotes(eager);
    }

    /** The built-in plugins switched on by properties. */
    @Configuration(proxyBeanMethods = false)
    static class BuiltinPluginsConfiguration {

        @Bean
        @ConditionalOnMissingBean(AuthPlugin.class)
        @Conditional(OnAuthConfiguredCondition.class)
        AuthPlugin teleportAuthPlugin(TeleportProperties properties) {
            TeleportProperties.Auth auth = properties.auth();
            List<String> accepted = auth.acceptedTokens();
            Rerror refused = new Rerror(401, "Unauthorized", "invalid token");
            if (accepted.isEmpty()) {
                // Its own token, or none: then only the remotes with an auth-token of their own send one.
                return AuthPlugin.client(auth::token);
            }
            int unverified = (int) auth.unverifiedReadLimit().toBytes();
            if (auth.token() != null) {
                return AuthPlugin.both(auth::token, t -> accepted.contains(t) ? null : refused, auth.timeout())
                        .withUnverifiedReadLimit(unverified);
            }
            return AuthPlugin.server(t -> accepted.contains(t) ? null : refused, auth.timeout())
                    .withUnverifiedReadLimit(unverified);
        }

        @Bean
        @Conditional(OnHeartbeatRateCondition.Ping.class)
        @ConditionalOnMissingBean(name = "teleportHeartbeatPing")
        HeartbeatPlugin teleportHeartbeatPing(TeleportProperties properties, Environment environment) {
            Duration rate = properties.heartbeat().pingRate();
            checkUnderASecond(rate, "teleport.heartbeat.ping-rate", environment,
                    "sessions idle that long are pinged and dropped unless they answer within it");
            return HeartbeatPlugin.ping(rate);
        }

        @Bean
        @Conditional(OnHeartbeatRateCondition.Pong.class)
        @ConditionalOnMissingBean(name = "teleportHeartbeatPong")
        HeartbeatPlugin teleportHeartbeatPong(TeleportProperties properties, Environment environment) {
            Duration rate = properties.heartbeat().pongRate();
            checkUnderASecond(rate, "teleport.heartbeat.pong-rate", environment,
                    "sessions silent for three times that are dropped");
            return HeartbeatPlugin.pong(rate);
        }

        /**
         * A rate under a second is rarely meant: a number without a unit ({@code ping-rate: 30}) is read
         * as milliseconds, and connections are then dropped over and over. Written so, it fails start-up;
         * with a unit ({@code 500ms}), it is taken at its word, with a warning.
         */
        private static void checkUnderASecond(Duration rate, String key, Environment environment, String effect) {
            if (rate.compareTo(Duration.ofSeconds(1)) >= 0) {
                return;
            }
            String written = Binder.get(environment).bind(key, String.class).orElse("").strip();
            if (UnitlessDurations.digitsOnly(written)) {
                throw UnitlessDurations.unitless(key, written, ": " + effect);
            }
            log.warn("{} is {}: {}. A number without a unit is in milliseconds; write 30s for seconds", key,
                    PropertyChecks.written(rate), effect);
        }
    }
}
