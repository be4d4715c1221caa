package dev.viaduct.bgp.rib;

import dev.viaduct.bgp.wire.BgpCodec;
import dev.viaduct.bgp.wire.BgpMessage;
import dev.viaduct.bgp.wire.Capability;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.bgp.wire.PrefixList;
import dev.viaduct.sys.net.IpPrefix;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
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
 * shared by all prefixes of an UPDATE, so a route costs a few table slots, not objects. A peer whose import
 * policy accepts everything unchanged has no stored Adj-RIB-In: it is read from the Loc-RIB
 * ({@link RibPeer#adjInInLocRib}), so one peer's million routes fill one table, not two.
 *
 * <p>The Loc-RIB's tables, its decision runs and change marks are {@link LocRib}; export is {@link AdjRibOut};
 * query rows {@link RibRows}; deferral {@link SelectionDeferral}; a peer's own tables {@link RibPeer}. What stays
 * here is what the protocol does to them: sessions up and down, UPDATEs through import policy, graceful-restart
 * stale routes, route refresh, origination, next-hop re-resolution and the flush.
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
    private final AdjRibOut adjRibOut;
    private final NextHopResolver resolver;
    private final Consumer<List<BestPathChange>> listener;
    private final LocRib locRib;
    /** The Loc-RIB's tables ({@link LocRib#tables}), read here at every step. */
    private final Map<Family, PrefixMap<Object>> loc;
    private final Map<Family, PrefixMap<Path>> locals = new EnumMap<>(Family.class);
    private final List<RibPeer> peers = new ArrayList<>();
    private int nextPeerIndex;
    private final SelectionDeferral deferral = new SelectionDeferral();

    public Rib(Settings cfg, NextHopResolver resolver, Consumer<List<BestPathChange>> listener) {
        this.cfg = cfg;
        this.adjRibOut = new AdjRibOut(cfg);
        this.resolver = resolver == null ? NextHopResolver.ALL_REACHABLE : resolver;
        this.listener = listener;
        this.locRib = new LocRib(cfg, listener != null);
        this.loc = locRib.tables;
        for (Family f : Family.values()) {
            locals.put(f, new PrefixMap<>(f));
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
        locRib.enableEvents(on && listener != null);
    }

    /**
     * Sizes the Loc-RIB of {@code f} for {@code prefixes} before routes arrive, so a full table loads without the
     * table doubling on the way (at the last doubling the old and the new arrays live together, and the old ones
     * stay in the heap as garbage until a full collection). Only while that Loc-RIB is empty.
     */
    public void expectRoutes(Family f, int prefixes) {
        locRib.expect(f, prefixes);
    }

    // ------------------------------------------------------------------ peers

    /**
     * Starts the selection deferral of a restarting speaker (RFC 4724 §4.1), until {@code until} at the latest
     * ({@link SelectionDeferral} says when it ends earlier).
     */
    public void deferSelection(long until) {
        deferral.start(until);
        recomputeExportTargets();
        LOG.log(Level.INFO, "event=selection-deferred until=end-of-rib-from-every-peer-or-timer");
    }

    /**
     * Every configured peer has been added: from now on the deferral may end on End-of-RIB from all of them
     * (before this, only the timer ends it). Peers added later simply join the wait.
     */
    public void peersConfigured(long now) {
        deferral.peersKnown();
        endDeferralIfDone(now);
    }

    /** Whether route selection is still deferred after a restart (RFC 4724 §4.1). */
    public boolean selectionDeferred() {
        return deferral.active();
    }

    private void endDeferralIfDone(long now) {
        String reason = deferral.endReason(now, peers);
        if (reason == null) {
            return;
        }
        LOG.log(Level.INFO, "event=selection-deferral-ended reason={0}", reason);
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
        RibPeer p = new RibPeer(nextPeerIndex++, s, cfg.localAs(), loc);
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
        p.leaveUpdateGroups(); // theirs are the old settings' groups
        recomputeExportTargets();
        if (importChanged) {
            if (p.adjInInLocRib) {
                p.storeAdjIn(); // the new policy is evaluated on the routes as received
            }
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
                        locRib.remove(p, f, a, b, len);
                    } else {
                        Path path = out == base.attrs ? base : paths.computeIfAbsent(out, x -> newPath(p, x));
                        locRib.insert(p, f, a, b, len, path);
                    }
                }
            }
            if (s.importPolicy().acceptsAllUnchanged() && p.stale.isEmpty()) {
                p.dropStoredAdjIn();
            }
        }
        if (p.session != null && !selectionDeferred()) {
            for (Family f : p.session.families()) {
                adjRibOut.exportAll(loc.get(f), p, f);
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
            adjRibOut.exportAll(loc.get(f), p, f);
            adjRibOut.afterTable(p, f, BgpCodec.encode(BgpMessage.Update.endOfRib(f), s.codec()));
        }
    }

    /**
     * The socket of {@code p} has written what it held (the promise of {@link RibPeer.Session#blocked}): sends
     * what the peer is owed, in its current state, as far as the socket takes it.
     */
    public void writable(RibPeer p) {
        RibPeer.Session s = p.session;
        if (s == null) {
            return;
        }
        for (Family f : s.families()) {
            adjRibOut.pull(loc.get(f), p, f);
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
                PrefixMap.Keys keys = p.adjInKeys(f);
                in.clear();
                for (int i = 0; i < keys.size; i++) {
                    locRib.remove(p, f, keys.a[i], keys.b(i), keys.len[i]);
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
                locRib.remove(p, f, a, b, len);
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
                boolean store = !p.adjInInLocRib;
                for (int i = 0; i < n; i++) {
                    long a = v4 ? l.v4Key(i) : l.v6Hi(i);
                    long b = v4 ? 0 : l.v6Lo(i);
                    int len = v4 ? (int) (a & 0xff) : l.v6Length(i);
                    if (store) {
                        in.put(a, b, len, base);
                    }
                    locRib.insert(p, f, L, a, b, len, base);
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
                        locRib.remove(p, f, a, b, len);
                    } else {
                        locRib.insert(p, f, a, b, len, out == base.attrs ? base : paths.computeIfAbsent(out, x -> newPath(p, x)));
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
        if (p.adjOut.get(f).trailer() != null) {
            return; // the whole table is still on its way to the peer, its End-of-RIB (or EoRR) behind it
        }
        boolean enhanced = s.codec().enhancedRouteRefresh();
        if (enhanced) {
            s.out().accept(BgpCodec.encode(new BgpMessage.RouteRefresh(f, BgpMessage.RouteRefresh.SUBTYPE_BORR), s.codec()));
        }
        p.adjOut.get(f).clear();
        adjRibOut.exportAll(loc.get(f), p, f);
        if (enhanced) {
            adjRibOut.afterTable(p, f, BgpCodec.encode(new BgpMessage.RouteRefresh(f, BgpMessage.RouteRefresh.SUBTYPE_EORR), s.codec()));
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
        long a = PrefixMap.keyA(pr);
        long bb = PrefixMap.keyB(pr);
        locals.get(f).put(a, bb, pr.length(), path);
        locRib.insert(null, f, a, bb, pr.length(), path);
    }

    /** Stops originating a local route; returns whether there was one. */
    public boolean withdrawLocal(IpPrefix pr) {
        Family f = Family.of(pr);
        long a = PrefixMap.keyA(pr);
        long b = PrefixMap.keyB(pr);
        if (locals.get(f).remove(a, b, pr.length()) == null) {
            return false;
        }
        locRib.remove(null, f, a, b, pr.length());
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
                    locRib.reselect(f, L, a, b, len, v, cands.clone());
                }
            }
        }
    }

    public long nextDeadline() {
        long d = deferral.deadline();
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
            PrefixMap.Keys d = locRib.dirty(f);
            if (d.size == 0) {
                continue;
            }
            adjRibOut.exportChanges(loc.get(f), peers, f, d);
            d.clear();
        }
        for (RibPeer p : peers) {
            p.receivedCount = p.received();
            p.advertisedCount = p.advertised();
            p.acceptedPublished = p.accepted;
            p.endOfRibPublished = p.session == null ? Set.of() : java.util.Set.copyOf(p.endOfRibReceived.keySet());
        }
        if (locRib.eventsEnabled() && !selectionDeferred()) {
            List<BestPathChange> events = locRib.drainChanges();
            if (!events.isEmpty()) {
                listener.accept(events);
            }
        }
    }

    // ------------------------------------------------------------------ snapshots

    /** The current best paths of every reachable prefix, as events (a subscriber's initial state). */
    public List<BestPathChange> bestPaths() {
        return locRib.bestPaths();
    }

    /** Prefixes of a family that have a usable best path. */
    public int locRibSize(Family f) {
        return locRib.reachable(f);
    }

    /** Prefixes of a family with any candidate, usable or not. */
    public int candidatePrefixes(Family f) {
        return loc.get(f).size();
    }

    /** Every candidate of every prefix of a family, best paths flagged. */
    public List<RibRoute> locRib(Family f) {
        return RibRows.locRib(loc.get(f), f);
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
        return RibRows.routesAt(loc.get(m.query().family()), m, from, to);
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

    private void recomputeExportTargets() {
        locRib.exportTargets = false;
        if (selectionDeferred()) {
            return; // nothing is exported before the deferral ends, when every session gets the whole table
        }
        for (RibPeer p : peers) {
            locRib.exportTargets |= p.session != null && !p.settings.exportPolicy().rejectsAll();
        }
    }

    /**
     * Moves the peer's Adj-RIB-In of {@code f} to its stale routes (merged with any already stale); they stay in
     * the Loc-RIB until re-advertised (replaced) or purged by {@link #flushStale}.
     */
    private void markStale(RibPeer p, Family f) {
        PrefixMap<Path> in = p.adjInInLocRib ? p.adjInFromLoc(f, null) : p.adjIn.get(f);
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
        PrefixMap<Object> L = loc.get(f);
        PrefixMap.Keys keys = st.keys();
        for (int i = 0; i < keys.size; i++) {
            long a = keys.a[i];
            long b = keys.b(i);
            int len = keys.len[i];
            // not re-advertised since: with the Adj-RIB-In in the Loc-RIB, the candidate is still the stale Path
            // itself (every UPDATE makes a new one)
            boolean readvertised = p.adjInInLocRib ? RouteSet.from(L.get(a, b, len), p) != st.get(a, b, len) : in.get(a, b, len) != null;
            if (!readvertised) {
                locRib.remove(p, f, a, b, len);
            }
        }
    }
}
