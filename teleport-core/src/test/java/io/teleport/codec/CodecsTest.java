package io.teleport.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.teleport.testproto.PbTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CodecsTest {

    private final Codecs codecs = Codecs.defaults();
    private final ByteBuf out = Unpooled.buffer();

    @AfterEach
    void release() {
        out.release();
    }

    private String encode(byte id, Object body) {
        codecs.encode(id, body, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A Go-style struct: fields in declaration order, a byte slice, a nested raw value. */
    public static class Args {
        public byte[] bytes;
        public String name;
        public int count;
    }

    @Test
    void aVoidTargetIgnoresTheBodyButNotAnUnknownCodec() {
        assertThat(codecs.decode((byte) 'q', new byte[0], Void.class)).isNull();
        assertThat(codecs.decode(JsonCodec.ID, "{\"a\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8), Void.class))
                .isNull();
        assertThatThrownBy(() -> codecs.decode((byte) 'q', new byte[] {'x'}, Void.class))
                .isInstanceOf(CodecException.class).hasMessage("unsupported codec id: 113");
    }

    @Test
    void jsonFollowsGoEncodingRules() {
        Args args = new Args();
        args.name = "<a&b>";
        args.bytes = "test bytes".getBytes(StandardCharsets.UTF_8);
        args.count = 3;
        assertThat(encode(JsonCodec.ID, args))
                .isEqualTo("{\"bytes\":\"dGVzdCBieXRlcw==\",\"name\":\"\\u003ca\\u0026b\\u003e\",\"count\":3}");
        out.clear();
        assertThat(encode(JsonCodec.ID, new TreeMap<>(Map.of("b", 1, "a", 2)))).isEqualTo("{\"a\":2,\"b\":1}");
        out.clear();
        assertThat(encode(JsonCodec.ID, Map.of("z", 1, "y", 2))).as("map keys sorted").isEqualTo("{\"y\":2,\"z\":1}");
    }

    /** What a Go struct with omitempty ints sends a Java record. */
    public record Item(String name, int count, boolean sold) {
    }

    @Test
    void missingOrNullNumbersAreZeroAsInGo() {
        byte[] missing = "{\"Name\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(codecs.decode(JsonCodec.ID, missing, Item.class)).isEqualTo(new Item("x", 0, false));
        byte[] nulls = "{\"name\":\"y\",\"count\":null,\"sold\":null}".getBytes(StandardCharsets.UTF_8);
        assertThat(codecs.decode(JsonCodec.ID, nulls, Item.class)).isEqualTo(new Item("y", 0, false));
        Args args = (Args) codecs.decode(JsonCodec.ID, "{\"count\":null}".getBytes(StandardCharsets.UTF_8), Args.class);
        assertThat(args.count).isZero();
    }

    @Test
    void jsonDecodesCaseInsensitivelyAndIgnoresUnknownFields() {
        byte[] json = "{\"BYTES\":\"dGVzdCBieXRlcw==\",\"Name\":\"x\",\"extra\":{\"deep\":[1]}}".getBytes(StandardCharsets.UTF_8);
        Args args = (Args) codecs.decode(JsonCodec.ID, json, Args.class);
        assertThat(args.name).isEqualTo("x");
        assertThat(new String(args.bytes, StandardCharsets.UTF_8)).isEqualTo("test bytes");
    }

    /** A nested shape, for the path of a value that does not fit. */
    public record Order(java.util.List<Item> items) {
    }

    /** One field of each JSON kind, for what Go's encoding/json refuses to convert. */
    public record Scalars(String s, int i, long l, boolean b, double d, Float f, Integer boxed, Color color) {
    }

    /** An enum, written and read by name as Go's typed string constants are. */
    public enum Color { RED }

    /**
     * A value of the wrong JSON kind is refused, as Go refuses it, not converted (new-user trial 18: 2.9
     * into an int was read as 2, "7" as 7, 5 into a string as "5"); an integer into a floating-point
     * field and a null into a primitive are read, as Go reads them.
     */
    @Test
    void aScalarOfTheWrongKindIsRefusedAsGoRefusesIt() {
        String fraction = "expected an integer, found a number with a fraction or an exponent at $.";
        Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put("{\"i\":2.9}", fraction + "i");
        refused.put("{\"i\":2.0}", fraction + "i");
        refused.put("{\"l\":7.9}", fraction + "l");
        refused.put("{\"i\":\"7\"}", "expected an integer, found a string at $.i");
        refused.put("{\"i\":\"\"}", "expected an integer, found a string at $.i");
        refused.put("{\"boxed\":\"12\"}", "expected an integer, found a string at $.boxed");
        refused.put("{\"s\":5}", "expected a string, found an integer at $.s");
        refused.put("{\"s\":true}", "expected a string, found a boolean at $.s");
        refused.put("{\"s\":1.5}", "expected a string, found a number with a fraction or an exponent at $.s");
        refused.put("{\"b\":1}", "expected a boolean, found an integer at $.b");
        refused.put("{\"b\":\"true\"}", "expected a boolean, found a string at $.b");
        refused.put("{\"d\":\"NaN\"}", "expected a number, found a string at $.d");
        refused.put("{\"f\":\"Infinity\"}", "expected a number, found a string at $.f");
        refused.put("{\"d\":\"1.5\"}", "expected a number, found a string at $.d");
        refused.put("{\"color\":0}", "expected a string, found an integer at $.color");
        refused.put("{\"i\":3000000000}", "a number out of its field's range at $.i");
        refused.put("{\"d\":1e400}", "a number out of its field's range at $.d");
        refused.put("{\"f\":1e39}", "a number out of its field's range at $.f");
        assertRefused(refused, Scalars.class);
        byte[] accepted = "{\"s\":null,\"i\":null,\"l\":9007199254740993,\"b\":true,\"d\":5,\"f\":1,\"boxed\":7,\"color\":\"RED\"}"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(codecs.decode(JsonCodec.ID, accepted, Scalars.class))
                .isEqualTo(new Scalars(null, 0, 9007199254740993L, true, 5.0, 1.0f, 7, Color.RED));
    }

    /** Arrays of numbers, whose elements Jackson reads with deserializers of their own. */
    public record Series(double[] doubles, float[] floats, int[] ints) {
    }

    /** Arrays a Go struct tags omitempty: left out when empty. */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_EMPTY)
    public record Sparse(double[] doubles, float[] floats) {
    }

    /** A decimal, and any number, as Go's decimal types and json.Number write them: in a string. */
    public record Money(java.math.BigDecimal amount, Number rate) {
    }

    /**
     * Elements of arrays follow the same rules, NaN and the infinities are neither read nor written (Go
     * refuses both; Jackson wrote them as strings its own reader then refused), and a decimal may come in
     * a string, as Go's decimal types write it (the review of trial 18's change).
     */
    @Test
    void arraysFollowTheSameRulesNonFiniteNumbersAreNeverWrittenAndDecimalsMayComeAsStrings() {
        Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put("{\"doubles\":[1,\"NaN\"]}", "expected a number, found a string at $.doubles[1]");
        refused.put("{\"floats\":[\"Infinity\"]}", "expected a number, found a string at $.floats[0]");
        refused.put("{\"doubles\":[1e400]}", "a number out of its field's range at $.doubles[0]");
        refused.put("{\"ints\":[1,\"x\"]}", "expected an integer, found a string at $.ints[1]");
        refused.put("{\"doubles\":5}", "expected an array, found an integer at $.doubles");
        assertRefused(refused, Series.class);
        Series read = (Series) codecs.decode(JsonCodec.ID,
                "{\"doubles\":[1,null,2.5],\"floats\":[0.5],\"ints\":[3]}".getBytes(StandardCharsets.UTF_8), Series.class);
        assertThat(read.doubles()).containsExactly(1.0, 0.0, 2.5);
        assertThat(read.floats()).containsExactly(0.5f);

        for (Object nonFinite : List.<Object>of(new Scalars("s", 0, 0, false, Double.NaN, 1f, 1, Color.RED),
                new Scalars("s", 0, 0, false, 1, Float.POSITIVE_INFINITY, 1, Color.RED),
                new Series(new double[] {1, Double.NEGATIVE_INFINITY}, new float[0], new int[0]),
                new Series(new double[0], new float[] {Float.NaN}, new int[0]))) {
            ByteBuf buf = Unpooled.buffer();
            try {
                assertThatThrownBy(() -> codecs.encode(JsonCodec.ID, nonFinite, buf)).as(nonFinite.toString())
                        .isInstanceOf(CodecException.class).hasMessageContaining("unsupported value: ");
            } finally {
                buf.release();
            }
        }
        assertThat(encode(JsonCodec.ID, new Series(new double[] {0.5, 3}, new float[] {1.5f}, new int[] {2})))
                .isEqualTo("{\"doubles\":[0.5,3.0],\"floats\":[1.5],\"ints\":[2]}");
        out.clear();
        assertThat(encode(JsonCodec.ID, new Sparse(new double[0], new float[] {2f}))).isEqualTo("{\"floats\":[2.0]}");

        Money money = (Money) codecs.decode(JsonCodec.ID, "{\"amount\":\"12.50\",\"rate\":\"1.5\"}"
                .getBytes(StandardCharsets.UTF_8), Money.class);
        assertThat(money.amount()).isEqualTo(new java.math.BigDecimal("12.50"));
        assertThat(money.rate().doubleValue()).isEqualTo(1.5);
        assertThatThrownBy(() -> codecs.decode(JsonCodec.ID, "{\"amount\":\"twelve\"}".getBytes(StandardCharsets.UTF_8),
                Money.class)).isInstanceOf(CodecException.class);
    }

    /** A type the body names: its sender picks it, so an abstract one is the body's fault, not this side's. */
    @com.fasterxml.jackson.annotation.JsonTypeInfo(use = com.fasterxml.jackson.annotation.JsonTypeInfo.Id.NAME,
            property = "kind")
    @com.fasterxml.jackson.annotation.JsonSubTypes({
            @com.fasterxml.jackson.annotation.JsonSubTypes.Type(value = Mid.class, name = "mid"),
            @com.fasterxml.jackson.annotation.JsonSubTypes.Type(value = Leaf.class, name = "leaf")})
    public abstract static class Shape {
    }

    /** Abstract: named by a body, nothing can be made of it. */
    public abstract static class Mid extends Shape {
    }

    /** Concrete. */
    public static final class Leaf extends Mid {
        public int x;
    }

    @Test
    void anAbstractTypeTheBodyNamesIsTheSendersFaultAndALocalClassIsUnreadable() {
        assertThat(codecs.decode(JsonCodec.ID, "{\"kind\":\"leaf\",\"x\":1}".getBytes(StandardCharsets.UTF_8),
                Shape.class)).isInstanceOf(Leaf.class);
        assertThatThrownBy(() -> codecs.decode(JsonCodec.ID, "{\"kind\":\"mid\"}".getBytes(StandardCharsets.UTF_8),
                Shape.class)).isInstanceOf(CodecException.class).isNotInstanceOf(UnreadableTypeException.class);
        new JsonCodec().prepare(Shape.class);

        class Local {
            public int x;
        }
        assertThatThrownBy(() -> new JsonCodec().prepare(Local.class)).isInstanceOf(UnreadableTypeException.class);
    }

    /** A Go struct's {@code time.Duration} field. */
    public record Timing(java.time.Duration timeout) {
    }

    /**
     * A duration is Go's: nanoseconds, both ways. Jackson read a Go peer's 1500000000 (1.5 s) as seconds,
     * 47 years, and wrote "PT1.5S", which no Go peer reads (the review of trial 18's change).
     */
    @Test
    void aDurationIsANumberOfNanosecondsAsGoWritesIt() {
        assertThat(codecs.decode(JsonCodec.ID, "{\"timeout\":1500000000}".getBytes(StandardCharsets.UTF_8), Timing.class))
                .isEqualTo(new Timing(java.time.Duration.ofMillis(1500)));
        assertThat(encode(JsonCodec.ID, new Timing(java.time.Duration.ofMillis(1500)))).isEqualTo("{\"timeout\":1500000000}");
        Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put("{\"timeout\":\"PT1.5S\"}", "expected an integer (nanoseconds), found a string at $.timeout");
        refused.put("{\"timeout\":1.5}",
                "expected an integer (nanoseconds), found a number with a fraction or an exponent at $.timeout");
        refused.put("{\"timeout\":99999999999999999999}", "a number out of its field's range at $.timeout");
        assertRefused(refused, Timing.class);
        ByteBuf buf = Unpooled.buffer();
        try {
            assertThatThrownBy(() -> codecs.encode(JsonCodec.ID, new Timing(java.time.Duration.ofDays(365L * 300)), buf))
                    .isInstanceOf(CodecException.class).hasMessageContaining("past Go's time.Duration");
        } finally {
            buf.release();
        }
    }

    /** Each body (a key) is refused as not fitting {@code type}, for the reason (its value) at its position. */
    private void assertRefused(Map<String, String> refused, Class<?> type) {
        refused.forEach((json, why) -> assertThatThrownBy(
                () -> codecs.decode(JsonCodec.ID, json.getBytes(StandardCharsets.UTF_8), type))
                .as(json).isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.publicMessage())
                        .startsWith("json: the body does not fit the route's type: " + why + " (line 1, column ")));
    }

    /** Jackson can make none of it: it is not static, so each needs an instance of the test. */
    public class Inner {
        public int x;
    }

    /** No constructor Jackson can use: the only one is private and takes arguments it cannot name. */
    public static final class NoCreator {
        public int x;

        private NoCreator(int x, int y) {
            this.x = x + y;
        }
    }

    /**
     * A body type no JSON can make a value of is this side's mistake (trial 18: every call was answered
     * 400, blaming a correct body): said at registration, and a body for it is not the sender's fault.
     */
    @Test
    void aTypeNoJsonCanMakeIsSaidAtRegistrationAndNotBlamedOnTheSender() {
        JsonCodec json = new JsonCodec();
        assertThatThrownBy(() -> json.prepare(Inner.class)).isInstanceOf(UnreadableTypeException.class)
                .hasMessageContaining(Inner.class.getTypeName()).hasMessageContaining("a non-static inner class");
        assertThatThrownBy(() -> json.prepare(NoCreator.class)).isInstanceOf(UnreadableTypeException.class)
                .hasMessageContaining("no constructor Jackson can use");
        assertThatThrownBy(() -> json.prepare(Runnable.class)).isInstanceOf(UnreadableTypeException.class)
                .hasMessageContaining("an interface or abstract class");
        json.prepare(Scalars.class);
        json.prepare(Args.class);
        json.prepare(Object.class);
        json.prepare(java.util.List.class);
        assertThatThrownBy(() -> codecs.decode(JsonCodec.ID, "{\"x\":1}".getBytes(StandardCharsets.UTF_8), Inner.class))
                .isInstanceOfSatisfying(UnreadableTypeException.class, e -> {
                    assertThat(e.getMessage()).contains(Inner.class.getTypeName());
                    assertThat(e.publicMessage()).isEqualTo("this side cannot read a body of the route's type");
                });
    }

    @Test
    void aBodysSenderIsToldWhereItWentWrongButNotOurClassNames() {
        byte[] wrongType = "{\"items\":[{\"name\":\"a\"},{\"count\":\"many\"}]}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> codecs.decode(JsonCodec.ID, wrongType, Order.class))
                .isInstanceOfSatisfying(CodecException.class, e -> {
                    assertThat(e.getMessage()).contains(Order.class.getName());
                    assertThat(e.publicMessage())
                            .startsWith("json: the body does not fit the route's type: expected an integer, found a string "
                                    + "at $.items[1].count (line 1, column ")
                            .doesNotContain("io.teleport").doesNotContainPattern("\\bint\\b");
                });
        assertThatThrownBy(() -> codecs.decode(JsonCodec.ID, "\"one\"".getBytes(StandardCharsets.UTF_8), Order.class))
                .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.publicMessage()).startsWith(
                        "json: the body does not fit the route's type: expected an object, found a string (line 1"));
        assertThatThrownBy(() -> codecs.decode(JsonCodec.ID, "{\"items\":{}}".getBytes(StandardCharsets.UTF_8), Order.class))
                .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.publicMessage()).startsWith(
                        "json: the body does not fit the route's type: expected an array, found an object at $.items"));
        byte[] deep = ("[".repeat(2000) + "]".repeat(2000)).getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> codecs.decode(JsonCodec.ID, deep, Object.class))
                .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.publicMessage())
                        .startsWith("json: the body passes a parser limit: ").containsIgnoringCase("nesting depth"));
        byte[] malformed = "{\"items\":[nope]}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> codecs.decode(JsonCodec.ID, malformed, Order.class))
                .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.publicMessage())
                        .startsWith("json: malformed body: Unrecognized token 'nope'").contains("(line 1, column ")
                        .doesNotContain("io.teleport"));
        assertThatThrownBy(() -> codecs.decode(ProtobufCodec.ID, new byte[] {(byte) 0xFF}, PbTest.class))
                .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.publicMessage())
                        .startsWith("protobuf: malformed body: ").doesNotContain("io.teleport"));
        assertThatThrownBy(() -> codecs.decode(ProtobufCodec.ID, new byte[] {8, 1}, Map.class))
                .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.publicMessage())
                        .isEqualTo("protobuf: the route does not take a protobuf body"));
        assertThatThrownBy(() -> codecs.decode(StringCodec.ID, new byte[] {'x'}, Item.class))
                .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.publicMessage())
                        .isEqualTo("string: the route does not take a string body"));
        assertThatThrownBy(() -> codecs.decode((byte) 'q', new byte[] {'x'}, Item.class))
                .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.publicMessage())
                        .isEqualTo("unsupported codec id: 113"));
        assertThat(new CodecException("mine: cannot read into com.example.Secret").publicMessage())
                .as("a codec that gives no public wording").isEqualTo("cannot decode the body");
    }

    @Test
    void stringCodecWritesRawAndRejectsOtherTypes() {
        assertThat(encode(StringCodec.ID, "héllo")).isEqualTo("héllo");
        assertThat(codecs.decode(StringCodec.ID, "abc".getBytes(StandardCharsets.UTF_8), String.class)).isEqualTo("abc");
        assertThatThrownBy(() -> codecs.encode(StringCodec.ID, 42, out))
                .isInstanceOf(CodecException.class).hasMessageContaining("can not be directly converted");
        assertThatThrownBy(() -> codecs.decode(StringCodec.ID, new byte[] {1}, Integer.class))
                .isInstanceOf(CodecException.class);
    }

    @Test
    void protobufWritesAnyMessageAndEmptyIsTheDefaultInstance() {
        codecs.encode(ProtobufCodec.ID, PbTest.newBuilder().setA(10).setB(2).build(), out);
        assertThat(out.readableBytes()).isEqualTo(4);
        out.clear();
        codecs.encode(ProtobufCodec.ID, PbTest.getDefaultInstance(), out);
        assertThat(out.readableBytes()).as("an empty message is 0 bytes").isZero();
        assertThat(codecs.decode(ProtobufCodec.ID, new byte[0], PbTest.class)).isEqualTo(PbTest.getDefaultInstance());
        assertThatThrownBy(() -> codecs.encode(ProtobufCodec.ID, "not a message", out))
                .isInstanceOf(CodecException.class).hasMessageContaining("does not implement");
        assertThatThrownBy(() -> codecs.decode(ProtobufCodec.ID, new byte[] {(byte) 0xff}, PbTest.class))
                .isInstanceOf(CodecException.class);
        // a = 10, then an end-group tag that closes no group: a clear error, not a message cut short.
        assertThatThrownBy(() -> codecs.decode(ProtobufCodec.ID, new byte[] {0x08, 0x0A, 0x0C}, PbTest.class))
                .isInstanceOf(CodecException.class).hasMessageContaining("end-group tag");
    }

    /** A decimal a handler's arithmetic can work with. */
    public record Price(java.math.BigDecimal amount) {
    }

    /**
     * Eleven bytes, {@code 1e-10000000}, made a handler's {@code add} run for seconds and fill a small
     * heap (hostile round 11): a decimal's scale is bounded as its text is, either way.
     */
    @Test
    void aDecimalWhoseScaleIsLargerThanANumbersTextMayBeIsRefusedAsPastAParserLimit() {
        for (String number : new String[] {"1e-10000000", "1E+2000", "-5e1001"}) {
            byte[] body = ("{\"amount\":" + number + "}").getBytes(StandardCharsets.UTF_8);
            assertThatThrownBy(() -> codecs.decode(JsonCodec.ID, body, Price.class)).as(number)
                    .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.publicMessage())
                            .startsWith("json: the body passes a parser limit: BigDecimal scale (")
                            .contains("exceeds the maximum allowed (1000)"));
            assertThatThrownBy(() -> codecs.decode(JsonCodec.ID, number.getBytes(StandardCharsets.UTF_8),
                    java.math.BigDecimal.class)).as(number).isInstanceOf(CodecException.class);
        }
        // What a number's text may hold stays valid, written out or with an exponent.
        String tiny = "0." + "0".repeat(900) + "1";
        assertThat(codecs.decode(JsonCodec.ID, ("{\"amount\":" + tiny + "}").getBytes(StandardCharsets.UTF_8), Price.class))
                .isEqualTo(new Price(new java.math.BigDecimal(tiny)));
        assertThat(codecs.decode(JsonCodec.ID, "{\"amount\":12.50}".getBytes(StandardCharsets.UTF_8), Price.class))
                .isEqualTo(new Price(new java.math.BigDecimal("12.50")));
        assertThat(codecs.decode(JsonCodec.ID, "1e-1000".getBytes(StandardCharsets.UTF_8), java.math.BigDecimal.class))
                .isEqualTo(new java.math.BigDecimal("1e-1000"));
    }

    @Test
    void aJsonBodyOfMoreTokensThanTheLimitIsRefusedAsPastAParserLimit() {
        JsonCodec json = new JsonCodec(JsonCodec.goCompatibleMapperBuilder(1_000_000).build());
        // 1,000,002 tokens (the array's two and two per empty object): 1.5 MB that would be 30 MB of maps.
        byte[] over = ("[" + "{},".repeat(499_999) + "{}]").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> json.decode(over, Object.class))
                .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.publicMessage())
                        .startsWith("json: the body passes a parser limit").contains("1000000")
                        .as("the library's setting is not the sender's business").doesNotContain("StreamReadConstraints"));
        byte[] within = ("[" + "{},".repeat(499_998) + "{}]").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertThat((List<?>) json.decode(within, Object.class)).hasSize(499_999);
        JsonCodec unlimited = new JsonCodec(JsonCodec.goCompatibleMapperBuilder(0).build());
        assertThat((List<?>) unlimited.decode(over, Object.class)).hasSize(500_000);
        // The default follows the heap: a sixth of it at most for one body, within a million and sixteen.
        assertThat(JsonCodec.DEFAULT_MAX_TOKENS).isBetween(1_000_000L, 16_000_000L)
                .isEqualTo(Math.min(16_000_000, Math.max(1_000_000, Runtime.getRuntime().maxMemory() / 256)));
    }

    @Test
    void unknownFieldsOfAReceivedMessageAreDroppedUnlessTheCodecKeepsThem() throws Exception {
        // a = 7, then 20,000 fields PbTest does not know, each of its own number: kept, each is an entry of
        // the message's unknown-field set, about 30 times its bytes on the wire.
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        com.google.protobuf.CodedOutputStream stream = com.google.protobuf.CodedOutputStream.newInstance(bytes);
        stream.writeInt32(1, 7);
        for (int n = 3; n < 20_003; n++) {
            stream.writeUInt64(n, 0);
        }
        stream.flush();
        byte[] body = bytes.toByteArray();

        PbTest dropped = (PbTest) codecs.decode(ProtobufCodec.ID, body, PbTest.class);
        assertThat(dropped.getA()).isEqualTo(7);
        assertThat(dropped.getUnknownFields().asMap()).as("the default codec's").isEmpty();
        PbTest kept = (PbTest) ProtobufCodec.keepingUnknownFields().decode(body, PbTest.class);
        assertThat(kept.getA()).isEqualTo(7);
        assertThat(kept.getUnknownFields().asMap()).hasSize(20_000);
        assertThat(kept.toByteArray()).as("passed on as it came").isEqualTo(body);
    }

    @Test
    void nilBodiesAndRawTargets() {
        codecs.encode((byte) 0, null, out);
        assertThat(out.readableBytes()).isZero();
        assertThatThrownBy(() -> codecs.encode((byte) 0, "x", out)).hasMessage("unsupported codec id: 0");
        assertThatThrownBy(() -> codecs.decode((byte) 0, new byte[] {1}, String.class)).hasMessage("unsupported codec id: 0");
        assertThat(codecs.decode(JsonCodec.ID, new byte[0], Args.class)).as("empty body, zero value").isNull();
        byte[] raw = {'{', '}'};
        assertThat(codecs.decode(JsonCodec.ID, raw, PreEncoded.class)).as("PreEncoded takes the raw body")
                .isEqualTo(new PreEncoded(raw));
        assertThat(codecs.decode(JsonCodec.ID, new byte[0], PreEncoded.class)).as("no body").isNull();
        assertThat(codecs.decode(JsonCodec.ID, "\"e30=\"".getBytes(StandardCharsets.UTF_8), byte[].class))
                .as("byte[] is base64 in JSON, as encode writes it").isEqualTo(raw);
        assertThat(codecs.decode(StringCodec.ID, raw, byte[].class)).as("and the bytes with the string codec")
                .isEqualTo(raw);
        assertThat(codecs.decode(StringCodec.ID, new byte[0], byte[].class)).isEqualTo(new byte[0]);
    }

    @Test
    void registryRefusesIdZeroAndNameClashes() {
        assertThatThrownBy(() -> Codecs.empty().register(new TestCodec((byte) 0, "x")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Codecs.defaults().register(new TestCodec((byte) 'J', "json")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Codecs.defaults().require("xml")).hasMessageContaining("expected one of");
    }

    @Test
    void anApplicationCodecThatRejectsABodyInItsOwnWayRejectsItAsACodecDoes() {
        Codec strict = new Codec() {
            @Override
            public byte id() {
                return 'k';
            }

            @Override
            public String name() {
                return "strict";
            }

            @Override
            public void encode(Object body, ByteBuf out) {
            }

            @Override
            public Object decode(byte[] bytes, java.lang.reflect.Type type) {
                throw new IllegalArgumentException("not a valid record");
            }
        };
        Codecs registry = Codecs.defaults().register(strict);
        // A CodecException is what makes the reply a 400 (the sender's body), not a 500.
        assertThatThrownBy(() -> registry.decode((byte) 'k', new byte[] {1}, String.class))
                .isInstanceOf(CodecException.class).hasMessageContaining("strict could not decode the body")
                .hasMessageContaining("not a valid record");
    }

    private record TestCodec(byte id, String name) implements Codec {
        @Override
        public void encode(Object body, ByteBuf out) {
        }

        @Override
        public Object decode(byte[] bytes, java.lang.reflect.Type type) {
            return null;
        }
    }

    @Test
    void aProtobufMessageInJsonIsRefusedNamingTheProtobufCodec() {
        PbTest message = PbTest.newBuilder().setA(1).build();
        assertThatThrownBy(() -> codecs.encode(JsonCodec.ID, message, out)).isInstanceOf(CodecException.class)
                .hasMessageContaining(PbTest.class.getName()).hasMessageContaining("ProtobufCodec.ID")
                .hasMessageNotContaining("self-reference");
        assertThatThrownBy(() -> codecs.decode(JsonCodec.ID, "{\"a\":1}".getBytes(StandardCharsets.UTF_8), PbTest.class))
                .isInstanceOfSatisfying(CodecException.class, e -> {
                    assertThat(e.getMessage()).contains("protobuf codec");
                    assertThat(e.publicMessage()).isEqualTo("json: this route takes a protobuf body: send it with codec 'p'");
                });
    }

    @Test
    void aProtobufMessageIsReadFromJsonByADeserializerOfTheApplications() {
        tools.jackson.databind.module.SimpleModule module = new tools.jackson.databind.module.SimpleModule();
        module.addDeserializer(PbTest.class, new tools.jackson.databind.ValueDeserializer<PbTest>() {
            @Override
            public PbTest deserialize(tools.jackson.core.JsonParser p, tools.jackson.databind.DeserializationContext ctxt) {
                java.util.Map<?, ?> fields = ctxt.readValue(p, java.util.Map.class);
                return PbTest.newBuilder().setA(((Number) fields.get("a")).intValue()).build();
            }
        });
        JsonCodec withModule = new JsonCodec(JsonCodec.goCompatibleMapperBuilder().addModule(module).build());
        assertThat(withModule.decode("{\"a\":7}".getBytes(StandardCharsets.UTF_8), PbTest.class))
                .isEqualTo(PbTest.newBuilder().setA(7).build());
        assertThatThrownBy(() -> new JsonCodec().decode("{\"a\":7}".getBytes(StandardCharsets.UTF_8), PbTest.class))
                .isInstanceOf(CodecException.class).hasMessageContaining("protobuf codec");
    }
}
