package io.teleport.xfer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.RerrorException;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An application's transfer filter that breaks the contract (returns its input) is named, not met with a refCnt error. */
class FilterContractTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    /** "Does nothing" by handing its input back, which the caller then releases twice. */
    private static final class Identity implements XferFilter {
        @Override
        public byte id() {
            return 'i';
        }

        @Override
        public String name() {
            return "identity";
        }

        @Override
        public ByteBuf pack(ByteBuf in, ByteBufAllocator alloc) {
            return in;
        }

        @Override
        public ByteBuf unpack(ByteBuf in, ByteBufAllocator alloc, int maxSize) {
            return in;
        }
    }

    @Test
    void aFilterThatReturnsItsInputFailsTheCallSayingSo() {
        Peer server = peers.add(Peer.builder().xferFilter(new Identity()).build());
        server.pullRouter().route("/echo", String.class, (b, ctx) -> b);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session session = peers.add(Peer.builder().config(PeerConfig.defaults()).xferFilter(new Identity()).build())
                .dial("127.0.0.1:" + port);
        assertThatThrownBy(() -> session.pull("/echo", "x", String.class, CallOptions.xfer((byte) 'i')))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(104);
                    assertThat(e.rerror().detail()).contains("transfer filter 'i' returned its input");
                });
        assertThat(session.pull("/echo", "y", String.class)).isEqualTo("y");
    }
}
