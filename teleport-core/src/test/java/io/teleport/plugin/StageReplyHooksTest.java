package io.teleport.plugin;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A handler that returns a stage may see it completed on an I/O thread (the reply of a pull it made,
 * say); the reply's hooks that may block still run off that thread, and those that never block run
 * where the stage completed.
 */
class StageReplyHooksTest {

    private final List<Peer> peers = new ArrayList<>();
    /** The thread on which each handler's stage completed. */
    private final BlockingQueue<String> completedOn = new LinkedBlockingQueue<>();

    @AfterEach
    void closeAll() {
        peers.forEach(Peer::close);
    }

    /** Says on which thread the reply's hook ran; not declared non-blocking, so it may block. */
    static final class ReplyHook implements PreWriteReply {
        final BlockingQueue<String> threads = new LinkedBlockingQueue<>();

        @Override
        public @Nullable Rerror preWriteReply(WriteContext ctx) {
            threads.add(Thread.currentThread().getName());
            return null;
        }
    }

    /**
     * A server whose {@code /ask} answers once a push back to its caller is written: the push's future
     * completes on the connection's I/O thread.
     */
    private Session dial(ReplyHook hook) {
        Peer server = new Peer(PeerConfig.defaults(), hook);
        peers.add(server);
        server.pullRouter().route("/ask", String.class, (body, ctx) -> ctx.session().push("/note", body).thenApply(written -> {
            // Usually the I/O thread; the handler's own when the write was done before it chained this.
            completedOn.add(Thread.currentThread().getName());
            return "hello " + body.toUpperCase();
        }));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = new Peer(PeerConfig.defaults());
        peers.add(client);
        client.pushRouter().route("/note", String.class, (body, ctx) -> { });
        return client.dial("127.0.0.1:" + port);
    }

    @Test
    void aHookThatMayBlockRunsOffTheIoThreadTheStageCompletedOn() throws Exception {
        ReplyHook hook = new ReplyHook();
        Session session = dial(hook);

        assertThat(session.pull("/ask", "ada", String.class)).isEqualTo("hello ADA");
        // Whichever thread completed the stage (usually the I/O thread's write listener), never there.
        assertThat(hook.threads.poll(5, TimeUnit.SECONDS)).startsWith("teleport-handler");
        assertThat(completedOn.poll()).isNotNull();
    }
}
