package dev.viaduct.ipam;

/**
 * Counters of one {@link Ipam} instance since it was created. {@code storeRoundTrips} counts every request
 * sent to the store (reads, transactions), so {@code storeRoundTrips / assigns} is the cost of an
 * allocation; {@code conflicts} counts compare-and-swap transactions that lost a race and were retried.
 */
public record IpamStats(long assigns, long releases, long storeRoundTrips, long assignRoundTrips, long conflicts,
        long blocksClaimed, long borrowed, long exhausted) {
}
