package dev.viaduct.bgp.wire;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * A path attribute of an UPDATE (RFC 4271 §4.3, §5). Known attributes decode to typed values; anything else
 * stays {@link Unknown} with its flags and bytes so it can be passed on (optional transitive, with the
 * Partial bit, RFC 4271 §5) or dropped (optional non-transitive). The per-type rules (flags, length, what
 * RFC 7606 does with a malformed one) live in one table in {@link AttributeTable}.
 */
public sealed interface PathAttribute {
    int FLAG_OPTIONAL = 0x80;
    int FLAG_TRANSITIVE = 0x40;
    int FLAG_PARTIAL = 0x20;
    int FLAG_EXTENDED_LENGTH = 0x10;

    int ORIGIN = 1;
    int AS_PATH = 2;
    int NEXT_HOP = 3;
    int MULTI_EXIT_DISC = 4;
    int LOCAL_PREF = 5;
    int ATOMIC_AGGREGATE = 6;
    int AGGREGATOR = 7;
    int COMMUNITIES = 8;
    int ORIGINATOR_ID = 9;
    int CLUSTER_LIST = 10;
    int MP_REACH_NLRI = 14;
    int MP_UNREACH_NLRI = 15;
    int AS4_PATH = 17;
    int AS4_AGGREGATOR = 18;

    /** The attribute type code. */
    int typeCode();

    /** ORIGIN (§5.1.1): 0 IGP, 1 EGP, 2 INCOMPLETE. */
    record Origin(int value) implements PathAttribute {
        public static final int IGP = 0;
        public static final int EGP = 1;
        public static final int INCOMPLETE = 2;
        public static final Origin IGP_ORIGIN = new Origin(IGP);

        public Origin {
            if (value < 0 || value > 2) {
                throw new IllegalArgumentException("value: ORIGIN " + value + " is not 0..2");
            }
        }

        @Override
        public int typeCode() {
            return ORIGIN;
        }
    }

    /** AS_PATH (§5.1.2), in the width negotiated for the session (RFC 6793). */
    record AsPath(List<AsPathSegment> segments) implements PathAttribute {
        public static final AsPath EMPTY = new AsPath(List.of());

        public AsPath {
            segments = List.copyOf(segments);
        }

        @Override
        public int typeCode() {
            return AS_PATH;
        }
    }

    /** NEXT_HOP (§5.1.3), an IPv4 address as an unsigned 32-bit value. */
    record NextHop(int address) implements PathAttribute {
        @Override
        public int typeCode() {
            return NEXT_HOP;
        }

