package dev.viaduct.bgp.rib;

import dev.viaduct.bgp.wire.BgpCodec;
import dev.viaduct.bgp.wire.BgpMessage;
import dev.viaduct.bgp.wire.Capability;
import dev.viaduct.bgp.wire.CodecOptions;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.bgp.wire.PrefixList;
import dev.viaduct.sys.net.IpPrefix;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Adj-RIB-In per peer, the Loc-RIB with the decision process of RFC 4271 §9.1, and Adj-RIB-Out per peer
 * (§9.2), with route reflection (RFC 4456), next-hop-self, import/export policy, End-of-RIB, graceful
 * restart as receiving speaker (RFC 4724 §4.2) and Enhanced Route Refresh (RFC 7313 §4) on both sides.
 *
 * <p>Concurrency: single owner. Every method must be called from one thread (the speaker's RIB thread); it
 * takes no locks and publishes nothing but {@link RibPeer}'s volatile counters. Work is batched: changes
 * mark prefixes dirty and {@link #flush()} sends the resulting UPDATEs (packed: prefixes sharing attributes
 * go together) and best-path events once per batch.
 *
 * <p>Memory: prefixes live in primitive hash tables ({@link PrefixMap}); attributes and {@link Path}s are
 * shared by all prefixes of an UPDATE, so a route costs a few table slots, not objects.
 */
public final class Rib {
    private static final Logger LOG = System.getLogger(Rib.class.getName());
    private static final long SECOND = 1_000_000_000L;

    /**
     * @param clusterId route-reflector cluster ID (RFC 4456 §7), usually the router ID
     * @param defaultLocalPref degree of preference for routes without LOCAL_PREF (eBGP-learned, local)
     * @param stalePathSeconds how long to keep a restarted peer's stale routes waiting for its End-of-RIB
     */
    public record Settings(long localAs, int routerId, int clusterId, boolean multipath, long defaultLocalPref,
            int stalePathSeconds) {
    }

    private final Settings cfg;
    private final NextHopResolver resolver;
    private final Consumer<List<BestPathChange>> listener;
    /** Events are built only while someone listens: a million unobserved changes must cost nothing. */
    private boolean eventsEnabled;
    private final Map<Family, PrefixMap<Object>> loc = new EnumMap<>(Family.class);
    private final Map<Family, PrefixMap<Path>> locals = new EnumMap<>(Family.class);
    private final Map<Family, PrefixMap.Keys> dirty = new EnumMap<>(Family.class);
    private final Map<Family, PrefixMap.Keys> changed = new EnumMap<>(Family.class);
    private final List<RibPeer> peers = new ArrayList<>();
    /** Prefixes with a usable best path, per family (the Loc-RIB proper; candidates all unusable don't count). */
    private final Map<Family, int[]> reachable = new EnumMap<>(Family.class);
    private int nextPeerIndex;
    /** Whether any established peer can receive exports; if none, changes need not be remembered for export. */
    private boolean exportTargets;
    /**
     * RFC 4724 §4.1: after its own restart the speaker defers route selection (no advertisements, no End-of-RIB,
     * no best-path events) until every peer has sent End-of-RIB or the deferral deadline passed, so it never
     * advertises a partial table that would make helpers flush routes it has not re-learnt yet.
     */
    private long deferralDeadline = Long.MAX_VALUE;
    /** Until the configured peers are all added, "every peer sent End-of-RIB" would be judged on a partial list. */
    private boolean deferralPeersKnown;

    public Rib(Settings cfg, NextHopResolver resolver, Consumer<List<BestPathChange>> listener) {
        this.cfg = cfg;
        this.resolver = resolver == null ? NextHopResolver.ALL_REACHABLE : resolver;
        this.listener = listener;
        this.eventsEnabled = listener != null;
        for (Family f : Family.values()) {
            loc.put(f, new PrefixMap<>(f));
            locals.put(f, new PrefixMap<>(f));
            dirty.put(f, new PrefixMap.Keys(f, 64));
            changed.put(f, new PrefixMap.Keys(f, 64));
            reachable.put(f, new int[1]);
        }
    }

    public Settings settings() {
        return cfg;
    }

    /**
     * Turns best-path events on or off (the listener given to the constructor is called only while on).
     * Switching on starts from the current state: call {@link #bestPaths()} for the snapshot.
     */
    public void enableEvents(boolean on) {
        eventsEnabled = on && listener != null;
        if (!eventsEnabled) {
            for (PrefixMap.Keys k : changed.values()) {
                k.clear();
            }
        }
    }

    // ------------------------------------------------------------------ peers

    /**
     * Starts the selection deferral of a restarting speaker (RFC 4724 §4.1), until {@code until} at the latest.
     * It ends earlier once every configured peer is up and has sent End-of-RIB for each family of its session
     * (peers that did not negotiate graceful restart do not count: they will send no marker worth waiting for).
     */
    public void deferSelection(long until) {
        deferralDeadline = until;
        deferralPeersKnown = false;
        recomputeExportTargets();
        LOG.log(Level.INFO, "event=selection-deferred until=end-of-rib-from-every-peer-or-timer");
    }

    /**
     * Every configured peer has been added: from now on the deferral may end on End-of-RIB from all of them
     * (before this, only the timer ends it). Peers added later simply join the wait.
     */
    public void peersConfigured(long now) {
        deferralPeersKnown = true;
        endDeferralIfDone(now);
    }

    /** Whether route selection is still deferred after a restart (RFC 4724 §4.1). */
    public boolean selectionDeferred() {
        return deferralDeadline != Long.MAX_VALUE;
    }

    private void endDeferralIfDone(long now) {
        if (!selectionDeferred()) {
            return;
        }
        boolean timer = now >= deferralDeadline;
        if (!timer && !deferralPeersKnown) {
            return;
        }
        if (!timer) {
            for (RibPeer p : peers) {
                RibPeer.Session s = p.session;
                if (s == null) {
                    return; // it may still come back: only the timer gives up on it ("sessions that do not come up")
                }
                if (s.peerGr() == null) {
                    continue;
                }
                for (Family f : s.families()) {
                    if (!p.endOfRibReceived.getOrDefault(f, false)) {
                        return;
                    }
                }
            }
        }
        deferralDeadline = Long.MAX_VALUE;
        LOG.log(Level.INFO, "event=selection-deferral-ended reason={0}", timer ? "timer" : "end-of-rib-from-every-peer");
        recomputeExportTargets();
        // the initial update of every session, then its End-of-RIB (RFC 4724 §4.1); best-path events follow at
        // the next flush from what accumulated meanwhile
        for (RibPeer p : peers) {
            if (p.session != null) {
                initialUpdate(p, p.session);
            }
        }
    }

    public RibPeer addPeer(RibPeer.Settings s) {
        RibPeer p = new RibPeer(nextPeerIndex++, s, cfg.localAs());
        peers.add(p);
        return p;
    }

    /** Removes a peer and every route it contributed. */
    public void removePeer(RibPeer p, long now) {
        peerDown(p, false, now);
        p.removed = true;
        peers.remove(p);
        recomputeExportTargets();
        endDeferralIfDone(now);
    }

    /** Changes a peer's policies or flags; re-runs import policy from the Adj-RIB-In and re-exports. */
    public void updatePeerSettings(RibPeer p, RibPeer.Settings s) {
        boolean importChanged = !s.importPolicy().equals(p.settings.importPolicy());
        p.settings = s;
        recomputeExportTargets();
        if (importChanged) {
            for (Family f : Family.values()) {
                PrefixMap<Path> in = p.adjIn.get(f);
                PrefixMap.Keys keys = in.keys();
                Map<Policy.Term, Map<RouteAttrs, RouteAttrs>> memo = new HashMap<>();
                IdentityHashMap<RouteAttrs, Path> paths = new IdentityHashMap<>();
                for (int i = 0; i < keys.size; i++) {
                    long a = keys.a[i];
                    long b = keys.b(i);
                    int len = keys.len[i];
                    Path base = in.get(a, b, len);
                    RouteAttrs out = s.importPolicy().apply(f, a, b, len, base.attrs, memo);
                    if (out == null) {
                        removeFromLoc(p, f, a, b, len);
                    } else {
                        Path path = out == base.attrs ? base : paths.computeIfAbsent(out, x -> newPath(p, x));
                        insert(p, f, a, b, len, path);
                    }
                }
            }
        }
        if (p.session != null && !selectionDeferred()) {
            for (Family f : p.session.families()) {
                exportAll(p, f);
            }
        }
    }

    /** The session came up: export the Loc-RIB, then End-of-RIB per family (RFC 4724 §2). */
    public void peerUp(RibPeer p, RibPeer.Session s, long now) {
        p.session = s;
        recomputeExportTargets();
        p.routerId = s.routerId();
        p.address = s.address();
        p.restartDeadline = Long.MAX_VALUE;
        p.endOfRibReceived.clear();
        boolean waiting = false;
        for (Family f : Family.values()) {
            if (p.stale.get(f) == null) {
                continue;
            }
            Capability.GrFamily gf = s.peerGr() == null ? null : s.peerGr().forFamily(f).orElse(null);
            if (gf != null && gf.forwardingPreserved()) {
                waiting = true; // keep until End-of-RIB or the stale timer (RFC 4724 §4.2)
            } else {
                flushStale(p, f);
            }
        }
        p.staleDeadline = waiting ? now + cfg.stalePathSeconds() * SECOND : Long.MAX_VALUE;
        if (selectionDeferred()) {
            endDeferralIfDone(now); // a peer without graceful restart may have been the last one missing
            return;
        }
        initialUpdate(p, s);
    }

    /** The whole table to a session, family by family, each followed by its End-of-RIB (RFC 4724 §2). */
    private void initialUpdate(RibPeer p, RibPeer.Session s) {
        for (Family f : s.families()) {
            p.adjOut.get(f).clear();
            exportAll(p, f);
            s.out().accept(BgpCodec.encode(BgpMessage.Update.endOfRib(f), s.codec()));
        }
    }

    /**
     * The session went down. With {@code retain} (graceful restart negotiated and the session lost without a
     * NOTIFICATION) the peer's routes stay, marked stale, for its restart time (RFC 4724 §4.2); otherwise they
     * are withdrawn now.
     */
    public void peerDown(RibPeer p, boolean retain, long now) {
        RibPeer.Session s = p.session;
        p.session = null;
        recomputeExportTargets();
        for (Family f : Family.values()) {
            p.adjOut.get(f).clear();
        }
        Capability.GracefulRestart gr = s == null ? null : s.peerGr();
        boolean anyRetained = false;
        for (Family f : Family.values()) {
            boolean keep = retain && gr != null && gr.forFamily(f).isPresent();
            PrefixMap<Path> in = p.adjIn.get(f);
            if (keep) {
                markStale(p, f);
                anyRetained |= p.stale.get(f).size() > 0;
            } else {
                flushStale(p, f);
                PrefixMap.Keys keys = in.keys();
                in.clear();
                for (int i = 0; i < keys.size; i++) {
                    removeFromLoc(p, f, keys.a[i], keys.b(i), keys.len[i]);
                }
            }
        }
        if (anyRetained) {
            p.restartDeadline = now + gr.restartTime() * SECOND;
            LOG.log(Level.INFO, "peer={0} event=graceful-restart-retain stale={1} restartTime={2}s", p.name(), p.received(), gr.restartTime());
        }
        p.staleDeadline = Long.MAX_VALUE;
    }

    /** Applies a received UPDATE (already converted by {@link InboundUpdate#convert}). */
    public void apply(RibPeer p, InboundUpdate u, long now) {
        if (p.session == null) {
            return;
        }
        p.updatesReceived++;
        if (u.endOfRib() != null) {
            Family f = u.endOfRib();
            p.endOfRibReceived.put(f, true);
            if (p.stale.get(f) != null) {
                LOG.log(Level.INFO, "peer={0} event=end-of-rib family={1} flushing-stale={2}", p.name(), f.label(), p.stale.get(f).size());
                flushStale(p, f);
            }
            if (p.stale.isEmpty()) {
                p.staleDeadline = Long.MAX_VALUE;
            }
            endDeferralIfDone(now);
            return;
        }
        for (PrefixList w : u.withdrawn()) {
            Family f = w.family();
            p.withdrawalsReceived += w.size();
            PrefixMap<Path> in = p.adjIn.get(f);
            PrefixMap<Path> st = p.stale.get(f);
            boolean v4 = f == Family.IPV4_UNICAST;
            for (int i = 0; i < w.size(); i++) {
                long a = v4 ? w.v4Key(i) : w.v6Hi(i);
                long b = v4 ? 0 : w.v6Lo(i);
                int len = v4 ? (int) (a & 0xff) : w.v6Length(i);
                in.remove(a, b, len);
                if (st != null) {
                    st.remove(a, b, len);
                }
                removeFromLoc(p, f, a, b, len);
            }
        }
        for (InboundUpdate.Announcement ann : u.announced()) {
            PrefixList l = ann.prefixes();
            Family f = l.family();
            Path base = newPath(p, ann.attrs());
            PrefixMap<Path> in = p.adjIn.get(f);
            Policy pol = p.settings.importPolicy();
            boolean v4 = f == Family.IPV4_UNICAST;
            int n = l.size();
            if (pol.acceptsAllUnchanged()) {
                PrefixMap<Object> L = loc.get(f);
                for (int i = 0; i < n; i++) {
                    long a = v4 ? l.v4Key(i) : l.v6Hi(i);
                    long b = v4 ? 0 : l.v6Lo(i);
                    int len = v4 ? (int) (a & 0xff) : l.v6Length(i);
                    in.put(a, b, len, base);
                    insert(p, f, L, a, b, len, base);
                }
            } else {
                Map<Policy.Term, Map<RouteAttrs, RouteAttrs>> memo = new HashMap<>();
                IdentityHashMap<RouteAttrs, Path> paths = new IdentityHashMap<>();
                for (int i = 0; i < n; i++) {
                    long a = v4 ? l.v4Key(i) : l.v6Hi(i);
                    long b = v4 ? 0 : l.v6Lo(i);
                    int len = v4 ? (int) (a & 0xff) : l.v6Length(i);
                    in.put(a, b, len, base);
                    RouteAttrs out = pol.apply(f, a, b, len, base.attrs, memo);
                    if (out == null) {
                        removeFromLoc(p, f, a, b, len);
                    } else {
                        insert(p, f, a, b, len, out == base.attrs ? base : paths.computeIfAbsent(out, x -> newPath(p, x)));
                    }
                }
            }
        }
    }

    /**
     * The peer asked for our routes again (RFC 2918 §4): re-advertise the Adj-RIB-Out of that family, between a
     * BoRR and an EoRR when the session negotiated Enhanced Route Refresh (RFC 7313 §4). Our End-of-RIB always
     * went out before (at session start, or when the selection deferral ended), as §4 requires of a BoRR.
     */
    public void routeRefreshRequested(RibPeer p, Family f) {
        RibPeer.Session s = p.session;
        if (s == null || !s.families().contains(f) || selectionDeferred()) {
            return; // while deferred, the whole table goes out when the deferral ends anyway
        }
        boolean enhanced = s.codec().enhancedRouteRefresh();
        if (enhanced) {
            s.out().accept(BgpCodec.encode(new BgpMessage.RouteRefresh(f, BgpMessage.RouteRefresh.SUBTYPE_BORR), s.codec()));
        }
        p.adjOut.get(f).clear();
        exportAll(p, f);
        if (enhanced) {
            s.out().accept(BgpCodec.encode(new BgpMessage.RouteRefresh(f, BgpMessage.RouteRefresh.SUBTYPE_EORR), s.codec()));
        }
    }

    /**
     * The peer sent a BoRR (RFC 7313 §4): its routes of {@code f} become stale until it re-advertises them. The
     * EoRR purges what it did not; should the EoRR never come, the stale-path timer does (§4: an implementation
     * MAY impose a locally configurable upper bound on how long it retains stale routes).
     */
    public void routeRefreshBegins(RibPeer p, Family f, long now) {
        if (p.session == null || !p.session.families().contains(f)) {
            return;
        }
        if (p.session.peerGr() != null && !p.endOfRibReceived.getOrDefault(f, false)) {
            // RFC 7313 §4: from a graceful-restart peer, a BoRR before its End-of-RIB MUST be ignored and SHOULD be logged
            LOG.log(Level.WARNING, "peer={0} event=enhanced-route-refresh-begin-ignored family={1} reason=before-end-of-rib", p.name(), f.label());
            return;
        }
        markStale(p, f);
        p.staleDeadline = Math.min(p.staleDeadline, now + cfg.stalePathSeconds() * SECOND);
        LOG.log(Level.DEBUG, "peer={0} event=enhanced-route-refresh-begin family={1} stale={2}", p.name(), f.label(), p.stale.get(f).size());
    }

    /** The peer sent an EoRR (RFC 7313 §4): routes still stale were not re-advertised and are purged. */
    public void routeRefreshEnds(RibPeer p, Family f) {
        if (p.session == null || p.stale.get(f) == null) {
            return; // RFC 7313 §4: an EoRR without a BoRR before it changes nothing
        }
        LOG.log(Level.DEBUG, "peer={0} event=enhanced-route-refresh-end family={1} purging-stale={2}", p.name(), f.label(), p.stale.get(f).size());
        flushStale(p, f);
        if (p.stale.isEmpty()) {
            p.staleDeadline = Long.MAX_VALUE;
        }
    }

    // ------------------------------------------------------------------ local routes

    /** Originates (or replaces) a local route. */
    public void originate(LocalRoute r) {
        IpPrefix pr = r.prefix();
        Family f = Family.of(pr);
        RouteAttrs.Builder b = RouteAttrs.builder().origin(0)
                .nextHop(r.nextHop() == null ? new byte[f.addressBytes()] : r.nextHop().getAddress())
                .communities(r.communities().stream().mapToInt(Integer::intValue).toArray());
        if (r.localPref() != null) {
            b.localPref(r.localPref());
        }
        if (r.med() != null) {
            b.med(r.med());
        }
        Path path = newPath(null, b.build());
        long a = keyA(pr);
        long bb = keyB(pr);
        locals.get(f).put(a, bb, pr.length(), path);
        insert(null, f, a, bb, pr.length(), path);
    }

    /** Stops originating a local route; returns whether there was one. */
    public boolean withdrawLocal(IpPrefix pr) {
        Family f = Family.of(pr);
        long a = keyA(pr);
        long b = keyB(pr);
        if (locals.get(f).remove(a, b, pr.length()) == null) {
            return false;
        }
        removeFromLoc(null, f, a, b, pr.length());
        return true;
    }

    // ------------------------------------------------------------------ next hops, timers

    /** Re-asks the resolver about every next hop and re-runs the decision where an answer changed. */
    public void reresolveNextHops() {
        for (Family f : Family.values()) {
            PrefixMap<Object> L = loc.get(f);
            PrefixMap.Keys keys = L.keys();
            IdentityHashMap<Path, Boolean> done = new IdentityHashMap<>();
            for (int i = 0; i < keys.size; i++) {
                long a = keys.a[i];
                long b = keys.b(i);
                int len = keys.len[i];
                Object v = L.get(a, b, len);
                Path[] cands = v instanceof Path p ? new Path[] {p} : ((RouteSet) v).paths;
                boolean any = false;
                for (Path p : cands) {
                    if (done.put(p, Boolean.TRUE) == null) {
                        boolean e = p.eligible;
                        long c = p.igpCost;
                        resolve(p);
                        any |= e != p.eligible || c != p.igpCost;
                    } else {
                        any = true;
                    }
                }
                if (any) {
                    Object nv = Decision.select(cands.clone(), cfg.defaultLocalPref(), cfg.multipath());
                    L.put(a, b, len, nv);
                    track(f, v, nv);
                    if (selectionChanged(v, nv)) {
                        markChanged(f, a, b, len);
                    }
                }
            }
        }
    }

    public long nextDeadline() {
        long d = deferralDeadline;
        for (RibPeer p : peers) {
            d = Math.min(d, Math.min(p.restartDeadline, p.staleDeadline));
        }
        return d;
    }

    /** Restart timer (peer never came back) and stale-path timer (no End-of-RIB in time) expiry. */
    public void onTimers(long now) {
        endDeferralIfDone(now);
        for (RibPeer p : peers) {
            if (p.restartDeadline <= now || p.staleDeadline <= now) {
                LOG.log(Level.INFO, "peer={0} event={1} flushing-stale", p.name(), p.restartDeadline <= now ? "restart-timer-expired" : "stale-timer-expired");
                p.restartDeadline = Long.MAX_VALUE;
                p.staleDeadline = Long.MAX_VALUE;
                for (Family f : Family.values()) {
                    flushStale(p, f);
                }
            }
        }
    }

    // ------------------------------------------------------------------ flush

    /** Sends what changed since the last flush to every established peer, and best-path events to the listener. */
    public void flush() {
        for (Family f : Family.values()) {
            PrefixMap.Keys d = dirty.get(f);
            if (d.size == 0) {
                continue;
            }
            for (RibPeer p : peers) {
                if (p.session != null && p.session.families().contains(f)
                        && !(p.settings.exportPolicy().rejectsAll() && p.adjOut.get(f).size() == 0)) {
                    export(p, f, d);
                }
            }
            d.clear();
        }
        for (RibPeer p : peers) {
            p.receivedCount = p.received();
            p.advertisedCount = p.advertised();
            p.acceptedPublished = p.accepted;
            p.endOfRibPublished = p.session == null ? Set.of() : java.util.Set.copyOf(p.endOfRibReceived.keySet());
        }
        if (eventsEnabled && !selectionDeferred()) {
            List<BestPathChange> events = new ArrayList<>();
            for (Family f : Family.values()) {
                PrefixMap.Keys c = changed.get(f);
                if (c.size == 0) {
                    continue;
                }
                PrefixMap<Boolean> seen = new PrefixMap<>(f, c.size);
                PrefixMap<Object> L = loc.get(f);
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
            if (!events.isEmpty()) {
                listener.accept(events);
            }
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

    // ------------------------------------------------------------------ snapshots

    /** The current best paths of every reachable prefix, as events (a subscriber's initial state). */
    public List<BestPathChange> bestPaths() {
        List<BestPathChange> out = new ArrayList<>();
        for (Family f : Family.values()) {
            loc.get(f).forEach((a, b, len, v) -> {
                if (RouteSet.best(v) != null) {
                    out.add(event(f, a, b, len, v));
                }
            });
        }
        return out;
    }

    /** Prefixes of a family that have a usable best path. */
    public int locRibSize(Family f) {
        return reachable.get(f)[0];
    }

    /** Prefixes of a family with any candidate, usable or not. */
    public int candidatePrefixes(Family f) {
        return loc.get(f).size();
    }

    /** Every candidate of every prefix of a family, best paths flagged. */
    public List<RibRoute> locRib(Family f) {
        List<RibRoute> out = new ArrayList<>();
        loc.get(f).forEach((a, b, len, v) -> addCandidates(out, f, a, b, len, v, null));
        out.sort((x, y) -> x.prefix().compareTo(y.prefix()));
        return out;
    }

    private void addCandidates(List<RibRoute> out, Family f, long a, long b, int len, Object v, InetAddress onlyFrom) {
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

    /** Phase one of a route query: which prefixes match (see {@link RouteQuery}). */
    public RouteQuery.Match match(RouteQuery q) {
        return q.match(loc.get(q.family()));
    }

    /**
     * Phase two: the candidates of matched prefixes {@code [from, to)}, in order (only the query's peer's, if
     * it names one). A prefix gone since the match is skipped.
     */
    public List<RibRoute> routesAt(RouteQuery.Match m, int from, int to) {
        Family f = m.query().family();
        PrefixMap<Object> table = loc.get(f);
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

    private boolean isStale(Path p, Family f, long a, long b, int len) {
        if (p.local()) {
            return false;
        }
        PrefixMap<Path> st = p.peer.stale.get(f);
        return st != null && st.get(a, b, len) != null && p.peer.adjIn.get(f).get(a, b, len) == null;
    }

    public List<RibRoute> adjRibIn(RibPeer p, Family f) {
        List<RibRoute> out = new ArrayList<>();
        p.adjIn.get(f).forEach((a, b, len, path) -> out.add(new RibRoute(PrefixMap.toPrefix(f, a, b, len), path.attrs, p.name(), p.address, false, false, false)));
        PrefixMap<Path> st = p.stale.get(f);
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

    public List<RibRoute> adjRibOut(RibPeer p, Family f) {
        List<RibRoute> out = new ArrayList<>();
        p.adjOut.get(f).forEach((a, b, len, attrs) -> out.add(new RibRoute(PrefixMap.toPrefix(f, a, b, len), attrs, p.name(), p.address, true, true, false)));
        out.sort((x, y) -> x.prefix().compareTo(y.prefix()));
        return out;
    }

    public long received(RibPeer p) {
        return p.received();
    }

    public long advertised(RibPeer p) {
        return p.advertised();
    }

    // ------------------------------------------------------------------ internals

    private Path newPath(RibPeer p, RouteAttrs attrs) {
        Path path = new Path(p, attrs);
        resolve(path);
        return path;
    }

    private void resolve(Path p) {
        if (p.local()) {
            p.eligible = true;
            p.igpCost = 0;
            return;
        }
        if (p.attrs.asPathContains(cfg.localAs())) {
            p.eligible = false; // AS loop (RFC 4271 §9.1.2)
            return;
        }
        long c = resolver.cost(p.attrs.nextHop());
        p.eligible = c != NextHopResolver.UNREACHABLE;
        p.igpCost = Math.max(0, c);
    }

    /** Puts {@code path} as {@code p}'s candidate for the prefix and re-runs the decision. */
    private void insert(RibPeer p, Family f, long a, long b, int len, Path path) {
        insert(p, f, loc.get(f), a, b, len, path);
    }

    private void insert(RibPeer p, Family f, PrefixMap<Object> L, long a, long b, int len, Path path) {
        int slot = L.find(a, b, len);
        if (slot < 0) {
            Object nv = path.eligible ? path : new RouteSet(new Path[] {path}, 0);
            L.insertAbsent(slot, a, b, len, nv);
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
        Object nv = Decision.select(next, cfg.defaultLocalPref(), cfg.multipath());
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

    private void removeFromLoc(RibPeer p, Family f, long a, long b, int len) {
        PrefixMap<Object> L = loc.get(f);
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
        Object nv = Decision.select(next, cfg.defaultLocalPref(), cfg.multipath());
        L.put(a, b, len, nv);
        track(f, v, nv);
        if (selectionChanged(v, nv)) {
            markChanged(f, a, b, len);
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

    private void recomputeExportTargets() {
        exportTargets = false;
        if (selectionDeferred()) {
            return; // nothing is exported before the deferral ends, when every session gets the whole table
        }
        for (RibPeer p : peers) {
            exportTargets |= p.session != null && !p.settings.exportPolicy().rejectsAll();
        }
    }

    private void markChanged(Family f, long a, long b, int len) {
        if (exportTargets) {
            dirty.get(f).add(a, b, len);
        }
        if (eventsEnabled) {
            changed.get(f).add(a, b, len);
        }
    }

    /**
     * Moves the peer's Adj-RIB-In of {@code f} to its stale routes (merged with any already stale); they stay in
     * the Loc-RIB until re-advertised (replaced) or purged by {@link #flushStale}.
     */
    private void markStale(RibPeer p, Family f) {
        PrefixMap<Path> in = p.adjIn.get(f);
        PrefixMap<Path> st = p.stale.get(f);
        if (st == null) {
            p.stale.put(f, in);
        } else {
            in.forEach((a, b, len, path) -> st.put(a, b, len, path));
        }
        p.adjIn.put(f, new PrefixMap<>(f));
    }

    private void flushStale(RibPeer p, Family f) {
        PrefixMap<Path> st = p.stale.remove(f);
        if (st == null) {
            return;
        }
        PrefixMap<Path> in = p.adjIn.get(f);
        PrefixMap.Keys keys = st.keys();
        for (int i = 0; i < keys.size; i++) {
            long a = keys.a[i];
            long b = keys.b(i);
            int len = keys.len[i];
            if (in.get(a, b, len) == null) {
                removeFromLoc(p, f, a, b, len);
            }
        }
    }

    private void exportAll(RibPeer p, Family f) {
        PrefixMap.Keys keys = loc.get(f).keys();
        // anything advertised before but no longer in the Loc-RIB must be withdrawn as well
        p.adjOut.get(f).forEach((a, b, len, x) -> keys.add(a, b, len));
        export(p, f, keys);
    }

    /** Diffs the best paths of {@code keys} against the peer's Adj-RIB-Out and sends packed UPDATEs. */
    private void export(RibPeer p, Family f, PrefixMap.Keys keys) {
        RibPeer.Session s = p.session;
        PrefixMap<Object> L = loc.get(f);
        PrefixMap<RouteAttrs> out = p.adjOut.get(f);
        IdentityHashMap<Path, Object> memo = new IdentityHashMap<>();
        Object none = memo; // sentinel for "not exported"
        Map<RouteAttrs, PrefixList.Builder> groups = new LinkedHashMap<>();
        PrefixList.Builder withdrawals = PrefixList.builder(f, 16);
        Policy pol = p.settings.exportPolicy();
        Map<Policy.Term, Map<RouteAttrs, RouteAttrs>> polMemo = new HashMap<>();
        boolean v4 = f == Family.IPV4_UNICAST;
        for (int i = 0; i < keys.size; i++) {
            long a = keys.a[i];
            long b = keys.b(i);
            int len = keys.len[i];
            Path best = RouteSet.best(L.get(a, b, len));
            if (best != null && p.settings.localRoutesOnly() && !best.local()) {
                best = null; // a host is not a transit router: it announces only what it originates
            }
            RouteAttrs attrs = null;
            if (best != null) {
                Object x = memo.get(best);
                if (x == null) {
                    RouteAttrs e = exportAttrs(p, f, best);
                    memo.put(best, e == null ? none : e);
                    attrs = e;
                } else {
                    attrs = x == none ? null : (RouteAttrs) x;
                }
                if (attrs != null && !pol.acceptsAllUnchanged()) {
                    attrs = pol.apply(f, a, b, len, attrs, polMemo);
                }
            }
            RouteAttrs prev = out.get(a, b, len);
            if (attrs == null) {
                if (prev != null) {
                    out.remove(a, b, len);
                    if (v4) {
                        withdrawals.addV4(a);
                    } else {
                        withdrawals.addV6(a, b, len);
                    }
                }
            } else if (prev == null || !prev.equals(attrs)) {
                out.put(a, b, len, attrs);
                PrefixList.Builder g = groups.computeIfAbsent(attrs, k -> PrefixList.builder(f, 16));
                if (v4) {
                    g.addV4(a);
                } else {
                    g.addV6(a, b, len);
                }
            }
        }
        CodecOptions codec = s.codec();
        Consumer<byte[]> sink = msg -> {
            p.updatesSent++;
            s.out().accept(msg);
        };
        if (withdrawals.size() > 0) {
            BgpCodec.packWithdrawals(f, withdrawals.build(), codec, sink);
        }
        for (Map.Entry<RouteAttrs, PrefixList.Builder> e : groups.entrySet()) {
            RouteAttrs attrs = e.getKey();
            byte[] nh = v4 ? null : attrs.nextHopBytes();
            BgpCodec.packAnnouncements(f, attrs.toWire(f, codec), nh, e.getValue().build(), codec, sink);
        }
    }

    /**
     * What {@code p} should receive for a best path, or null when it must not receive it (RFC 4271 §9.2,
     * RFC 4456 §6 for reflection, RFC 4271 §5.1 for the attribute changes towards iBGP and eBGP).
     */
    private RouteAttrs exportAttrs(RibPeer p, Family f, Path best) {
        RibPeer src = best.peer;
        if (src == p) {
            return null; // never back to where it came from
        }
        boolean reflect = false;
        if (src != null && src.ibgp && p.ibgp) {
            // iBGP-learned routes go to iBGP peers only through a reflector: client routes to everyone,
            // non-client routes to clients (RFC 4456 §6)
            if (!src.settings.rrClient() && !p.settings.rrClient()) {
                return null;
            }
            reflect = true;
        }
        RouteAttrs a = best.attrs;
        RouteAttrs.Builder b = a.toBuilder();
        boolean selfNh = isZero(a.nextHopBytes());
        if (p.ibgp) {
            if (a.localPref() == RouteAttrs.ABSENT) {
                b.localPref(cfg.defaultLocalPref()); // §5.1.5: LOCAL_PREF in every UPDATE to an internal peer
            }
            if (reflect) {
                if (!a.hasOriginatorId()) {
                    b.originatorId(src.routerId); // RFC 4456 §8
                }
                b.prependCluster(cfg.clusterId());
            } else if (p.settings.nextHopSelf() && src != null) {
                selfNh = true;
            }
        } else {
            b.withoutConfederationSegments(); // RFC 5065 §5: none leave the confederation (we are in none)
            b.prepend(cfg.localAs()); // §5.1.2
            b.localPref(RouteAttrs.ABSENT);
            if (src != null) {
                b.med(RouteAttrs.ABSENT); // §5.1.4: a MED learned from one AS is not passed to another
            }
            b.clearOriginatorId();
            b.clusterList(null);
            if (src != null || selfNh) {
                selfNh = true;
            }
        }
        if (selfNh) {
            b.nextHop(selfNextHop(p, f));
        } else if (!p.ibgp || !reflect) {
            byte[] nh = a.nextHopBytes();
            if (nh.length == 32 && !p.ibgp) {
                b.nextHop(Arrays.copyOf(nh, 16)); // a link-local next hop means nothing off-link (RFC 2545 §3)
            }
        }
        return b.build();
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    /** Our address to put as next hop towards {@code p} for family {@code f}. */
    private byte[] selfNextHop(RibPeer p, Family f) {
        InetAddress local = p.session.localAddress();
        if (f == Family.IPV4_UNICAST) {
            if (p.settings.nextHopV4() != null) {
                return p.settings.nextHopV4().getAddress();
            }
            if (local != null && local.getAddress().length == 4) {
                return local.getAddress();
            }
            int id = cfg.routerId();
            return new byte[] {(byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id};
        }
        if (p.settings.nextHopV6() != null) {
            return p.settings.nextHopV6().getAddress();
        }
        if (local != null && local.getAddress().length == 16) {
            return local.getAddress();
        }
        // IPv6 routes over an IPv4 session: IPv4-mapped IPv6 address (RFC 4291 §2.5.5.2), as FRR does
        byte[] v4 = local == null ? new byte[4] : local.getAddress();
        byte[] m = new byte[16];
        m[10] = (byte) 0xff;
        m[11] = (byte) 0xff;
        System.arraycopy(v4, 0, m, 12, 4);
        return m;
    }

    static long keyA(IpPrefix p) {
        return p.ipv6() ? p.hi() : (p.lo() << 8) | p.length();
    }

    static long keyB(IpPrefix p) {
        return p.ipv6() ? p.lo() : 0;
    }

    static InetAddress address(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
