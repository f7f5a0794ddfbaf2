package io.teleport.spring.handler;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.session.Session;
import org.springframework.context.ApplicationContext;

import java.net.InetSocketAddress;
import java.util.function.Consumer;

/** A client peer of the test's own, dialed to the application context's listening peer over loopback. */
final class LoopbackClient {

    private LoopbackClient() {
    }

    /** Runs {@code test} with a session dialed to the context's peer, and closes the client after. */
    static void withSession(ApplicationContext ctx, Consumer<Session> test) {
        Peer server = ctx.getBean(Peer.class);
        int port = ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort();
        Peer client = new Peer(PeerConfig.defaults());
        try {
            test.accept(client.dial("127.0.0.1:" + port));
        } finally {
            client.close();
        }
    }
}
