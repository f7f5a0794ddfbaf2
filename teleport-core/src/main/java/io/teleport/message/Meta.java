package io.teleport.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.jspecify.annotations.Nullable;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * HTTP-header-like metadata of a message: an ordered list of key/value pairs in which a key may
 * repeat.
 *
 * <p>On the wire it is a query string in insertion order ({@code k1=v1&k2=v2}). Every byte of the
 * UTF-8 form of a key or value other than {@code A-Z a-z 0-9 * - . _} is written as {@code %XX} with
 * upper-case hex digits, so a space is {@code %20}; a pair with an empty value is written as the bare
 * key. Parsing is as lenient as Teleport v3's: {@code +} is a space, an invalid {@code %} escape is
 * kept literally and empty pieces are dropped. Keys are matched exactly and case-sensitively.
 *
 * <p>Not thread-safe: a {@code Meta} belongs to one message.
 */
public final class Meta {

    private static final String[] EMPTY = new String[0];
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final boolean[] UNRESERVED = new boolean[128];

    static {
        for (int c = 'a'; c <= 'z'; c++) {
            UNRESERVED[c] = true;
        }
        for (int c = 'A'; c <= 'Z'; c++) {
            UNRESERVED[c] = true;
        }
        for (int c = '0'; c <= '9'; c++) {
            UNRESERVED[c] = true;
        }
        UNRESERVED['*'] = true;
        UNRESERVED['-'] = true;
        UNRESERVED['.'] = true;
        UNRESERVED['_'] = true;
    }

    // Keys at even and values at odd indexes: one array, no entry objects.
    private String[] pairs = EMPTY;
    private int size;

    /** Creates empty metadata. */
    public Meta() {
    }

    /** The number of pairs, counting repeated keys. */
    public int size() {
        return size;
    }

    /** Whether there is no pair. */
    public boolean isEmpty() {
        return size == 0;
    }

    /**
     * Replaces the value of the first pair with this key, keeping its position, or appends a pair
     * when there is none.
     */
    public Meta set(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        for (int i = 0; i < size; i++) {
            if (pairs[i << 1].equals(key)) {
                pairs[(i << 1) + 1] = value;
                return this;
            }
        }
        return add(key, value);
    }

    /** Appends a pair, even when the key is already present. */
    public Meta add(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        int at = size << 1;
        if (at == pairs.length) {
            pairs = Arrays.copyOf(pairs, Math.max(8, at * 2));
        }
        pairs[at] = key;
        pairs[at + 1] = value;
        size++;
        return this;
    }

    /** Removes every pair with this key. */
    public Meta delete(String key) {
        int w = 0;
        for (int r = 0; r < size; r++) {
            if (!pairs[r << 1].equals(key)) {
                pairs[w << 1] = pairs[r << 1];
                pairs[(w << 1) + 1] = pairs[(r << 1) + 1];
                w++;
            }
        }
        Arrays.fill(pairs, w << 1, size << 1, null);
        size = w;
        return this;
    }

    /** The value of the first pair with this key, or {@code null}. */
    public @Nullable String peek(String key) {
        for (int i = 0; i < size; i++) {
            if (pairs[i << 1].equals(key)) {
                return pairs[(i << 1) + 1];
            }
        }
        return null;
    }

    /** The values of every pair with this key, in order; empty when there is none. */
    public List<String> getAll(String key) {
        List<String> values = new ArrayList<>(2);
        for (int i = 0; i < size; i++) {
            if (pairs[i << 1].equals(key)) {
                values.add(pairs[(i << 1) + 1]);
            }
        }
        return values;
    }

    /** The key of the pair at {@code index}. */
    public String keyAt(int index) {
        Objects.checkIndex(index, size);
        return pairs[index << 1];
    }

    /** The value of the pair at {@code index}. */
    public String valueAt(int index) {
        Objects.checkIndex(index, size);
        return pairs[(index << 1) + 1];
    }

    /** Calls {@code action} for every pair in order. */
    public void forEach(BiConsumer<String, String> action) {
        for (int i = 0; i < size; i++) {
            action.accept(pairs[i << 1], pairs[(i << 1) + 1]);
        }
    }

    /** Removes every pair. */
    public void clear() {
        Arrays.fill(pairs, 0, size << 1, null);
        size = 0;
    }

    /** An independent copy. */
    public Meta copy() {
        Meta copy = new Meta();
        copy.pairs = size == 0 ? EMPTY : Arrays.copyOf(pairs, size << 1);
        copy.size = size;
        return copy;
    }

    /** Appends every pair of {@code other}, in order. */
    public Meta addAll(Meta other) {
        for (int i = 0; i < other.size; i++) {
            add(other.pairs[i << 1], other.pairs[(i << 1) + 1]);
        }
        return this;
    }

    /**
     * A lower bound of the wire form's length (escaping only adds to it): enough for a sender to refuse
     * metadata that cannot fit in a frame before building the frame.
     */
    public int minEncodedLength() {
        int length = Math.max(0, size - 1);
        for (int i = 0; i < size << 1; i++) {
            String s = pairs[i];
            length += s.length() + ((i & 1) == 1 && !s.isEmpty() ? 1 : 0);
        }
        return length;
    }

