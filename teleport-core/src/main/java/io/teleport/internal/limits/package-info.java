/**
 * The bounds at work: {@link ReadGate} (whether one connection is read), {@link InboundBudget} (inbound bytes
 * of the whole peer) and {@link Counters} (the live stats). Not API.
 */
@NullMarked
package io.teleport.internal.limits;

import org.jspecify.annotations.NullMarked;
