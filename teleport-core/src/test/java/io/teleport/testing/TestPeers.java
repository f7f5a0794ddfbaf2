package io.teleport.testing;

import io.teleport.Peer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The peers a test starts, shut down after each test: {@code @RegisterExtension final TestPeers
 * peers = new TestPeers();} then {@code peers.add(new Peer(...))}.
 */
public final class TestPeers implements AfterEachCallback {

    private final List<Peer> peers = new ArrayList<>();

    /** Tracks {@code peer} for shutdown and returns it. */
    public Peer add(Peer peer) {
        peers.add(peer);
        return peer;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        peers.forEach(p -> p.shutdown(Duration.ofSeconds(1)));
        peers.clear();
    }
}
