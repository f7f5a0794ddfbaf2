/**
 * What a remote peer may make this peer spend ({@link Limits}) and what those limits did so far
 * ({@link PeerStats}).
 */
@NullMarked
package io.teleport.limits;

import org.jspecify.annotations.NullMarked;
