package io.teleport.spring.autoconfigure;

import io.teleport.config.MessageLogFormat;
import io.teleport.config.PeerConfig;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The message log and error replies are production-shaped by default (one DEBUG line per message,
 * no exception message to callers), and each property switches to the other behaviour.
 */
class ProductionLogAndErrorPropertiesTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class))
            .withPropertyValues("teleport.server.listen-address=127.0.0.1:0");

    @Test
    void defaultsAreKeyValueLinesAndNoMessages() {
        runner.run(ctx -> {
            PeerConfig config = ctx.getBean(PeerConfig.class);
            assertThat(config.messageLogFormat()).isEqualTo(MessageLogFormat.KEY_VALUE);
            assertThat(config.includeErrorMessage()).isFalse();
        });
    }

    @Test
    void propertiesChooseGoLinesAndIncludedMessages() {
        runner.withPropertyValues("teleport.message-log-format=multi-line", "teleport.error.include-message=always")
                .run(ctx -> {
                    PeerConfig config = ctx.getBean(PeerConfig.class);
                    assertThat(config.messageLogFormat()).isEqualTo(MessageLogFormat.MULTI_LINE);
                    assertThat(config.includeErrorMessage()).isTrue();
                });
    }
}
