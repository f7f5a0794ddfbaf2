package io.teleport.message;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MetaTest {

    @Test
    void keepsInsertionOrderSetReplacesFirstInPlaceAddAppends() {
        Meta meta = new Meta().set("set", "0").add("add", "1").add("add", "2");
        assertThat(meta.toString()).isEqualTo("set=0&add=1&add=2");
        meta.add("set", "x").set("set", "9");
        assertThat(meta.toString()).isEqualTo("set=9&add=1&add=2&set=x");
        assertThat(meta.getAll("add")).containsExactly("1", "2");
        meta.delete("add");
        assertThat(meta.toString()).isEqualTo("set=9&set=x");
        assertThat(meta.peek("set")).isEqualTo("9");
        assertThat(meta.peek("SET")).as("keys are case-sensitive").isNull();
    }

    @Test
    void escapesEveryByteOutsideTheUnreservedSetWithUpperCaseHex() {
        Meta meta = new Meta().set("k y", "a b&c=d*-._~+/").set("中", "é");
        assertThat(meta.toString())
                .isEqualTo("k%20y=a%20b%26c%3Dd*-._%7E%2B%2F&%E4%B8%AD=%C3%A9");
    }

    @Test
    void writesAnEmptyValueAsTheBareKey() {
        assertThat(new Meta().set("flag", "").set("k", "v").toString()).isEqualTo("flag&k=v");
    }

    @Test
    void parsesLikeTeleport() {
        Meta meta = Meta.parse("a=1&&b=x+y&c=%zz%4&bare&=v&d=%41%2b&e=1=2");
        assertThat(meta.size()).isEqualTo(7);
        assertThat(meta.peek("a")).isEqualTo("1");
        assertThat(meta.peek("b")).as("plus is a space").isEqualTo("x y");
        assertThat(meta.peek("c")).as("invalid escapes stay literal").isEqualTo("%zz%4");
        assertThat(meta.peek("bare")).isEmpty();
        assertThat(meta.peek("")).isEqualTo("v");
        assertThat(meta.peek("d")).isEqualTo("A+");
        assertThat(meta.peek("e")).as("the first '=' splits").isEqualTo("1=2");
    }

    @Test
    void roundTripsUtf8AndReservedCharacters() {
        Meta meta = new Meta().add("X-Reply-Error", "{\"code\":400,\"message\":\"msg\"}").add("名字", "值 & more");
        assertThat(Meta.parse(meta.toString())).isEqualTo(meta);
    }

    @Test
    void copyIsIndependent() {
        Meta meta = new Meta().set("a", "1");
        Meta copy = meta.copy().set("a", "2");
        assertThat(meta.peek("a")).isEqualTo("1");
        assertThat(copy.peek("a")).isEqualTo("2");
    }

    @Test
    void theMinimumEncodedLengthIsALowerBoundAndExactWithoutEscapes() {
        long seed = System.nanoTime();
        java.util.Random random = new java.util.Random(seed);
        String alphabet = "abcXYZ019-_.~ &=%?é中";
        for (int round = 0; round < 200; round++) {
            Meta meta = new Meta();
            boolean plain = true;
            for (int pairs = random.nextInt(5); pairs > 0; pairs--) {
                StringBuilder key = new StringBuilder("k");
                StringBuilder value = new StringBuilder();
                for (int n = random.nextInt(8); n > 0; n--) {
                    char c = alphabet.charAt(random.nextInt(alphabet.length()));
                    plain &= Character.isLetterOrDigit(c) && c < 0x80 || c == '-' || c == '_' || c == '.';
                    value.append(c);
                }
                meta.add(key.toString(), value.toString());
            }
            io.netty.buffer.ByteBuf out = io.netty.buffer.Unpooled.buffer();
            try {
                int written = meta.writeTo(out);
                assertThat(meta.minEncodedLength()).as("seed %d", seed).isLessThanOrEqualTo(written);
                if (plain) {
                    assertThat(meta.minEncodedLength()).as("seed %d", seed).isEqualTo(written);
                }
            } finally {
                out.release();
            }
        }
    }
}
