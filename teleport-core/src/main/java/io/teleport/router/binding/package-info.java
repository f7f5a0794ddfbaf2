/**
 * The one handler-binding engine: {@link HandlerBinder} checks a method's parameters against
 * {@link HandlerArgumentResolver}s once at start-up and calls it through a method handle. It knows
 * nothing of messages, so that the router depends on it and not the reverse.
 */
@NullMarked
package io.teleport.router.binding;

import org.jspecify.annotations.NullMarked;
