package io.teleport.router;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Every public method of a controller is a route, as in Go, but those marked {@link NotRoute}. */
class NotRouteTest {

    /** A base whose helper is not a route, even where it is overridden. */
    public abstract static class Base {
        /** A helper. */
        @NotRoute
        public String format(String in) {
            return "[" + in + "]";
        }
    }

    /** A controller with a public helper. */
    public static class Books extends Base {
        /** A route. */
        public String find(String title) {
            return format(title) + " " + total();
        }

        /** A public helper, kept off the network. */
        @NotRoute
        public int total() {
            return 3;
        }

        @Override
        public String format(String in) {
            return "<" + in + ">";
        }
    }

    @Test
    void registerSkipsMethodsMarkedNotRoute() {
        Peer peer = new Peer(PeerConfig.defaults());
        try {
            assertThat(peer.pullRouter().register(new Books())).containsExactly("/books/find");
        } finally {
            peer.close();
        }
    }
}
