package io.teleport.internal.session;

import io.netty.util.concurrent.EventExecutor;
import io.teleport.Peer;
import io.teleport.config.HandlerExecution;
import io.teleport.config.PeerConfig;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Callbacks on a session's close future run off the I/O threads, however late they are attached. */
class CloseFutureThreadTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private Peer peer(PeerConfig config) {
        return peers.add(new Peer(config));
    }

    /**
     * A close future that gets a callback at the last instant before it completes: what a callback
     * attached by another thread just then amounts to, a race too narrow to hit on purpose otherwise.
     */
    private static final class LateCallback extends CompletableFuture<Void> {

        final CompletableFuture<Thread> ranOn = new CompletableFuture<>();

        @Override
        public boolean complete(Void value) {
            thenRun(() -> ranOn.complete(Thread.currentThread()));
            return super.complete(value);
        }
    }

    @ParameterizedTest
    @EnumSource(value = HandlerExecution.class, names = {"POOL", "INLINE"})
    void aCallbackAttachedJustBeforeTheConnectionCloseCompletesItRunsOffTheIoThreads(HandlerExecution execution)
            throws Exception {
        Peer server = peer(PeerConfig.defaults());
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peer(PeerConfig.builder().handlerExecution(execution).build());
        DefaultSession session = (DefaultSession) client.dial("127.0.0.1:" + port);
        LateCallback late = new LateCallback();
        Field lifecycle = DefaultSession.class.getDeclaredField("lifecycle");
        lifecycle.setAccessible(true);
        Field closeFuture = SessionLifecycle.class.getDeclaredField("closeFuture");
        closeFuture.setAccessible(true);
        closeFuture.set(lifecycle.get(session), late);

        await().until(() -> server.sessionCount() == 1);
        // The server drops the connection: the client's session ends on its I/O thread.
        Session accepted = server.sessions().iterator().next();
        ((DefaultSession) accepted).channel().close();

        Thread ranOn = late.ranOn.get(5, TimeUnit.SECONDS);
        boolean onIoThread = false;
        for (EventExecutor loop : session.peer.group) {
            onIoThread |= loop.inEventLoop(ranOn);
        }
        assertThat(onIoThread).as("ran on %s", ranOn.getName()).isEqualTo(execution == HandlerExecution.INLINE);
    }
}
