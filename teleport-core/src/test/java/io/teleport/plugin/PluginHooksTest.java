package io.teleport.plugin;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.setup.PostNewPeer;
import io.teleport.plugin.setup.PreNewPeer;
import io.teleport.router.PullRouter;
import io.teleport.session.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The order of every hook in every flow, and what an error at each hook does. */
class PluginHooksTest {

    private final List<Peer> peers = new ArrayList<>();
    private final AtomicInteger pulls = new AtomicInteger();
    private final AtomicInteger pushes = new AtomicInteger();

    @AfterEach
    void closeAll() {
        peers.forEach(p -> p.shutdown(Duration.ofSeconds(2)));
    }

    private Peer peer(Plugin... plugins) {
        return peer(PeerConfig.builder().shutdownTimeout(Duration.ofSeconds(2)).build(), plugins);
    }

    private Peer peer(PeerConfig config, Plugin... plugins) {
        Peer peer = new Peer(config, plugins);
        peers.add(peer);
        return peer;
    }

    /**
     * A peer with one handler thread: it handles the messages of a connection one after the other, in
     * the order it reads them, so a reply or a handled push proves that everything sent before it on
     * the same session has been dealt with, handler included.
     */
    private Peer serialPeer(Plugin... plugins) {
        return peer(PeerConfig.builder().shutdownTimeout(Duration.ofSeconds(2)).handlerThreads(1).build(), plugins);
    }

    private String listen(Peer server) {
        server.pullRouter().route("/p", String.class, (body, ctx) -> {
            pulls.incrementAndGet();
            return body;
        });
        server.pushRouter().route("/q", String.class, (body, ctx) -> pushes.incrementAndGet());
        return "127.0.0.1:" + ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
    }

    @Test
    void peerHooksRunAtConstructionAndRegistration() {
        RecordingPlugin plugin = new RecordingPlugin("rec");
        Peer peer = peer((PreNewPeer) config -> config.readLimit(4096), plugin);
        assertThat(peer.config().readLimit()).as("PreNewPeer may change the configuration").isEqualTo(4096);
        assertThat(plugin.calls).containsExactly("rec:PreNewPeer", "rec:PostNewPeer");
        peer.pullRouter().route("/x", String.class, (b, c) -> b);
        assertThat(plugin.calls).endsWith("rec:PostReg /x");
        Peer refusing = peer((PostReg) route -> {
            if (route.path().startsWith("/forbidden")) {
                throw new IllegalArgumentException("no " + route.path());
            }
        });
        assertThatThrownBy(() -> refusing.pullRouter().route("/forbidden/x", String.class, (b, c) -> b))
                .hasMessage("no /forbidden/x");
        assertThat(refusing.pullRouter().lookup("/forbidden/x")).isNull();
    }

