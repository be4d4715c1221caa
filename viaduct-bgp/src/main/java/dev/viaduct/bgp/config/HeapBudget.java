package dev.viaduct.bgp.config;

import dev.viaduct.bgp.speaker.PeerConfig;
import dev.viaduct.bgp.speaker.SpeakerConfig;
import dev.viaduct.bgp.wire.Family;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The maximum heap {@code viaduct bgp} is given for what its configuration asks of it: its peers, and the
 * prefixes it expects per family ({@code expectedRoutes}) in the route tables those peers make it keep. A pure
 * function; the launcher ({@code bin/viaduct}) turns it into {@code -Xmx} before the speaker's JVM starts, because
 * a running JVM cannot change its own maximum heap.
 *
 * <p>Why the cap is the budget: with the serial collector the launcher gives the long-running roles, the old
 * generation grows by promotion towards the cap before a full collection reclaims anything, so the cap bounds
 * peak RSS, and it should follow the tables rather than a per-role constant.
 *
 * <p>The tables ({@code dev.viaduct.bgp.rib.PrefixMap}): an IPv4 slot is 12 bytes (a {@code long} key and a
 * compressed reference), an IPv6 slot 21. The Loc-RIB is sized for {@code expectedRoutes} at start (1.43 slots per
 * prefix at the load factor of 0.7). Other tables grow by doubling: between 1.4 and 2.9 slots per prefix, and while
 * one doubles the old and the new array live together (4.3 slots per prefix). A peer whose import policy changes or
 * rejects routes keeps an Adj-RIB-In, budgeted at the expected size. Peers that are sent routes alike (an update
 * group: iBGP or eBGP, reflector client or not, next-hop settings, local address, export policy) share one
 * Adj-RIB-Out, so a route reflector's clients cost one table, not one each; a group of several members also holds
 * where each member's table differs (the routes it sent, at most one more table in all) and, while a member is
 * brought up to date before it joins, that member's own table: two more tables.
 */
public final class HeapBudget {
    /**
     * What the heap holds apart from the route tables: the JDK's and the libraries' objects (~8 MiB live after the
     * warm-up), the young generation UPDATEs are decoded in, and room to collect.
     */
    static final long BASE_BYTES = 40L << 20;
    /** A session: its read and write buffers, FSM and counters. */
    static final long PER_PEER_BYTES = 1L << 20;
    /** The Loc-RIB per expected prefix: 1.43 slots (sized at start), IPv4 and IPv6. */
    static final long LOC_RIB_V4_BYTES = 18;
    static final long LOC_RIB_V6_BYTES = 31;
    /** Any other table per expected prefix, at its worst moment (a doubling: 4.3 slots), IPv4 and IPv6. */
    static final long TABLE_V4_BYTES = 52;
    static final long TABLE_V6_BYTES = 91;
    /**
     * The cap of a speaker that was not told what to expect: its tables grow with whatever comes, so it gets the
     * launcher's former fixed cap (room for about two million IPv4 routes from one peer).
     */
    public static final long UNSIZED_MEGABYTES = 256;

    private HeapBudget() {
    }

    /**
     * The heap in MiB for {@code peers} sessions, the Loc-RIB and {@code otherTables} more tables (stored
     * Adj-RIBs-In and -Out), with {@code v4} IPv4 and {@code v6} IPv6 prefixes expected.
     */
    public static long megabytes(int peers, int otherTables, long v4, long v6) {
        if (peers < 0 || otherTables < 0 || v4 < 0 || v6 < 0) {
            throw new IllegalArgumentException("peers, otherTables and expected routes must be >= 0; got "
                    + peers + ", " + otherTables + ", " + v4 + ", " + v6);
        }
        long bytes = BASE_BYTES + peers * PER_PEER_BYTES
                + v4 * (LOC_RIB_V4_BYTES + otherTables * TABLE_V4_BYTES)
                + v6 * (LOC_RIB_V6_BYTES + otherTables * TABLE_V6_BYTES);
        return (bytes + (1 << 20) - 1) >> 20;
    }

    /**
     * The budget of a speaker configured as {@code cfg} (its {@link SpeakerConfig#expectedRoutes}); without an
     * expectation, {@link #UNSIZED_MEGABYTES}.
     */
    public static long megabytes(SpeakerConfig cfg) {
        if (cfg.expectedRoutes().isEmpty()) {
            return UNSIZED_MEGABYTES;
        }
        return megabytes(cfg.peers().size(), otherTables(cfg), cfg.expectedRoutes().getOrDefault(Family.IPV4_UNICAST, 0),
                cfg.expectedRoutes().getOrDefault(Family.IPV6_UNICAST, 0));
    }

    /**
     * An Adj-RIB-In for every peer whose import policy is not "accept all unchanged" (the RIB stores no other) and
     * an Adj-RIB-Out for every update group of peers whose export policy does not reject everything, two more when
     * a group is shared.
     */
    static int otherTables(SpeakerConfig cfg) {
        int n = 0;
        Map<List<Object>, Integer> groups = new HashMap<>();
        for (PeerConfig p : cfg.peers()) {
            if (!p.importPolicy().acceptsAllUnchanged()) {
                n++;
            }
            if (!p.exportPolicy().rejectsAll()) {
                groups.merge(Arrays.asList(p.asn() == cfg.asn(), p.rrClient(), p.nextHopSelf(), p.nextHopV4(),
                        p.nextHopV6(), p.localAddress(), p.exportPolicy(), p.localRoutesOnly()), 1, Integer::sum);
            }
        }
        boolean shared = groups.values().stream().anyMatch(members -> members > 1);
        return n + groups.size() + (shared ? 2 : 0);
    }
}
