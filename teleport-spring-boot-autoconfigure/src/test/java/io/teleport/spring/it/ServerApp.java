package io.teleport.spring.it;

import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.PostReadPullHeader;
import io.teleport.plugin.ReadContext;
import io.teleport.router.MetaValue;
import io.teleport.router.PullContext;
import io.teleport.router.QueryValue;
import io.teleport.router.UnknownPullContext;
import io.teleport.router.UnknownPullHandler;
import io.teleport.session.Session;
import io.teleport.spring.annotation.PullController;
import io.teleport.spring.annotation.RoutePath;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.Order;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** The listening application of the end-to-end test. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ServerApp.Home.class, ServerApp.Audited.class})
public class ServerApp {

    /** How many {@code /group/home/slow} calls began: tests wait on it instead of sleeping. */
    static final java.util.concurrent.atomic.AtomicInteger SLOW_STARTED = new java.util.concurrent.atomic.AtomicInteger();


    /** Records the order in which plugins ran. */
    static final List<String> PLUGIN_CALLS = new CopyOnWriteArrayList<>();

    /** The seed's controller, in group {@code group}. */
    @PullController("group")
    public static class Home {

        /** {@code /group/home/test}: pushes back to the caller, then replies with what it saw. */
        public Map<String, Object> test(Map<String, Object> args, PullContext ctx, Session session,
                @QueryValue("peer_id") String peerId, @MetaValue("set") String set) {
            session.push("/push/test?tag=from home-test", Map.of("your_id", String.valueOf(peerId)));
            return Map.of("your_args", args, "peer_id", String.valueOf(peerId), "set", String.valueOf(set),
                    "path", ctx.path());
        }

        /** {@code /math/add}, by its route path. */
        @RoutePath("/math/add")
        public int add(int[] numbers) {
            return numbers[0] + numbers[1];
        }

        /** {@code /group/home/later}: an asynchronous reply. */
        public CompletableFuture<String> later(String in) {
            return CompletableFuture.supplyAsync(() -> "later " + in);
        }

        /** {@code /group/home/refuse}: an error reply. */
        public String refuse(String in) {
            throw new RerrorException(1001, "refused", in);
        }

        /** {@code /group/home/slow}: takes its time, for graceful shutdown. */
        public String slow(String in) throws InterruptedException {
            SLOW_STARTED.incrementAndGet();
            Thread.sleep(500);
            return "slow " + in;
        }
    }

    /** A controller with a plugin of its own. */
    @PullController(group = "audited", plugins = RouteOnlyPlugin.class)
    public static class Audited {
        /** {@code /audited/audited/echo}. */
        public String echo(String in) {
            return in;
        }
    }

    /** Applies to the Audited routes only. */
    public static class RouteOnlyPlugin implements io.teleport.plugin.PreReadPullBody {
        @Override
        public Rerror preReadPullBody(ReadContext ctx) {
            PLUGIN_CALLS.add("route-only " + ctx.input().uri());
            return null;
        }
    }

    @Bean
    RouteOnlyPlugin routeOnlyPlugin() {
        return new RouteOnlyPlugin();
    }

    @Bean
    @Order(20)
    PostReadPullHeader laterPlugin() {
        return new Named("later", ctx -> PLUGIN_CALLS.add("later " + ctx.input().uri()));
    }

    @Bean
    @Order(10)
    PostReadPullHeader earlierPlugin() {
        return new Named("earlier", ctx -> PLUGIN_CALLS.add("earlier " + ctx.input().uri()));
    }

    @Bean
    UnknownPullHandler unknownPullHandler() {
        return (UnknownPullContext ctx) -> Map.of("unknown", ctx.uri());
    }

    /** A header plugin with a name and an action. */
    record Named(String name, java.util.function.Consumer<ReadContext> action) implements PostReadPullHeader {
        @Override
        public Rerror postReadPullHeader(ReadContext ctx) {
            action.accept(ctx);
            return null;
        }
    }
}
