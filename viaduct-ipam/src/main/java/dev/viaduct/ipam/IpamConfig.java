package dev.viaduct.ipam;

import java.time.Duration;

/**
 * IPAM behaviour. {@code strictAffinity}: never borrow from another node's block (Calico's StrictAffinity,
 * needed when routes cannot be per-address). {@code maxAttempts} bounds the retries of a write that lost a
 * compare-and-swap race, with jittered exponential backoff from {@code backoffBase} to {@code backoffMax};
 * then the operation fails with a "try again" error. {@code poolCacheTtl}: how long pools read from the store
 * are trusted before re-reading (every write compares the pool's revision anyway, so a changed pool is
 * noticed at once). {@code mostlyEmptyFraction}: {@code check} reports a node's extra blocks used at most
 * this much.
 */
public record IpamConfig(boolean strictAffinity, int maxAttempts, Duration backoffBase, Duration backoffMax,
        Duration poolCacheTtl, double mostlyEmptyFraction) {
    public IpamConfig {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
        }
        if (mostlyEmptyFraction < 0 || mostlyEmptyFraction > 1) {
            throw new IllegalArgumentException("mostlyEmptyFraction must be in 0..1, got " + mostlyEmptyFraction);
        }
    }

    public static IpamConfig defaults() {
        return new IpamConfig(false, 20, Duration.ofMillis(2), Duration.ofMillis(250), Duration.ofSeconds(10), 0.25);
    }

    public IpamConfig withStrictAffinity(boolean strict) {
        return new IpamConfig(strict, maxAttempts, backoffBase, backoffMax, poolCacheTtl, mostlyEmptyFraction);
    }

    public IpamConfig withMaxAttempts(int n) {
        return new IpamConfig(strictAffinity, n, backoffBase, backoffMax, poolCacheTtl, mostlyEmptyFraction);
    }
}
