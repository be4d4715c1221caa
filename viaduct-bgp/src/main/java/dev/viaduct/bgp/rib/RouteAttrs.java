package dev.viaduct.bgp.rib;

import dev.viaduct.bgp.wire.AsPathSegment;
import dev.viaduct.bgp.wire.CodecOptions;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.bgp.wire.PathAttribute;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The attributes of a route as the RIB sees them: AS numbers always 4-octet (AS4_PATH already merged,
 * RFC 6793 §4.2.3), the next hop as raw address bytes whatever the family, LOCAL_PREF and MED as values or
 * -1 when absent. Immutable and shared: every prefix of one UPDATE points at one instance, so the RIB holds
 * attributes per UPDATE, not per route. Equality covers every field; the hash is computed once.
 */
public final class RouteAttrs {
    public static final long ABSENT = -1;

    private final int origin;
    private final List<AsPathSegment> asPath;
    private final byte[] nextHop;
    private final long med;
    private final long localPref;
    private final boolean atomicAggregate;
    private final PathAttribute.Aggregator aggregator;
    private final int[] communities;
    private final int originatorId;
    private final boolean hasOriginatorId;
    private final int[] clusterList;
    private final List<PathAttribute.Unknown> unknown;
    private final int hash;
    private final int asPathLength;
    private final long neighborAs;

    private RouteAttrs(Builder b) {
        this.origin = b.origin;
        this.asPath = List.copyOf(b.asPath);
        this.nextHop = b.nextHop.clone();
        this.med = b.med;
        this.localPref = b.localPref;
        this.atomicAggregate = b.atomicAggregate;
        this.aggregator = b.aggregator;
        this.communities = b.communities == null ? null : b.communities.clone();
        this.originatorId = b.originatorId;
        this.hasOriginatorId = b.hasOriginatorId;
        this.clusterList = b.clusterList == null ? null : b.clusterList.clone();
        this.unknown = List.copyOf(b.unknown);
        int len = 0;
        long first = 0;
        for (AsPathSegment s : asPath) {
            len += s.pathLength();
        }
        if (!asPath.isEmpty() && asPath.getFirst().type() == AsPathSegment.AS_SEQUENCE) {
            first = asPath.getFirst().asn(0);
        }
        this.asPathLength = len;
        this.neighborAs = first;
        int h = origin;
        h = 31 * h + asPath.hashCode();
        h = 31 * h + Arrays.hashCode(nextHop);
        h = 31 * h + Long.hashCode(med);
        h = 31 * h + Long.hashCode(localPref);
        h = 31 * h + (atomicAggregate ? 1 : 0);
        h = 31 * h + (aggregator == null ? 0 : aggregator.hashCode());
        h = 31 * h + Arrays.hashCode(communities);
        h = 31 * h + (hasOriginatorId ? originatorId : 7);
        h = 31 * h + Arrays.hashCode(clusterList);
        h = 31 * h + unknown.hashCode();
        this.hash = h;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.origin = origin;
        b.asPath = new ArrayList<>(asPath);
        b.nextHop = nextHop;
        b.med = med;
        b.localPref = localPref;
        b.atomicAggregate = atomicAggregate;
        b.aggregator = aggregator;
        b.communities = communities;
        b.originatorId = originatorId;
        b.hasOriginatorId = hasOriginatorId;
        b.clusterList = clusterList;
        b.unknown = new ArrayList<>(unknown);
        return b;
    }

    public int origin() {
        return origin;
    }

    public List<AsPathSegment> asPath() {
        return asPath;
    }

    /** Path length for the decision process (RFC 4271 §9.1.2.2 a). */
    public int asPathLength() {
        return asPathLength;
    }

    /** The neighbouring AS (first AS of a leading AS_SEQUENCE), 0 when the path is empty (RFC 4271 §9.1.2.2 c). */
    public long neighborAs() {
        return neighborAs;
    }

    /** Whether {@code asn} appears anywhere in the path (AS loop detection, RFC 4271 §9.1.2). */
    public boolean asPathContains(long asn) {
        for (AsPathSegment s : asPath) {
            for (int i = 0; i < s.size(); i++) {
                if (s.asn(i) == asn) {
                    return true;
                }
            }
        }
        return false;
    }

    public byte[] nextHopBytes() {
        return nextHop.clone();
    }

    int nextHopLength() {
        return nextHop.length;
    }

