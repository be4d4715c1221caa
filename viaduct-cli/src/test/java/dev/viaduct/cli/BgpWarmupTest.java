package dev.viaduct.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** The binaries' step before their first speaker leaves the JVM's flags as it found them. */
class BgpWarmupTest {
    static String maxHeapFreeRatio() {
        return ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption("MaxHeapFreeRatio").getValue();
    }

    @Test
    void theCollectionPutsMaxHeapFreeRatioBack() {
        String before = maxHeapFreeRatio();
        BgpWarmup.collectKeepingHeap();
        assertThat(maxHeapFreeRatio()).isEqualTo(before).isNotEqualTo("100");
    }

    @Test
    void warmUpAndCollectionRunOnceAndLeaveTheFlagAlone() {
        String before = maxHeapFreeRatio();
        BgpWarmup.beforeFirstSpeaker(1_000);
        BgpWarmup.beforeFirstSpeaker(1_000); // the warm-up ran already: nothing to do
        assertThat(maxHeapFreeRatio()).isEqualTo(before);
        assertThat(dev.viaduct.bgp.speaker.JitWarmup.once(1_000)).as("the warm-up ran once in this JVM").isEqualTo(-1);
    }
}
