package io.teleport.spring.metrics;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link BoundedCodes}: Teleport's codes always, the first others up to the bound, then OTHER. */
class BoundedCodesTest {

    @Test
    void theFirstCodesKeepTheirTagsAndLaterOnesAreOther() {
        BoundedCodes codes = new BoundedCodes();
        for (int i = 0; i < BoundedCodes.MAX; i++) {
            assertThat(codes.tag(1000 + i)).isEqualTo(Integer.toString(1000 + i));
        }
        assertThat(codes.tag(99_999)).isEqualTo(TeleportTags.OTHER);
        assertThat(codes.tag(1000)).as("one seen before the bound").isEqualTo("1000");
        assertThat(codes.tag(404)).as("Teleport's own").isEqualTo("404");
        assertThat(codes.tagged(99_998)).isFalse();
    }
}
