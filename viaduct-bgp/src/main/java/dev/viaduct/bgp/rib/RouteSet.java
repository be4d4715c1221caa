package dev.viaduct.bgp.rib;

/**
 * The candidates for a prefix when there is more than one (or the only one is not usable): sorted so that
 * {@code paths[0]} is the best path and {@code paths[0..ecmp)} the equal-cost multipath set; ecmp = 0 means no
 * candidate is eligible. A prefix with a single usable path stores that {@link Path} directly instead, which
 * is the common case and costs no extra object. Immutable: a change builds a new set.
 */
final class RouteSet {
    final Path[] paths;
    final int ecmp;

    RouteSet(Path[] paths, int ecmp) {
        this.paths = paths;
        this.ecmp = ecmp;
    }

    /** The best path of a Loc-RIB value, or null when nothing is usable. */
    static Path best(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof Path p) {
            return p;
        }
        RouteSet rs = (RouteSet) v;
        return rs.ecmp > 0 ? rs.paths[0] : null;
    }

    static int ecmpCount(Object v) {
        if (v == null) {
            return 0;
        }
        return v instanceof Path ? 1 : ((RouteSet) v).ecmp;
    }

    static Path ecmpPath(Object v, int i) {
        return v instanceof Path p ? p : ((RouteSet) v).paths[i];
    }

    /** The candidate from {@code peer} in a Loc-RIB value, or null. */
    static Path from(Object v, RibPeer peer) {
        if (v instanceof Path p) {
            return p.peer == peer ? p : null;
        }
        if (v instanceof RouteSet rs) {
            for (Path p : rs.paths) {
                if (p.peer == peer) {
                    return p;
                }
            }
        }
        return null;
    }
}
