/**
 * Networks (tcp, tcp4, tcp6, unix, and the in-JVM local) and the Netty transport a peer uses for
 * them: epoll, NIO or Netty's local transport, channel classes, address resolution and formatting.
 */
@NullMarked
package io.teleport.transport;

import org.jspecify.annotations.NullMarked;