    /** The (global) next hop. */
    public InetAddress nextHop() {
        try {
            return InetAddress.getByAddress(nextHop.length == 32 ? Arrays.copyOf(nextHop, 16) : nextHop);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    public long med() {
        return med;
    }

    public long localPref() {
        return localPref;
    }

    public boolean atomicAggregate() {
        return atomicAggregate;
    }

    public PathAttribute.Aggregator aggregator() {
        return aggregator;
    }

    /** Community values (RFC 1997), empty when absent. */
    public int[] communities() {
        return communities == null ? new int[0] : communities.clone();
    }

    public boolean hasCommunity(int c) {
        if (communities != null) {
            for (int v : communities) {
                if (v == c) {
                    return true;
                }
            }
        }
        return false;
    }

    public boolean hasOriginatorId() {
        return hasOriginatorId;
    }

    public int originatorId() {
        return originatorId;
    }

    /** CLUSTER_LIST ids, empty when absent. */
    public int[] clusterList() {
        return clusterList == null ? new int[0] : clusterList.clone();
    }

    public int clusterListLength() {
        return clusterList == null ? 0 : clusterList.length;
    }

    public boolean clusterListContains(int id) {
        if (clusterList != null) {
            for (int v : clusterList) {
                if (v == id) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Optional transitive attributes this speaker does not interpret (passed on, RFC 4271 §5). */
    public List<PathAttribute.Unknown> unknown() {
        return unknown;
    }

    /**
     * The attributes to put in an UPDATE to a peer with the given AS width. The next hop goes in NEXT_HOP for
     * IPv4 and in MP_REACH_NLRI (built by the packer) otherwise. Towards a 2-octet peer, AS numbers above
     * 65535 become AS_TRANS and the real path travels in AS4_PATH (RFC 6793 §4.2.2).
     */
    public List<PathAttribute> toWire(Family family, CodecOptions codec) {
        List<PathAttribute> out = new ArrayList<>(10);
        out.add(new PathAttribute.Origin(origin));
        out.add(new PathAttribute.AsPath(asPath));
        if (family == Family.IPV4_UNICAST) {
            out.add(new PathAttribute.NextHop(((nextHop[0] & 0xff) << 24) | ((nextHop[1] & 0xff) << 16) | ((nextHop[2] & 0xff) << 8) | (nextHop[3] & 0xff)));
        }
        if (med != ABSENT) {
            out.add(new PathAttribute.MultiExitDisc(med));
        }
        if (localPref != ABSENT) {
            out.add(new PathAttribute.LocalPref(localPref));
        }
        if (atomicAggregate) {
            out.add(new PathAttribute.AtomicAggregate());
        }
        boolean needAs4 = false;
        if (!codec.fourOctetAs()) {
            for (AsPathSegment s : asPath) {
                for (int i = 0; i < s.size(); i++) {
                    needAs4 |= s.asn(i) > 0xffff;
                }
            }
        }
        if (aggregator != null) {
            out.add(aggregator);
        }
        if (communities != null) {
            out.add(new PathAttribute.Communities(communities));
        }
        if (hasOriginatorId) {
            out.add(new PathAttribute.OriginatorId(originatorId));
        }
        if (clusterList != null) {
            out.add(new PathAttribute.ClusterList(clusterList));
        }
        if (needAs4) {
            out.add(new PathAttribute.As4Path(asPath));
        }
        if (!codec.fourOctetAs() && aggregator != null && aggregator.asn() > 0xffff) {
            out.add(new PathAttribute.As4Aggregator(aggregator.asn(), aggregator.address()));
        }
        out.addAll(unknown);
        return out;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        return o instanceof RouteAttrs r && r.hash == hash && r.origin == origin && r.med == med && r.localPref == localPref
                && r.atomicAggregate == atomicAggregate && r.hasOriginatorId == hasOriginatorId && r.originatorId == originatorId
                && Arrays.equals(r.nextHop, nextHop) && r.asPath.equals(asPath) && java.util.Objects.equals(r.aggregator, aggregator)
                && Arrays.equals(r.communities, communities) && Arrays.equals(r.clusterList, clusterList) && r.unknown.equals(unknown);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("RouteAttrs[nh=").append(nextHop().getHostAddress());
        sb.append(" path=").append(asPath.stream().map(Object::toString).reduce((a, b) -> a + " " + b).orElse("")).append(" origin=").append(origin);
        if (localPref != ABSENT) {
            sb.append(" lp=").append(localPref);
        }
        if (med != ABSENT) {
            sb.append(" med=").append(med);
        }
        if (communities != null) {
            sb.append(" comm=").append(new PathAttribute.Communities(communities));
        }
        if (hasOriginatorId) {
            sb.append(" orig=").append(Integer.toUnsignedString(originatorId));
        }
        if (clusterList != null) {
            sb.append(" cl=").append(clusterList.length);
        }
        return sb.append(']').toString();
    }

    /** Mutable builder; {@link #build()} copies. */
    public static final class Builder {
        private int origin = PathAttribute.Origin.IGP;
        private List<AsPathSegment> asPath = new ArrayList<>();
        private byte[] nextHop = new byte[4];
        private long med = ABSENT;
        private long localPref = ABSENT;
        private boolean atomicAggregate;
        private PathAttribute.Aggregator aggregator;
        private int[] communities;
        private int originatorId;
        private boolean hasOriginatorId;
        private int[] clusterList;
        private List<PathAttribute.Unknown> unknown = new ArrayList<>();

        public Builder origin(int v) {
            origin = v;
            return this;
        }

        public Builder asPath(List<AsPathSegment> v) {
            asPath = new ArrayList<>(v);
            return this;
        }

        /** Prepends {@code asn} to the path (RFC 4271 §5.1.2), splitting segments at 255 AS numbers. */
        public Builder prepend(long asn) {
            if (!asPath.isEmpty() && asPath.getFirst().type() == AsPathSegment.AS_SEQUENCE && asPath.getFirst().size() < 255) {
                int[] old = asPath.getFirst().asns();
                int[] n = new int[old.length + 1];
                n[0] = (int) asn;
                System.arraycopy(old, 0, n, 1, old.length);
                asPath.set(0, new AsPathSegment(AsPathSegment.AS_SEQUENCE, n));
            } else {
                asPath.addFirst(new AsPathSegment(AsPathSegment.AS_SEQUENCE, new int[] {(int) asn}));
            }
            return this;
        }

        /**
         * Drops AS_CONFED_SEQUENCE and AS_CONFED_SET segments: RFC 5065 §5, they are never sent to a peer outside
         * the confederation (and this speaker is in none).
         */
        public Builder withoutConfederationSegments() {
            asPath.removeIf(s -> s.type() == AsPathSegment.AS_CONFED_SEQUENCE || s.type() == AsPathSegment.AS_CONFED_SET);
            return this;
        }

        public Builder nextHop(byte[] v) {
            if (v.length != 4 && v.length != 16 && v.length != 32) {
                throw new IllegalArgumentException("nextHop: " + v.length + " bytes is not an IPv4/IPv6 next hop");
            }
            nextHop = v.clone();
            return this;
        }

        public Builder nextHop(InetAddress v) {
            return nextHop(v.getAddress());
        }

        public Builder med(long v) {
            med = v;
            return this;
        }

        public Builder localPref(long v) {
            localPref = v;
            return this;
        }

        public Builder atomicAggregate(boolean v) {
            atomicAggregate = v;
            return this;
        }

        public Builder aggregator(PathAttribute.Aggregator v) {
            aggregator = v;
            return this;
        }

        public Builder communities(int[] v) {
            communities = v == null || v.length == 0 ? null : v.clone();
            return this;
        }

        public Builder addCommunities(int[] add) {
            int[] cur = communities == null ? new int[0] : communities;
            int[] n = Arrays.copyOf(cur, cur.length + add.length);
            int k = cur.length;
            outer:
            for (int c : add) {
                for (int i = 0; i < k; i++) {
                    if (n[i] == c) {
                        continue outer;
                    }
                }
                n[k++] = c;
            }
            communities = k == 0 ? null : Arrays.copyOf(n, k);
            return this;
        }

        public Builder originatorId(int id) {
            originatorId = id;
            hasOriginatorId = true;
            return this;
        }

        public Builder clearOriginatorId() {
            originatorId = 0;
            hasOriginatorId = false;
            return this;
        }

        public Builder clusterList(int[] v) {
            clusterList = v == null ? null : v.clone();
            return this;
        }

        /** Prepends our cluster ID (RFC 4456 §8: "the RR MUST prepend its CLUSTER_ID"). */
        public Builder prependCluster(int id) {
            int[] cur = clusterList == null ? new int[0] : clusterList;
            int[] n = new int[cur.length + 1];
            n[0] = id;
            System.arraycopy(cur, 0, n, 1, cur.length);
            clusterList = n;
            return this;
        }

        public Builder unknown(List<PathAttribute.Unknown> v) {
            unknown = new ArrayList<>(v);
            return this;
        }

        public RouteAttrs build() {
            return new RouteAttrs(this);
        }
    }
}
