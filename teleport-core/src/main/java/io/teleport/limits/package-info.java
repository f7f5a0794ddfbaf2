/**
 * What a remote peer may make this peer spend ({@link Limits}), what those limits did so far
 * ({@link PeerStats}), and the longest any duration setting counts as ({@link DurationSettings}).
 */
@NullMarked
package io.teleport.limits;

import org.jspecify.annotations.NullMarked;
