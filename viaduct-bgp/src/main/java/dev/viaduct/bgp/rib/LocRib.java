package dev.viaduct.bgp.rib;

import dev.viaduct.bgp.wire.Family;
import dev.viaduct.sys.net.IpPrefix;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The Loc-RIB (RFC 4271 §3.2, §9.1): per family, each prefix's candidates — a {@link Path}, or a {@link RouteSet}
 * when there are several or none is usable — in the order the decision process ranked them; how many prefixes have a
 * usable best path; and what changed since the last flush: dirty prefixes (to export) and changed prefixes (for
 * best-path events). Every change of a candidate goes through {@link #insert}, {@link #remove} or {@link #reselect},
 * so the decision, the count and the change marks cannot fall out of step.
 *
 * <p>Concurrency: owned by the {@link Rib}'s thread, like the Rib itself; no locks.
 */
final class LocRib {
    private static final Logger LOG = System.getLogger(LocRib.class.getName());

    private final Rib.Settings cfg;
    /** The tables, per family; {@link RibPeer}s read their candidates here, so an entry is replaced only while empty. */
    final Map<Family, PrefixMap<Object>> tables = new EnumMap<>(Family.class);
    private final Map<Family, PrefixMap.Keys> dirty = new EnumMap<>(Family.class);
    private final Map<Family, PrefixMap.Keys> changed = new EnumMap<>(Family.class);
    /** Prefixes with a usable best path, per family (the Loc-RIB proper; candidates all unusable don't count). */
    private final Map<Family, int[]> reachable = new EnumMap<>(Family.class);
    /** Per family: the table size past the expected routes at which to warn once (the heap was sized for fewer). */
    private final int[] warnAbove = new int[Family.values().length];
    /** Whether any established peer can receive exports; if none, changes need not be remembered for export. */
    boolean exportTargets;
    /** Events are built only while someone listens: a million unobserved changes must cost nothing. */
    private boolean eventsEnabled;

    LocRib(Rib.Settings cfg, boolean eventsEnabled) {
        this.cfg = cfg;
        this.eventsEnabled = eventsEnabled;
        for (Family f : Family.values()) {
            tables.put(f, new PrefixMap<>(f));
            dirty.put(f, new PrefixMap.Keys(f, 64));
            changed.put(f, new PrefixMap.Keys(f, 64));
            reachable.put(f, new int[1]);
            warnAbove[f.ordinal()] = Integer.MAX_VALUE;
        }
    }

    /** {@link Rib#expectRoutes}: sizes an empty table for {@code prefixes} and warns once when it grows past them. */
    void expect(Family f, int prefixes) {
        if (prefixes > 0 && tables.get(f).size() == 0) {
            tables.put(f, new PrefixMap<>(f, prefixes));
        }
        warnAbove[f.ordinal()] = prefixes + 1;
    }

    /** Prefixes of {@code f} with a usable best path. */
    int reachable(Family f) {
        return reachable.get(f)[0];
    }

    /** Prefixes of {@code f} whose selection changed since the caller last cleared this set (for export). */
    PrefixMap.Keys dirty(Family f) {
        return dirty.get(f);
    }

    boolean eventsEnabled() {
        return eventsEnabled;
    }

    /** Turns change tracking for events on or off; off forgets what was tracked. */
    void enableEvents(boolean on) {
        eventsEnabled = on;
        if (!on) {
            for (PrefixMap.Keys k : changed.values()) {
                k.clear();
            }
        }
    }

    /** The best-path events of every prefix changed since the last call, once each, and forgets them. */
    List<BestPathChange> drainChanges() {
        List<BestPathChange> events = new ArrayList<>();
        for (Family f : Family.values()) {
            PrefixMap.Keys c = changed.get(f);
            if (c.size == 0) {
                continue;
            }
            PrefixMap<Boolean> seen = new PrefixMap<>(f, c.size);
            PrefixMap<Object> L = tables.get(f);
            for (int i = 0; i < c.size; i++) {
                long a = c.a[i];
                long b = c.b(i);
                int len = c.len[i];
                if (seen.put(a, b, len, Boolean.TRUE) != null) {
                    continue;
                }
                events.add(event(f, a, b, len, L.get(a, b, len)));
            }
            c.clear();
        }
        return events;
    }

    /** The current best paths of every reachable prefix, as events (a subscriber's initial state). */
    List<BestPathChange> bestPaths() {
        List<BestPathChange> out = new ArrayList<>();
        for (Family f : Family.values()) {
            tables.get(f).forEach((a, b, len, v) -> {
                if (RouteSet.best(v) != null) {
                    out.add(event(f, a, b, len, v));
                }
            });
        }
        return out;
    }

    /** Puts {@code path} as {@code p}'s candidate for the prefix and re-runs the decision. */
    void insert(RibPeer p, Family f, long a, long b, int len, Path path) {
        insert(p, f, tables.get(f), a, b, len, path);
    }

    /** {@link #insert(RibPeer, Family, long, long, int, Path)} with {@code f}'s table at hand (a batch's loop). */
    void insert(RibPeer p, Family f, PrefixMap<Object> L, long a, long b, int len, Path path) {
        int slot = L.find(a, b, len);
        if (slot < 0) {
            Object nv = path.eligible ? path : new RouteSet(new Path[] {path}, 0);
            L.insertAbsent(slot, a, b, len, nv);
            if (L.size() == warnAbove[f.ordinal()]) {
                LOG.log(Level.WARNING, "event=loc-rib-above-expected family={0} expectedRoutes={1} (the heap is sized for them: raise expectedRoutes)",
                        f.label(), warnAbove[f.ordinal()] - 1);
            }
            track(f, null, nv);
            if (p != null) {
                p.accepted++;
            }
            if (path.eligible) {
                markChanged(f, a, b, len);
            }
            return;
        }
        Object v = L.valueAt(slot);
        if (v instanceof Path old && old.peer == p) {
            // fast path: the only candidate is replaced by its own peer's newer one
            if (path.eligible) {
                L.setValueAt(slot, path);
            } else {
                Object nv = new RouteSet(new Path[] {path}, 0);
                L.setValueAt(slot, nv);
                track(f, v, nv);
            }
            if (!path.eligible || !old.attrs.equals(path.attrs)) {
                markChanged(f, a, b, len);
            }
            return;
        }
        Path[] cands = v instanceof Path q ? new Path[] {q} : ((RouteSet) v).paths;
        Path[] next = null;
        for (int i = 0; i < cands.length; i++) {
            if (cands[i].peer == p) {
                next = cands.clone();
                next[i] = path;
                break;
            }
        }
        if (next == null) {
            next = Arrays.copyOf(cands, cands.length + 1);
            next[cands.length] = path;
            if (p != null) {
                p.accepted++;
            }
        }
        reselect(f, L, a, b, len, v, next);
    }

    /** Takes {@code p}'s candidate (if any) off the prefix and re-runs the decision. */
    void remove(RibPeer p, Family f, long a, long b, int len) {
        PrefixMap<Object> L = tables.get(f);
        Object v = L.get(a, b, len);
        if (v == null) {
            return;
        }
        if (v instanceof Path q) {
            if (q.peer == p) {
                L.remove(a, b, len);
                track(f, v, null);
                if (p != null) {
                    p.accepted--;
                }
                markChanged(f, a, b, len);
            }
            return;
        }
        RouteSet rs = (RouteSet) v;
        int idx = -1;
        for (int i = 0; i < rs.paths.length; i++) {
            if (rs.paths[i].peer == p) {
                idx = i;
                break;
            }
        }
        if (idx < 0) {
            return;
        }
        if (p != null) {
            p.accepted--;
        }
        if (rs.paths.length == 1) {
            L.remove(a, b, len);
            track(f, v, null);
            if (rs.ecmp > 0) {
                markChanged(f, a, b, len);
            }
            return;
        }
        Path[] next = new Path[rs.paths.length - 1];
        for (int i = 0, k = 0; i < rs.paths.length; i++) {
            if (i != idx) {
                next[k++] = rs.paths[i];
            }
        }
        reselect(f, L, a, b, len, v, next);
    }

    /**
     * Runs the decision over {@code cands} (the prefix's candidates, {@code v} being what the table held) and stores
     * the result, counting and marking what changed.
     */
    void reselect(Family f, PrefixMap<Object> L, long a, long b, int len, Object v, Path[] cands) {
        Object nv = Decision.select(cands, cfg.defaultLocalPref(), cfg.multipath());
        L.put(a, b, len, nv);
        track(f, v, nv);
        if (selectionChanged(v, nv)) {
            markChanged(f, a, b, len);
        }
    }

    private void track(Family f, Object oldV, Object newV) {
        boolean was = RouteSet.best(oldV) != null;
        boolean is = RouteSet.best(newV) != null;
        if (was != is) {
            reachable.get(f)[0] += is ? 1 : -1;
        }
    }

    private static boolean selectionChanged(Object oldV, Object newV) {
        int n = RouteSet.ecmpCount(oldV);
        if (n != RouteSet.ecmpCount(newV)) {
            return true;
        }
        for (int i = 0; i < n; i++) {
            Path x = RouteSet.ecmpPath(oldV, i);
            Path y = RouteSet.ecmpPath(newV, i);
            if (x != y && (x.peer != y.peer || !x.attrs.equals(y.attrs))) {
                return true;
            }
        }
        return false;
    }

    private void markChanged(Family f, long a, long b, int len) {
        if (exportTargets) {
            dirty.get(f).add(a, b, len);
        }
        if (eventsEnabled) {
            changed.get(f).add(a, b, len);
        }
    }

    private BestPathChange event(Family f, long a, long b, int len, Object v) {
        IpPrefix pr = PrefixMap.toPrefix(f, a, b, len);
        Path best = RouteSet.best(v);
        if (best == null) {
            return new BestPathChange(pr, List.of(), null, false);
        }
        List<InetAddress> nhs = new ArrayList<>();
        int n = RouteSet.ecmpCount(v);
        for (int i = 0; i < n; i++) {
            InetAddress nh = RouteSet.ecmpPath(v, i).attrs.nextHop();
            if (!nhs.contains(nh)) {
                nhs.add(nh);
            }
        }
        return new BestPathChange(pr, nhs, best.attrs, best.local());
    }
}
