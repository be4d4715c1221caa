package dev.viaduct.ipam;

import java.util.concurrent.atomic.LongAdder;

/**
 * The counters behind {@link Ipam#stats()}: written by whichever part does the work (under the facade's
 * lock or not), read without it.
 */
final class IpamCounters {
    final LongAdder assigns = new LongAdder();
    final LongAdder releases = new LongAdder();
    final LongAdder roundTrips = new LongAdder();
    final LongAdder assignRoundTrips = new LongAdder();
    final LongAdder conflicts = new LongAdder();
    final LongAdder claimed = new LongAdder();
    final LongAdder borrowed = new LongAdder();
    final LongAdder exhaustions = new LongAdder();

    IpamStats stats() {
        return new IpamStats(assigns.sum(), releases.sum(), roundTrips.sum(), assignRoundTrips.sum(), conflicts.sum(),
                claimed.sum(), borrowed.sum(), exhaustions.sum());
    }
}
