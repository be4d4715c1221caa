package dev.viaduct.cli;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.viaduct.bgp.speaker.JitWarmup;
import java.lang.management.ManagementFactory;

/**
 * What a binary does before its first BGP speaker: the library's JIT warm-up ({@link JitWarmup}), then one
 * collection of the warm-up's garbage that keeps the heap the warm-up grew. The collection lives here, in the
 * binaries ({@code viaduct agent}, {@code viaduct bgp}, and bench/bgp's harness, which compiles this file), not in
 * the library: it forces a full GC and changes a JVM-wide flag for its duration, which only the owner of the JVM
 * may decide; a library embedded elsewhere (tests, bench/bgp-scale's hundreds of speakers) must leave the JVM as
 * it found it.
 *
 * <p>Why collect at all: without it the first real table is allocated on top of the warm-up's garbage (bench/bgp:
 * +35 MiB peak RSS at 1M routes). Why not a plain {@code System.gc()}: G1 then also hands the heap back, and
 * re-growing it during that table cost more time than the warm-up saved (1M routes: ~680 against ~470 ms).
 * MaxHeapFreeRatio is a manageable flag, so it can be lifted to 100 for this one collection and put back.
 *
 * <p>Concurrency: call it on the thread that starts the first speaker, before it starts; the warm-up itself runs
 * at most once per JVM, so a later call, or the speaker's own, does nothing.
 */
public final class BgpWarmup {
    private BgpWarmup() {
    }

    /** Runs the warm-up with {@code routes} synthetic routes and, if it ran here, collects its garbage. */
    public static void beforeFirstSpeaker(int routes) {
        if (JitWarmup.once(routes) >= 0) {
            collectKeepingHeap();
        }
    }

    /** A full collection that does not shrink the heap; where the flag cannot be set (another JVM), none. */
    static void collectKeepingHeap() {
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        if (vm == null) {
            return;
        }
        String old;
        try {
            old = vm.getVMOption("MaxHeapFreeRatio").getValue();
            vm.setVMOption("MaxHeapFreeRatio", "100");
        } catch (IllegalArgumentException | SecurityException e) {
            return;
        }
        try {
            System.gc();
        } finally {
            vm.setVMOption("MaxHeapFreeRatio", old);
        }
    }
}
