package io.teleport.spring.handler;

import io.teleport.Peer;
import io.teleport.plugin.Plugin;
import io.teleport.router.MessageContext;
import io.teleport.router.MethodRoutes;
import io.teleport.router.NotRoute;
import io.teleport.router.RouteNames;
import io.teleport.router.Router;
import io.teleport.router.UnknownPullContext;
import io.teleport.router.UnknownPullHandler;
import io.teleport.router.UnknownPushContext;
import io.teleport.router.UnknownPushHandler;
import io.teleport.router.binding.HandlerArgumentValidator;
import io.teleport.session.Reply;
import io.teleport.spring.annotation.PullController;
import io.teleport.spring.annotation.PushController;
import io.teleport.spring.annotation.RoutePath;
import io.teleport.spring.annotation.TeleportExceptionHandler;
import io.teleport.spring.diagnostics.TeleportControllerException;
import io.teleport.spring.exchange.ExchangeRoutes;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.scope.ScopedProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.convert.ConversionService;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Registers every {@link PullController} and {@link PushController} bean's handler methods, and the
 * unknown-pull and unknown-push handler beans, once all singletons exist and before the peer starts
 * listening. Finding the methods and naming their routes is the Spring module's own (framework
 * methods are never routes, {@link RoutePath} overrides a name); binding them is core's
 * {@link MethodRoutes}, with the {@link ConversionService} for non-{@code String}
 * {@code @QueryValue} and {@code @MetaValue} parameters and, when the application has a
 * {@code Validator}, its constraints checked before each call ({@link BeanValidationArguments}).
 */
