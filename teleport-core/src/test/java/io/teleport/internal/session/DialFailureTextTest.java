package io.teleport.internal.session;

import io.netty.channel.ChannelException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;

import static org.assertj.core.api.Assertions.assertThat;

/** A failed dial says why in words a user can act on, its root cause's included. */
class DialFailureTextTest {

    @Test
    void theRootCauseIsNamedWhenTheTopSaysNothingOfIt() {
        ChannelException noDescriptor = new ChannelException("Unable to create Channel from class EpollSocketChannel",
                new IllegalStateException("wrapped", new IOException("Too many open files")));
        assertThat(Dialer.failed("127.0.0.1:9090", noDescriptor).rerror().detail())
                .isEqualTo("dial 127.0.0.1:9090: Unable to create Channel from class EpollSocketChannel: Too many open files");
        assertThat(Dialer.failed("127.0.0.1:9090", new ConnectException("Connection refused")).rerror().detail())
                .isEqualTo("dial 127.0.0.1:9090: Connection refused");
    }
}
