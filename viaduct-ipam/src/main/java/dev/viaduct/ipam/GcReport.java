package dev.viaduct.ipam;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;

/**
 * What a garbage-collection run did (or, for a dry run, would do). A dead handle is first {@code marked}
 * (seen dead; the sighting is stored so it survives restarts and works across {@code viaduct ctl} runs),
 * stays {@code pending} until it has been seen dead for the grace period, and only then is
 * {@code released}. {@code kept} counts live handles; {@code skipped} lists handles that changed while the
 * run looked at them (they are re-examined next run).
 */
public record GcReport(boolean dryRun, List<Leak> released, List<Leak> pending, List<Leak> marked, int kept,
        List<String> skipped) {
    public GcReport {
        released = List.copyOf(released);
        pending = List.copyOf(pending);
        marked = List.copyOf(marked);
        skipped = List.copyOf(skipped);
    }

    /** A handle not in the live set, its addresses, since when it has been seen dead and when it may go. */
    public record Leak(String handle, String node, List<InetAddress> addresses, Instant deadSince, Instant releasableAt) {
        public Leak {
            addresses = List.copyOf(addresses);
        }
    }
}
