package dev.viaduct.bgp.rib;

import dev.viaduct.bgp.wire.Family;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Rows of the RIB for status, {@code ctl bgp routes} and tests: the Loc-RIB's candidates (best and ECMP paths
 * flagged, stale ones marked), a route query's slice, a peer's Adj-RIB-In and Adj-RIB-Out. Read-only; called
 * by {@link Rib} on its owner thread.
 */
final class RibRows {
    private RibRows() {
    }

    /** Every candidate of every prefix of a family, best paths flagged. */
    static List<RibRoute> locRib(PrefixMap<Object> table, Family f) {
        List<RibRoute> out = new ArrayList<>();
        table.forEach((a, b, len, v) -> addCandidates(out, f, a, b, len, v, null));
        out.sort((x, y) -> x.prefix().compareTo(y.prefix()));
        return out;
    }

    private static void addCandidates(List<RibRoute> out, Family f, long a, long b, int len, Object v, InetAddress onlyFrom) {
        IpPrefix pr = PrefixMap.toPrefix(f, a, b, len);
        Path[] cands = v instanceof Path p ? new Path[] {p} : ((RouteSet) v).paths;
        int ecmp = RouteSet.ecmpCount(v);
        for (int i = 0; i < cands.length; i++) {
            Path p = cands[i];
            if (onlyFrom != null && (p.local() || !onlyFrom.equals(p.peer.address))) {
                continue;
            }
            out.add(new RibRoute(pr, p.attrs, p.local() ? "local" : p.peer.name(), p.local() ? null : p.peer.address,
                    i == 0 && ecmp > 0, i < ecmp, isStale(p, f, a, b, len)));
        }
    }

    /**
     * Phase two: the candidates of matched prefixes {@code [from, to)}, in order (only the query's peer's, if
     * it names one). A prefix gone since the match is skipped.
     */
    static List<RibRoute> routesAt(PrefixMap<Object> table, RouteQuery.Match m, int from, int to) {
        Family f = m.query().family();
        List<RibRoute> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            long b = m.b() == null ? 0 : m.b()[i];
            Object v = table.get(m.a()[i], b, m.len()[i]);
            if (v != null) {
                addCandidates(out, f, m.a()[i], b, m.len()[i], v, m.query().peer());
            }
        }
        return out;
    }

    private static boolean isStale(Path p, Family f, long a, long b, int len) {
        if (p.local()) {
            return false;
        }
        PrefixMap<Path> st = p.peer.stale.get(f);
        if (p.peer.adjInInLocRib) {
            // a re-advertised route is a new Path; one still stale is the very Path kept at the restart
            return st != null && st.get(a, b, len) == p;
        }
        return st != null && st.get(a, b, len) != null && p.peer.adjIn.get(f).get(a, b, len) == null;
    }

    static List<RibRoute> adjRibIn(RibPeer p, Family f, PrefixMap<Object> loc) {
        List<RibRoute> out = new ArrayList<>();
        PrefixMap<Path> st = p.stale.get(f);
        if (p.adjInInLocRib) {
            loc.forEach((a, b, len, v) -> {
                Path path = RouteSet.from(v, p);
                if (path != null) {
                    boolean stale = st != null && st.get(a, b, len) == path;
                    out.add(new RibRoute(PrefixMap.toPrefix(f, a, b, len), path.attrs, p.name(), p.address, false, false, stale));
                }
            });
            out.sort((x, y) -> x.prefix().compareTo(y.prefix()));
            return out;
        }
        p.adjIn.get(f).forEach((a, b, len, path) -> out.add(new RibRoute(PrefixMap.toPrefix(f, a, b, len), path.attrs, p.name(), p.address, false, false, false)));
        if (st != null) {
            st.forEach((a, b, len, path) -> {
                if (p.adjIn.get(f).get(a, b, len) == null) {
                    out.add(new RibRoute(PrefixMap.toPrefix(f, a, b, len), path.attrs, p.name(), p.address, false, false, true));
                }
            });
        }
        out.sort((x, y) -> x.prefix().compareTo(y.prefix()));
        return out;
    }

    static List<RibRoute> adjRibOut(RibPeer p, Family f) {
        List<RibRoute> out = new ArrayList<>();
        p.adjOut.get(f).forEach((a, b, len, attrs) -> out.add(new RibRoute(PrefixMap.toPrefix(f, a, b, len), attrs, p.name(), p.address, true, true, false)));
        out.sort((x, y) -> x.prefix().compareTo(y.prefix()));
        return out;
    }
}
