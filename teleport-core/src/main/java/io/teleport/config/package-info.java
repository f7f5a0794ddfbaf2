/**
 * A peer's settings: the immutable {@link PeerConfig}, built through its {@link PeerConfig.Builder}, and
 * {@link HandlerExecution}, where handlers run.
 */
@NullMarked
package io.teleport.config;

import org.jspecify.annotations.NullMarked;
