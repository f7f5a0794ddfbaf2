/**
 * The public {@link Session}, one connection to another peer that either side can pull and push through, and
 * the options of a call.
 */
@NullMarked
package io.teleport.session;

import org.jspecify.annotations.NullMarked;
