package io.teleport.plugin;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code PreWriteReply} sees every reply whole, as Go's does: the body and codec a handler's value
 * gave it (so a plugin can redact or sign them), and error replies too (so it can stamp each reply).
 */
class PreWriteReplyTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private String listen(Peer server) {
        return "127.0.0.1:" + ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
    }

    @Test
    void theHookSeesAndChangesTheBody() {
        AtomicReference<String> seen = new AtomicReference<>();
        PreWriteReply redact = c -> {
            seen.set(c.output().body() + " as " + (char) c.output().bodyCodec());
            c.output().body("[redacted]");
            return null;
        };
        Peer server = peers.add(new Peer(PeerConfig.defaults(), redact));
        server.pullRouter().route("/secret", String.class, (b, ctx) -> "card=4111-1111");
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial(listen(server));
        assertThat(session.pull("/secret", "x", String.class)).isEqualTo("[redacted]");
        assertThat(seen.get()).isEqualTo("card=4111-1111 as j");
    }

    @Test
    void theHookSeesErrorRepliesToo() {
        List<String> stamped = new CopyOnWriteArrayList<>();
        PreWriteReply stamp = c -> {
            stamped.add(c.output().uri());
            c.output().meta().set("X-Version", "1.2");
            return null;
        };
        Map<Long, String> versions = new ConcurrentHashMap<>();
        PostReadReplyHeader look = c -> {
            versions.put(c.input().seq(), String.valueOf(c.input().meta().peek("X-Version")));
            return null;
        };
        Peer server = peers.add(new Peer(PeerConfig.defaults(), stamp));
        server.pullRouter().route("/ok", String.class, (b, ctx) -> "fine");
        server.pullRouter().route("/refused", String.class, (b, ctx) -> new Rerror(1409, "Out Of Stock", ""));
        server.pullRouter().route("/bug", String.class, (b, ctx) -> {
            throw new IllegalStateException("bug");
        });
        Session session = peers.add(new Peer(PeerConfig.defaults(), look)).dial(listen(server));
        for (String uri : List.of("/ok", "/refused", "/bug", "/missing")) {
            try {
                session.pull(uri, "x", String.class);
            } catch (RerrorException expected) {
                // three of them fail: their replies are still stamped
            }
        }
        await().until(() -> versions.size() == 4);
        assertThat(stamped).containsExactly("/ok", "/refused", "/bug", "/missing");
        assertThat(versions.values()).containsOnly("1.2");
    }

    /** Handlers that never block. */
    @io.teleport.router.NonBlocking
    public static class Quick {
        /** Echoes. */
        public String ping(String s) {
            return s;
        }
    }

    @Test
    void theHookRunsOnceAndNeverOnAnIoThreadWhenItMayBlock() {
        List<String> threads = new CopyOnWriteArrayList<>();
        PreWriteReply audit = c -> {
            threads.add(Thread.currentThread().getName());
            return null;
        };
        Peer server = peers.add(new Peer(PeerConfig.defaults(), audit));
        // A route that runs on the I/O thread: pulls then start there, and a 404 is built there.
        server.pullRouter().register(new Quick());
        // A value JSON cannot write: the reply is answered again, more barely, as a 500.
        server.pullRouter().route("/bad", String.class, (b, ctx) -> new Object() {
            public Object getSelf() {
                throw new IllegalStateException("cannot be written");
            }
        });
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial(listen(server));
        assertThat(session.pull("/quick/ping", "p", String.class)).as("a value reply built on the I/O thread").isEqualTo("p");
        for (String uri : List.of("/missing", "/bad")) {
            try {
                session.pull(uri, "x", String.class);
            } catch (RerrorException expected) {
                // a 404 built on the I/O thread, a 500 after a reply that could not be built
            }
        }
        await().until(() -> threads.size() >= 3);
        assertThat(threads).hasSize(3).noneMatch(name -> name.startsWith("teleport-io"));
    }

    @Test
    void aHookFailingWithAJvmErrorStillGetsThePullAnswered() {
        PreWriteReply broken = c -> {
            throw new InternalError("hook broke");
        };
        Peer server = peers.add(new Peer(PeerConfig.defaults(), broken));
        server.pullRouter().register(new Quick());
        Session session = peers.add(new Peer(PeerConfig.builder().pullTimeout(java.time.Duration.ofSeconds(20)).build()))
                .dial(listen(server));
        long start = System.nanoTime();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> session.pull("/quick/ping", "p", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(500));
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(10));
        await().until(() -> server.stats().inboundBytes() == 0);
    }
}
