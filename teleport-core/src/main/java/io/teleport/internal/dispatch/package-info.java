/**
 * Where handlers run: the growing {@link HandlerPool}, the bounded executor over virtual threads, and virtual
 * threads reached on Java 17. Not API.
 */
@NullMarked
package io.teleport.internal.dispatch;

import org.jspecify.annotations.NullMarked;
