package dev.viaduct.bgp.rib;

import dev.viaduct.bgp.wire.AsPathSegment;
import dev.viaduct.bgp.wire.AttributeError;
import dev.viaduct.bgp.wire.BgpMessage.Open;
import dev.viaduct.bgp.wire.BgpMessage.Update;
import dev.viaduct.bgp.wire.ErrorCodes;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.bgp.wire.PathAttribute;
import dev.viaduct.bgp.wire.PrefixList;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A received UPDATE turned into what the RIB applies: withdrawals, announcements (prefixes sharing one
 * {@link RouteAttrs}) per family, or an End-of-RIB marker. The conversion applies the rules that need the
 * session's context and runs on the session's reader thread, so the RIB thread only does table work:
 * <ul>
 * <li>RFC 6793 §4.2.3: AS4_PATH / AS4_AGGREGATOR merged into the path from a 2-octet peer (and ignored from a
 * 4-octet one);</li>
 * <li>RFC 7606 §7.5: LOCAL_PREF from an external peer is disregarded; ORIGINATOR_ID and CLUSTER_LIST, which only
 * mean something inside the AS (RFC 4456 §8), likewise;</li>
 * <li>RFC 4271 §6.3 / RFC 7606 §7.2: an eBGP route whose AS_PATH does not start with the peer's AS is
 * treated as withdrawn;</li>
 * <li>RFC 5065 §5 / RFC 7606 §7.2: so is an eBGP route whose AS_PATH holds an AS_CONFED_SEQUENCE or AS_CONFED_SET
 * segment (this speaker is in no confederation, so every external peer is outside ours);</li>
 * <li>RFC 4456 §8: a route carrying our ORIGINATOR_ID or our CLUSTER_ID is a reflection loop and is ignored;</li>
 * <li>RFC 4271 §6.3: a NEXT_HOP that is our own address of the session is ignored.</li>
 * </ul>
 */
public record InboundUpdate(Family endOfRib, List<PrefixList> withdrawn, List<Announcement> announced) {
    /** Prefixes of one family announced with one set of attributes. */
    public record Announcement(PrefixList prefixes, RouteAttrs attrs) {
    }

    /** What the conversion needs to know about the session. */
    public record Context(long localAs, int routerId, int clusterId, long peerAs, boolean fourOctetAs,
            InetAddress localAddress) {
        boolean ibgp() {
            return peerAs == localAs;
        }
    }

