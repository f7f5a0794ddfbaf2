package io.teleport.router;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.session.Session;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Query strings as Go 1.9's url.ParseQuery reads them, and what a handler sees of them. */
class QueryStringTest {

    private static Map<String, List<String>> values(String... keysAndValues) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.computeIfAbsent(keysAndValues[i], k -> new java.util.ArrayList<>()).add(keysAndValues[i + 1]);
        }
        return map;
    }

    @Test
    void pairsAndRepeatedKeys() {
        assertThat(QueryString.parse("a=1&b=2")).isEqualTo(values("a", "1", "b", "2"));
        assertThat(QueryString.parse("a=1&a=2&a=banana")).isEqualTo(values("a", "1", "a", "2", "a", "banana"));
        assertThat(QueryString.parse("")).isEmpty();
    }

    @Test
    void keysWithoutValuesAreEmptyAndTheOthersKeepTheirs() {
        // Each pair looks for its '=' within itself (it looked to the end of the query, quadratic in a
        // query of many pairs without one: 4 to 18 times the CPU of an ordinary query of 16 KB).
        String query = "a&".repeat(5_000) + "b=1";
        Map<String, List<String>> parsed = QueryString.parse(query);
        assertThat(parsed.get("a")).hasSize(5_000).containsOnly("");
        assertThat(parsed.get("b")).containsExactly("1");
        assertThat(QueryString.parse("k&x=1;y")).isEqualTo(values("k", "", "x", "1", "y", ""));
    }

    @Test
    void semicolonsSeparateAsInTheGoOfTeleportV3() {
        assertThat(QueryString.parse("a=1;b=2")).isEqualTo(values("a", "1", "b", "2"));
        assertThat(QueryString.parse("a=1&a=2;a=banana")).isEqualTo(values("a", "1", "a", "2", "a", "banana"));
    }

    @Test
    void plusIsASpaceAndEscapesAreUtf8Bytes() {
        assertThat(QueryString.parse("ascii=%3Ckey%3A+0x90%3E")).isEqualTo(values("ascii", "<key: 0x90>"));
        assertThat(QueryString.parse("a+b=c+d&e=%e2%82%AC")).isEqualTo(values("a b", "c d", "e", "€"));
        assertThat(QueryString.parse("p=%2B%26%3D")).isEqualTo(values("p", "+&="));
    }

    @Test
    void aPairWithABadEscapeIsDroppedAndTheRestKept() {
        assertThat(QueryString.parse("a=%zz&b=1")).isEqualTo(values("b", "1"));
        assertThat(QueryString.parse("%zz=1&b=2")).as("in the key").isEqualTo(values("b", "2"));
        assertThat(QueryString.parse("a=1&b=%4")).as("truncated").isEqualTo(values("a", "1"));
        assertThat(QueryString.parse("a=%&b=%%41")).isEmpty();
        assertThat(QueryString.parse("a=%41%4")).isEmpty();
    }

    @Test
    void emptyPairsKeysWithoutValuesAndEmptyKeys() {
        assertThat(QueryString.parse("a&&b=&;c")).isEqualTo(values("a", "", "b", "", "c", ""));
        assertThat(QueryString.parse("=1&a=b=c")).isEqualTo(values("", "1", "a", "b=c"));
        assertThat(QueryString.parse("&;&")).isEmpty();
    }

    @Test
    void pairsAreCountedAsParseReadsThem() {
        for (String query : new String[] {"", "a", "a=1&b=2", "a&&b=&;c", "&;&", "=1&a=b=c", "a&".repeat(300) + "b"}) {
            assertThat(QueryString.countPairs(query)).as(query)
                    .isEqualTo(QueryString.parse(query).values().stream().mapToInt(List::size).sum());
        }
        assertThat(QueryString.countPairs("a=%zz&b=1")).as("a bad escape still counts").isEqualTo(2);
    }

    /**
     * Parsed, a pair of a URI's query costs about 40 times its bytes: 4 connections whose pulls carried
     * 4,066 of them drove a 256 MB server out of memory once handlers read the query (hostile round 13).
     */
    @Test
    void aQueryOfMorePairsThanMaxMetaPairsIsAnsweredBadPacketWithoutParsing() {
        Peer server = new Peer(PeerConfig.builder().limits(io.teleport.limits.Limits.builder().maxMetaPairs(100).build())
                .build());
        Peer client = new Peer(PeerConfig.defaults());
        try {
            server.pullRouter().route("/q", String.class, (body, ctx) -> String.valueOf(ctx.query().size()));
            int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
            Session session = client.dial("127.0.0.1:" + port);
            StringBuilder pairs = new StringBuilder();
            for (int i = 0; i < 100; i++) {
                pairs.append(i).append("=x&");
            }
            assertThat(session.pull("/q?" + pairs, "", String.class)).isEqualTo("100");
            assertThatThrownBy(() -> session.pull("/q?" + pairs + "one=more", "", String.class))
                    .isInstanceOfSatisfying(io.teleport.message.RerrorException.class, e -> {
                        assertThat(e.code()).isEqualTo(400);
                        assertThat(e.rerror().detail()).isEqualTo("the query has more than 100 pairs (limits.max-meta-pairs)");
                    });
            assertThat(session.pull("/q?a=1", "", String.class)).as("the session goes on").isEqualTo("1");
        } finally {
            client.shutdown(Duration.ofSeconds(1));
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    @Test
    void theResultIsReadOnly() {
        Map<String, List<String>> parsed = QueryString.parse("a=1");
        assertThatThrownBy(() -> parsed.put("b", List.of())).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> parsed.get("a").add("2")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aHandlerSeesTheQueryAsGoParsesIt() {
        Peer server = new Peer(PeerConfig.defaults());
        Peer client = new Peer(PeerConfig.defaults());
        try {
            server.pullRouter().route("/q", String.class, (body, ctx) -> Map.of("query", ctx.query(),
                    "a", String.valueOf(ctx.queryValue("a")), "raw", ctx.rawQuery()));
            int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
            Session session = client.dial("127.0.0.1:" + port);
            Map<?, ?> reply = session.pull("/q?a=%zz&b=1;c=x+y&b=%C3%A9", "", Map.class);
            assertThat(reply.get("query")).isEqualTo(Map.of("b", List.of("1", "é"), "c", List.of("x y")));
            assertThat(reply.get("a")).as("the pair with a bad escape is gone").isEqualTo("null");
            assertThat(reply.get("raw")).isEqualTo("a=%zz&b=1;c=x+y&b=%C3%A9");
        } finally {
            client.shutdown(Duration.ofSeconds(1));
            server.shutdown(Duration.ofSeconds(1));
        }
    }
}
