package io.teleport.internal.transport;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.internal.session.DefaultSession;
import io.teleport.internal.session.PeerContext;
import io.teleport.message.RerrorException;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import io.teleport.transport.Network;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * A dial the peer's shutdown overtakes ends, with 105, instead of leaving its caller waiting: its
 * stopped I/O threads never run the listener that would have failed it.
 */
class DialDuringShutdownTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private String serverAddress() {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        return "127.0.0.1:" + ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
    }

    @Test
    void aDialWhoseLookupOutlastsTheShutdownFails() throws Exception {
        String address = serverAddress();
        Peer client = new Peer(PeerConfig.defaults());
        PeerContext context = ((DefaultSession) client.dial(address)).peer;
        CountDownLatch looking = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        BiFunction<Network, String, SocketAddress> real = context.resolver;
        context.resolver = (network, a) -> {
            looking.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return real.apply(network, a);
        };
        CompletableFuture<Session> dialed = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                dialed.complete(client.dial(address));
            } catch (Throwable t) {
                dialed.completeExceptionally(t);
            }
        });
        caller.start();
        assertThat(looking.await(5, TimeUnit.SECONDS)).isTrue();
        client.shutdown(Duration.ofSeconds(1));
        release.countDown();

        assertThatThrownBy(() -> dialed.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(105);
                    assertThat(e.rerror().detail()).contains("shut down");
                });
    }

    @Test
    void dialsRacingTheShutdownAllSettle() throws Exception {
        String address = serverAddress();
        for (int round = 0; round < 10; round++) {
            Peer client = new Peer(PeerConfig.defaults());
            List<CompletableFuture<Session>> dials = new ArrayList<>();
            Thread dialer = new Thread(() -> {
                for (int i = 0; i < 100; i++) {
                    try {
                        dials.add(client.dialAsync(address, null));
                    } catch (IllegalStateException closed) {
                        return;
                    }
                }
            });
            dialer.start();
            Thread.sleep(round % 5);
            client.shutdown(Duration.ofSeconds(1));
            dialer.join();
            for (CompletableFuture<Session> dial : dials) {
                try {
                    Session session = dial.get(5, TimeUnit.SECONDS);
                    assertThat(session.closeFuture()).as("a session that dialed OK is closed by the shutdown")
                            .succeedsWithin(Duration.ofSeconds(5));
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOfSatisfying(RerrorException.class,
                            r -> assertThat(r.code()).isEqualTo(105));
                } catch (java.util.concurrent.TimeoutException e) {
                    fail("round %d: a dial racing the shutdown never settled", round);
                }
            }
        }
    }
}
