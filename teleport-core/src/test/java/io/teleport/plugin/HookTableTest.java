package io.teleport.plugin;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.plugin.setup.PreNewPeer;
import io.teleport.session.Session;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The hook table: one row per hook interface, and one runner whose failure policy follows the row. */
class HookTableTest {

    @Test
    void everyHookInterfaceHasExactlyOneRow() throws Exception {
        Set<Class<?>> rows = Hook.all().stream().map(Hook::type).collect(Collectors.toSet());
        assertThat(rows).hasSize(Hook.all().size());
        List<Class<?>> interfaces = new ArrayList<>();
        for (String name : List.of("PostReg", "PostDial", "PostAccept", "PreWritePull",
                "PostWritePull", "PreWriteReply", "PostWriteReply", "PreWritePush", "PostWritePush", "PreReadHeader",
                "PostReadPullHeader", "PreReadPullBody", "PostReadPullBody", "PostReadPushHeader", "PreReadPushBody",
                "PostReadPushBody", "PostReadReplyHeader", "PreReadReplyBody", "PostReadReplyBody", "PostPullEnd", "PostDisconnect")) {
            interfaces.add(Class.forName("io.teleport.plugin." + name));
        }
        assertThat(rows).containsExactlyInAnyOrderElementsOf(interfaces);
        for (Hook<?, ?> hook : Hook.all()) {
            assertThat(hook.name()).isEqualTo(hook.type().getSimpleName());
        }
    }

    @Test
    void theFirstErrorStopsAndAThrowingPluginCountsAs500() {
        List<String> ran = new ArrayList<>();
        PreReadHeader ok = named("ok", s -> {
            ran.add("ok");
            return null;
        });
        PreReadHeader boom = named("boom", s -> {
            ran.add("boom");
            throw new IllegalStateException("bug");
        });
        PreReadHeader never = named("never", s -> {
            ran.add("never");
            return null;
        });
        Rerror r = PluginChain.of(List.of(ok, boom, never)).run(Hook.PRE_READ_HEADER, null);
        assertThat(r.code()).isEqualTo(Rerror.CODE_INTERNAL_ERROR);
        assertThat(r.detail()).isEqualTo("boom failed").as("no exception text to the caller").doesNotContain("bug");
        assertThat(ran).containsExactly("ok", "boom");
    }

    @Test
    void aPluginThatThrowsARerrorExceptionAnswersWithItsRerrorNotA500() {
        PreReadHeader refusing = named("refusing", s -> {
            throw new io.teleport.message.RerrorException(404, "Not Found", "no /lobby/join");
        });
        Rerror r = PluginChain.of(List.of(refusing)).run(Hook.PRE_READ_HEADER, null);
        assertThat(r.code()).isEqualTo(404);
        assertThat(r.detail()).isEqualTo("no /lobby/join");
    }

    @Test
    void aPostDialPluginThatThrowsARerrorExceptionEndsTheDialWithItsCode() {
        Peer server = new Peer(PeerConfig.defaults());
        PostDial joining = session -> {
            throw new io.teleport.message.RerrorException(404, "Not Found", "no /lobby/join");
        };
        Peer client = new Peer(PeerConfig.defaults(), joining);
        try {
            int port = ((java.net.InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
            assertThatThrownBy(() -> client.dial("127.0.0.1:" + port))
                    .isInstanceOfSatisfying(io.teleport.message.RerrorException.class, e -> {
                        assertThat(e.code()).isEqualTo(404);
                        assertThat(e.rerror().detail()).isEqualTo("no /lobby/join");
                    });
        } finally {
            client.shutdown(java.time.Duration.ofSeconds(1));
            server.shutdown(java.time.Duration.ofSeconds(1));
        }
    }

    @Test
    void setUpHooksThrowAndDisconnectHooksLogAndGoOn() {
        PostReg refusing = route -> {
            throw new IllegalArgumentException("bad route " + route.path());
        };
        RouteInfo route = new RouteInfo() {
            @Override
            public String path() {
                return "/a";
            }

            @Override
            public java.lang.reflect.Type bodyType() {
                return String.class;
            }

            @Override
            public String handlerName() {
                return "a";
            }
        };
        assertThatThrownBy(() -> PluginChain.of(List.of(refusing)).run(Hook.POST_REG, route))
                .hasMessage("bad route /a");
        // The peer's own set-up hooks are not rows: the peer runs them, and a failure fails its construction.
        PreNewPeer failing = config -> {
            throw new IllegalArgumentException("bad config");
        };
        assertThatThrownBy(() -> new Peer(PeerConfig.defaults(), failing)).hasMessage("bad config");

        List<String> ran = new ArrayList<>();
        PostDisconnect first = new PostDisconnect() {
            @Override
            public void postDisconnect(Session session) {
                throw new IllegalStateException("first fails");
            }

            @Override
            public String name() {
                return "first";
            }
        };
        PostDisconnect second = new PostDisconnect() {
            @Override
            public void postDisconnect(Session session) {
                ran.add("second");
            }

            @Override
            public String name() {
                return "second";
            }
        };
        assertThat(PluginChain.of(List.of(first, second)).run(Hook.POST_DISCONNECT, null)).isNull();
        assertThat(ran).containsExactly("second");
    }

    @Test
    void aChainKnowsWhichHooksItHasAndWhetherTheyMayBlock() {
        PostWritePull quick = new PostWritePull() {
            @Override
            public Rerror postWritePull(WriteContext ctx) {
                return null;
            }

            @Override
            public boolean nonBlocking() {
                return true;
            }
        };
        PluginChain chain = PluginChain.of(List.of(quick));
        assertThat(chain.has(Hook.POST_WRITE_PULL)).isTrue();
        assertThat(chain.blocks(Hook.POST_WRITE_PULL)).isFalse();
        assertThat(chain.has(Hook.PRE_WRITE_PULL)).isFalse();
        assertThat(chain.run(Hook.PRE_WRITE_PULL, null)).isNull();
    }

    private static PreReadHeader named(String name, java.util.function.Function<Session, Rerror> body) {
        return new PreReadHeader() {
            @Override
            public Rerror preReadHeader(Session session) {
                return body.apply(session);
            }

            @Override
            public String name() {
                return name;
            }
        };
    }
}
