package dev.viaduct.bgp.rib;

import dev.viaduct.bgp.wire.BgpCodec;
import dev.viaduct.bgp.wire.CodecOptions;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.bgp.wire.PrefixList;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A peer's Adj-RIB-Out (RFC 4271 §9.2): which best paths it gets, with which attributes (§5.1, RFC 4456 §6 and
 * §8 for reflection, RFC 5065 §5), diffed against what it already has and sent as packed UPDATEs. Called by
 * {@link Rib} on its owner thread with the family's Loc-RIB table; keeps no state of its own (the peer's
 * Adj-RIB-Out lives in {@link RibPeer}).
 */
final class AdjRibOut {
    private AdjRibOut() {
    }

    static void exportAll(Rib.Settings cfg, PrefixMap<Object> L, RibPeer p, Family f) {
        PrefixMap.Keys keys = L.keys();
        // anything advertised before but no longer in the Loc-RIB must be withdrawn as well
        p.adjOut.get(f).forEach((a, b, len, x) -> keys.add(a, b, len));
        export(cfg, L, p, f, keys);
    }

    /** Diffs the best paths of {@code keys} against the peer's Adj-RIB-Out and sends packed UPDATEs. */
    static void export(Rib.Settings cfg, PrefixMap<Object> L, RibPeer p, Family f, PrefixMap.Keys keys) {
        RibPeer.Session s = p.session;
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
                    RouteAttrs e = exportAttrs(cfg, p, f, best);
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
    static RouteAttrs exportAttrs(Rib.Settings cfg, RibPeer p, Family f, Path best) {
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
