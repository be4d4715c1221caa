package dev.viaduct.bgp.config;

import dev.viaduct.bgp.speaker.PeerConfig;
import dev.viaduct.bgp.speaker.SpeakerConfig;

/**
 * The maximum heap {@code viaduct bgp} is given for what its configuration asks of it: how many prefixes it
 * expects ({@code expectedRoutes}) and how many route tables of that size its peers make it keep. A pure
 * function; the launcher ({@code bin/viaduct}) turns it into {@code -Xmx} before the speaker's JVM starts, because
 * a running JVM cannot raise or lower its own maximum heap.
 *
 * <p>Why the cap is the budget: with the serial collector the launcher gives the long-running roles, the old
 * generation grows by promotion until it reaches the cap before a full collection reclaims anything (bench/bgp: a
 * 1M-route load left the old tables of every doubling in the heap). So peak RSS follows the cap, and the cap
 * follows the tables.
 *
 * <p>The tables ({@code dev.viaduct.bgp.rib.PrefixMap}): an IPv4 slot is 12 bytes (a {@code long} key and a
 * compressed reference), an IPv6 slot 21; at the load factor of 0.7 a table holds between 1.4 and 2.9 slots per
 * prefix, and while it doubles the old and the new array live together (4.3 slots per prefix). Every peer's
 * routes go to the Loc-RIB; a peer whose import policy changes or rejects routes also keeps its Adj-RIB-In, and
 * one that is sent routes keeps an Adj-RIB-Out (both up to the expected size: a route reflector's clients each
 * get the whole table).
 */
public final class HeapBudget {
    /** What a speaker's heap holds apart from the route tables: JDK and library objects, room to decode UPDATEs. */
    static final long BASE_BYTES = 40L << 20;
    /** A session: its read and write buffers, FSM and counters (bench/bgp-scale). */
    static final long PER_PEER_BYTES = 1L << 20;
    /** Per prefix and table at the worst moment (a doubling, 4.3 slots of 12 bytes), rounded up. */
    static final long BYTES_PER_ROUTE_AND_TABLE = 56;
    /** {@code expectedRoutes} when the file does not say: a cluster's pod blocks and services, with room to spare. */
    public static final long DEFAULT_EXPECTED_ROUTES = 100_000;
    /** The largest {@code expectedRoutes} the file accepts: a full Internet table is about 1M IPv4 + 0.2M IPv6. */
    public static final long MAX_EXPECTED_ROUTES = 100_000_000;

    private HeapBudget() {
    }

    /**
     * The heap in MiB for {@code peers} sessions and {@code tables} route tables (the Loc-RIB and every stored
     * Adj-RIB-In and -Out) of up to {@code expectedRoutes} prefixes each.
     */
    public static long megabytes(int peers, int tables, long expectedRoutes) {
        if (peers < 0 || tables < 1 || expectedRoutes < 0 || expectedRoutes > MAX_EXPECTED_ROUTES) {
            throw new IllegalArgumentException("peers >= 0, tables >= 1, expectedRoutes 0.." + MAX_EXPECTED_ROUTES
                    + "; got " + peers + ", " + tables + ", " + expectedRoutes);
        }
        long bytes = BASE_BYTES + peers * PER_PEER_BYTES + tables * expectedRoutes * BYTES_PER_ROUTE_AND_TABLE;
        return (bytes + (1 << 20) - 1) >> 20;
    }

    /** The budget of a speaker configured as {@code cfg}, expecting {@code expectedRoutes} prefixes. */
    public static long megabytes(SpeakerConfig cfg, long expectedRoutes) {
        return megabytes(cfg.peers().size(), tables(cfg), expectedRoutes);
    }

    /**
     * The Loc-RIB, plus an Adj-RIB-In for every peer whose import policy is not "accept all unchanged" (the RIB
     * stores no other) and an Adj-RIB-Out for every peer whose export policy does not reject everything.
     */
    static int tables(SpeakerConfig cfg) {
        int n = 1;
        for (PeerConfig p : cfg.peers()) {
            if (!p.importPolicy().acceptsAllUnchanged()) {
                n++;
            }
            if (!p.exportPolicy().rejectsAll()) {
                n++;
            }
        }
        return n;
    }
}
