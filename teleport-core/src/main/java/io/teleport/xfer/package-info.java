/**
 * Transfer filters, reversible transformations of a frame's payload such as gzip, and {@link XferFilters},
 * their registry by id byte.
 */
@NullMarked
package io.teleport.xfer;

import org.jspecify.annotations.NullMarked;
