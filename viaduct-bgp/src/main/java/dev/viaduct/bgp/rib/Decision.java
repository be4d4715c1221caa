package dev.viaduct.bgp.rib;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The BGP decision process, RFC 4271 §9.1.2 (phase 2) with the tie-breaking rules of §9.1.2.2 as a sequence
 * of eliminations, which is how the RFC states it (the MED rule compares only routes from the same
 * neighbouring AS, so it is not a total order):
 * <ol>
 * <li>routes whose next hop does not resolve, or whose AS_PATH holds our AS, are out;</li>
 * <li>routes this speaker originates win (like BIRD's protocol preference / Cisco weight);</li>
 * <li>highest degree of preference (LOCAL_PREF, defaulted for eBGP routes by import policy);</li>
 * <li>a) shortest AS_PATH, b) lowest ORIGIN, c) lowest MED among routes from the same neighbour AS
 * (missing MED = 0), d) eBGP over iBGP, e) lowest interior cost to the next hop;</li>
 * <li>the survivors are the multipath set (when enabled);</li>
 * <li>RFC 4456 §9: shortest CLUSTER_LIST, then lowest ORIGINATOR_ID or BGP Identifier (f), then lowest peer
 * address (g) pick the single best.</li>
 * </ol>
 */
final class Decision {
    private Decision() {
    }

    /** Sorts candidates into a Loc-RIB value: a lone usable Path, or a RouteSet. */
    static Object select(Path[] cands, long defaultLocalPref, boolean multipath) {
        List<Path> c = new ArrayList<>(cands.length);
        for (Path p : cands) {
            if (p.eligible) {
                c.add(p);
            }
        }
        if (c.isEmpty()) {
            return new RouteSet(cands, 0);
        }
        if (c.size() == 1 && cands.length == 1) {
            return cands[0];
        }
        if (c.stream().anyMatch(Path::local)) {
            c.removeIf(p -> !p.local());
        }
        long bestPref = c.stream().mapToLong(p -> pref(p, defaultLocalPref)).max().orElseThrow();
        c.removeIf(p -> pref(p, defaultLocalPref) != bestPref);
        int minLen = c.stream().mapToInt(p -> p.attrs.asPathLength()).min().orElseThrow();
        c.removeIf(p -> p.attrs.asPathLength() != minLen);
        int minOrigin = c.stream().mapToInt(p -> p.attrs.origin()).min().orElseThrow();
        c.removeIf(p -> p.attrs.origin() != minOrigin);
        // c) MED, only between routes from the same neighbouring AS
        List<Path> keep = new ArrayList<>(c.size());
        for (Path p : c) {
            boolean beaten = false;
            for (Path q : c) {
                if (q != p && q.attrs.neighborAs() == p.attrs.neighborAs() && med(q) < med(p)) {
                    beaten = true;
                    break;
                }
            }
            if (!beaten) {
                keep.add(p);
            }
        }
        c = keep;
        if (c.stream().anyMatch(Path::ebgp)) {
            c.removeIf(p -> !p.ebgp());
        }
        long minCost = c.stream().mapToLong(p -> p.igpCost).min().orElseThrow();
        c.removeIf(p -> p.igpCost != minCost);
        // c now holds the multipath set; order it by the final tie-breakers so [0] is the single best
        c.sort(Decision::tieBreak);
        int ecmp = multipath ? c.size() : 1;
        Path[] out = new Path[cands.length];
        int k = 0;
        for (Path p : c) {
            out[k++] = p;
        }
        for (Path p : cands) {
            if (!c.contains(p)) {
                out[k++] = p;
            }
        }
        if (out.length == 1) {
            return out[0];
        }
        return new RouteSet(out, ecmp);
    }

    private static long pref(Path p, long dflt) {
        long lp = p.attrs.localPref();
        return lp == RouteAttrs.ABSENT ? dflt : lp;
    }

    private static long med(Path p) {
        long m = p.attrs.med();
        return m == RouteAttrs.ABSENT ? 0 : m;
    }

    private static int tieBreak(Path a, Path b) {
        int c = Integer.compare(a.attrs.clusterListLength(), b.attrs.clusterListLength());
        if (c != 0) {
            return c;
        }
        c = Integer.compareUnsigned(routerId(a), routerId(b));
        if (c != 0) {
            return c;
        }
        return Arrays.compareUnsigned(address(a), address(b));
    }

    private static int routerId(Path p) {
        if (p.attrs.hasOriginatorId()) {
            return p.attrs.originatorId();
        }
        return p.peer == null ? 0 : p.peer.routerId();
    }

    private static byte[] address(Path p) {
        return p.peer == null || p.peer.address() == null ? new byte[0] : p.peer.address().getAddress();
    }
}
