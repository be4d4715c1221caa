package dev.viaduct.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FuzzBoundsTest {
    private static volatile Object sink;

    @Test
    void anInputThatAllocatesMoreThanTheBudgetFails() {
        assertThatThrownBy(() -> FuzzBounds.within(1 << 20, () -> sink = new byte[8 << 20]))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("over the budget of 1048576");
    }

    @Test
    void aOneTimeCostIsNotChargedToTheInput() {
        int[] runs = {0};
        FuzzBounds.within(1 << 20, () -> {
            if (runs[0]++ == 0) {
                sink = new byte[8 << 20];
            }
        });
        assertThat(runs[0]).isEqualTo(2);
    }

    @Test
    void anInputWithinTheBudgetPassesAndRuns() {
        int[] runs = {0};
        FuzzBounds.within(() -> {
            sink = new byte[1024];
            runs[0]++;
        });
        assertThat(runs[0]).isEqualTo(1);
    }
}
