package io.teleport.spring.handler;

import io.teleport.Peer;
import io.teleport.router.NotRoute;
import io.teleport.router.Route;
import io.teleport.spring.annotation.PullController;
import io.teleport.spring.autoconfigure.TeleportAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/** A controller bean's public method marked {@link NotRoute} is not callable from the network. */
class NotRouteTests {

    /** A controller with a public helper another bean calls. */
    @PullController
    public static class Stock {
        /** A route. */
        public int level(String sku) {
            return reserved(sku) ? 0 : 5;
        }

        /** A public helper for other beans, not for remote peers. */
        @NotRoute
        public boolean reserved(String sku) {
            return sku.startsWith("r");
        }
    }

    @Test
    void aMethodMarkedNotRouteIsNoRoute() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class))
                .withPropertyValues("teleport.server.listen-address=127.0.0.1:0").withBean(Stock.class)
                .run(ctx -> assertThat(ctx.getBean(Peer.class).pullRouter().routes()).extracting(Route::path)
                        .containsExactly("/stock/level"));
    }
}
