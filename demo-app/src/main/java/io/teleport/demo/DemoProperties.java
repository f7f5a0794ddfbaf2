package io.teleport.demo;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * The demo's own settings.
 *
 * @param delay how long {@code /group/home/test} waits before replying; long enough by default to
 *     trip the 500 ms slow-call alarm
 * @param attempts how many times the client tries its first pull (every retry-interval) before giving up
 * @param retryInterval the wait between the client's attempts
 */
@ConfigurationProperties("demo")
public record DemoProperties(@DefaultValue("600ms") Duration delay, @DefaultValue("30") int attempts,
        @DefaultValue("2s") Duration retryInterval) {
}
