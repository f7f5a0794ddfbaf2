package io.teleport.router;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.RerrorException;
import io.teleport.router.binding.HandlerArgumentValidator;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An integration's argument validator is asked once per handler and checks each call's arguments before it runs. */
class ArgumentValidatorTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private final List<String> prepared = new CopyOnWriteArrayList<>();
    private final List<Long> called = new CopyOnWriteArrayList<>();

    /** A handler with a body and a query value. */
    public class Square {
        /** n squared. */
        public long square(@QueryValue("unit") String unit, long n) {
            called.add(n);
            return n * n;
        }

        /** Nothing to check. */
        public String plain(String in) {
            return in;
        }
    }

    /** Refuses a negative body, and has nothing to check in {@code plain}. */
    private final HandlerArgumentValidator positive = (controller, method, parameters, body) -> {
        prepared.add(method.getName() + ": " + parameters.size() + " parameters, body " + (body == null ? "none" : body.index()));
        if (method.getName().equals("plain")) {
            return null;
        }
        return arguments -> {
            if ((long) arguments[1] < 0) {
                throw new RerrorException(400, "Invalid Argument", "n: negative, in " + arguments[0]);
            }
        };
    };

    @Test
    void theCheckRunsOnTheResolvedArgumentsBeforeTheHandler() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        MethodRoutes routes = MethodRoutes.standard().withValidator(positive);
        Square controller = new Square();
        for (Method method : List.of(Square.class.getMethod("square", String.class, long.class),
                Square.class.getMethod("plain", String.class))) {
            server.pullRouter().route(routes.route(controller, Square.class, method, "/" + method.getName(),
                    UnknownPullContext.class));
        }
        assertThat(prepared).containsExactly("square: 2 parameters, body 1", "plain: 1 parameters, body 0");

        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);
        assertThat(session.pull("/square?unit=m", 3L, long.class)).isEqualTo(9L);
        assertThatThrownBy(() -> session.pull("/square?unit=m", -3L, long.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.rerror().detail()).isEqualTo("n: negative, in m");
                });
        assertThat(session.pull("/plain", "x", String.class)).isEqualTo("x");
        assertThat(called).as("the refused call never ran").containsExactly(3L);
        assertThat(prepared).as("asked once per handler, not per call").hasSize(2);
    }
}
