package dev.viaduct.bgp.wire;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * A BGP-4 message (RFC 4271 §4). Immutable values; {@link BgpCodec} turns them into bytes and back.
 */
public sealed interface BgpMessage {
    int TYPE_OPEN = 1;
    int TYPE_UPDATE = 2;
    int TYPE_NOTIFICATION = 3;
    int TYPE_KEEPALIVE = 4;
    int TYPE_ROUTE_REFRESH = 5;

    /** The message type code of the header. */
    int type();

    /**
     * OPEN (RFC 4271 §4.2). {@code myAs} is the 2-octet field as sent (AS_TRANS 23456 when the real AS
     * needs 4 octets, RFC 6793 §4.1); {@code bgpId} is the BGP Identifier as an unsigned 32-bit value.
     * Capabilities (RFC 5492) are the only optional parameters this speaker understands.
     */
    record Open(int version, int myAs, int holdTime, int bgpId, List<Capability> capabilities) implements BgpMessage {
        public static final int AS_TRANS = 23456;

        public Open {
            capabilities = List.copyOf(capabilities);
        }

        @Override
        public int type() {
            return TYPE_OPEN;
        }

        /** The sender's real AS: the 4-octet AS capability when present, else the 2-octet field. */
        public long effectiveAs() {
            for (Capability c : capabilities) {
                if (c instanceof Capability.FourOctetAs f) {
                    return f.asn();
                }
            }
            return myAs;
        }

        public <C extends Capability> Optional<C> capability(Class<C> kind) {
            for (Capability c : capabilities) {
                if (kind.isInstance(c)) {
                    return Optional.of(kind.cast(c));
                }
            }
            return Optional.empty();
        }

        public <C extends Capability> List<C> all(Class<C> kind) {
            List<C> out = new ArrayList<>();
            for (Capability c : capabilities) {
                if (kind.isInstance(c)) {
                    out.add(kind.cast(c));
                }
            }
            return out;
        }
    }

    /**
     * UPDATE (RFC 4271 §4.3). {@code withdrawn} and {@code nlri} are the classic IPv4 fields; other families
     * travel in {@link PathAttribute.MpReach} / {@link PathAttribute.MpUnreach} (RFC 4760). Attributes keep
     * their order of appearance.
     */
    record Update(PrefixList withdrawn, List<PathAttribute> attributes, PrefixList nlri) implements BgpMessage {
        public Update {
            if (withdrawn.family() != Family.IPV4_UNICAST || nlri.family() != Family.IPV4_UNICAST) {
                throw new IllegalArgumentException("withdrawn/nlri: the classic UPDATE fields carry IPv4 unicast only");
            }
            attributes = List.copyOf(attributes);
        }

        @Override
        public int type() {
            return TYPE_UPDATE;
        }

        /** End-of-RIB marker (RFC 4724 §2): an empty UPDATE for IPv4, an empty MP_UNREACH for other families. */
        public static Update endOfRib(Family family) {
            PrefixList none = PrefixList.empty(Family.IPV4_UNICAST);
            if (family == Family.IPV4_UNICAST) {
                return new Update(none, List.of(), none);
            }
            return new Update(none, List.of(new PathAttribute.MpUnreach(family, PrefixList.empty(family))), none);
        }

        /** The family this UPDATE marks the End-of-RIB of, if it is such a marker. */
        public Optional<Family> endOfRibFamily() {
            if (!withdrawn.isEmpty() || !nlri.isEmpty()) {
                return Optional.empty();
            }
            if (attributes.isEmpty()) {
                return Optional.of(Family.IPV4_UNICAST);
            }
            if (attributes.size() == 1 && attributes.getFirst() instanceof PathAttribute.MpUnreach u && u.withdrawn().isEmpty()) {
                return Optional.of(u.family());
            }
            return Optional.empty();
        }

        public <A extends PathAttribute> Optional<A> attribute(Class<A> kind) {
            for (PathAttribute a : attributes) {
                if (kind.isInstance(a)) {
                    return Optional.of(kind.cast(a));
                }
            }
            return Optional.empty();
        }
    }

    /** NOTIFICATION (RFC 4271 §4.5): the error, then the connection closes. */
    record Notification(int code, int subcode, byte[] data) implements BgpMessage {
        public Notification {
            data = data.clone();
        }

        public Notification(int code, int subcode) {
            this(code, subcode, new byte[0]);
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public int type() {
            return TYPE_NOTIFICATION;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Notification n && n.code == code && n.subcode == subcode && Arrays.equals(n.data, data);
        }

        @Override
        public int hashCode() {
            return (code * 31 + subcode) * 31 + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Notification[" + ErrorCodes.describe(code, subcode)
                    + (data.length == 0 ? "" : " data=" + HexFormat.of().formatHex(data)) + "]";
        }
    }

    /** KEEPALIVE (RFC 4271 §4.4): a header only. */
    record Keepalive() implements BgpMessage {
        public static final Keepalive INSTANCE = new Keepalive();

        @Override
        public int type() {
            return TYPE_KEEPALIVE;
        }
    }

    /**
     * ROUTE-REFRESH (RFC 2918 §3); {@code subtype} is the RFC 7313 message subtype (0 normal request, 1 BoRR,
     * 2 EoRR). {@code afi}/{@code safi} are kept raw: a request for a family we do not speak is ignored
     * (RFC 2918 §4), not an error.
     */
    record RouteRefresh(int afi, int subtype, int safi) implements BgpMessage {
        public static final int SUBTYPE_REQUEST = 0;
        public static final int SUBTYPE_BORR = 1;
        public static final int SUBTYPE_EORR = 2;

        /** What a received ROUTE-REFRESH asks of the receiver. */
        public enum Kind {
            /** Re-advertise the family (RFC 2918 §4). */
            REQUEST,
            /** Beginning of Route Refresh: the sender is about to re-advertise (RFC 7313 §4). */
            BEGIN,
            /** End of Route Refresh: whatever was not re-advertised since BEGIN is gone (RFC 7313 §4). */
            END,
            /** Nothing: a subtype RFC 7313 §5 says to ignore. */
            IGNORED
        }

        public RouteRefresh(Family family) {
            this(family.afi(), SUBTYPE_REQUEST, family.safi());
        }

        public RouteRefresh(Family family, int subtype) {
            this(family.afi(), subtype, family.safi());
        }

        /**
         * The meaning of the subtype on a session that did or did not negotiate Enhanced Route Refresh. Without
         * it the octet is RFC 2918's Reserved field, ignored on receipt: every message is a request. With it,
         * RFC 7313 §5: subtypes other than 0, 1 and 2 are ignored.
         */
        public Kind kind(boolean enhanced) {
            if (!enhanced) {
                return Kind.REQUEST;
            }
            return switch (subtype) {
                case SUBTYPE_REQUEST -> Kind.REQUEST;
                case SUBTYPE_BORR -> Kind.BEGIN;
                case SUBTYPE_EORR -> Kind.END;
                default -> Kind.IGNORED;
            };
        }

        public Optional<Family> family() {
            return Optional.ofNullable(Family.of(afi, safi));
        }

        @Override
        public int type() {
            return TYPE_ROUTE_REFRESH;
        }
    }
}
