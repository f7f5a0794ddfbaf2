package io.teleport.spring.handler;

import io.teleport.message.Rerror;
import io.teleport.router.ExceptionMapper;
import io.teleport.router.MessageContext;
import io.teleport.spring.annotation.TeleportControllerAdvice;
import io.teleport.spring.annotation.TeleportExceptionHandler;
import org.jspecify.annotations.Nullable;
import io.teleport.spring.diagnostics.TeleportControllerException;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@link ExceptionMapper} of a Spring application: the {@link TeleportExceptionHandler} methods
 * of its {@link TeleportControllerAdvice} beans, asked bean by bean in {@code @Order}. The beans are
 * found once every singleton exists (so an advice bean may depend on anything, the peer included),
 * and a method that cannot work fails start-up there rather than on the first exception. An
 * {@link InvalidArgumentsException} none of them maps is answered with its own {@code 400}.
 */
public final class TeleportExceptionHandlers implements ExceptionMapper, SmartInitializingSingleton {

    private final ListableBeanFactory beans;
    private volatile @Nullable List<ExceptionHandlerMethods> advice;

    /** Finds the advice beans in {@code beans}. */
    public TeleportExceptionHandlers(ListableBeanFactory beans) {
        this.beans = beans;
    }

    @Override
    public void afterSingletonsInstantiated() {
        advice();
    }

    @Override
    public @Nullable Rerror toRerror(Throwable error, MessageContext ctx) {
        for (ExceptionHandlerMethods methods : advice()) {
            Rerror rerror = methods.map(error, ctx);
            if (rerror != null) {
                return rerror;
            }
        }
        // Unmapped, a violation is still the caller's mistake, not this side's 500.
        return error instanceof InvalidArgumentsException invalid ? invalid.rerror() : null;
    }

    private List<ExceptionHandlerMethods> advice() {
        List<ExceptionHandlerMethods> found = advice;
        if (found == null) {
            synchronized (this) {
                found = advice;
                if (found == null) {
                    found = find();
                    advice = found;
                }
            }
        }
        return found;
    }

    private List<ExceptionHandlerMethods> find() {
        Map<String, Object> annotated = beans.getBeansWithAnnotation(TeleportControllerAdvice.class);
        List<Map.Entry<String, Object>> ordered = new ArrayList<>(annotated.entrySet());
        ordered.sort((a, b) -> AnnotationAwareOrderComparator.INSTANCE.compare(a.getValue(), b.getValue()));
        List<ExceptionHandlerMethods> found = new ArrayList<>();
        for (Map.Entry<String, Object> entry : ordered) {
            Class<?> type = AopUtils.getTargetClass(entry.getValue());
            ExceptionHandlerMethods methods;
            try {
                methods = new ExceptionHandlerMethods(entry.getKey(), entry.getValue());
            } catch (IllegalStateException invalid) {
                throw TeleportControllerException.ofAdvice(entry.getKey(), type, invalid);
            }
            if (methods.isEmpty()) {
                throw TeleportControllerException.ofAdvice(entry.getKey(), type, new IllegalStateException(
                        "a @TeleportControllerAdvice without a @TeleportExceptionHandler method"));
            }
            found.add(methods);
        }
        return List.copyOf(found);
    }

    @Override
    public String toString() {
        return "@TeleportControllerAdvice beans";
    }
}
