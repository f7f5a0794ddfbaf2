package io.teleport.plugin;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.RerrorException;
import io.teleport.session.Session;
import io.teleport.testing.LogCapture;
import io.teleport.testing.TestPeers;
import ch.qos.logback.classic.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A hook that throws what is not a {@code RuntimeException}: a checked exception thrown sneakily (from
 * Kotlin, or Lombok's {@code @SneakyThrows}) or an error of the plugin's own code (an assertion, an
 * optional library missing). Each ends as a runtime exception would: no dial, pull or push is left
 * unsettled.
 */
class HookFailureTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
        throw (E) t;
    }

    private String server() {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        server.pullRouter().route("/echo", String.class, (b, ctx) -> b);
        server.pushRouter().route("/note", String.class, (b, ctx) -> { });
        return "127.0.0.1:" + ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
    }

    @Test
    void aDialHookThatThrowsACheckedExceptionFailsTheDial() {
        String address = server();
        PostDial audit = s -> {
            throw sneaky(new IOException("audit log unavailable"));
        };
        Peer client = peers.add(new Peer(PeerConfig.builder().dialTimeout(Duration.ofSeconds(1)).build(), audit));
        assertThatThrownBy(() -> client.dialAsync(address, null).get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOfSatisfying(RerrorException.class,
                        e -> assertThat(e.code()).isEqualTo(500));
    }

    @Test
    void writeHooksThatThrowErrorsAreLoggedAndTheCallsGoOn() throws Exception {
        String address = server();
        PostWritePull pulls = c -> {
            throw new NoClassDefFoundError("io/prometheus/client/Counter");
        };
        PostWritePush pushes = c -> {
            throw new AssertionError("counter must be positive");
        };
        Session session = peers.add(new Peer(PeerConfig.builder().pullTimeout(Duration.ofSeconds(2)).build(), pulls,
                pushes)).dial(address);
        assertThat(session.pullAsync("/echo", "x", String.class).get(5, TimeUnit.SECONDS)).isEqualTo("x");
        assertThat(session.push("/note", "x").get(5, TimeUnit.SECONDS)).isNull();
    }

    @RegisterExtension
    final LogCapture log = LogCapture.of(PluginChain.class.getName(), Level.DEBUG);

    /** A remote may make a plugin fail on every message: one ERROR line per interval, each at DEBUG. */
    @Test
    void aPluginFailingOnEveryMessageWritesAtMostOneErrorLinePerInterval() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.defaults(), (PostReadPullHeader) c -> {
            throw new IllegalStateException("bug in the plugin");
        }));
        server.pullRouter().route("/echo", String.class, (b, ctx) -> b);
        Session session = peers.add(new Peer(PeerConfig.defaults()))
                .dial("127.0.0.1:" + ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort());
        for (int i = 0; i < 50; i++) {
            assertThatThrownBy(() -> session.pull("/echo", "x", String.class))
                    .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(500));
        }
        // Other tests of this JVM may have taken this interval's line: at most one here.
        assertThat(log.events(Level.ERROR)).hasSizeLessThanOrEqualTo(1);
        assertThat(log.events().stream().filter(e -> e.getFormattedMessage().contains("PostReadPullHeaderPlugin failed")))
                .hasSize(50);
    }

    @Test
    void aPreWriteHookThatThrowsACheckedExceptionFailsItsPullWithARerror() {
        String address = server();
        PreWritePull refuse = c -> {
            throw sneaky(new IOException("quota store unreachable"));
        };
        Session session = peers.add(new Peer(PeerConfig.defaults(), refuse)).dial(address);
        assertThatThrownBy(() -> session.pull("/echo", "x", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(500));
    }

    @Test
    void aReadRefusalOfThisSidesOwnPluginIsNamedAsSuchNotAsTheOtherSidesFault() {
        String address = server();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        PreReadHeader quota = s -> stop.get() ? new io.teleport.message.Rerror(429, "Too Many", "quota spent") : null;
        Peer client = peers.add(new Peer(PeerConfig.defaults(), quota));
        Session session = client.dial(address);
        assertThat(session.pull("/echo", "x", String.class)).isEqualTo("x");
        stop.set(true);
        assertThatThrownBy(() -> session.pull("/echo", "y", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(102);
                    assertThat(e.rerror().detail()).startsWith("closed by this side: a PreReadHeader plugin refused to "
                            + "read on: {\"code\":429");
                });
        assertThat(client.stats().badFrames()).isZero();
    }
}
