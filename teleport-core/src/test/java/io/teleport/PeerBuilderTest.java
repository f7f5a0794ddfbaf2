package io.teleport;

import io.netty.buffer.ByteBuf;
import io.teleport.codec.Codec;
import io.teleport.codec.StringCodec;
import io.teleport.plugin.PostReg;
import io.teleport.plugin.RouteInfo;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import io.teleport.xfer.GzipFilter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.reflect.Type;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Peer#builder()}: what it sets reaches the peer, and the registries are fixed once built. */
class PeerBuilderTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    /** Upper-cases on the way out: a codec whose effect a round trip shows. */
    static final class ShoutCodec implements Codec {
        @Override
        public byte id() {
            return 'u';
        }

        @Override
        public String name() {
            return "shout";
        }

        @Override
        public void encode(Object body, ByteBuf out) {
            out.writeCharSequence(body.toString().toUpperCase(), StandardCharsets.UTF_8);
        }

        @Override
        public Object decode(byte[] bytes, Type type) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    @Test
    void settingsPluginsAndCodecsReachThePeer() {
        List<String> registered = new ArrayList<>();
        PostReg first = route -> registered.add("first " + route.path());
        PostReg second = new PostReg() {
            @Override
            public void postReg(RouteInfo route) {
                registered.add("second " + route.path());
            }

            @Override
            public String name() {
                return "second";
            }
        };
        Peer server = peers.add(Peer.builder()
                .configure(c -> c.readLimit(4096).defaultBodyCodec("shout"))
                .plugin(first).plugins(List.of(second))
                .codec(new ShoutCodec())
                .build());
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        assertThat(server.config().readLimit()).isEqualTo(4096);
        assertThat(server.plugins()).containsExactly(first, second);
        assertThat(registered).containsExactly("first /echo", "second /echo");

        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peers.add(Peer.builder().codec(new ShoutCodec()).build());
        Session session = client.dial("127.0.0.1:" + port);
        assertThat(session.pull("/echo", "hi", String.class, CallOptions.bodyCodec((byte) 'u'))).isEqualTo("HI");
    }

    @Test
    void registriesAreFixedOnceThePeerIsBuilt() {
        Peer peer = peers.add(Peer.builder().build());
        assertThatThrownBy(() -> peer.codecs().register(new StringCodec()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("fixed once the peer is built");
        assertThatThrownBy(() -> peer.xferFilters().register(new GzipFilter()))
                .isInstanceOf(IllegalStateException.class);
        assertThat(peer.codecs().byName("json")).isNotNull();
        assertThat(peer.xferFilters().byName("gzip")).isNotNull();
    }

    @Test
    void aCodecsRegistryChangedAfterBuildDoesNotChangeThePeer() {
        io.teleport.codec.Codecs mine = io.teleport.codec.Codecs.defaults();
        Peer peer = peers.add(Peer.builder().codecs(mine).build());
        mine.register(new ShoutCodec());
        assertThat(mine.byName("shout")).isNotNull();
        assertThat(peer.codecs().byName("shout")).isNull();
    }
}
