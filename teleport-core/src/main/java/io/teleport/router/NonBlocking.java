package io.teleport.router;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Says that a handler never blocks (no database call, no sleep, no waiting pull of its own), so that
 * it runs on its connection's I/O thread even when the peer's other handlers run on the handler
 * executor ({@link io.teleport.config.HandlerExecution#POOL} or {@code VIRTUAL}): it saves the hand-off
 * to a handler thread and back, which is most of what a small call costs beyond its codec.
 *
 * <p>On a method it marks that handler; on a controller class, every handler of it. A message for
 * such a route still goes to the executor when a plugin that may see it on the way, or see a pull or
 * push the handler sends ({@code PreWritePull}, {@code PreWritePush}), is not
 * {@linkplain io.teleport.plugin.Plugin#nonBlocking() non-blocking}; exception mappers, which may
 * block, run off the I/O thread when the handler fails. A handler marked here that
 * blocks after all stalls every connection of its I/O thread, as with
 * {@link io.teleport.config.HandlerExecution#INLINE}; a handler that returns a
 * {@link java.util.concurrent.CompletionStage} for slow work never blocks and fits here.
 * {@link Router#register} and the Spring module's controllers honour it; a prepared route says so with
 * {@link Route#withNonBlocking(boolean)}.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface NonBlocking {
}
