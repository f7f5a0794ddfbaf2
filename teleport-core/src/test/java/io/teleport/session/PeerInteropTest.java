package io.teleport.session;

import io.teleport.Peer;
import io.teleport.codec.JsonCodec;
import io.teleport.codec.ProtobufCodec;
import io.teleport.codec.StringCodec;
import io.teleport.config.PeerConfig;
import io.teleport.internal.session.DefaultSession;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.router.PullContext;
import io.teleport.router.UnknownPullContext;
import io.teleport.testproto.PbTest;
import io.teleport.xfer.GzipFilter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.teleport.session.CallOptions.addMeta;
import static io.teleport.session.CallOptions.bodyCodec;
import static io.teleport.session.CallOptions.setMeta;
import static io.teleport.session.CallOptions.xfer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Two Java peers over loopback, in both directions: every message kind, codec and error path. */
class PeerInteropTest {

    /** The seed's controller: class Home, methods become /group/home/... */
    public static class Home {
        public Map<String, Object> test(Map<String, Object> args, PullContext ctx) {
            ctx.replyMeta().set("X-Echo", "1");
            return Map.of("args", args, "meta", ctx.meta().toString(), "query", ctx.rawQuery(),
                    "peer_id", String.valueOf(ctx.queryValue("peer_id")), "path", ctx.path());
        }

        public PbTest proto(PbTest in) {
            return in.toBuilder().setA(in.getA() + 2).setB(in.getB() * 4).build();
        }

        public String echoString(String in, PullContext ctx) {
            return in + "!";
        }

        public Object fail(Map<String, Object> args) {
            throw new RerrorException(1001, "bind error", "field x");
        }

        public Object boom(Map<String, Object> args) {
            throw new IllegalStateException("kaput");
        }

        public CompletableFuture<String> later(String in) {
            return CompletableFuture.supplyAsync(() -> "later " + in);
        }

        public void nothing(Session session) {
        }

        public Object unmarshallable(String in) {
            return new Object() {
                public Object getSelf() {
                    return this;
                }
            };
        }
    }

