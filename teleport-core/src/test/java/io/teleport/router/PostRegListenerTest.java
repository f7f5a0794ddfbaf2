package io.teleport.router;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.plugin.PostReg;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The peer's PostReg plugins see every registration, and nothing public can switch them off. */
class PostRegListenerTest {

    private final List<Peer> peers = new ArrayList<>();

    @AfterEach
    void closeAll() {
        peers.forEach(p -> p.shutdown(Duration.ofSeconds(1)));
    }

    /** A controller with one pull method, registered as /ctrl/hello. */
    public static class Ctrl {
        public String hello(String in) {
            return in;
        }
    }

    @Test
    void theRegistrationListenerIsNotPublicApi() throws Exception {
        assertThatThrownBy(() -> Router.class.getMethod("onRegister", Consumer.class))
                .as("a public onRegister would let anyone replace the peer's PostReg plugins")
                .isInstanceOf(NoSuchMethodException.class);
        assertThat(Modifier.isPublic(Router.class.getDeclaredMethod("onRegister", Consumer.class).getModifiers()))
                .isFalse();
    }

    @Test
    void postRegPluginsOfThePeerAndOfTheRouteRunForEveryKindOfRegistration() {
        List<String> seen = new CopyOnWriteArrayList<>();
        Peer peer = new Peer(PeerConfig.defaults(), (PostReg) route -> seen.add("peer " + route.path()));
        peers.add(peer);
        PostReg scoped = route -> seen.add("group " + route.path());

        peer.pullRouter().route("/f", String.class, (b, ctx) -> b);
        peer.pullRouter().group("g", scoped).register(new Ctrl());
        peer.pushRouter().route("/p", String.class, (b, ctx) -> { });
        peer.pullRouter().setUnknown(ctx -> null);

        assertThat(seen).containsExactly("peer /f", "peer /g/ctrl/hello", "group /g/ctrl/hello", "peer /p",
                "peer unknown_pull_handle");
        Peer refusing = new Peer(PeerConfig.defaults(), (PostReg) route -> {
            throw new IllegalArgumentException("no " + route.path());
        });
        peers.add(refusing);
        assertThatThrownBy(() -> refusing.pushRouter().route("/x", String.class, (b, ctx) -> { }))
                .hasMessage("no /x");
        assertThat(refusing.pushRouter().lookup("/x")).isNull();
    }

    @Test
    void aStandaloneRootRouterRunsItsListenerForItsGroupsToo() {
        List<String> seen = new CopyOnWriteArrayList<>();
        PullRouter router = new PullRouter(route -> seen.add(route.path()));
        router.group("a").group("b").route("/c", String.class, (b, ctx) -> b);
        assertThat(seen).containsExactly("/a/b/c");
    }
}