    public static InboundUpdate convert(Update u, Context ctx, List<AttributeError> problems) {
        if (u.endOfRibFamily().isPresent()) {
            return new InboundUpdate(u.endOfRibFamily().get(), List.of(), List.of());
        }
        List<PrefixList> withdrawn = new ArrayList<>(2);
        if (!u.withdrawn().isEmpty()) {
            withdrawn.add(u.withdrawn());
        }
        PathAttribute.MpReach reach = null;
        for (PathAttribute a : u.attributes()) {
            if (a instanceof PathAttribute.MpUnreach m && !m.withdrawn().isEmpty()) {
                withdrawn.add(m.withdrawn());
            } else if (a instanceof PathAttribute.MpReach m) {
                reach = m;
            }
        }
        if (u.nlri().isEmpty() && (reach == null || reach.nlri().isEmpty())) {
            return new InboundUpdate(null, withdrawn, List.of());
        }
        String reject = null;
        RouteAttrs.Builder b = RouteAttrs.builder();
        List<AsPathSegment> path = List.of();
        List<AsPathSegment> as4 = null;
        PathAttribute.Aggregator agg = null;
        PathAttribute.As4Aggregator agg4 = null;
        int nh4 = 0;
        boolean hasNh4 = false;
        List<PathAttribute.Unknown> unknown = new ArrayList<>(0);
        for (PathAttribute a : u.attributes()) {
            switch (a) {
                case PathAttribute.Origin o -> b.origin(o.value());
                case PathAttribute.AsPath p -> path = p.segments();
                case PathAttribute.NextHop n -> {
                    nh4 = n.address();
                    hasNh4 = true;
                }
                case PathAttribute.MultiExitDisc m -> b.med(m.value());
                case PathAttribute.LocalPref l -> {
                    if (ctx.ibgp()) {
                        b.localPref(l.value());
                    }
                }
                case PathAttribute.AtomicAggregate x -> b.atomicAggregate(true);
                case PathAttribute.Aggregator x -> agg = x;
                case PathAttribute.Communities c -> b.communities(c.values());
                case PathAttribute.OriginatorId o -> {
                    if (ctx.ibgp()) {
                        b.originatorId(o.id());
                        if (o.id() == ctx.routerId()) {
                            reject = "ORIGINATOR_ID is our router ID: reflection loop (RFC 4456 §8)";
                        }
                    }
                }
                case PathAttribute.ClusterList c -> {
                    if (ctx.ibgp()) {
                        b.clusterList(c.ids());
                        if (c.contains(ctx.clusterId())) {
                            reject = "CLUSTER_LIST holds our cluster ID: reflection loop (RFC 4456 §8)";
                        }
                    }
                }
                case PathAttribute.As4Path p -> as4 = p.segments();
                case PathAttribute.As4Aggregator x -> agg4 = x;
                case PathAttribute.Unknown x -> {
                    if (x.optional() && x.transitive()) {
                        unknown.add(x.withPartial()); // RFC 4271 §5: passed on with the Partial bit set
                    }
                }
                case PathAttribute.MpReach x -> {
                }
                case PathAttribute.MpUnreach x -> {
                }
            }
        }
        if (!ctx.fourOctetAs()) {
            // RFC 6793 §4.2.3: AGGREGATOR with a real 2-octet AS means AS4_* were added by someone unaware
            if (agg != null && agg.asn() != Open.AS_TRANS) {
                as4 = null;
            } else if (agg != null && agg4 != null) {
                agg = new PathAttribute.Aggregator(agg4.asn(), agg4.address());
            }
            if (as4 != null) {
                path = mergeAs4(path, as4);
            }
        }
        b.asPath(path);
        b.aggregator(agg);
        b.unknown(unknown);
        if (reject == null && !ctx.ibgp()) {
            for (AsPathSegment s : path) {
                if (s.type() == AsPathSegment.AS_CONFED_SEQUENCE || s.type() == AsPathSegment.AS_CONFED_SET) {
                    reject = "AS_PATH holds " + (s.type() == AsPathSegment.AS_CONFED_SEQUENCE ? "an AS_CONFED_SEQUENCE" : "an AS_CONFED_SET")
                            + " segment " + s + " from an external peer (RFC 5065 §5, RFC 7606 §7.2)";
                    break;
                }
            }
        }
        if (reject == null && !ctx.ibgp()) {
            if (path.isEmpty() || path.getFirst().type() != AsPathSegment.AS_SEQUENCE || path.getFirst().asn(0) != ctx.peerAs()) {
                reject = "AS_PATH does not start with the peer's AS " + ctx.peerAs() + " (RFC 4271 §6.3)";
            }
        }
        List<Announcement> ann = new ArrayList<>(2);
        byte[] local = ctx.localAddress() == null ? null : ctx.localAddress().getAddress();
        if (!u.nlri().isEmpty()) {
            byte[] nh = {(byte) (nh4 >>> 24), (byte) (nh4 >>> 16), (byte) (nh4 >>> 8), (byte) nh4};
            if (reject == null && hasNh4 && local != null && Arrays.equals(nh, local)) {
                reject = "NEXT_HOP is our own address (RFC 4271 §6.3)";
            }
            if (reject == null) {
                ann.add(new Announcement(u.nlri(), b.nextHop(nh).build()));
            }
        }
        if (reach != null && !reach.nlri().isEmpty()) {
            byte[] nh = reach.nextHop();
            if (reject == null && local != null && nh.length >= local.length && Arrays.equals(Arrays.copyOf(nh, local.length), local)
                    && nh.length == local.length) {
                reject = "MP_REACH_NLRI next hop is our own address (RFC 4271 §6.3)";
            }
            if (reject == null) {
                ann.add(new Announcement(reach.nlri(), b.nextHop(nh).build()));
            }
        }
        if (reject != null) {
            problems.add(new AttributeError(PathAttribute.AS_PATH, AttributeError.Action.TREAT_AS_WITHDRAW,
                    reject.startsWith("AS_PATH") ? ErrorCodes.MALFORMED_AS_PATH : ErrorCodes.INVALID_NEXT_HOP_ATTRIBUTE, reject));
            if (!u.nlri().isEmpty()) {
                withdrawn.add(u.nlri());
            }
            if (reach != null && !reach.nlri().isEmpty()) {
                withdrawn.add(reach.nlri());
            }
            return new InboundUpdate(null, withdrawn, List.of());
        }
        return new InboundUpdate(null, withdrawn, ann);
    }

    /**
     * RFC 6793 §4.2.3: if AS_PATH has fewer ASes than AS4_PATH, AS4_PATH is ignored; otherwise the leading
     * (count difference) ASes of AS_PATH are kept and AS4_PATH appended.
     */
    static List<AsPathSegment> mergeAs4(List<AsPathSegment> asPath, List<AsPathSegment> as4) {
        int n2 = count(asPath);
        int n4 = count(as4);
        if (n2 < n4) {
            return asPath;
        }
        int keep = n2 - n4;
        List<AsPathSegment> out = new ArrayList<>();
        for (AsPathSegment s : asPath) {
            if (keep <= 0) {
                break;
            }
            int c = s.pathLength();
            if (s.type() == AsPathSegment.AS_SEQUENCE && c > keep) {
                out.add(new AsPathSegment(AsPathSegment.AS_SEQUENCE, Arrays.copyOf(s.asns(), keep)));
                keep = 0;
            } else {
                out.add(s);
                keep -= c;
            }
        }
        for (AsPathSegment s : as4) {
            AsPathSegment last = out.isEmpty() ? null : out.getLast();
            if (last != null && last.type() == AsPathSegment.AS_SEQUENCE && s.type() == AsPathSegment.AS_SEQUENCE
                    && last.size() + s.size() <= 255) {
                // [65001] + [x y] reads better, and compares equal to what a 4-octet peer would send, as [65001 x y]
                int[] m = Arrays.copyOf(last.asns(), last.size() + s.size());
                System.arraycopy(s.asns(), 0, m, last.size(), s.size());
                out.set(out.size() - 1, new AsPathSegment(AsPathSegment.AS_SEQUENCE, m));
            } else {
                out.add(s);
            }
        }
        return out;
    }

    private static int count(List<AsPathSegment> p) {
        int n = 0;
        for (AsPathSegment s : p) {
            n += s.pathLength();
        }
        return n;
    }
}