    private Peer server;
    private Peer client;
    private Session session;
    private final BlockingQueue<String> clientPushes = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> serverPushes = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() {
        server = new Peer(PeerConfig.builder().listenAddress("127.0.0.1:0").build());
        server.pullRouter().group("group").register(new Home());
        server.pushRouter().route("/notify/msg", Map.class, (body, ctx) -> {
            serverPushes.add(body.get("msg") + "|" + ctx.path());
            ctx.session().push("/client/ack?from=server", Map.of("ack", body));
        });
        InetSocketAddress address = (InetSocketAddress) server.listen();

        client = new Peer(PeerConfig.builder().pullTimeout(Duration.ofSeconds(5)).build());
        client.pushRouter().route("/client/ack", Map.class, (body, ctx) ->
                clientPushes.add(ctx.queryValue("from") + ":" + body.get("ack")));
        client.pullRouter().route("/client/name", String.class, (body, ctx) -> "client got " + body);
        session = client.dial("127.0.0.1:" + address.getPort());
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    @Test
    void pullWithJsonMetaAndQuery() {
        Reply<Map> reply = session.<Map>pullReply("/group/home/test?peer_id=call-1", Map.of("a", 1), Map.class,
                setMeta("set", "0"), addMeta("add", "1"), addMeta("add", "2")).join();
        Map<?, ?> body = reply.body();
        assertThat(body.get("args")).isEqualTo(Map.of("a", 1));
        assertThat(body.get("meta")).isEqualTo("set=0&add=1&add=2");
        assertThat(body.get("query")).isEqualTo("peer_id=call-1");
        assertThat(body.get("peer_id")).isEqualTo("call-1");
        assertThat(body.get("path")).isEqualTo("/group/home/test");
        assertThat(reply.meta().peek("X-Echo")).isEqualTo("1");
        assertThat(reply.bodyCodec()).as("the reply inherits the request codec").isEqualTo(JsonCodec.ID);
    }

    @Test
    void pullWithGzipGetsAGzipReply() {
        Map<?, ?> body = session.pull("/group/home/test", Map.of("text", "gzip ".repeat(100)), Map.class, xfer(GzipFilter.ID));
        assertThat(body.get("args")).isEqualTo(Map.of("text", "gzip ".repeat(100)));
    }

    @Test
    void protobufAndStringCodecs() {
        PbTest reply = session.pull("/group/home/proto", PbTest.newBuilder().setA(10).setB(2).build(), PbTest.class,
                bodyCodec(ProtobufCodec.ID));
        assertThat(reply).isEqualTo(PbTest.newBuilder().setA(12).setB(8).build());
        String text = session.pull("/group/home/echo_string", "hi", String.class, bodyCodec(StringCodec.ID));
        assertThat(text).isEqualTo("hi!");
        byte[] raw = session.pull("/group/home/echo_string", "raw", byte[].class, bodyCodec(StringCodec.ID));
        assertThat(new String(raw, StandardCharsets.UTF_8)).isEqualTo("raw!");
    }

    @Test
    void asyncRepliesAndVoidHandlers() {
        assertThat(session.pullAsync("/group/home/later", "x", String.class).join()).isEqualTo("later x");
        Reply<Void> none = session.<Void>pullReply("/group/home/nothing", null, Void.class).join();
        assertThat(none.body()).isNull();
        assertThat(none.bodyCodec()).as("a nil reply body has no codec").isEqualTo((byte) 0);
    }

    @Test
    void handlerErrorsBecomeReplies() {
        assertThatThrownBy(() -> session.pull("/group/home/fail", Map.of(), Map.class))
                .isInstanceOfSatisfying(RerrorException.class,
                        e -> assertThat(e.rerror()).isEqualTo(new Rerror(1001, "bind error", "field x")));
        assertThatThrownBy(() -> session.pull("/group/home/boom", Map.of(), Map.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.rerror()).as("no internals by default")
                            .isEqualTo(new Rerror(500, "Internal Server Error", ""));
                });
        assertThatThrownBy(() -> session.pull("/group/home/unmarshallable", "x", Map.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.rerror()).isEqualTo(new Rerror(500, "Internal Server Error", ""));
                });
    }

    @Test
    void wrongBodyTypeIsA400AndTheSessionLivesOn() {
        assertThatThrownBy(() -> session.pull("/group/home/test", "not an object", Map.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.rerror().detail()).as("no class names by default")
                            .startsWith("json: the body does not fit the route's type: expected an object, found a string "
                                    + "(line 1, column ")
                            .doesNotContain("java.");
                });
        assertThatThrownBy(() -> session.pull("/group/home/proto", "not protobuf", PbTest.class,
                bodyCodec(StringCodec.ID)))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(400));
        assertThat(session.isHealthy()).isTrue();
        assertThat(session.pull("/group/home/echo_string", "still", String.class, bodyCodec(StringCodec.ID)))
                .isEqualTo("still!");
    }

    @Test
    void unknownRoutesWithAndWithoutAnUnknownHandler() {
        assertThatThrownBy(() -> session.pull("/not/exist?y=2", Map.of("q", "anyone?"), Map.class))
                .isInstanceOfSatisfying(RerrorException.class,
                        e -> assertThat(e.rerror()).isEqualTo(Rerror.of(404, "Not Found")));
        assertThatThrownBy(() -> session.pull("group/home/test", Map.of(), Map.class))
                .as("routing needs the leading slash").isInstanceOf(RerrorException.class);

        server.pullRouter().setUnknown((UnknownPullContext ctx) -> {
            Map<?, ?> bound = ctx.bind(Map.class);
            return Map.of("unknown_uri", ctx.uri(), "body", new String(ctx.bodyBytes(), StandardCharsets.UTF_8),
                    "bound", bound, "codec", String.valueOf((char) ctx.bodyCodec()));
        });
        Map<?, ?> reply = session.pull("/not/exist?y=2", Map.of("q", "anyone?"), Map.class);
        assertThat(reply.get("unknown_uri")).isEqualTo("/not/exist?y=2");
        assertThat(reply.get("body")).isEqualTo("{\"q\":\"anyone?\"}");
        assertThat(reply.get("bound")).isEqualTo(Map.of("q", "anyone?"));
        assertThat(reply.get("codec")).isEqualTo("j");
    }

    @Test
    void badUriIsA400InTeleportsSplicedForm() {
        assertThatThrownBy(() -> session.pull("/a%zz", null, Map.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.rerror().message()).startsWith("Bad Packetparse ");
                    assertThat(e.rerror().detail()).isEmpty();
                });
    }

    @Test
    void pushesBothWaysAndTheServerPullsTheClient() throws Exception {
        session.push("/notify/msg", Map.of("msg", "hello from client")).join();
        assertThat(serverPushes.poll(5, TimeUnit.SECONDS)).isEqualTo("hello from client|/notify/msg");
        assertThat(clientPushes.poll(5, TimeUnit.SECONDS)).isEqualTo("server:{msg=hello from client}");

        await().until(() -> server.sessionCount() == 1);
        Session back = server.sessions().iterator().next();
        assertThat(back.pull("/client/name", "server", String.class)).isEqualTo("client got server");
        assertThat(back.id()).as("both ends name a direct connection alike").isEqualTo(session.id());
    }

    @Test
    void sessionIdsAndAttributes() {
        await().until(() -> server.sessionCount() == 1);
        Session accepted = server.sessions().iterator().next();
        accepted.setId("testId");
        assertThat(server.session("testId")).containsSame(accepted);
        assertThat(server.session(session.id())).isEmpty();
        accepted.attributes().put("user", "ann");
        assertThat(server.session("testId").orElseThrow().attributes()).containsEntry("user", "ann");
        List<Session> seen = new java.util.ArrayList<>();
        server.forEachSession(seen::add);
        assertThat(seen).containsExactly(accepted);
    }

    @Test
    void pullTimesOutWith408AndLateRepliesAreDropped() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch timedOut = new CountDownLatch(1);
        server.pullRouter().route("/slow", String.class, (body, ctx) -> {
            started.countDown();
            timedOut.await(10, TimeUnit.SECONDS);
            return "late";
        });
        long start = System.nanoTime();
        assertThatThrownBy(() -> session.pull("/slow", "x", String.class, CallOptions.timeout(Duration.ofMillis(100))))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(408));
        // Far below the session's 5 s: the call's own timeout ended it.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        timedOut.countDown();
        // The server counts a pull's handler finished once its reply is written: the late reply is then
        // on the connection ahead of the reply to the next pull, and the client reads it first.
        DefaultSession accepted = (DefaultSession) server.sessions().iterator().next();
        await().until(() -> accepted.activeHandlers() == 0);
        assertThat(session.pull("/group/home/echo_string", "ok", String.class, bodyCodec(StringCodec.ID))).isEqualTo("ok!");
        assertThat(session.pendingPulls()).isZero();
    }

    @Test
    void writeFailuresAre104AndNothingIsSent() {
        assertThatThrownBy(() -> session.pull("/group/home/test", Map.of(), Map.class, bodyCodec((byte) 'x')))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(104);
                    assertThat(e.rerror().detail()).isEqualTo("unsupported codec id: 120");
                });
        // Bodies are encoded on the caller's thread: the asynchronous push throws at once too.
        assertThatThrownBy(() -> session.push("/notify/msg", 42, bodyCodec(StringCodec.ID)))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(104));
        session.close().join();
        assertThatThrownBy(() -> session.pull("/group/home/test", Map.of(), Map.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(104);
                    assertThat(e.rerror().detail()).isEqualTo("not sent: the connection is closed");
                });
    }

    @Test
    void blockingPullOnTheIoThreadIsRefused() throws Exception {
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        ((io.teleport.internal.session.DefaultSession) session).channel().eventLoop().execute(() -> {
            try {
                session.pull("/group/home/test", Map.of(), Map.class);
                seen.complete(null);
            } catch (Throwable t) {
                seen.complete(t);
            }
        });
        assertThat(seen.get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void dialFailureIs105() {
        Peer lonely = new Peer(PeerConfig.builder().dialTimeout(Duration.ofSeconds(2)).build());
        try {
            assertThatThrownBy(() -> lonely.dial("127.0.0.1:1"))
                    .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(105));
        } finally {
            lonely.close();
        }
    }
}
