package io.teleport.limits;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Limits} as a value: every setting survives {@link Limits#toBuilder()}, and a built value does not change. */
class LimitsTest {

    private static Limits.Builder everySettingOffItsDefault() {
        return Limits.builder().maxInflightPerSession(7).maxInflightBytesPerSession(2048).maxInboundBytes(1L << 27)
                .maxQueueWait(Duration.ofMillis(250)).maxConcurrentHandlers(33).writeBufferWaterMarks(8192, 32768)
                .maxOutboundBytesPerSession(3 << 20).maxUriBytes(1024).maxMetaBytes(2048).maxMetaPairs(9)
                .maxUnpackedBytes(5 << 20).frameReadTimeout(Duration.ofSeconds(3)).handshakeTimeout(Duration.ZERO)
                .writeStallTimeout(Duration.ofSeconds(15)).maxConnections(77).maxConnectionsPerAddress(5)
                .maxPendingPullsPerSession(300).maxPendingPulls(9000).logValueLimit(40).printBodyLimit(1024).messageLogRate(7);
    }

    @Test
    void everySettingSurvivesToBuilder() {
        Limits limits = everySettingOffItsDefault().build();
        Limits copy = limits.toBuilder().build();
        assertThat(copy.toString()).isEqualTo(limits.toString());
        assertThat(copy.maxInflightPerSession()).isEqualTo(7);
        assertThat(copy.maxInflightBytesPerSession()).isEqualTo(2048);
        assertThat(copy.maxInboundBytes()).isEqualTo(1L << 27);
        assertThat(copy.maxQueueWait()).isEqualTo(Duration.ofMillis(250));
        assertThat(copy.maxConcurrentHandlers()).isEqualTo(33);
        assertThat(copy.writeBufferLowWaterMark()).isEqualTo(8192);
        assertThat(copy.writeBufferHighWaterMark()).isEqualTo(32768);
        assertThat(copy.maxOutboundBytesPerSession()).isEqualTo(3 << 20);
        assertThat(copy.maxUriBytes()).isEqualTo(1024);
        assertThat(copy.maxMetaBytes()).isEqualTo(2048);
        assertThat(copy.maxMetaPairs()).isEqualTo(9);
        assertThat(copy.maxUnpackedBytes()).isEqualTo(5 << 20);
        assertThat(copy.frameReadTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(copy.handshakeTimeout()).isZero();
        assertThat(copy.writeStallTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(copy.maxConnections()).isEqualTo(77);
        assertThat(copy.maxConnectionsPerAddress()).isEqualTo(5);
        assertThat(copy.maxPendingPullsPerSession()).isEqualTo(300);
        assertThat(copy.maxPendingPulls()).isEqualTo(9000);
        assertThat(copy.logValueLimit()).isEqualTo(40);
        assertThat(copy.printBodyLimit()).isEqualTo(1024);
        assertThat(copy.messageLogRate()).isEqualTo(7);
    }

    @Test
    void aBuiltValueKeepsItsSettingsWhateverItsBuilderDoesAfterwards() {
        Limits.Builder builder = everySettingOffItsDefault();
        Limits limits = builder.build();
        builder.maxConnections(5).maxConnectionsPerAddress(1).maxQueueWait(Duration.ofSeconds(1));
        Limits.Builder fromIt = limits.toBuilder().maxInflightPerSession(1);
        assertThat(limits.maxConnections()).isEqualTo(77);
        assertThat(limits.maxConnectionsPerAddress()).isEqualTo(5);
        assertThat(limits.maxQueueWait()).isEqualTo(Duration.ofMillis(250));
        assertThat(limits.maxInflightPerSession()).isEqualTo(7);
        assertThat(fromIt.build().maxInflightPerSession()).isEqualTo(1);
    }

    @Test
    void unsetHeapSizedBoundsResolveAndPerAddressIsOffByDefault() {
        Limits defaults = Limits.defaults();
        assertThat(defaults.maxConnections()).isGreaterThanOrEqualTo(1024);
        assertThat(defaults.maxInboundBytes()).isGreaterThanOrEqualTo(64L * 1024 * 1024);
        assertThat(defaults.maxConnectionsPerAddress()).isZero();
        assertThat(defaults.maxPendingPullsPerSession()).isEqualTo(4096);
        assertThat(defaults.messageLogRate()).isEqualTo(1000);
        assertThat(defaults.maxPendingPulls()).isGreaterThanOrEqualTo(16 * 1024)
                .isEqualTo(Math.max(16 * 1024, Runtime.getRuntime().maxMemory() / 4096));
        assertThatThrownBy(() -> Limits.builder().maxPendingPulls(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxPendingPulls: -1 (expected: >= 1)");
        assertThatThrownBy(() -> Limits.builder().maxConnectionsPerAddress(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxConnectionsPerAddress: -1 (expected: >= 0)");
    }
}
