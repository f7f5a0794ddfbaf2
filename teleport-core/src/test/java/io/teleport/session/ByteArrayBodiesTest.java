package io.teleport.session;

import io.teleport.Peer;
import io.teleport.codec.PreEncoded;
import io.teleport.codec.ProtobufCodec;
import io.teleport.codec.StringCodec;
import io.teleport.config.PeerConfig;
import io.teleport.message.RerrorException;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static io.teleport.session.CallOptions.bodyCodec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A {@code byte[]} body follows its codec both ways, as Go's codecs do: base64 text in JSON, the
 * bytes themselves with the string codec, refused by Protobuf; {@link PreEncoded} is the raw type.
 */
class ByteArrayBodiesTest {

    private static final byte[] DATA = {0, 1, 2, (byte) 0xff, '"'};
    private static final String BASE64 = "AAEC/yI=";

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private Session connect() {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        server.pullRouter().route("/bytes/echo", byte[].class, (body, ctx) -> body);
        server.pullRouter().route("/bytes/text", String.class, (body, ctx) -> body);
        server.pullRouter().route("/bytes/raw", PreEncoded.class,
                (body, ctx) -> new String(body.bytes(), StandardCharsets.UTF_8));
        server.pullRouter().route("/bytes/give", Void.class, (body, ctx) -> DATA);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        return peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);
    }

    @Test
    void jsonByteArraysRoundTripAsBase64LikeGo() {
        Session session = connect();
        assertThat(session.pull("/bytes/echo", DATA, byte[].class)).as("sent and read back").isEqualTo(DATA);
        assertThat(session.pull("/bytes/give", null, byte[].class)).as("a handler's byte[] reply").isEqualTo(DATA);
        assertThat(session.pull("/bytes/text", DATA, String.class))
                .as("what a Go peer sees: a base64 string").isEqualTo(BASE64);
        assertThat(session.pull("/bytes/raw", DATA, String.class))
                .as("PreEncoded gets the wire form").isEqualTo("\"" + BASE64 + "\"");
        PreEncoded raw = session.pull("/bytes/give", null, PreEncoded.class);
        assertThat(new String(raw.bytes(), StandardCharsets.UTF_8)).isEqualTo("\"" + BASE64 + "\"");
        assertThat(session.pull("/bytes/echo", new PreEncoded(("\"" + BASE64 + "\"").getBytes(StandardCharsets.UTF_8)),
                byte[].class)).as("PreEncoded is written as it is").isEqualTo(DATA);
    }

    @Test
    void stringCodecByteArraysAreTheBytesThemselvesBothWays() {
        Session session = connect();
        assertThat(session.pull("/bytes/echo", DATA, byte[].class, bodyCodec(StringCodec.ID))).isEqualTo(DATA);
        assertThat(session.pull("/bytes/raw", "abc".getBytes(StandardCharsets.UTF_8), String.class,
                bodyCodec(StringCodec.ID))).isEqualTo("abc");
    }

    @Test
    void protobufRefusesByteArraysBothWays() {
        Session session = connect();
        assertThatThrownBy(() -> session.pull("/bytes/echo", DATA, byte[].class, bodyCodec(ProtobufCodec.ID)))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(104));
        // The same body sent as what it already is: the handler cannot read it as byte[] with Protobuf.
        assertThatThrownBy(() -> session.pull("/bytes/echo", new PreEncoded(DATA), Map.class,
                bodyCodec(ProtobufCodec.ID)))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.rerror().detail()).isEqualTo("protobuf: the route does not take a protobuf body");
                });
    }
}