        public InetAddress inet() {
            try {
                return InetAddress.getByAddress(new byte[] {(byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address});
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** MULTI_EXIT_DISC (§5.1.4), unsigned 32 bits. */
    record MultiExitDisc(long value) implements PathAttribute {
        public MultiExitDisc {
            checkU32("value", value);
        }

        @Override
        public int typeCode() {
            return MULTI_EXIT_DISC;
        }
    }

    /** LOCAL_PREF (§5.1.5), unsigned 32 bits. */
    record LocalPref(long value) implements PathAttribute {
        public LocalPref {
            checkU32("value", value);
        }

        @Override
        public int typeCode() {
            return LOCAL_PREF;
        }
    }

    /** ATOMIC_AGGREGATE (§5.1.6), no value. */
    record AtomicAggregate() implements PathAttribute {
        @Override
        public int typeCode() {
            return ATOMIC_AGGREGATE;
        }
    }

    /** AGGREGATOR (§5.1.7): AS (2 or 4 octets by session) and BGP identifier. */
    record Aggregator(long asn, int address) implements PathAttribute {
        public Aggregator {
            checkU32("asn", asn);
        }

        @Override
        public int typeCode() {
            return AGGREGATOR;
        }
    }

    /** COMMUNITIES (RFC 1997), each a 32-bit value (AS:value). */
    record Communities(int[] values) implements PathAttribute {
        public Communities {
            if (values.length == 0) {
                throw new IllegalArgumentException("values: COMMUNITIES needs at least one community");
            }
            values = values.clone();
        }

        @Override
        public int[] values() {
            return values.clone();
        }

        public boolean contains(int community) {
            for (int v : values) {
                if (v == community) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public int typeCode() {
            return COMMUNITIES;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Communities c && Arrays.equals(c.values, values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("Communities[");
            for (int i = 0; i < values.length; i++) {
                sb.append(i == 0 ? "" : " ").append(values[i] >>> 16).append(':').append(values[i] & 0xffff);
            }
            return sb.append(']').toString();
        }
    }

    /** ORIGINATOR_ID (RFC 4456 §8): BGP identifier of the route's originator in the AS. */
    record OriginatorId(int id) implements PathAttribute {
        @Override
        public int typeCode() {
            return ORIGINATOR_ID;
        }
    }

    /** CLUSTER_LIST (RFC 4456 §8): cluster IDs the route was reflected through, most recent first. */
    record ClusterList(int[] ids) implements PathAttribute {
        public ClusterList {
            ids = ids.clone();
        }

        @Override
        public int[] ids() {
            return ids.clone();
        }

        public int size() {
            return ids.length;
        }

        public boolean contains(int id) {
            for (int v : ids) {
                if (v == id) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public int typeCode() {
            return CLUSTER_LIST;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ClusterList c && Arrays.equals(c.ids, ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids);
        }

        @Override
        public String toString() {
            return "ClusterList" + Arrays.toString(Arrays.stream(ids).mapToLong(i -> i & 0xffffffffL).toArray());
        }
    }

    /**
     * MP_REACH_NLRI (RFC 4760 §3): next hop bytes (4 for IPv4; 16, or 32 with a link-local address, for
     * IPv6) and the reachable prefixes.
     */
    record MpReach(Family family, byte[] nextHop, PrefixList nlri) implements PathAttribute {
        public MpReach {
            if (nlri.family() != family) {
                throw new IllegalArgumentException("nlri: " + nlri.family() + " prefixes in a " + family + " MP_REACH_NLRI");
            }
            if (!validNextHopLength(family, nextHop.length)) {
                throw new IllegalArgumentException("nextHop: " + nextHop.length + " bytes is not a " + family.label() + " next hop");
            }
            nextHop = nextHop.clone();
        }

        static boolean validNextHopLength(Family f, int len) {
            return f == Family.IPV4_UNICAST ? len == 4 : len == 16 || len == 32;
        }

        @Override
        public byte[] nextHop() {
            return nextHop.clone();
        }

        /** The (global) next hop address. */
        public InetAddress nextHopAddress() {
            try {
                return InetAddress.getByAddress(Arrays.copyOf(nextHop, family.addressBytes()));
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public int typeCode() {
            return MP_REACH_NLRI;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof MpReach m && m.family == family && Arrays.equals(m.nextHop, nextHop) && m.nlri.equals(nlri);
        }

        @Override
        public int hashCode() {
            return (family.hashCode() * 31 + Arrays.hashCode(nextHop)) * 31 + nlri.hashCode();
        }

        @Override
        public String toString() {
            return "MpReach[" + family.label() + " nh=" + nextHopAddress().getHostAddress() + " nlri=" + nlri + "]";
        }
    }

    /** MP_UNREACH_NLRI (RFC 4760 §4): withdrawn prefixes of one family. */
    record MpUnreach(Family family, PrefixList withdrawn) implements PathAttribute {
        public MpUnreach {
            if (withdrawn.family() != family) {
                throw new IllegalArgumentException("withdrawn: " + withdrawn.family() + " prefixes in a " + family + " MP_UNREACH_NLRI");
            }
        }

        @Override
        public int typeCode() {
            return MP_UNREACH_NLRI;
        }
    }

    /** AS4_PATH (RFC 6793 §3): the 4-octet path sent alongside a 2-octet AS_PATH to an old speaker. */
    record As4Path(List<AsPathSegment> segments) implements PathAttribute {
        public As4Path {
            segments = List.copyOf(segments);
        }

        @Override
        public int typeCode() {
            return AS4_PATH;
        }
    }

    /** AS4_AGGREGATOR (RFC 6793 §3). */
    record As4Aggregator(long asn, int address) implements PathAttribute {
        public As4Aggregator {
            checkU32("asn", asn);
        }

        @Override
        public int typeCode() {
            return AS4_AGGREGATOR;
        }
    }

    /**
     * An attribute this speaker does not interpret (or an MP attribute of a family it does not speak), with
     * its flags as received minus the Extended Length bit (re-derived when encoding).
     */
    record Unknown(int flags, int typeCode, byte[] value) implements PathAttribute {
        public Unknown {
            if (typeCode < 0 || typeCode > 255) {
                throw new IllegalArgumentException("typeCode: " + typeCode + " is not 0..255");
            }
            if (value.length > 0xffff) {
                throw new IllegalArgumentException("value: " + value.length + " bytes exceed an attribute's 65535");
            }
            flags = flags & 0xe0;
            value = value.clone();
        }

        @Override
        public byte[] value() {
            return value.clone();
        }

        public boolean optional() {
            return (flags & FLAG_OPTIONAL) != 0;
        }

        public boolean transitive() {
            return (flags & FLAG_TRANSITIVE) != 0;
        }

        /** The same attribute with the Partial bit set, as it must be passed on (RFC 4271 §5). */
        public Unknown withPartial() {
            return new Unknown(flags | FLAG_PARTIAL, typeCode, value);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Unknown u && u.flags == flags && u.typeCode == typeCode && Arrays.equals(u.value, value);
        }

        @Override
        public int hashCode() {
            return (flags * 31 + typeCode) * 31 + Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "Unknown[type=" + typeCode + ", flags=0x" + Integer.toHexString(flags) + ", value=" + HexFormat.of().formatHex(value) + "]";
        }
    }

    private static void checkU32(String name, long v) {
        if (v < 0 || v > 0xffffffffL) {
            throw new IllegalArgumentException(name + ": " + v + " is not 0..4294967295");
        }
    }
}
