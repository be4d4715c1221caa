package dev.viaduct.bgp.rib;

import dev.viaduct.bgp.wire.BgpCodec;
import dev.viaduct.bgp.wire.CodecOptions;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.bgp.wire.PrefixList;
import java.lang.ref.WeakReference;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * A peer's Adj-RIB-Out (RFC 4271 §9.2): which best paths it gets, with which attributes (§5.1, RFC 4456 §6 and
 * §8 for reflection, RFC 5065 §5), diffed against what it already has and sent as packed UPDATEs. Called by
 * {@link Rib} on its owner thread with the family's Loc-RIB table; the peers' Adj-RIB-Outs live in {@link RibPeer}.
 *
 * <p>Update groups, as FRR and IOS form them: a change to one prefix of a route reflector with N clients is N
 * exports, and the work of one must not be done N times. Within one {@link Round} (the peers served by one flush)
 * peers that export alike (same {@link ExportKey}) share each best path's computed attributes, and a group of
 * prefixes announced (or withdrawn) with the same attributes on sessions with the same options is encoded once
 * and queued to each of them as the same arrays. Small groups (a reflected /26 is a group of one) are also kept
 * across rounds in a bounded cache, so the whole-table dump to each of N clients coming up at once encodes each
 * route once and the N outboxes hold one copy of it, not N. Per peer there remains the diff against its own
 * Adj-RIB-Out. Exported attribute sets are interned by value, so N Adj-RIB-Outs holding the same reflected route
 * hold one instance of its attributes.
 *
 * <p>Once a peer has been sent the whole table ({@link #exportAll}) it joins the {@link UpdateGroup} of its
 * {@link UpdateGroup.Key} and its Adj-RIB-Out becomes the group's shared table plus its exceptions
 * ({@link PeerAdjOut}); a flush then computes each changed prefix once per group and diffs it per member against
 * that view ({@link #exportGroup}). A peer leaves its group when its table is cleared (session down, route
 * refresh) or its settings change, and is brought up to date alone before it joins again.
 *
 * <p>Export is pulled by the socket: an export asks the peer's session whether its socket takes more
 * ({@link RibPeer.Session#blocked}) before each chunk of prefixes, and what a blocked peer is not sent it is owed
 * as prefixes ({@link PeerAdjOut#owe}), sent in their state of then when the speaker reports the socket writable
 * ({@link #pull}). So a slow reader costs a set of prefixes, not a queue of encoded UPDATEs in front of its socket.
 */
final class AdjRibOut {
    private final Rib.Settings cfg;
    /** Exported attribute sets by value; an entry lives while some Adj-RIB-Out (or a round) holds the instance. */
    private final WeakHashMap<RouteAttrs, WeakReference<RouteAttrs>> interned = new WeakHashMap<>();
    /** The update groups with members (one whose last member left is dropped at the next flush). */
    private final Map<UpdateGroup.Key, UpdateGroup> groups = new HashMap<>();

    AdjRibOut(Rib.Settings cfg) {
        this.cfg = cfg;
    }

    /**
     * What {@link #exportAttrs} depends on besides the best path (and whether the peer is that path's source):
     * peers with equal keys receive the same attributes for the same path.
     */
    record ExportKey(boolean ibgp, boolean rrClient, boolean nextHopSelf, InetAddress nextHopV4, InetAddress nextHopV6,
            InetAddress localAddress) {
        static ExportKey of(RibPeer p) {
            return new ExportKey(p.ibgp, p.settings.rrClient(), p.settings.nextHopSelf(), p.settings.nextHopV4(),
                    p.settings.nextHopV6(), p.session.localAddress());
        }
    }

    /** Prefixes announced with the same attributes (withdrawn when {@code attrs} is null) on sessions with the same options. */
    record Group(CodecOptions codec, RouteAttrs attrs, PrefixList prefixes) {
    }

    /** What the exports of one flush (or one whole-table export) share; lives for that call only. */
    final class Round {
        private final Map<ExportKey, IdentityHashMap<Path, Object>> memo = new HashMap<>();
        private final Map<Policy.Term, Map<RouteAttrs, RouteAttrs>> policyMemo = new HashMap<>();
        private final Map<Group, List<byte[]>> encoded = new HashMap<>();
    }

    /** Groups of at most this many prefixes are cached across rounds. */
    static final int SMALL_GROUP = 4;
    /**
     * The encoded small groups by hash, each in one of two slots (the other one's hash bits; a group found in
     * neither replaces the older of the two): 16,384 slots, a few MiB at most when full, holding every route of a
     * reflector with thousands of clients, whatever the table's size. With one slot per hash, the routes whose
     * slots collided were encoded again for every client of a herd.
     */
    private final Group[] smallKeys = new Group[1 << 14];
    private final List<?>[] smallMessages = new List<?>[smallKeys.length];
    private final long[] smallUsed = new long[smallKeys.length];
    private long smallClock;

    /**
     * An export asks whether the peer's socket takes more after at most this many prefixes, or this many distinct
     * attribute sets (for small groups, about as many UPDATEs): what a blocked peer has queued beyond its socket
     * stays small (64 reflected /26s are ~5 KB of UPDATEs; 8,192 IPv4 prefixes sharing attributes ~33 KB),
     * while a table of routes sharing attributes still fills whole UPDATEs (~1,000 IPv4 prefixes each; a chunk
     * ends in one part-filled UPDATE per attribute set, about one in nine for a full table).
     */
    static final int CHUNK_PREFIXES = 8192;
    static final int CHUNK_GROUPS = 64;

    /** The sentinel of the attribute memo for "not exported to peers of this key". */
    private static final Object NONE = new Object();

    /** The whole Loc-RIB of {@code f} to {@code p}, withdrawing what it was sent that is no longer there. */
    void exportAll(PrefixMap<Object> L, RibPeer p, Family f) {
        PeerAdjOut out = p.adjOut.get(f);
        if (out.group() != null) {
            out.leave();
        }
        PrefixMap.Keys keys = L.keys();
        // anything advertised before but no longer in the Loc-RIB must be withdrawn as well
        out.forEach((a, b, len, x) -> keys.add(a, b, len));
        export(L, p, f, keys, new Round());
        if (!out.owes()) {
            join(p, f);
        }
    }

    /**
     * Sends {@code message} to {@code p} once its whole-table export of {@code f} is out (now, unless prefixes
     * of it wait for the socket): an End-of-RIB (RFC 4724 §2) or an EoRR (RFC 7313 §4) must follow every route.
     */
    void afterTable(RibPeer p, Family f, byte[] message) {
        PeerAdjOut out = p.adjOut.get(f);
        if (out.owes()) {
            out.trailer(message);
        } else {
            p.session.out().accept(message);
        }
    }

    /**
     * The socket of {@code p} takes more again: what it is owed of {@code f}, in its current state, as far as the
     * socket takes it; once nothing is owed, the export's closing message and its update group.
     */
    void pull(PrefixMap<Object> L, RibPeer p, Family f) {
        PeerAdjOut out = p.adjOut.get(f);
        if (!out.owes()) {
            return;
        }
        export(L, p, f, out.takeOwed(), new Round());
        if (out.owes()) {
            return;
        }
        byte[] trailer = out.trailer();
        if (trailer != null) {
            out.trailer(null);
            p.session.out().accept(trailer);
        }
        if (out.group() == null) {
            join(p, f);
        }
    }

    /** Makes an up-to-date peer's Adj-RIB-Out of {@code f} its update group's. */
    private void join(RibPeer p, Family f) {
        if (p.session == null || !p.session.families().contains(f)) {
            return;
        }
        UpdateGroup.Key k = UpdateGroup.Key.of(p, f);
        UpdateGroup g = groups.computeIfAbsent(k, x -> new UpdateGroup(x, null));
        p.adjOut.get(f).join(g);
    }

    /**
     * The changes of {@code keys} to every peer that takes {@code f}: one round, so alike peers share the work;
     * each update group's table is computed once.
     */
    void exportChanges(PrefixMap<Object> L, List<RibPeer> peers, Family f, PrefixMap.Keys keys) {
        Round r = new Round();
        for (RibPeer p : peers) {
            PeerAdjOut out = p.adjOut.get(f);
            if (p.session != null && p.session.families().contains(f) && out.group() == null
                    && !(p.settings.exportPolicy().rejectsAll() && out.size() == 0)) {
                export(L, p, f, keys, r);
            }
        }
        groups.values().removeIf(g -> g.members.isEmpty());
        for (UpdateGroup g : groups.values()) {
            if (g.key.family() == f) {
                exportGroup(L, g, keys, r);
            }
        }
    }

    /**
     * The changes of {@code keys} to the members of {@code g}: per prefix the group's attributes once, then per
     * member the diff against its view (a member never gets back a route it sent: RFC 4271 §9.2, RFC 4456 §6).
     */
    private void exportGroup(PrefixMap<Object> L, UpdateGroup g, PrefixMap.Keys keys, Round round) {
        Family f = g.key.family();
        int k = keys.size;
        IdentityHashMap<Path, Object> memo = round.memo.computeIfAbsent(g.key.export(), x -> new IdentityHashMap<>());
        // first what the group gets per prefix, then member by member (holding one member's UPDATEs at a time: a
        // herd's flush of 500 new routes to 1,000 members held half a million builders when done prefix by prefix)
        RibPeer first = g.members.getFirst();
        Path[] bests = new Path[k];
        RouteAttrs[] now = new RouteAttrs[k];
        RouteAttrs[] before = new RouteAttrs[k];
        for (int i = 0; i < k; i++) {
            long a = keys.a[i];
            long b = keys.b(i);
            int len = keys.len[i];
            Path best = RouteSet.best(L.get(a, b, len));
            if (best != null && g.key.localRoutesOnly() && !best.local()) {
                best = null;
            }
            bests[i] = best;
            now[i] = best == null ? null : groupAttrs(first, g.key.export(), f, best, a, b, len, memo, g.key.exportPolicy(), round);
            before[i] = g.table.get(a, b, len);
        }
        boolean v4 = f == Family.IPV4_UNICAST;
        CommonDiff common = CommonDiff.of(f, keys, now, before);
        for (RibPeer m : g.members) {
            PeerAdjOut out = m.adjOut.get(f);
            if (common != null && !out.owes() && common.applies(m, out, keys, bests) && !m.session.blocked().getAsBoolean()) {
                // what most members get: the same UPDATEs, built once; their views follow the group's table as is
                send(m, common.messages(this, m.session.codec(), round));
                continue;
            }
            int i = 0;
            while (i < k && !out.owes() && !m.session.blocked().getAsBoolean()) {
                Map<RouteAttrs, PrefixList.Builder> announced = new LinkedHashMap<>();
                PrefixList.Builder withdrawals = PrefixList.builder(f, 2);
                int start = i;
                for (; i < k && i - start < CHUNK_PREFIXES && announced.size() < CHUNK_GROUPS; i++) {
                    long a = keys.a[i];
                    long b = keys.b(i);
                    int len = keys.len[i];
                    RouteAttrs mine = sentBy(bests[i], m) ? null : now[i]; // never back to where it came from
                    RouteAttrs prev = out.viaGroup(a, b, len, before[i]);
                    if (mine == null) {
                        if (prev != null) {
                            add(withdrawals, v4, a, b, len);
                        }
                    } else if (prev == null || !prev.equals(mine)) {
                        add(announced.computeIfAbsent(mine, x -> PrefixList.builder(f, 2)), v4, a, b, len);
                    }
                    out.record(a, b, len, mine, before[i], now[i]);
                }
                sendAll(m, f, withdrawals, announced, round);
            }
            // what is left, its socket takes no more: it keeps what it has (an exception where the group's table
            // moves on) and is owed the rest, sent in its state of then when the socket takes more (pull)
            for (; i < k; i++) {
                long a = keys.a[i];
                long b = keys.b(i);
                int len = keys.len[i];
                RouteAttrs mine = sentBy(bests[i], m) ? null : now[i];
                RouteAttrs prev = out.viaGroup(a, b, len, before[i]);
                if (mine == null ? prev != null : !mine.equals(prev)) {
                    out.owe(a, b, len);
                }
                out.record(a, b, len, prev, before[i], now[i]);
            }
        }
        for (int i = 0; i < k; i++) {
            if (now[i] == null) {
                g.table.remove(keys.a[i], keys.b(i), keys.len[i]);
            } else {
                g.table.put(keys.a[i], keys.b(i), keys.len[i], now[i]);
            }
        }
    }

    /** A peer's withdrawals, then its announcements grouped by attributes, as packed UPDATEs. */
    private void sendAll(RibPeer p, Family f, PrefixList.Builder withdrawals, Map<RouteAttrs, PrefixList.Builder> announced,
            Round round) {
        CodecOptions codec = p.session.codec();
        if (withdrawals.size() > 0) {
            send(p, messages(f, new Group(codec, null, withdrawals.build()), round));
        }
        for (Map.Entry<RouteAttrs, PrefixList.Builder> e : announced.entrySet()) {
            send(p, messages(f, new Group(codec, e.getKey(), e.getValue().build()), round));
        }
    }

    /** Whether {@code best} is the route {@code m} sent (a member never gets that back). */
    static boolean sentBy(Path best, RibPeer m) {
        return best != null && best.peer == m;
    }

    static void add(PrefixList.Builder to, boolean v4, long a, long b, int len) {
        if (v4) {
            to.addV4(a);
        } else {
            to.addV6(a, b, len);
        }
    }

    /** The attributes a peer of {@code p}'s export inputs and policy gets for {@code best}, or null; memoised per round. */
    private RouteAttrs groupAttrs(RibPeer p, ExportKey key, Family f, Path best, long a, long b, int len,
            IdentityHashMap<Path, Object> memo, Policy pol, Round round) {
        RouteAttrs attrs;
        Object x = memo.get(best);
        if (x == null) {
            attrs = exported(p, key, f, best);
            memo.put(best, attrs == null ? NONE : attrs);
        } else {
            attrs = x == NONE ? null : (RouteAttrs) x;
        }
        if (attrs != null && !pol.acceptsAllUnchanged()) {
            RouteAttrs applied = pol.apply(f, a, b, len, attrs, round.policyMemo);
            attrs = applied == null || applied == attrs ? applied : intern(applied);
        }
        return attrs;
    }

    /**
     * What {@link #exportAttrs} last gave {@code best}, and what it depends on besides the path's own attributes:
     * the receiving peer's export inputs and family, the source peer's settings (reflector client or not) and
     * router ID (ORIGINATOR_ID, RFC 4456 §8).
     */
    private record ExportMemo(ExportKey key, Family family, RibPeer.Settings srcSettings, int srcRouterId, RouteAttrs attrs) {
    }

    /** {@link #exportAttrs} interned, remembered on the path for the next peer of the same inputs. */
    private RouteAttrs exported(RibPeer p, ExportKey key, Family f, Path best) {
        RibPeer src = best.peer;
        RibPeer.Settings srcSettings = src == null ? null : src.settings;
        int srcRouterId = src == null ? 0 : src.routerId;
        if (best.exportMemo instanceof ExportMemo m && m.family == f && m.srcSettings == srcSettings
                && m.srcRouterId == srcRouterId && m.key.equals(key)) {
            return m.attrs;
        }
        RouteAttrs e = exportAttrs(cfg, p, f, best);
        RouteAttrs attrs = e == null ? null : intern(e);
        best.exportMemo = new ExportMemo(key, f, srcSettings, srcRouterId, attrs);
        return attrs;
    }

    /**
     * Diffs the best paths of {@code keys} against the peer's Adj-RIB-Out and sends packed UPDATEs, a chunk at a
     * time while the peer's socket takes them; the rest it is owed ({@link PeerAdjOut#owe}) until it takes more.
     */
    void export(PrefixMap<Object> L, RibPeer p, Family f, PrefixMap.Keys keys, Round round) {
        PeerAdjOut out = p.adjOut.get(f);
        int i = 0;
        while (i < keys.size) {
            if (out.owes() || p.session.blocked().getAsBoolean()) {
                for (; i < keys.size; i++) {
                    out.owe(keys.a[i], keys.b(i), keys.len[i]);
                }
                return;
            }
            i = exportChunk(L, p, f, keys, i, round);
        }
    }

    /** {@link #export} of the keys from {@code from} on, up to a chunk; returns where the chunk ended. */
    private int exportChunk(PrefixMap<Object> L, RibPeer p, Family f, PrefixMap.Keys keys, int from, Round round) {
        PeerAdjOut out = p.adjOut.get(f);
        ExportKey key = ExportKey.of(p);
        IdentityHashMap<Path, Object> memo = round.memo.computeIfAbsent(key, k -> new IdentityHashMap<>());
        Map<RouteAttrs, PrefixList.Builder> announced = new LinkedHashMap<>();
        PrefixList.Builder withdrawals = PrefixList.builder(f, 2);
        Policy pol = p.settings.exportPolicy();
        boolean v4 = f == Family.IPV4_UNICAST;
        int i = from;
        for (; i < keys.size && i - from < CHUNK_PREFIXES && announced.size() < CHUNK_GROUPS; i++) {
            long a = keys.a[i];
            long b = keys.b(i);
            int len = keys.len[i];
            Path best = RouteSet.best(L.get(a, b, len));
            if (best != null && p.settings.localRoutesOnly() && !best.local()) {
                best = null; // a host is not a transit router: it announces only what it originates
            }
            RouteAttrs attrs = null;
            if (best != null && best.peer != p) { // never back to where it came from
                attrs = groupAttrs(p, key, f, best, a, b, len, memo, pol, round);
            }
            RouteAttrs prev = out.get(a, b, len);
            if (attrs == null) {
                if (prev != null) {
                    out.remove(a, b, len);
                    add(withdrawals, v4, a, b, len);
                }
            } else if (prev == null || !prev.equals(attrs)) {
                out.put(a, b, len, attrs);
                add(announced.computeIfAbsent(attrs, k -> PrefixList.builder(f, 2)), v4, a, b, len);
            }
        }
        sendAll(p, f, withdrawals, announced, round);
        return i;
    }

    private static void send(RibPeer p, List<byte[]> messages) {
        for (byte[] m : messages) {
            p.updatesSent++;
            p.session.out().accept(m); // the same array to every peer of the group: nobody writes into a queued message
        }
    }

    /** The UPDATEs of one group: from this round or the small-group cache, or encoded now and kept there. */
    @SuppressWarnings("unchecked")
    List<byte[]> messages(Family f, Group g, Round round) {
        if (g.prefixes().size() > SMALL_GROUP) {
            return round.encoded.computeIfAbsent(g, x -> encode(f, x));
        }
        // the records' hashes are sums of products: mixed (MurmurHash3's finaliser) so that routes differing only
        // in a next hop's or prefix's last bits do not crowd into neighbouring slots
        int h = g.hashCode();
        h = (h ^ h >>> 16) * 0x85ebca6b;
        h = (h ^ h >>> 13) * 0xc2b2ae35;
        h ^= h >>> 16;
        int mask = smallKeys.length - 1;
        int s1 = h & mask;
        int s2 = h >>> 14 & mask;
        smallClock++;
        int slot = g.equals(smallKeys[s1]) ? s1 : g.equals(smallKeys[s2]) ? s2 : -1;
        if (slot >= 0) {
            smallUsed[slot] = smallClock;
            return (List<byte[]>) smallMessages[slot];
        }
        List<byte[]> m = encode(f, g);
        slot = smallUsed[s1] <= smallUsed[s2] ? s1 : s2;
        smallKeys[slot] = g;
        smallMessages[slot] = m;
        smallUsed[slot] = smallClock;
        return m;
    }

    private static List<byte[]> encode(Family f, Group g) {
        List<byte[]> messages = new ArrayList<>(1);
        if (g.attrs() == null) {
            BgpCodec.packWithdrawals(f, g.prefixes(), g.codec(), messages::add);
        } else {
            byte[] nh = f == Family.IPV4_UNICAST ? null : g.attrs().nextHopBytes();
            BgpCodec.packAnnouncements(f, g.attrs().toWire(f, g.codec()), nh, g.prefixes(), g.codec(), messages::add);
        }
        return List.copyOf(messages);
    }

    private RouteAttrs intern(RouteAttrs a) {
        WeakReference<RouteAttrs> ref = interned.get(a);
        RouteAttrs held = ref == null ? null : ref.get();
        if (held != null) {
            return held;
        }
        interned.put(a, new WeakReference<>(a));
        return a;
    }

    /** Distinct exported attribute sets held (tests). */
    int internedCount() {
        interned.size(); // expunges the entries whose attribute sets were collected
        int n = 0;
        for (WeakReference<RouteAttrs> r : interned.values()) {
            n += r.get() == null ? 0 : 1;
        }
        return n;
    }

    /**
     * What {@code p} should receive for a best path from another peer (or originated here), or null when it must
     * not receive it (RFC 4271 §9.2, RFC 4456 §6 for reflection, RFC 4271 §5.1 for the attribute changes towards
     * iBGP and eBGP). Depends on {@code p} only through its {@link ExportKey}.
     */
    static RouteAttrs exportAttrs(Rib.Settings cfg, RibPeer p, Family f, Path best) {
        RibPeer src = best.peer;
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
            b.nextHop(selfNextHop(cfg, p, f));
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
    private static byte[] selfNextHop(Rib.Settings cfg, RibPeer p, Family f) {
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
}
