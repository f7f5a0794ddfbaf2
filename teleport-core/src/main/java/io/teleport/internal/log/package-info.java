/**
 * Log lines: Teleport's per-message lines, one line per interval for refusals, and remote text made safe to
 * log. Not API.
 */
@NullMarked
package io.teleport.internal.log;

import org.jspecify.annotations.NullMarked;
