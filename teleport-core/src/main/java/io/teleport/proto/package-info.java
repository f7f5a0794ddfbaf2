/**
 * Wire protocols: {@link Proto} turns a packet into a frame and back, {@link FastProto} is Teleport v3's
 * {@code 'f'}, {@link ErpcRawProto} is erpc v6's "raw", {@link AutoProto} lets an accepting side take
 * either from a connection's first frame, and {@link ProtoContext} holds the codecs, filters and bounds a
 * frame must keep.
 */
@NullMarked
package io.teleport.proto;

import org.jspecify.annotations.NullMarked;