    /** Records the thread each write and reply hook ran on. */
    private static final class ThreadRecorder implements PostWritePull, PostWriteReply, PostWritePush,
            PostReadReplyHeader {
        final List<String> threads = new CopyOnWriteArrayList<>();
        private final boolean nonBlocking;
        private final String name;

        ThreadRecorder(String name, boolean nonBlocking) {
            this.name = name;
            this.nonBlocking = nonBlocking;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean nonBlocking() {
            return nonBlocking;
        }

        private Rerror record(String hook) {
            threads.add(hook + "@" + (Thread.currentThread().getName().startsWith("teleport-io") ? "io" : "other"));
            return null;
        }

        @Override
        public Rerror postWritePull(WriteContext ctx) {
            return record("PostWritePull");
        }

        @Override
        public Rerror postWriteReply(WriteContext ctx) {
            return record("PostWriteReply");
        }

        @Override
        public Rerror postWritePush(WriteContext ctx) {
            return record("PostWritePush");
        }

        @Override
        public Rerror postReadReplyHeader(ReadContext ctx) {
            return record("PostReadReplyHeader");
        }
    }

    @Test
    void writeAndReplyHooksStayOnTheIoThreadOnlyWhenEveryPluginSaysItNeverBlocks() {
        for (boolean nonBlocking : new boolean[] {true, false}) {
            ThreadRecorder server = new ThreadRecorder("server", nonBlocking);
            ThreadRecorder client = new ThreadRecorder("client", nonBlocking);
            Session session = peer(client).dial(listen(peer(server)));
            assertThat(session.pull("/p", "x", String.class)).isEqualTo("x");
            session.push("/q", "y").join();
            String where = nonBlocking ? "io" : "other";
            await().until(() -> server.threads.size() == 1 && client.threads.size() == 3);
            assertThat(server.threads).containsExactly("PostWriteReply@" + where);
            assertThat(client.threads).containsExactlyInAnyOrder("PostWritePull@" + where,
                    "PostReadReplyHeader@" + where, "PostWritePush@" + where);
        }
        // One plugin that may block is enough to keep the hooks of the whole chain off the I/O thread.
        ThreadRecorder quick = new ThreadRecorder("quick", true);
        Session session = peer(quick, new ThreadRecorder("slow", false)).dial(listen(peer()));
        assertThat(session.pull("/p", "x", String.class)).isEqualTo("x");
        await().until(() -> quick.threads.size() == 2);
        assertThat(quick.threads).containsExactlyInAnyOrder("PostWritePull@other", "PostReadReplyHeader@other");
    }

    @Test
    void orderOfDialAcceptPullPushAndDisconnect() {
        RecordingPlugin server = new RecordingPlugin("S");
        RecordingPlugin client = new RecordingPlugin("C");
        String address = listen(peer(server));
        Session session = peer(client).dial(address);
        await().until(() -> server.calls.contains("S:PostAccept"));
        assertThat(client.calls).contains("C:PostDial");

        assertThat(session.pull("/p", "x", String.class)).isEqualTo("x");
        await().until(() -> server.callsAbout("/p").size() == 5);
        assertThat(client.callsAbout("/p")).containsExactly("C:PreWritePull", "C:PostWritePull",
                "C:PostReadReplyHeader", "C:PreReadReplyBody", "C:PostReadReplyBody");
        assertThat(server.callsAbout("/p")).containsExactly("S:PostReadPullHeader", "S:PreReadPullBody",
                "S:PostReadPullBody", "S:PreWriteReply", "S:PostWriteReply");
        assertThat(server.calls).contains("S:PreReadHeader");

        session.push("/q", "y").join();
        await().until(() -> server.callsAbout("/q").size() == 3);
        assertThat(client.callsAbout("/q")).containsExactly("C:PreWritePush", "C:PostWritePush");
        assertThat(server.callsAbout("/q")).containsExactly("S:PostReadPushHeader", "S:PreReadPushBody",
                "S:PostReadPushBody");

        session.close().join();
        await().until(() -> client.calls.contains("C:PostDisconnect") && server.calls.contains("S:PostDisconnect"));
    }

    @Test
    void handlerScopedHooksRunPeerThenGroupThenRegistrationPlugins() {
        List<String> calls = new CopyOnWriteArrayList<>();
        Peer server = peer(new RecordingPlugin("peer", calls));
        PullRouter group = server.pullRouter().group("g", new RecordingPlugin("group", calls));
        group.group("inner", new RecordingPlugin("inner", calls))
                .route("/echo", String.class, (b, c) -> b, new RecordingPlugin("reg", calls));
        String address = "127.0.0.1:" + ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        peer().dial(address).pull("/g/inner/echo", "x", String.class);
        await().until(() -> calls.stream().filter(c -> c.contains("PostWriteReply")).count() == 4);
        List<String> preBody = calls.stream().filter(c -> c.contains("PreReadPullBody")).toList();
        assertThat(preBody).containsExactly("peer:PreReadPullBody /g/inner/echo", "group:PreReadPullBody /g/inner/echo",
                "inner:PreReadPullBody /g/inner/echo", "reg:PreReadPullBody /g/inner/echo");
        assertThat(calls.stream().filter(c -> c.contains("PostReadPullHeader")).toList())
                .as("header hooks are the peer's only").containsExactly("peer:PostReadPullHeader /g/inner/echo");
        assertThat(calls).contains("group:PostReg /g/inner/echo", "reg:PostReg /g/inner/echo");
    }

    @Test
    void firstErrorStopsTheChain() {
        RecordingPlugin first = new RecordingPlugin("first").failing("PreWritePull", Rerror.of(1, "stop"));
        RecordingPlugin second = new RecordingPlugin("second");
        Session session = peer(first, second).dial(listen(serialPeer()));
        assertThatThrownBy(() -> session.pull("/p", "x", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.rerror()).isEqualTo(Rerror.of(1, "stop")));
        assertThat(second.callsAbout("/p")).isEmpty();
        // Had the pull been written, the server would have read and handled it before this push.
        session.push("/q", "after").join();
        await().until(() -> pushes.get() == 1);
        assertThat(pulls).as("nothing was written").hasValue(0);
    }

    @Test
    void readHookErrorsBecomeTheReplyAndTheHandlerDoesNotRun() {
        for (String hook : List.of("PostReadPullHeader", "PreReadPullBody", "PostReadPullBody", "PreWriteReply")) {
            Peer server = peer(new RecordingPlugin("S-" + hook).failing(hook, new Rerror(1001, hook, "no")));
            Session session = peer().dial(listen(server));
            int before = pulls.get();
            assertThatThrownBy(() -> session.pull("/p", "x", String.class))
                    .as(hook).isInstanceOfSatisfying(RerrorException.class,
                            e -> assertThat(e.rerror()).isEqualTo(new Rerror(1001, hook, "no")));
            if (!hook.equals("PreWriteReply")) {
                assertThat(pulls.get()).as(hook).isEqualTo(before);
            }
        }
    }

    @Test
    void replyReadHookErrorsBecomeThePullsResult() {
        for (String hook : List.of("PostReadReplyHeader", "PreReadReplyBody", "PostReadReplyBody")) {
            Session session = peer(new RecordingPlugin("C-" + hook).failing(hook, Rerror.of(7, hook)))
                    .dial(listen(peer()));
            assertThatThrownBy(() -> session.pull("/p", "x", String.class)).as(hook)
                    .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.rerror()).isEqualTo(Rerror.of(7, hook)));
        }
    }

    @Test
    void pushHookErrorsDropThePushOrFailIt() {
        List<String> hooks = List.of("PostReadPushHeader", "PreReadPushBody", "PostReadPushBody");
        for (String hook : hooks) {
            RecordingPlugin refusing = new RecordingPlugin("S").failing(hook, Rerror.of(9, hook));
            Session session = peer().dial(listen(serialPeer(refusing)));
            int before = pushes.get();
            session.push("/q", "y").join();
            // The pull is read after the push and, with one handler thread, handled after it.
            assertThat(session.pull("/p", "after", String.class)).isEqualTo("after");
            assertThat(refusing.callsAbout("/q")).as("the push arrived and its hooks stopped at the failing one")
                    .containsExactlyElementsOf(hooks.subList(0, hooks.indexOf(hook) + 1).stream()
                            .map(h -> "S:" + h).toList());
            assertThat(pushes.get()).as(hook).isEqualTo(before);
        }
        Session refused = peer(new RecordingPlugin("C").failing("PreWritePush", Rerror.of(5, "no push")))
                .dial(listen(peer()));
        assertThatThrownBy(() -> refused.push("/q", "y").join()).hasCauseInstanceOf(RerrorException.class);
    }

    @Test
    void dialAcceptAndHeaderErrorsCloseTheSession() {
        RecordingPlugin dial = new RecordingPlugin("D").failing("PostDial", Rerror.of(401, "Unauthorized"));
        String address = listen(peer());
        assertThatThrownBy(() -> peer(dial).dial(address))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(401));
        await().until(() -> dial.calls.contains("D:PostDisconnect"));

        Peer refusing = peer(new RecordingPlugin("A").failing("PostAccept", Rerror.of(403, "Forbidden")));
        Session refused = peer().dial(listen(refusing));
        await().until(() -> !refused.isHealthy());
        assertThat(refusing.sessionCount()).isZero();

        Peer deaf = peer(new RecordingPlugin("H").failing("PreReadHeader", Rerror.of(1, "deaf")));
        Session ignored = peer().dial(listen(deaf));
        assertThatThrownBy(() -> ignored.pull("/p", "x", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(102));
    }

    @Test
    void duplicatePluginNamesAreRefused() {
        assertThatThrownBy(() -> Peer.builder()
                .plugins(List.of(new RecordingPlugin("x"), new RecordingPlugin("x"))).build())
                .hasMessageContaining("plugin name: x");
    }
}
