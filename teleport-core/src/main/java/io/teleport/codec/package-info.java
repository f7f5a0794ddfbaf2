/**
 * Body codecs (JSON, Protobuf, string) and {@link Codecs}, their registry by id byte and name.
 */
@NullMarked
package io.teleport.codec;

import org.jspecify.annotations.NullMarked;
