package io.teleport.plugin;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.PacketType;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Write hooks cannot change the seq or type of the packet they see (pull, push or reply): such a change is undone. */
class PreWritePullSeqTest {

    private final List<Peer> peers = new ArrayList<>();

    @AfterEach
    void closeAll() {
        peers.forEach(p -> p.shutdown(Duration.ofSeconds(1)));
    }

    private Session connect(PreWritePull hook) {
        Peer server = new Peer(PeerConfig.defaults());
        peers.add(server);
        server.pullRouter().route("/seq", String.class, (body, ctx) -> body + " " + ctx.seq() + " " + ctx.meta().peek("hooked"));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = new Peer(PeerConfig.defaults(), hook);
        peers.add(client);
        return client.dial("127.0.0.1:" + port);
    }

    @Test
    void aSeqChangedByTheHookIsUndoneAndThePullIsAnswered() {
        Session session = connect((PreWritePull) ctx -> {
            ctx.output().seq(ctx.output().seq() + 1000);
            ctx.output().meta().set("hooked", "yes");
            return null;
        });
        assertThat(session.pull("/seq", "first", String.class, CallOptions.timeout(Duration.ofSeconds(2))))
                .as("written with the seq it was assigned; the hook's other changes stay").isEqualTo("first 0 yes");
        assertThat(session.pull("/seq", "second", String.class, CallOptions.timeout(Duration.ofSeconds(2))))
                .isEqualTo("second 1 yes");
    }

    @Test
    void aTypeChangedByTheHookIsUndoneAndThePullIsAnswered() {
        Session session = connect((PreWritePull) ctx -> {
            ctx.output().type(PacketType.PUSH);
            return null;
        });
        assertThat(session.pull("/seq", "pull", String.class, CallOptions.timeout(Duration.ofSeconds(2))))
                .isEqualTo("pull 0 null");
    }

    @Test
    void aReplyHookCannotUnpairTheReplyFromItsPull() {
        Peer server = new Peer(PeerConfig.defaults(), (PreWriteReply) ctx -> {
            ctx.output().seq(ctx.output().seq() + 7).type(PacketType.PUSH);
            return null;
        });
        peers.add(server);
        server.pullRouter().route("/seq", String.class, (body, ctx) -> body + "!");
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = new Peer(PeerConfig.defaults());
        peers.add(client);
        assertThat(client.dial("127.0.0.1:" + port).pull("/seq", "hi", String.class,
                CallOptions.timeout(Duration.ofSeconds(2)))).isEqualTo("hi!");
    }

    @Test
    void aPushHookCannotTurnThePushIntoAPull() throws Exception {
        Peer server = new Peer(PeerConfig.defaults());
        peers.add(server);
        java.util.concurrent.CompletableFuture<String> got = new java.util.concurrent.CompletableFuture<>();
        server.pushRouter().route("/note", String.class, (body, ctx) -> got.complete(body));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = new Peer(PeerConfig.defaults(), (PreWritePush) ctx -> {
            ctx.output().type(PacketType.PULL);
            return null;
        });
        peers.add(client);
        client.dial("127.0.0.1:" + port).push("/note", "pushed").join();
        assertThat(got.get(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("pushed");
    }
}
