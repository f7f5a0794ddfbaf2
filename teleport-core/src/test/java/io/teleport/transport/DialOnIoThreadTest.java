package io.teleport.transport;

import io.teleport.Peer;
import io.teleport.config.HandlerExecution;
import io.teleport.config.PeerConfig;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.concurrent.*;

/**
 * A gateway that connects to a backend lazily from a handler run on an I/O thread (INLINE, or
 * {@code @NonBlocking}): the blocking dial is refused at once, as a blocking pull is, since it needs
 * that thread to finish and its own timeout could never fire.
 */
class DialOnIoThreadTest {
    @RegisterExtension final TestPeers peers = new TestPeers();

    @Test
    void aBlockingDialFromAnInlineHandlerIsRefused() throws Exception {
        Peer backend = peers.add(new Peer(PeerConfig.builder().listenAddress("127.0.0.1:0").build()));
        String backendAddr = backend.listen().toString().replace("/", "");
        Peer gateway = peers.add(new Peer(PeerConfig.builder().listenAddress("127.0.0.1:0").ioThreads(1)
                .handlerExecution(HandlerExecution.INLINE).dialTimeout(Duration.ofSeconds(2)).build()));
        CompletableFuture<Thread> handlerThread = new CompletableFuture<>();
        CompletableFuture<String> outcome = new CompletableFuture<>();
        gateway.pushRouter().route("/connect", String.class, (b, ctx) -> {
            handlerThread.complete(Thread.currentThread());
            try {
                outcome.complete("dialed " + gateway.dial(backendAddr).id());
            } catch (Throwable t) {
                outcome.complete(t.toString());
            }
        });
        String gwAddr = gateway.listen().toString().replace("/", "");
        Session c = peers.add(new Peer(PeerConfig.defaults())).dial(gwAddr);
        c.push("/connect", "x").get();
        String r;
        try {
            r = outcome.get(6, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            r = "still blocked after 6 s (dialTimeout 2 s); thread " + handlerThread.get().getName();
            handlerThread.get().interrupt();   // only an interrupt frees it
        }
        assertThat(r).startsWith("java.lang.IllegalStateException: a blocking dial of " + backendAddr
                + " on an I/O thread would never end");
    }
}
