package io.teleport.spring.test;

import io.teleport.codec.Codec;
import io.teleport.plugin.Plugin;
import io.teleport.proto.Proto;
import io.teleport.router.ExceptionMapper;
import io.teleport.router.UnknownPullHandler;
import io.teleport.router.UnknownPushHandler;
import io.teleport.router.binding.HandlerArgumentValidator;
import io.teleport.spring.annotation.PullController;
import io.teleport.spring.annotation.PushController;
import io.teleport.spring.annotation.TeleportControllerAdvice;
import io.teleport.spring.autoconfigure.TeleportPeerConfigCustomizer;
import io.teleport.xfer.XferFilter;
import org.springframework.boot.test.context.filter.annotation.StandardAnnotationCustomizableTypeExcludeFilter;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a {@link TeleportTest} finds in the application's packages: whatever shapes the peer's
 * behaviour on the wire (controllers, advice, plugins, codecs, filters, protocols, unknown-route
 * handlers, exception mappers, configuration customizers), and nothing else. With
 * {@link TeleportTest#controllers()} only those controllers are found, as {@code @WebMvcTest} does.
 */
public final class TeleportTypeExcludeFilter extends StandardAnnotationCustomizableTypeExcludeFilter<TeleportTest> {

    private static final List<Class<?>> INCLUDES = List.of(TeleportControllerAdvice.class, Plugin.class,
            Codec.class, XferFilter.class, Proto.class, UnknownPullHandler.class, UnknownPushHandler.class,
            ExceptionMapper.class, HandlerArgumentValidator.class, TeleportPeerConfigCustomizer.class);

    private static final List<Class<?>> CONTROLLERS = List.of(PullController.class, PushController.class);

    private final Set<Class<?>> controllers;

    TeleportTypeExcludeFilter(Class<?> testClass) {
        super(testClass);
        this.controllers = getAnnotation().isPresent()
                ? Set.of(getAnnotation().getClassArray("controllers")) : Set.of();
    }

    @Override
    protected Set<Class<?>> getKnownIncludes() {
        Set<Class<?>> includes = new LinkedHashSet<>(INCLUDES);
        if (controllers.isEmpty()) {
            includes.addAll(CONTROLLERS);
        }
        return includes;
    }

    @Override
    protected Set<Class<?>> getComponentIncludes() {
        return controllers;
    }
}