    /** Writes the wire form into {@code out} and returns the number of bytes written. */
    public int writeTo(ByteBuf out) {
        int start = out.writerIndex();
        for (int i = 0; i < size; i++) {
            if (i > 0) {
                out.writeByte('&');
            }
            escape(pairs[i << 1], out);
            String value = pairs[(i << 1) + 1];
            if (!value.isEmpty()) {
                out.writeByte('=');
                escape(value, out);
            }
        }
        return out.writerIndex() - start;
    }

    private static void escape(String s, ByteBuf out) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                escapeByte(c, out);
            } else {
                // Rare: fall back to the UTF-8 bytes of the rest of the string.
                byte[] utf8 = s.substring(i).getBytes(StandardCharsets.UTF_8);
                for (byte b : utf8) {
                    escapeByte(b & 0xFF, out);
                }
                return;
            }
        }
    }

    private static void escapeByte(int b, ByteBuf out) {
        if (b < 0x80 && UNRESERVED[b]) {
            out.writeByte(b);
        } else {
            out.writeByte('%');
            out.writeByte(HEX[b >>> 4]);
            out.writeByte(HEX[b & 0xF]);
        }
    }

    /**
     * Parses the wire form in {@code buf} between {@code index} and {@code index + length}, without
     * moving its indexes.
     */
    public static Meta parse(ByteBuf buf, int index, int length) {
        return parse(buf, index, length, Integer.MAX_VALUE);
    }

    /**
     * Parses like {@link #parse(ByteBuf, int, int)}, refusing more than {@code maxPairs} pieces before
     * anything is allocated for them: a pair can be two bytes on the wire and far more on the heap.
     *
     * @throws IllegalArgumentException when there are more than {@code maxPairs} pieces
     */
    public static Meta parse(ByteBuf buf, int index, int length, int maxPairs) {
        Meta meta = new Meta();
        if (length == 0) {
            return meta;
        }
        int end = index + length;
        if (maxPairs < length / 2 + 1) {
            // Counting the separators is cheap next to one object per piece.
            int[] pieces = {1};
            buf.forEachByte(index, length, b -> b != '&' || ++pieces[0] <= maxPairs);
            if (pieces[0] > maxPairs) {
                throw new IllegalArgumentException("meta has more than " + maxPairs + " pairs");
            }
        }
        byte[] scratch = new byte[length];
        int pieceStart = index;
        while (pieceStart <= end) {
            int amp = buf.indexOf(pieceStart, end, (byte) '&');
            int pieceEnd = amp < 0 ? end : amp;
            if (pieceEnd > pieceStart) {
                int eq = buf.indexOf(pieceStart, pieceEnd, (byte) '=');
                String key;
                String value;
                if (eq < 0) {
                    key = unescape(buf, pieceStart, pieceEnd, scratch);
                    value = "";
                } else {
                    key = unescape(buf, pieceStart, eq, scratch);
                    value = unescape(buf, eq + 1, pieceEnd, scratch);
                }
                if (!key.isEmpty() || !value.isEmpty()) {
                    meta.add(key, value);
                }
            }
            pieceStart = pieceEnd + 1;
        }
        return meta;
    }

    /** Parses a query string such as {@code a=1&b=x%20y}. */
    public static Meta parse(String query) {
        byte[] bytes = query.getBytes(StandardCharsets.UTF_8);
        return parse(Unpooled.wrappedBuffer(bytes), 0, bytes.length);
    }

    private static String unescape(ByteBuf buf, int from, int to, byte[] scratch) {
        // One bulk copy, then decoded in place (the write index never passes the read index): a byte at
        // a time through the buffer costs its bounds and reference checks (and, under leak detection,
        // a record) for every byte of up to 64 KiB of metadata.
        int len = to - from;
        buf.getBytes(from, scratch, 0, len);
        int n = 0;
        for (int i = 0; i < len; i++) {
            byte b = scratch[i];
            if (b == '%' && i + 2 < len) {
                int hi = Character.digit(scratch[i + 1] & 0xFF, 16);
                int lo = Character.digit(scratch[i + 2] & 0xFF, 16);
                if (hi >= 0 && lo >= 0) {
                    scratch[n++] = (byte) ((hi << 4) | lo);
                    i += 2;
                    continue;
                }
                scratch[n++] = b;
            } else if (b == '+') {
                scratch[n++] = ' ';
            } else {
                scratch[n++] = b;
            }
        }
        return n == 0 ? "" : new String(scratch, 0, n, StandardCharsets.UTF_8);
    }

    /** The wire form, as a string. */
    @Override
    public String toString() {
        if (size == 0) {
            return "";
        }
        ByteBuf buf = Unpooled.buffer();
        try {
            writeTo(buf);
            return buf.toString(StandardCharsets.US_ASCII);
        } finally {
            buf.release();
        }
    }

    @Override
    public boolean equals(@Nullable Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Meta)) {
            return false;
        }
        Meta other = (Meta) o;
        return size == other.size
                && Arrays.equals(pairs, 0, size << 1, other.pairs, 0, other.size << 1);
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (int i = 0; i < size << 1; i++) {
            h = 31 * h + pairs[i].hashCode();
        }
        return h;
    }
}
