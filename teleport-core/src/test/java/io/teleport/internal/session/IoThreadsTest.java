package io.teleport.internal.session;

import io.netty.util.NettyRuntime;
import io.teleport.config.PeerConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How many I/O threads a peer asks Netty for (0 is Netty's own default). */
class IoThreadsTest {

    @Test
    void onePerCoreWithAnExecutorNettysDefaultInlineAndTheConfiguredCountAlways() {
        assertThat(PeerContext.ioThreads(PeerConfig.defaults(), false)).isEqualTo(NettyRuntime.availableProcessors());
        assertThat(PeerContext.ioThreads(PeerConfig.defaults(), true)).isZero();
        assertThat(PeerContext.ioThreads(PeerConfig.builder().ioThreads(3).build(), false)).isEqualTo(3);
        assertThat(PeerContext.ioThreads(PeerConfig.builder().ioThreads(3).build(), true)).isEqualTo(3);
    }

    @Test
    void nettysOwnSettingWinsOverTheDefault() {
        String before = System.getProperty("io.netty.eventLoopThreads");
        System.setProperty("io.netty.eventLoopThreads", "7");
        try {
            assertThat(PeerContext.ioThreads(PeerConfig.defaults(), false)).isZero();
            assertThat(PeerContext.ioThreads(PeerConfig.builder().ioThreads(3).build(), false)).isEqualTo(3);
        } finally {
            if (before == null) {
                System.clearProperty("io.netty.eventLoopThreads");
            } else {
                System.setProperty("io.netty.eventLoopThreads", before);
            }
        }
    }
}
