package io.teleport.spring.diagnostics;

import org.junit.jupiter.api.Test;

import java.net.BindException;

import static org.assertj.core.api.Assertions.assertThat;

/** A listener that cannot bind is told apart by the reason the OS gave, not by the exception's type. */
class CannotListenTests {

    @Test
    void onlyAnAddressInUseIsReportedAsAPortInUse() {
        assertThat(TeleportConfigurationException.cannotListen("127.0.0.1:9090",
                new BindException("Address already in use")).getMessage()).contains("port 9090 is already in use");
        // NIO throws a BindException for these too: an address not of this host, a port below 1024.
        TeleportConfigurationException foreign = TeleportConfigurationException.cannotListen("10.9.9.9:9090",
                new BindException("Cannot assign requested address"));
        assertThat(foreign.getMessage()).contains("cannot listen: Cannot assign requested address")
                .doesNotContain("in use");
        assertThat(foreign.action()).contains("an address of this host");
        assertThat(TeleportConfigurationException.cannotListen(":80", new BindException("Permission denied"))
                .getMessage()).contains("cannot listen: Permission denied");
        // The errno's text on a host in another language, and Netty's local transport.
        assertThat(TeleportConfigurationException.cannotListen("127.0.0.1:9090",
                new BindException("Die Adresse wird bereits verwendet")).getMessage()).contains("is already in use");
        assertThat(TeleportConfigurationException.cannotListen("local:shop",
                new io.netty.channel.ChannelException("address already in use by: [id: 0x1]")).getMessage())
                .contains("is already in use");
    }
}
