package io.teleport.spring.autoconfigure;

import io.teleport.Peer;
import io.teleport.spring.annotation.PullController;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** Controllers in an application that starts no peer are reported, once, rather than silently serve nothing. */
@ExtendWith(OutputCaptureExtension.class)
class TeleportWithoutRoleTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class,
                    TeleportWithoutRoleAutoConfiguration.class));

    /** A controller of the application. */
    @PullController
    static class Chat {
        public String say(String text) {
            return text;
        }
    }

    @Test
    void controllersWithoutAListenAddressOrARemoteAreReportedAtWarn(CapturedOutput output) {
        runner.withBean(Chat.class).run(ctx -> {
            assertThat(ctx).hasNotFailed().doesNotHaveBean(Peer.class);
        });
        assertThat(output).contains("WARN").contains("Teleport controllers [").contains("serve nothing: no peer runs, "
                + "since none of teleport.server.listen-address, teleport.client.address or teleport.clients is set.");
    }

    @Test
    void withARoleOrWithoutControllersNothingIsSaid(CapturedOutput output) {
        runner.withBean(Chat.class).withPropertyValues("teleport.server.listen-address=127.0.0.1:0")
                .run(ctx -> assertThat(ctx).hasSingleBean(Peer.class).doesNotHaveBean(TeleportWithoutRoleAutoConfiguration.class));
        runner.run(ctx -> assertThat(ctx).hasNotFailed());
        assertThat(output).doesNotContain("serve nothing");
    }
}