public final class ControllerRouteRegistrar implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(ControllerRouteRegistrar.class);

    /**
     * The packages whose annotations make a method something other than a handler (injection, lifecycle
     * callbacks, other frameworks' endpoints and listeners, management operations), unless the
     * annotation is one of {@link #HANDLER_ANNOTATIONS}: a method the application did not mean for the
     * network must never become callable from it, so what is not known to be harmless excludes.
     */
    private static final List<String> FRAMEWORK_PACKAGES = List.of("org.springframework.", "jakarta.annotation.",
            "jakarta.inject.", "jakarta.persistence.", "javax.annotation.", "javax.inject.", "javax.persistence.");

    /**
     * Framework annotations that leave a handler a handler: they advise or describe the call
     * (validation groups, transactions, caching, security, retries, nullness) rather than make the
     * method something else.
     */
    private static final Set<String> HANDLER_ANNOTATIONS = Set.of(
            "org.springframework.validation.annotation.Validated",
            "org.springframework.transaction.annotation.Transactional",
            "org.springframework.cache.annotation.Cacheable",
            "org.springframework.cache.annotation.CachePut",
            "org.springframework.cache.annotation.CacheEvict",
            "org.springframework.cache.annotation.Caching",
            "org.springframework.scheduling.annotation.Async",
            "org.springframework.lang.Nullable",
            "org.springframework.lang.NonNull",
            "org.springframework.security.access.prepost.PreAuthorize",
            "org.springframework.security.access.prepost.PostAuthorize",
            "org.springframework.security.access.prepost.PreFilter",
            "org.springframework.security.access.prepost.PostFilter",
            "org.springframework.security.access.annotation.Secured",
            "org.springframework.retry.annotation.Retryable",
            "org.springframework.resilience.annotation.Retryable",
            "org.springframework.resilience.annotation.ConcurrencyLimit",
            "jakarta.annotation.Nullable",
            "jakarta.annotation.Nonnull",
            "jakarta.annotation.security.RolesAllowed",
            "jakarta.annotation.security.PermitAll",
            "jakarta.annotation.security.DenyAll",
            "jakarta.transaction.Transactional");

    /**
     * Annotations that make a method something else also when they are only meta-present, on an
     * application's own annotation ({@code @OnOrderPlaced} meta-annotated {@code @EventListener}).
     */
    private static final List<String> NOT_HANDLERS = List.of(
            "org.springframework.context.event.EventListener",
            "org.springframework.scheduling.annotation.Scheduled",
            "org.springframework.messaging.handler.annotation.MessageMapping",
            "org.springframework.web.bind.annotation.RequestMapping",
            "org.springframework.kafka.annotation.KafkaListener",
            "org.springframework.jms.annotation.JmsListener",
            "org.springframework.amqp.rabbit.annotation.RabbitListener");

    private final Peer peer;
    private final ListableBeanFactory beans;
    private final MethodRoutes methodRoutes;

    /** A registrar for {@code peer}, finding controllers in {@code beans}, converting with Boot's shared service. */
    public ControllerRouteRegistrar(Peer peer, ListableBeanFactory beans) {
        this(peer, beans, ApplicationConversionService.getSharedInstance());
    }

    /** A registrar for {@code peer}, finding controllers in {@code beans}, converting values with {@code conversions}. */
    public ControllerRouteRegistrar(Peer peer, ListableBeanFactory beans, ConversionService conversions) {
        this(peer, beans, conversions, null);
    }

    /**
     * A registrar for {@code peer}, finding controllers in {@code beans}, converting values with
     * {@code conversions}, and checking handler arguments with {@code validator} before each call
     * (none when {@code null}).
     */
    public ControllerRouteRegistrar(Peer peer, ListableBeanFactory beans, ConversionService conversions,
            @Nullable HandlerArgumentValidator validator) {
        this.peer = peer;
        this.beans = beans;
        MethodRoutes routes = MethodRoutes.withResolvers(
                List.of(new ConvertedValueResolver(conversions), new ExchangeOptionsArgument()));
        this.methodRoutes = validator == null ? routes : routes.withValidator(validator);
    }

    @Override
    public void afterSingletonsInstantiated() {
        for (String name : controllerNames(PullController.class)) {
            PullController annotation = beans.findAnnotationOnBean(name, PullController.class);
            register(name, annotation.group(), annotation.plugins(), peer.pullRouter(), UnknownPullContext.class);
        }
        for (String name : controllerNames(PushController.class)) {
            PushController annotation = beans.findAnnotationOnBean(name, PushController.class);
            register(name, annotation.group(), annotation.plugins(), peer.pushRouter(), UnknownPushContext.class);
        }
        beans.getBeanProvider(UnknownPullHandler.class).ifAvailable(handler -> peer.pullRouter().setUnknown(handler));
        beans.getBeanProvider(UnknownPushHandler.class).ifAvailable(handler -> peer.pushRouter().setUnknown(handler));
    }

    /**
     * The controllers' bean names, without the targets behind scoped proxies ({@code @RefreshScope},
     * {@code @Scope(proxyMode = ...)}): the proxy is the controller, which finds the current target at
     * each call; the target bean, if also registered, would be the same routes twice, and for a
     * request or session scope cannot even be created outside one.
     */
    private List<String> controllerNames(Class<? extends java.lang.annotation.Annotation> annotation) {
        return Arrays.stream(beans.getBeanNamesForAnnotation(annotation))
                .filter(name -> !ScopedProxyUtils.isScopedTarget(name)).toList();
    }

    /** Registers one controller bean's handlers; what the router refuses names the bean. */
    private void register(String name, String group, Class<? extends Plugin>[] pluginTypes,
            Router<?> root, Class<? extends MessageContext> contextType) {
        Object bean = beans.getBean(name);
        try {
            register(bean, group, pluginTypes, root, contextType);
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new TeleportControllerException(name, AopUtils.getTargetClass(bean), e);
        }
    }

    private void register(Object bean, String group, Class<? extends Plugin>[] pluginTypes, Router<?> root,
            Class<? extends MessageContext> contextType) {
        Class<?> type = AopUtils.getTargetClass(bean);
        Plugin[] plugins = Arrays.stream(pluginTypes).map(beans::getBean).toArray(Plugin[]::new);
        Router<?> router = group.isEmpty() && plugins.length == 0 ? root : root.group(group, plugins);
        String controller = RouteNames.snake(ClassUtils.getUserClass(type).getSimpleName());
        // Any visibility: a package-private one (as on an advice bean) would otherwise be ignored without a word.
        ReflectionUtils.doWithMethods(type, method -> {
            throw new IllegalStateException("@TeleportExceptionHandler " + type.getName() + "." + method.getName()
                    + " is on a controller, where it would be a route or never run: move it to a "
                    + "@TeleportControllerAdvice bean");
        }, method -> AnnotatedElementUtils.hasAnnotation(method, TeleportExceptionHandler.class));
        List<Method> methods = handlerMethods(type);
        if (methods.isEmpty()) {
            throw new IllegalStateException(type.getName() + " is a Teleport controller without a public handler method");
        }
        for (Method method : methods) {
            RoutePath override = AnnotatedElementUtils.findMergedAnnotation(method, RoutePath.class);
            Method declared = ExchangeRoutes.declaration(type, method);
            if (declared != null) {
                registerExchange(bean, type, group, plugins, declared, override);
                continue;
            }
            String path = override != null ? RouteNames.join(router.prefix(), override.value())
                    : RouteNames.join(router.prefix(), controller, RouteNames.snake(method.getName()));
            Method invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
            router.route(methodRoutes.route(bean, ClassUtils.getUserClass(type), invocable, path, contextType));
        }
        log.debug("registered {} handler(s) of {}", methods.size(), type.getName());
    }

    /**
     * Registers a method that implements a {@link io.teleport.spring.exchange.TeleportExchange}
     * interface's: at the name its clients call ({@link ExchangeRoutes}), as the push or pull the
     * interface says whatever the controller's kind, and bound as the interface declares its
     * parameters, since Java does not pass parameter annotations on to implementations.
     */
    private void registerExchange(Object bean, Class<?> type, String group, Plugin[] plugins, Method declared,
            @Nullable RoutePath override) {
        String where = type.getName() + "." + declared.getName() + " (of @TeleportExchange "
                + declared.getDeclaringClass().getName() + ")";
        if (!group.isEmpty()) {
            throw new IllegalStateException(where + ": the controller has a group, but the interface's path names"
                    + " the routes its clients call: remove the group");
        }
        if (override != null) {
            throw new IllegalStateException(where + ": @RoutePath would move the route away from its clients:"
                    + " name it with @PullExchange or @PushExchange on the interface");
        }
        ResolvableType returned = ResolvableType.forMethodReturnType(declared, type);
        ResolvableType value = returned.toClass() == CompletableFuture.class ? returned.getGeneric(0) : returned;
        if (value.toClass() == Reply.class) {
            throw new IllegalStateException(where + ": returns a Reply, which only a client can: return the body type");
        }
        boolean push = ExchangeRoutes.isPush(declared);
        Router<?> root = push ? peer.pushRouter() : peer.pullRouter();
        Router<?> router = plugins.length == 0 ? root : root.group("", plugins);
        router.route(methodRoutes.route(bean, ClassUtils.getUserClass(type), declared, ExchangeRoutes.path(declared),
                push ? UnknownPushContext.class : UnknownPullContext.class));
    }

    /**
     * The public instance methods that are the application's handlers: not those of {@code Object}
     * (even overridden), of framework interfaces the bean implements (lifecycle callbacks, Aware
     * setters), carrying a framework annotation that makes them something else (injection,
     * lifecycle, listeners: any of {@link #FRAMEWORK_PACKAGES} but {@link #HANDLER_ANNOTATIONS}, or a
     * listener as a meta-annotation), which must never be callable from the network, the accessors
     * of a record's components (a record controller's components are its dependencies), marked
     * {@link NotRoute} (here or where they are overridden), or default methods of a
     * {@code @TeleportExchange} interface, which are its callers' helpers. Other annotations, such as
     * {@code @Validated}, {@code @Transactional} or {@code @Cacheable}, leave a handler a handler.
     */
    private static List<Method> handlerMethods(Class<?> type) {
        Set<Method> methods = new LinkedHashSet<>();
        for (Method method : type.getMethods()) {
            int modifiers = method.getModifiers();
            if (Modifier.isStatic(modifiers) || method.isBridge() || method.isSynthetic()
                    || isFrameworkType(method.getDeclaringClass()) || overridesObject(method)
                    || implementsFrameworkInterface(type, method) || isNotHandler(method)
                    || isRecordAccessor(type, method)
                    || AnnotatedElementUtils.hasAnnotation(method, NotRoute.class)
                    || ExchangeRoutes.isHelper(type, method)) {
                continue;
            }
            methods.add(method);
        }
        List<Method> sorted = new ArrayList<>(methods);
        sorted.sort(Comparator.comparing(Method::getName));
        return sorted;
    }

    private static boolean isFrameworkType(Class<?> type) {
        String name = type.getName();
        return type == Object.class || name.startsWith("java.") || name.startsWith("javax.")
                || name.startsWith("jakarta.") || name.startsWith("org.springframework.");
    }

    private static boolean overridesObject(Method method) {
        try {
            Object.class.getMethod(method.getName(), method.getParameterTypes());
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    private static boolean implementsFrameworkInterface(Class<?> type, Method method) {
        for (Class<?> iface : ClassUtils.getAllInterfacesForClassAsSet(type)) {
            if (isFrameworkType(iface)) {
                try {
                    iface.getMethod(method.getName(), method.getParameterTypes());
                    return true;
                } catch (NoSuchMethodException e) {
                    // not this interface's
                }
            }
        }
        return false;
    }

    private static boolean isNotHandler(Method method) {
        for (java.lang.annotation.Annotation annotation : method.getAnnotations()) {
            String name = annotation.annotationType().getName();
            if (FRAMEWORK_PACKAGES.stream().anyMatch(name::startsWith) && !HANDLER_ANNOTATIONS.contains(name)) {
                return true;
            }
        }
        MergedAnnotations annotations = MergedAnnotations.from(method, MergedAnnotations.SearchStrategy.DIRECT);
        return NOT_HANDLERS.stream().anyMatch(annotations::isPresent);
    }

    private static boolean isRecordAccessor(Class<?> type, Method method) {
        if (!type.isRecord()) {
            return false;
        }
        for (RecordComponent component : type.getRecordComponents()) {
            if (component.getAccessor().equals(method)) {
                return true;
            }
        }
        return false;
    }
}
