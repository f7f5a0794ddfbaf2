package io.teleport.lifecycle;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.PostWritePull;
import io.teleport.plugin.WriteContext;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A pull ended by its connection's close is told 104 (not sent: safe to send again) only if it never
 * is: one waiting for a redial, whose write the close claims, is not sent on the next connection.
 * One handed to a connection and not yet written keeps 102, as which connection takes it is not known.
 */
class UnwrittenPullsTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @Test
    void pullsEndedByAClosedConnectionSay104OnlyIfTheyWereNeverSent() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        Set<String> handled = ConcurrentHashMap.newKeySet();
        server.pullRouter().route("/echo", String.class, (body, ctx) -> {
            handled.add(ctx.uri());
            return body;
        });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Set<String> written = ConcurrentHashMap.newKeySet();
        PostWritePull recorder = new PostWritePull() {
            @Override
            public Rerror postWritePull(WriteContext ctx) {
                written.add(ctx.output().uri());
                return null;
            }

            @Override
            public String name() {
                return "written";
            }
        };
        Peer client = peers.add(new Peer(PeerConfig.builder().redialTimes(-1).redialInterval(Duration.ofMillis(5))
                .build(), recorder));
        Session session = client.dial("127.0.0.1:" + port);

        Map<String, Integer> ended = new ConcurrentHashMap<>();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ids = new AtomicInteger();
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread caller = new Thread(() -> {
                while (running.get()) {
                    String uri = "/echo?id=" + ids.incrementAndGet();
                    try {
                        session.pull(uri, "x", String.class, CallOptions.timeout(Duration.ofSeconds(5)));
                        ended.put(uri, 0);
                    } catch (RerrorException e) {
                        ended.put(uri, e.code());
                    }
                }
            });
            caller.start();
            callers.add(caller);
        }
        // The server drops its end of the connection, again and again, while the callers pull.
        for (int i = 0; i < 40; i++) {
            Thread.sleep(25);
            server.sessions().forEach(s -> s.dropConnection("test"));
        }
        running.set(false);
        for (Thread caller : callers) {
            caller.join(10_000);
        }
        Thread.sleep(200);

        List<String> unsentWritten = ended.entrySet().stream()
                .filter(e -> e.getValue() == Rerror.CODE_WRITE_FAILED && written.contains(e.getKey()))
                .map(Map.Entry::getKey).toList();
        assertThat(unsentWritten).as("pulls told 104, not sent, that were written").isEmpty();
        List<String> unsentHandled = ended.entrySet().stream()
                .filter(e -> e.getValue() == Rerror.CODE_WRITE_FAILED && handled.contains(e.getKey()))
                .map(Map.Entry::getKey).toList();
        assertThat(unsentHandled).as("pulls told 104, not sent, that the server ran (sent after a redial)").isEmpty();
        assertThat(ended.values()).as("some pulls were cut off").contains(Rerror.CODE_CONNECTION_CLOSED);
    }
}
