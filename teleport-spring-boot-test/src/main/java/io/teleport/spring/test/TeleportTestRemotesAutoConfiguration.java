package io.teleport.spring.test;

import io.teleport.spring.autoconfigure.TeleportAutoConfiguration;
import io.teleport.spring.client.EagerRemotes;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.context.annotation.Bean;

import java.util.List;

/**
 * The slice's remotes: none dialed at start-up. A {@link TeleportTest} runs the application's
 * controllers on the in-JVM {@code local} network, where the remotes of its configuration
 * ({@code teleport.client.address}, {@code teleport.clients.*}) cannot be reached; dialing them
 * eagerly would only log failed redials for the whole test. A controller that calls one still dials
 * it on first use, and its call fails as an unreachable remote's does (105), unless the test gives
 * the controller a mock instead.
 */
@AutoConfiguration(before = TeleportAutoConfiguration.class)
public final class TeleportTestRemotesAutoConfiguration {

    @Bean
    EagerRemotes teleportEagerRemotes() {
        return new EagerRemotes(List.of());
    }
}
