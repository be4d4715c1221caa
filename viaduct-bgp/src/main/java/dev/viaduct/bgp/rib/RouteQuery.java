package dev.viaduct.bgp.rib;

import dev.viaduct.bgp.wire.Family;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * A question for the Loc-RIB, as {@code viaduct ctl bgp routes} asks it: the prefixes inside {@code within}
 * (itself included; null: every prefix of the family), optionally only those with a candidate learned from
 * {@code peer}, the first {@code limit} in prefix order (0: all).
 *
 * <p>Answered in two phases so a million routes never become a million objects at once: {@link #match} walks
 * the table's primitive keys once on the RIB thread (no allocation per entry that does not match), counts the
 * matches and keeps the first {@code limit} keys sorted; {@link Rib#routesAt} then turns a slice of those keys
 * into {@link RibRoute}s, a chunk at a time, while the caller streams them out.
 */
public record RouteQuery(Family family, IpPrefix within, InetAddress peer, int limit) {
    public RouteQuery {
        if (within != null && within.ipv6() != (family == Family.IPV6_UNICAST)) {
            throw new IllegalArgumentException("prefix " + within + " is not of family " + family);
        }
        if (limit < 0) {
            throw new IllegalArgumentException("limit " + limit + " must be 0 (all) or positive");
        }
    }

    /**
     * The matching prefixes: {@code matched} in all, the first {@code size} of them (at most the limit) in
     * {@code a}/{@code b}/{@code len}, sorted as {@link dev.viaduct.bgp.wire.Prefix#compareTo} sorts.
     */
    public record Match(RouteQuery query, long matched, long[] a, long[] b, int[] len, int size) {
    }

    Match match(PrefixMap<Object> table) {
        boolean v6 = family == Family.IPV6_UNICAST;
        int qlen = within == null ? 0 : within.length();
        long hiMask;
        long loMask;
        if (!v6) {
            hiMask = 0;
            loMask = qlen == 0 ? 0 : (0xFFFF_FFFFL << (32 - qlen)) & 0xFFFF_FFFFL;
        } else {
            hiMask = qlen == 0 ? 0 : qlen >= 64 ? -1L : -1L << (64 - qlen);
            loMask = qlen <= 64 ? 0 : -1L << (128 - qlen);
        }
        long qhi = within == null ? 0 : within.hi() & hiMask;
        long qlo = within == null ? 0 : within.lo() & loMask;
        PrefixMap.Keys keys = new PrefixMap.Keys(family, 64);
        table.forEach((ka, kb, klen, v) -> {
            if (klen < qlen) {
                return;
            }
            long hi = v6 ? ka : 0;
            long lo = v6 ? kb : ka >>> 8;
            if ((hi & hiMask) != qhi || (lo & loMask) != qlo || (peer != null && !hasCandidateFrom(v, peer))) {
                return;
            }
            keys.add(ka, kb, klen);
        });
        int n = keys.size;
        int keep = limit == 0 ? n : Math.min(limit, n);
        if (!v6) {
            // IPv4 keys are address << 8 | length: their natural order is the prefix order
            long[] sorted = Arrays.copyOf(keys.a, n);
            Arrays.sort(sorted);
            int[] len = new int[keep];
            for (int i = 0; i < keep; i++) {
                len[i] = (int) (sorted[i] & 0xFF);
            }
            return new Match(this, n, Arrays.copyOf(sorted, keep), null, len, keep);
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> {
            int c = Long.compareUnsigned(keys.a[x], keys.a[y]);
            if (c == 0) {
                c = Long.compareUnsigned(keys.b[x], keys.b[y]);
            }
            return c != 0 ? c : Integer.compare(keys.len[x], keys.len[y]);
        });
        long[] a = new long[keep];
        long[] b = new long[keep];
        int[] len = new int[keep];
        for (int i = 0; i < keep; i++) {
            a[i] = keys.a[order[i]];
            b[i] = keys.b[order[i]];
            len[i] = keys.len[order[i]];
        }
        return new Match(this, n, a, b, len, keep);
    }

    static boolean hasCandidateFrom(Object v, InetAddress peer) {
        Path[] cands = v instanceof Path p ? new Path[] {p} : ((RouteSet) v).paths;
        for (Path p : cands) {
            if (!p.local() && peer.equals(p.peer.address)) {
                return true;
            }
        }
        return false;
    }
}
