package io.teleport.internal.limits;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The peer-wide inbound budget's shares, and the one large frame that may take the rest of itself past its share. */
class InboundBudgetTest {

    private static final long MIB = 1024 * 1024;

    @Test
    void oneLargeFrameThatHasStartedTakesItsRestAtOnceAndGivesBackWhatItDidNotUse() {
        InboundBudget budget = new InboundBudget(64 * MIB);
        InboundBudget.Waiter a = () -> { };
        InboundBudget.Waiter b = () -> { };
        long frame = 16 * MIB;
        // Four frames of 16 MiB, 8 MiB of each arrived: the large frames' share (half) is full.
        for (int i = 0; i < 4; i++) {
            assertThat(budget.reserveOrWait(8 * MIB, frame, 0, () -> { })).isTrue();
        }
        assertThat(budget.used()).isEqualTo(32 * MIB);
        // The first to need more takes the rest of its frame (8 MiB) past the share, all at once ...
        assertThat(budget.reserveOrWait(MIB, frame, 8 * MIB, a)).isTrue();
        assertThat(budget.used()).isEqualTo(40 * MIB);
        // ... and grows into it without taking more; another waits meanwhile.
        assertThat(budget.reserveOrWait(7 * MIB, frame, 9 * MIB, a)).isTrue();
        assertThat(budget.used()).isEqualTo(40 * MIB);
        assertThat(budget.reserveOrWait(MIB, frame, 8 * MIB, b)).isFalse();
        // Whole: its 16 MiB become its charge, and another may go past the share.
        budget.endOverdraft(a);
        assertThat(budget.reserveOrWait(MIB, frame, 8 * MIB, b)).isTrue();
        assertThat(budget.used()).isEqualTo(48 * MIB);
    }

    @Test
    void theRestIsTakenOnlyUnderThreeQuartersAndItsUnusedPartIsGivenBack() {
        InboundBudget budget = new InboundBudget(64 * MIB);
        InboundBudget.Waiter a = () -> { };
        assertThat(budget.reserveOrWait(32 * MIB, 40 * MIB, 0, () -> { })).as("alone: any size").isTrue();
        assertThat(budget.reserveOrWait(MIB, 32 * MIB, MIB, a)).as("a rest of 31 MiB would pass 48 MiB").isFalse();
        assertThat(budget.reserveOrWait(MIB, 8 * MIB, MIB, a)).isTrue();
        assertThat(budget.used()).isEqualTo(32 * MIB + 7 * MIB);
        // Its connection closed half-way: what it took beyond what it grew into comes back.
        budget.release(MIB);
        budget.cancel(a);
        assertThat(budget.used()).isEqualTo(32 * MIB);
    }
}
