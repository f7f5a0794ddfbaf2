package io.teleport.router;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.RerrorException;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.teleport.session.CallOptions.setMeta;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Controller methods bound by the one engine, called over loopback; bad signatures fail at registration. */
class ControllerBindingTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private final Peer server = peers.add(new Peer(PeerConfig.defaults()));

    /** What {@code Crud<User>.count} should take, as the JDK writes it. */
    @SuppressWarnings("unused")
    private List<User> listOfUsers;

    private Session dial(Peer dialer) {
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        return dialer.dial("127.0.0.1:" + port);
    }

    private Session dial() {
        return dial(peers.add(new Peer(PeerConfig.defaults())));
    }

    /** A record the generic controller binds to. */
    public record User(String name) {
    }

    /** A generic base controller: its methods are bound against the subclass. */
    public abstract static class Crud<T> {
        /** The decoded body's class. */
        public String save(T item) {
            return item.getClass().getSimpleName();
        }

        /** How many elements were decoded as T. */
        public int count(List<T> items) {
            return (int) items.stream().filter(User.class::isInstance).count();
        }

        /** The first element's class, of an array of T. */
        public String first(T[] items) {
            return items[0].getClass().getSimpleName();
        }
    }

    /** Binds T to User. */
    public static class Users extends Crud<User> {
    }

    @Test
    void genericBodiesResolveAgainstTheControllerSubclass() throws Exception {
        server.pullRouter().register(new Users());
        Session session = dial();

        assertThat(session.pull("/users/save", new User("ann"), String.class)).isEqualTo("User");
        assertThat(session.pull("/users/count", List.of(new User("a"), new User("b")), int.class)).isEqualTo(2);
        assertThat(session.pull("/users/first", List.of(new User("a")), String.class)).isEqualTo("User");
        assertThat(server.pullRouter().lookup("/users/count").bodyType())
                .isEqualTo(ControllerBindingTest.class.getDeclaredField("listOfUsers").getGenericType());
        assertThat(server.pullRouter().lookup("/users/first").bodyType()).isEqualTo(User[].class);
    }

    /** Primitive bodies and returns, and a call back to the dialer. */
    public static class Numbers {
        /** n + 1. */
        public int inc(int n) {
            return n + 1;
        }

        /** !b. */
        public boolean not(boolean b) {
            return !b;
        }

        /** n / 2. */
        public double half(long n) {
            return n / 2.0;
        }

        /** Asks the other side to increment n, through the session. */
        public int relay(int n, Session session) {
            return session.pull("/numbers/inc", n, int.class);
        }
    }

    /** A push controller with a primitive body. */
    public static class Counter {
        final BlockingQueue<Integer> received = new LinkedBlockingQueue<>();

        /** Records 2n; the value it returns is ignored, as before. */
        public int add(int n) {
            received.add(n * 2);
            return n;
        }
    }

    @Test
    void primitiveBodiesAndReturnsInBothDirections() throws Exception {
        server.pullRouter().register(new Numbers());
        Counter counter = new Counter();
        server.pushRouter().register(counter);
        Peer dialer = peers.add(new Peer(PeerConfig.defaults()));
        dialer.pullRouter().register(new Numbers());
        Session session = dial(dialer);

        int incremented = session.pull("/numbers/inc", 41, int.class);
        assertThat(incremented).isEqualTo(42);
        assertThat(session.pull("/numbers/inc", null, int.class)).as("no body: the handler sees 0").isEqualTo(1);
        assertThat(session.pull("/numbers/not", true, boolean.class)).isFalse();
        assertThat(session.pull("/numbers/half", 5L, double.class)).isEqualTo(2.5);
        assertThat(session.pull("/numbers/relay", 9, int.class)).as("the server pulls the dialer's controller").isEqualTo(10);

        session.push("/counter/add", 21).join();
        session.push("/counter/add", null).join();
        assertThat(List.of(counter.received.poll(5, TimeUnit.SECONDS), counter.received.poll(5, TimeUnit.SECONDS)))
                .containsExactlyInAnyOrder(42, 0);
    }

    /** Query and metadata strings by annotation. */
    public static class Echo {
        /** What the annotations bound. */
        public String show(@QueryValue("q") String q, PullContext ctx, @MetaValue("m") String m) {
            return q + "," + m + "," + ctx.path();
        }
    }

    /** Handlers that fail. */
    public static class Failing {
        /** An error reply. */
        public String refuse(String in) {
            throw new RerrorException(1001, "refused", in);
        }

        /** A checked exception, thrown as is rather than wrapped. */
        public String broken(String in) throws IOException {
            throw new IOException("disk " + in);
        }
    }

    @Test
    void annotatedStringsAndFailuresPassThroughTheEngine() {
        server.pullRouter().register(new Echo());
        server.pullRouter().register(new Failing());
        Session session = dial();

        assertThat(session.pull("/echo/show?q=1", null, String.class, setMeta("m", "x"))).isEqualTo("1,x,/echo/show");
        assertThat(session.pull("/echo/show", null, String.class)).isEqualTo("null,null,/echo/show");
        assertThatThrownBy(() -> session.pull("/echo/show?" + "p&".repeat(300), null, String.class))
                .as("past max-meta-pairs: not parsed").isInstanceOfSatisfying(RerrorException.class, e ->
                        assertThat(e.rerror().detail()).isEqualTo("the query has more than 256 pairs (limits.max-meta-pairs)"));
        assertThatThrownBy(() -> session.pull("/failing/refuse", "no", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(1001));
        assertThatThrownBy(() -> session.pull("/failing/broken", "full", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(500);
                    assertThat(e.rerror().detail()).as("no internals by default").isEmpty();
                });
    }

    /** Two body parameters. */
    public static class TwoBodies {
        /** Not a handler. */
        public String both(String a, String b) {
            return a + b;
        }
    }

    /** A push context in a pull controller. */
    public static class WrongContext {
        /** Not a pull handler. */
        public String hello(String in, PushContext ctx) {
            return in;
        }
    }

    /** A query value core cannot convert. */
    public static class IntQuery {
        /** Not a handler without conversion. */
        public String page(@QueryValue("page") int page) {
            return "page " + page;
        }
    }

    /** A query value without a name. */
    public static class NamelessQuery {
        /** Never bound. */
        public String page(@QueryValue("") String page) {
            return "page " + page;
        }
    }

    /** A metadata value without a name. */
    public static class NamelessMeta {
        /** Never bound. */
        public String trace(@io.teleport.router.MetaValue("") String trace) {
            return trace;
        }
    }

    /** A generic controller registered without binding T. */
    public static class Box<T> {
        /** T is unknown. */
        public String put(T item) {
            return String.valueOf(item);
        }
    }

    /** A method with its own type variable. */
    public static class Anything {
        /** T is unknown. */
        public <T> String any(List<T> items) {
            return String.valueOf(items);
        }
    }

    @Test
    void badSignaturesFailAtRegistrationNamingTheMethod() {
        assertRefused(new TwoBodies(), "TwoBodies.both(String, String): more than one body parameter, "
                + "parameter 0 (String a) and parameter 1 (String b)");
        assertRefused(new WrongContext(), "WrongContext.hello(String, PushContext): no argument resolver supports "
                + "parameter 1 (PushContext ctx) (the context types it can take: UnknownPullContext, PullContext, RawBody)");
        assertRefused(new NamelessQuery(), "NamelessQuery.page(String): parameter 0 (@QueryValue String page) has an"
                + " empty name: give the query parameter's name, @QueryValue(\"page\")");
        assertRefused(new NamelessMeta(), "NamelessMeta.trace(String): parameter 0 (@MetaValue String trace) has an"
                + " empty name: give the metadata key, @MetaValue(\"X-Trace\")");
        assertRefused(new IntQuery(), "IntQuery.page(int): no argument resolver supports parameter 0 (@QueryValue int page)");
        assertRefused(new Box<String>(), "Box.put(T): the body type of parameter 0 (T item) has a type variable that "
                + Box.class.getName() + " does not bind");
        assertRefused(new Anything(), "Anything.any(List<T>): the body type of parameter 0 (List<T> items) has a type "
                + "variable");
        assertThat(server.pullRouter().routes()).as("nothing of a refused controller is registered").isEmpty();
    }

    /** Two handlers with one name. */
    public static class Overloads {
        /** One. */
        public String say(String text) {
            return text;
        }

        /** The same route. */
        public String say(String text, PullContext ctx) {
            return text;
        }
    }

    @Test
    void overloadedHandlersAreRefusedSayingWhy() {
        assertThatThrownBy(() -> server.pullRouter().register(new Overloads()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("handler conflict: /overloads/say")
                .hasMessageEndingWith("overloaded methods, or classes of the same simple name in different packages, "
                        + "map to one route: rename one of them (with the starter, @RoutePath or a controller group "
                        + "gives one its own path)");
    }

    @RegisterExtension
    final io.teleport.testing.LogCapture routesLog = io.teleport.testing.LogCapture.of(
            "io.teleport.router.MethodRoutes", ch.qos.logback.classic.Level.WARN);

    /** Push handlers: one returns what nobody receives. */
    public static class Presence {
        /** Fine. */
        public void online(String user) {
        }

        /** Fine: says when it is done. */
        public java.util.concurrent.CompletionStage<Void> away(String user) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }

        /** Its value goes nowhere. */
        public String typing(String user) {
            return user;
        }
    }

    @Test
    void aPushHandlerThatReturnsAValueIsNamedAtWarn() {
        server.pushRouter().register(new Presence());
        assertThat(routesLog.events()).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                .isEqualTo("push handler Presence#typing returns String, which nobody receives: a push has no reply "
                        + "(return void, or a CompletionStage to say when it is done; or, if it is no handler, mark it "
                        + "@NotRoute)"));
    }

    /** A controller holding a setting of its own, left public. */
    public static final class Tunable {
        private int maxPlayers = 8;

        /** A handler. */
        public void join(String user) {
        }

        /** A handler named for a Go caller's /get_info: it takes a body, and no field is called info. */
        public String getInfo(String who) {
            return who;
        }

        /** A handler without a body, whose name no field shares. */
        public int getScore() {
            return maxPlayers;
        }

        /** Not meant as a handler, but public: a route all the same. */
        public void setMaxPlayers(int maxPlayers) {
            this.maxPlayers = maxPlayers;
        }

        /** Kept off the routes. */
        @NotRoute
        public int getMaxPlayers() {
            return maxPlayers;
        }
    }

    /** A public accessor is a route anyone connected may call: said at registration (new-user trial 18). */
    @Test
    void aPublicAccessorOfAControllerIsNamedAtWarnUnlessMarkedNotRoute() {
        server.pullRouter().register(new Tunable());
        assertThat(routesLog.events()).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                .isEqualTo("Tunable#setMaxPlayers looks like an accessor and is the route /tunable/set_max_players: "
                        + "every public method of a controller is a route, as in Go; if it is none, mark it @NotRoute "
                        + "or make it non-public"));
    }

    /** Declares the binding of its parameters once, for every implementation. */
    public interface Finder<T> {
        /** The query value, then the body. */
        String find(@QueryValue("q") String query, T body);
    }

    /** Implements it without repeating the annotation: Java passes none on, the binder does. */
    public static class UserFinder implements Finder<User> {
        @Override
        public String find(String query, User body) {
            return query + "/" + body.name();
        }
    }

    @Test
    void annotationsOnTheParametersOfAnImplementedMethodBindTheImplementation() {
        server.pullRouter().register(new UserFinder());
        assertThat(dial().pull("/user_finder/find?q=a", new User("b"), String.class)).isEqualTo("a/b");
    }

    private void assertRefused(Object controller, String message) {
        assertThatThrownBy(() -> server.pullRouter().register(controller))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message);
    }
}
