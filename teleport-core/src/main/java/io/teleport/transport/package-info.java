/**
 * Networks (tcp, tcp4, tcp6, unix) and the Netty transport a peer uses for them: epoll or NIO, channel
 * classes, address resolution and formatting.
 */
@NullMarked
package io.teleport.transport;

import org.jspecify.annotations.NullMarked;
