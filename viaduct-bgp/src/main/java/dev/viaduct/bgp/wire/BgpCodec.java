package dev.viaduct.bgp.wire;

import static dev.viaduct.bgp.wire.ErrorCodes.*;

import dev.viaduct.bgp.wire.AttributeError.Action;
import dev.viaduct.bgp.wire.BgpMessage.Keepalive;
import dev.viaduct.bgp.wire.BgpMessage.Notification;
import dev.viaduct.bgp.wire.BgpMessage.Open;
import dev.viaduct.bgp.wire.BgpMessage.RouteRefresh;
import dev.viaduct.bgp.wire.BgpMessage.Update;
import dev.viaduct.sys.net.IpPrefix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * BGP-4 wire format (RFC 4271 §4) with MP-BGP (RFC 4760), 4-octet AS (RFC 6793), route refresh (RFC 2918,
 * RFC 7313 subtypes), graceful restart capability (RFC 4724), extended messages (RFC 8654), extended OPEN
 * optional parameters (RFC 9072), and the revised UPDATE error handling of RFC 7606. Pure: no I/O, no clock,
 * no state. Every decode error is a {@link BgpDecodeException} carrying the NOTIFICATION RFC 4271 §6
 * prescribes, or an {@link AttributeError} when RFC 7606 handles it without a session reset; nothing else
 * escapes, whatever the bytes.
 *
 * <p>Why one file of this size: the checks of one message depend on each other in an order the RFCs fix (the
 * header length against the negotiated maximum, then per type; in an UPDATE the attribute flags and lengths,
 * then RFC 7606's choice between treat-as-withdraw, attribute discard and reset, which depends on whether any
 * NLRI exists anywhere in the message), and encode mirrors decode line by line so the round-trip and fuzz
 * properties can be read against it. Attribute-level work is table-driven elsewhere ({@link AttributeTable},
 * {@link PathAttribute}); what stays here is the message-level order.
 */
public final class BgpCodec {
    public static final int HEADER_LENGTH = 19;
    public static final int MAX_MESSAGE_LENGTH = 4096;
    /** RFC 8654 §3: the largest message once both sides advertised Extended Messages (OPEN and KEEPALIVE excepted). */
    public static final int MAX_EXTENDED_MESSAGE_LENGTH = 65535;
    public static final int BGP_VERSION = 4;

    private static final int MIN_OPEN = 29;
    private static final int MIN_UPDATE = 23;
    private static final int MIN_NOTIFICATION = 21;
    /** RFC 9072 §2: Optional Parameter type reserved as the "Extended Length" indicator. */
    private static final int EXTENDED_OPT_PARAMS = 255;

    private BgpCodec() {
    }

    /** The two fields of a header that passed RFC 4271 §6.1 checks. */
    public record Header(int length, int type) {
    }

    // ------------------------------------------------------------------ header

    /**
     * Checks the 19-byte header at {@code off} (RFC 4271 §6.1) of a message on a session without Extended
     * Messages: marker all ones, length within 19..4096 and the minimum (or exact) length for its type, known type.
     */
    public static Header decodeHeader(byte[] b, int off) throws BgpDecodeException {
        return decodeHeader(b, off, CodecOptions.FOUR_OCTET_AS);
    }

    /**
     * Checks the 19-byte header at {@code off} (RFC 4271 §6.1) against the limits of the session: up to 4,096
     * octets, or 65,535 for the types RFC 8654 §3 extends once both sides advertised Extended Messages.
     */
    public static Header decodeHeader(byte[] b, int off, CodecOptions options) throws BgpDecodeException {
        if (b.length - off < HEADER_LENGTH) {
            throw new BgpDecodeException(MESSAGE_HEADER, BAD_MESSAGE_LENGTH, "header: " + (b.length - off) + " bytes, need 19");
        }
        for (int i = 0; i < 16; i++) {
            if (b[off + i] != (byte) 0xff) {
                throw new BgpDecodeException(MESSAGE_HEADER, CONNECTION_NOT_SYNCHRONIZED,
                        "marker: byte " + i + " is 0x" + Integer.toHexString(b[off + i] & 0xff) + ", must be 0xff");
            }
        }
        int length = u16(b, off + 16);
        int type = b[off + 18] & 0xff;
        byte[] lengthField = {b[off + 16], b[off + 17]};
        if (length < HEADER_LENGTH) {
            throw new BgpDecodeException(MESSAGE_HEADER, BAD_MESSAGE_LENGTH, lengthField, "length: " + length + " is not 19..4096");
        }
        int max = options.maxMessageLength(type);
        if (length > max) {
            // RFC 8654 §4: a message over 4,096 octets without the capability is a Bad Message Length
            throw new BgpDecodeException(MESSAGE_HEADER, BAD_MESSAGE_LENGTH, lengthField, "length: " + length + " exceeds "
                    + max + (max == MAX_MESSAGE_LENGTH && options.extendedMessages() ? " (RFC 8654 §3: OPEN and KEEPALIVE stay within 4096)"
                            : max == MAX_MESSAGE_LENGTH ? " (no Extended Messages negotiated, RFC 8654)" : ""));
        }
        int min = switch (type) {
            case BgpMessage.TYPE_OPEN -> MIN_OPEN;
            case BgpMessage.TYPE_UPDATE -> MIN_UPDATE;
            case BgpMessage.TYPE_NOTIFICATION -> MIN_NOTIFICATION;
            case BgpMessage.TYPE_KEEPALIVE, BgpMessage.TYPE_ROUTE_REFRESH -> HEADER_LENGTH;
            default -> throw new BgpDecodeException(MESSAGE_HEADER, BAD_MESSAGE_TYPE, new byte[] {(byte) type}, "type: " + type + " is not a message type (1..5)");
        };
        if (length < min || (type == BgpMessage.TYPE_KEEPALIVE && length != HEADER_LENGTH)) {
            throw new BgpDecodeException(MESSAGE_HEADER, BAD_MESSAGE_LENGTH, lengthField,
                    "length: " + length + " is wrong for a type " + type + " message (" + (type == BgpMessage.TYPE_KEEPALIVE ? "must be 19" : "minimum " + min) + ")");
        }
        return new Header(length, type);
    }

    // ------------------------------------------------------------------ decode

    /** Decodes a whole message (header included) with no RFC 7606 sink: soft errors are dropped. */
    public static BgpMessage decode(byte[] message, CodecOptions options) throws BgpDecodeException {
        return decode(message, 0, message.length, options, new ArrayList<>());
    }

    /**
     * Decodes the message in {@code b[off, off+len)}, header included. Attribute errors that RFC 7606 handles
     * without a reset are appended to {@code softErrors}; the returned UPDATE then already reflects them
     * (discarded attributes are missing; under treat-as-withdraw the announced prefixes appear as withdrawn
     * and no other attribute is left).
     */
    public static BgpMessage decode(byte[] b, int off, int len, CodecOptions options, List<AttributeError> softErrors)
            throws BgpDecodeException {
        if (len < HEADER_LENGTH || off < 0 || off + len > b.length) {
            throw new BgpDecodeException(MESSAGE_HEADER, BAD_MESSAGE_LENGTH, "message: " + len + " bytes cannot hold a header");
        }
        Header h = decodeHeader(b, off, options);
        if (h.length() != len) {
            throw new BgpDecodeException(MESSAGE_HEADER, BAD_MESSAGE_LENGTH, new byte[] {b[off + 16], b[off + 17]},
                    "length: header says " + h.length() + " but the message has " + len + " bytes");
        }
        int body = off + HEADER_LENGTH;
        int end = off + len;
        return switch (h.type()) {
            case BgpMessage.TYPE_OPEN -> decodeOpen(b, body, end);
            case BgpMessage.TYPE_UPDATE -> decodeUpdate(b, body, end, options, softErrors);
            case BgpMessage.TYPE_NOTIFICATION -> new Notification(b[body] & 0xff, b[body + 1] & 0xff, Arrays.copyOfRange(b, body + 2, end));
            case BgpMessage.TYPE_KEEPALIVE -> Keepalive.INSTANCE;
            case BgpMessage.TYPE_ROUTE_REFRESH -> {
                if (end - body != 4) {
                    int subtype = end - body >= 3 ? b[body + 2] & 0xff : -1;
                    if (options.enhancedRouteRefresh() && subtype > RouteRefresh.SUBTYPE_EORR) {
                        // RFC 7313 §5: a subtype other than 0, 1 or 2 is ignored, whatever the length
                        yield new RouteRefresh(u16(b, body), subtype, end - body >= 4 ? b[body + 3] & 0xff : 0);
                    }
                    if (options.enhancedRouteRefresh()) {
                        // RFC 7313 §5: once negotiated, a ROUTE-REFRESH of the wrong length is answered with this code,
                        // data = the complete message
                        throw new BgpDecodeException(ROUTE_REFRESH_MESSAGE, INVALID_MESSAGE_LENGTH, Arrays.copyOfRange(b, off, end),
                                "length: ROUTE-REFRESH body is " + (end - body) + " bytes, must be 4");
                    }
                    // RFC 2918 §3 fixes the length; RFC 4271 §6.1: a length wrong for the type is Bad Message Length
                    throw new BgpDecodeException(MESSAGE_HEADER, BAD_MESSAGE_LENGTH, new byte[] {b[off + 16], b[off + 17]},
                            "length: " + len + " is wrong for a ROUTE-REFRESH (must be 23)");
                }
                yield new RouteRefresh(u16(b, body), b[body + 2] & 0xff, b[body + 3] & 0xff);
            }
            default -> throw new AssertionError("header check admitted type " + h.type());
        };
    }

    private static Open decodeOpen(byte[] b, int p, int end) throws BgpDecodeException {
        int version = b[p] & 0xff;
        if (version != BGP_VERSION) {
            // RFC 4271 §6.2: data is the largest locally supported version number, 2 octets
            throw new BgpDecodeException(OPEN_MESSAGE, UNSUPPORTED_VERSION, new byte[] {0, BGP_VERSION},
                    "version: " + version + " is not supported (only 4)");
        }
        int myAs = u16(b, p + 1);
        int hold = u16(b, p + 3);
        int bgpId = s32(b, p + 5);
        int optLen = b[p + 9] & 0xff;
        if (hold == 1 || hold == 2) {
            throw new BgpDecodeException(OPEN_MESSAGE, UNACCEPTABLE_HOLD_TIME, "hold time: " + hold + " s (RFC 4271 §4.2: must be 0 or at least 3)");
        }
        if (bgpId == 0) {
            throw new BgpDecodeException(OPEN_MESSAGE, BAD_BGP_IDENTIFIER, "BGP identifier: 0.0.0.0 is not valid (RFC 6286 §2.2)");
        }
        int q = p + 10;
        // RFC 9072 §2: a Non-Ext OP Type of 255 (where the first parameter's type would be) means the extended
        // format: a 2-octet length of the optional parameters follows, and every parameter has a 2-octet length
        boolean extended = optLen != 0 && q < end && (b[q] & 0xff) == EXTENDED_OPT_PARAMS;
        if (extended) {
            if (end - q < 3) {
                throw new BgpDecodeException(MESSAGE_HEADER, BAD_MESSAGE_LENGTH, new byte[] {(byte) ((end - p + 19) >> 8), (byte) (end - p + 19)},
                        "OPEN extended optional parameters length (RFC 9072): " + (end - q - 1) + " bytes left, need 2");
            }
            optLen = u16(b, q + 1);
            q += 3;
        }
        if (q + optLen != end) {
            throw new BgpDecodeException(MESSAGE_HEADER, BAD_MESSAGE_LENGTH, new byte[] {(byte) ((end - p + 19) >> 8), (byte) (end - p + 19)},
                    "OPEN " + (extended ? "extended " : "") + "optional parameters length " + optLen + " does not match the message ("
                            + (end - q) + " bytes left)");
        }
        int lenBytes = extended ? 2 : 1;
        List<Capability> caps = new ArrayList<>();
        while (q < end) {
            if (end - q < 1 + lenBytes) {
                throw new BgpDecodeException(OPEN_MESSAGE, 0, "optional parameter: truncated header at offset " + (q - p));
            }
            int type = b[q] & 0xff;
            int plen = extended ? u16(b, q + 1) : b[q + 1] & 0xff;
            q += 1 + lenBytes;
            if (q + plen > end) {
                throw new BgpDecodeException(OPEN_MESSAGE, 0, "optional parameter type " + type + ": length " + plen + " overruns the OPEN");
            }
            if (type != 2) {
                // RFC 4271 §6.2 / RFC 5492: only Capabilities (2) is understood here
                throw new BgpDecodeException(OPEN_MESSAGE, UNSUPPORTED_OPTIONAL_PARAMETER, new byte[] {(byte) type},
                        "optional parameter type " + type + " is not supported (only 2, Capabilities)");
            }
            int cend = q + plen;
            while (q < cend) {
                if (cend - q < 2) {
                    throw new BgpDecodeException(OPEN_MESSAGE, 0, "capability: truncated header");
                }
                int code = b[q] & 0xff;
                int clen = b[q + 1] & 0xff;
                q += 2;
                if (q + clen > cend) {
                    throw new BgpDecodeException(OPEN_MESSAGE, 0, "capability " + code + ": length " + clen + " overruns its parameter");
                }
                caps.add(decodeCapability(b, q, code, clen));
                q += clen;
            }
        }
        return new Open(version, myAs, hold, bgpId, caps);
    }

    private static Capability decodeCapability(byte[] b, int q, int code, int len) throws BgpDecodeException {
        switch (code) {
            case Capability.CODE_EXTENDED_MESSAGE -> {
                requireCapLength(code, "Extended Message", len, len == 0);
                return new Capability.ExtendedMessage();
            }
            case Capability.CODE_ENHANCED_ROUTE_REFRESH -> {
                requireCapLength(code, "Enhanced Route Refresh", len, len == 0);
                return new Capability.EnhancedRouteRefresh();
            }
            case Capability.CODE_MULTIPROTOCOL -> {
                requireCapLength(code, "Multiprotocol", len, len == 4);
                return new Capability.Multiprotocol(u16(b, q), b[q + 3] & 0xff);
            }
            case Capability.CODE_ROUTE_REFRESH -> {
                requireCapLength(code, "Route Refresh", len, len == 0);
                return new Capability.RouteRefreshSupport();
            }
            case Capability.CODE_FOUR_OCTET_AS -> {
                requireCapLength(code, "4-octet AS", len, len == 4);
                return new Capability.FourOctetAs(s32(b, q) & 0xffffffffL);
            }
            case Capability.CODE_GRACEFUL_RESTART -> {
                requireCapLength(code, "Graceful Restart", len, len >= 2 && (len - 2) % 4 == 0);
                int v = u16(b, q);
                List<Capability.GrFamily> fams = new ArrayList<>();
                for (int i = q + 2; i < q + len; i += 4) {
                    fams.add(new Capability.GrFamily(u16(b, i), b[i + 2] & 0xff, (b[i + 3] & 0x80) != 0));
                }
                return new Capability.GracefulRestart((v & 0x8000) != 0, (v & 0x4000) != 0, v & 0x0fff, fams);
            }
            default -> {
                return new Capability.Unknown(code, Arrays.copyOfRange(b, q, q + len));
            }
        }
    }

    private static void requireCapLength(int code, String name, int len, boolean ok) throws BgpDecodeException {
        if (!ok) {
            throw new BgpDecodeException(OPEN_MESSAGE, 0, "capability " + code + " (" + name + "): length " + len + " is malformed");
        }
    }

    private static Update decodeUpdate(byte[] b, int p, int end, CodecOptions o, List<AttributeError> soft)
            throws BgpDecodeException {
        int wlen = u16(b, p);
        // RFC 7606 §4: lengths that overrun the message are a session reset (Malformed Attribute List)
        if (p + 2 + wlen + 2 > end) {
            throw new BgpDecodeException(UPDATE_MESSAGE, MALFORMED_ATTRIBUTE_LIST, "withdrawn routes length: " + wlen + " overruns the message");
        }
        PrefixList withdrawn = decodePrefixes(Family.IPV4_UNICAST, b, p + 2, p + 2 + wlen, "withdrawn routes", INVALID_NETWORK_FIELD);
        int ap = p + 2 + wlen;
        int alen = u16(b, ap);
        int astart = ap + 2;
        int aend = astart + alen;
        if (aend > end) {
            throw new BgpDecodeException(UPDATE_MESSAGE, MALFORMED_ATTRIBUTE_LIST, "total path attribute length: " + alen + " overruns the message");
        }
        PrefixList nlri = decodePrefixes(Family.IPV4_UNICAST, b, aend, end, "NLRI", INVALID_NETWORK_FIELD);

        List<PathAttribute> attrs = new ArrayList<>();
        long[] seen = new long[4];
        AttributeError withdrawAll = null;
        byte[] withdrawData = new byte[0]; // the attribute behind withdrawAll, should RFC 7606 §5.2 make it a reset
        int q = astart;
        while (q < aend) {
            int left = aend - q;
            int flags = b[q] & 0xff;
            boolean ext = (flags & PathAttribute.FLAG_EXTENDED_LENGTH) != 0;
            if (left < (ext ? 4 : 3)) {
                // RFC 7606 §4, second case: a partial attribute header at the end of the attribute field
                withdrawAll = firstOf(withdrawAll, soft, new AttributeError(0, Action.TREAT_AS_WITHDRAW, MALFORMED_ATTRIBUTE_LIST,
                        "path attributes: " + left + " byte(s) left, too few for an attribute header"));
                break;
            }
            int type = b[q + 1] & 0xff;
            int vlen = ext ? u16(b, q + 2) : b[q + 2] & 0xff;
            int vstart = q + (ext ? 4 : 3);
            int vend = vstart + vlen;
            AttributeTable.Rule rule = AttributeTable.rule(type);
            if (vend > aend) {
                // RFC 7606 §4, first case: the attribute overruns Total Attribute Length
                if (rule != null && rule.onMalformed() == null) {
                    throw new BgpDecodeException(UPDATE_MESSAGE, ATTRIBUTE_LENGTH_ERROR, Arrays.copyOfRange(b, q, aend),
                            rule.name() + ": length " + vlen + " overruns the path attributes");
                }
                if (withdrawAll == null) {
                    withdrawData = Arrays.copyOfRange(b, q, aend);
                }
                withdrawAll = firstOf(withdrawAll, soft, new AttributeError(type, Action.TREAT_AS_WITHDRAW, ATTRIBUTE_LENGTH_ERROR,
                        AttributeTable.name(type) + ": length " + vlen + " overruns the path attributes (" + (aend - vstart) + " bytes left)"));
                break;
            }
            byte[] whole = null; // the attribute as received: NOTIFICATION data for per-attribute errors
            q = vend;
            boolean dup = (seen[type >>> 6] & (1L << type)) != 0;
            seen[type >>> 6] |= 1L << type;
            if (dup) {
                if (type == PathAttribute.MP_REACH_NLRI || type == PathAttribute.MP_UNREACH_NLRI) {
                    // RFC 7606 §3 g
                    throw new BgpDecodeException(UPDATE_MESSAGE, MALFORMED_ATTRIBUTE_LIST, AttributeTable.name(type) + ": appears more than once");
                }
                soft.add(new AttributeError(type, Action.ATTRIBUTE_DISCARD, MALFORMED_ATTRIBUTE_LIST,
                        AttributeTable.name(type) + ": repeated; all but the first occurrence discarded (RFC 7606 §3 g)"));
                continue;
            }
            if (rule == null) {
                if ((flags & PathAttribute.FLAG_OPTIONAL) == 0) {
                    whole = Arrays.copyOfRange(b, vstart - (ext ? 4 : 3), vend);
                    throw new BgpDecodeException(UPDATE_MESSAGE, UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE, whole,
                            "attribute type " + type + ": unrecognized and flagged well-known");
                }
                attrs.add(new PathAttribute.Unknown(flags, type, Arrays.copyOfRange(b, vstart, vend)));
                continue;
            }
            String problem = null;
            int subcode = 0;
            int expectFlags = rule.flags();
            boolean partialAllowed = (expectFlags & PathAttribute.FLAG_OPTIONAL) != 0 && (expectFlags & PathAttribute.FLAG_TRANSITIVE) != 0;
            if ((flags & 0xc0) != expectFlags || (!partialAllowed && (flags & PathAttribute.FLAG_PARTIAL) != 0)) {
                problem = rule.name() + ": flags 0x" + Integer.toHexString(flags & 0xf0) + " conflict with the attribute's 0x" + Integer.toHexString(expectFlags);
                subcode = ATTRIBUTE_FLAGS_ERROR;
            } else {
                int fixed = rule.fixedLength() == AttributeTable.AS_WIDTH_PLUS_4 ? (o.fourOctetAs() ? 8 : 6) : rule.fixedLength();
                if (fixed >= 0 && vlen != fixed) {
                    problem = rule.name() + ": length " + vlen + ", must be " + fixed;
                    subcode = ATTRIBUTE_LENGTH_ERROR;
                } else if (rule.multipleOf() > 0 && (vlen == 0 || vlen % rule.multipleOf() != 0)) {
                    problem = rule.name() + ": length " + vlen + " is not a non-zero multiple of " + rule.multipleOf();
                    subcode = ATTRIBUTE_LENGTH_ERROR;
                }
            }
            PathAttribute value = null;
            if (problem == null) {
                try {
                    value = decodeAttribute(type, b, vstart, vend, o);
                } catch (Malformed m) {
                    problem = rule.name() + ": " + m.getMessage();
                    subcode = m.subcode;
                }
            }
            if (problem == null) {
                attrs.add(value);
                continue;
            }
            if (rule.onMalformed() == null) {
                whole = Arrays.copyOfRange(b, vstart - (ext ? 4 : 3), vend);
                throw new BgpDecodeException(UPDATE_MESSAGE, subcode, whole, problem);
            }
            AttributeError err = new AttributeError(type, rule.onMalformed(), subcode, problem);
            if (err.action() == Action.TREAT_AS_WITHDRAW) {
                if (withdrawAll == null) {
                    withdrawData = Arrays.copyOfRange(b, vstart - (ext ? 4 : 3), vend);
                }
                withdrawAll = firstOf(withdrawAll, soft, err);
            } else {
                soft.add(err);
            }
        }

        PathAttribute.MpReach reach = null;
        PathAttribute.MpUnreach unreach = null;
        boolean origin = false;
        boolean asPath = false;
        boolean nextHop = false;
        for (PathAttribute a : attrs) {
            switch (a) {
                case PathAttribute.MpReach r -> reach = r;
                case PathAttribute.MpUnreach u -> unreach = u;
                case PathAttribute.Origin x -> origin = true;
                case PathAttribute.AsPath x -> asPath = true;
                case PathAttribute.NextHop x -> nextHop = true;
                default -> {
                }
            }
        }
        boolean announces = !nlri.isEmpty() || (reach != null && !reach.nlri().isEmpty());
        if (withdrawAll != null && nlri.isEmpty() && !seenType(seen, PathAttribute.MP_REACH_NLRI) && !seenType(seen, PathAttribute.MP_UNREACH_NLRI)) {
            // RFC 7606 §5.2: with no NLRI at all (neither the NLRI field nor MP_REACH_NLRI / MP_UNREACH_NLRI)
            // there is nothing to treat as withdrawn, so "session reset" MUST be used
            throw new BgpDecodeException(UPDATE_MESSAGE, withdrawAll.subcode(), withdrawData,
                    withdrawAll.detail() + "; the UPDATE carries no NLRI, so it cannot be treated as withdraw (RFC 7606 §5.2)");
        }
        if (withdrawAll == null && announces) {
            // RFC 7606 §3 d: missing well-known mandatory attributes -> treat-as-withdraw. NEXT_HOP is
            // mandatory only with classic NLRI (RFC 4760 §3).
            int missing = !origin ? PathAttribute.ORIGIN : !asPath ? PathAttribute.AS_PATH
                    : (!nextHop && !nlri.isEmpty()) ? PathAttribute.NEXT_HOP : 0;
            if (missing != 0) {
                withdrawAll = firstOf(null, soft, new AttributeError(missing, Action.TREAT_AS_WITHDRAW, MISSING_WELL_KNOWN_ATTRIBUTE,
                        AttributeTable.name(missing) + ": missing from an UPDATE that announces routes"));
            }
        }
        if (withdrawAll == null) {
            return new Update(withdrawn, attrs, nlri);
        }
        return asWithdrawal(withdrawn, nlri, reach, unreach, attrs);
    }

    private static boolean seenType(long[] seen, int type) {
        return (seen[type >>> 6] & (1L << type)) != 0;
    }

    private static AttributeError firstOf(AttributeError current, List<AttributeError> soft, AttributeError e) {
        soft.add(e);
        return current == null ? e : current;
    }

    /** RFC 7606 §2 treat-as-withdraw: every announced prefix becomes a withdrawal; no attribute survives. */
    private static Update asWithdrawal(PrefixList withdrawn, PrefixList nlri, PathAttribute.MpReach reach,
            PathAttribute.MpUnreach unreach, List<PathAttribute> attrs) {
        PrefixList.Builder w = PrefixList.builder(Family.IPV4_UNICAST, withdrawn.size() + nlri.size());
        for (int i = 0; i < withdrawn.size(); i++) {
            w.addV4(withdrawn.v4Key(i));
        }
        for (int i = 0; i < nlri.size(); i++) {
            w.addV4(nlri.v4Key(i));
        }
        List<PathAttribute> out = new ArrayList<>();
        if (reach != null && unreach != null && reach.family() == unreach.family()) {
            List<IpPrefix> all = new ArrayList<>(unreach.withdrawn());
            all.addAll(reach.nlri());
            out.add(new PathAttribute.MpUnreach(reach.family(), PrefixList.of(reach.family(), all)));
        } else if (reach != null && unreach != null) {
            // An UPDATE carries at most one MP_UNREACH_NLRI (RFC 7606 §3 g). Of two different families one is
            // IPv4 unicast, whose withdrawals the Withdrawn Routes field carries just as well (RFC 4760 §4).
            PathAttribute.MpUnreach fromReach = new PathAttribute.MpUnreach(reach.family(), reach.nlri());
            PathAttribute.MpUnreach v4 = unreach.family() == Family.IPV4_UNICAST ? unreach : fromReach;
            for (int i = 0; i < v4.withdrawn().size(); i++) {
                w.addV4(v4.withdrawn().v4Key(i));
            }
            out.add(v4 == unreach ? fromReach : unreach);
        } else if (unreach != null) {
            out.add(unreach);
        } else if (reach != null) {
            out.add(new PathAttribute.MpUnreach(reach.family(), reach.nlri()));
        }
        // unknown-family MP attributes are kept raw; they carry nothing this speaker would install, so one is
        // dropped when a withdrawal of ours needs the single MP_UNREACH_NLRI
        for (PathAttribute a : attrs) {
            if (out.isEmpty() && a instanceof PathAttribute.Unknown u && (u.typeCode() == PathAttribute.MP_UNREACH_NLRI)) {
                out.add(u);
            }
        }
        return new Update(w.build(), out, PrefixList.empty(Family.IPV4_UNICAST));
    }

    /** A malformed attribute value, with the RFC 4271 §6.3 subcode that names the problem. */
    private static final class Malformed extends Exception {
        final int subcode;

        Malformed(int subcode, String message) {
            super(message, null, false, false);
            this.subcode = subcode;
        }
    }

    private static PathAttribute decodeAttribute(int type, byte[] b, int p, int end, CodecOptions o)
            throws Malformed, BgpDecodeException {
        switch (type) {
            case PathAttribute.ORIGIN -> {
                int v = b[p] & 0xff;
                if (v > 2) {
                    throw new Malformed(INVALID_ORIGIN_ATTRIBUTE, "value " + v + " is not IGP(0), EGP(1) or INCOMPLETE(2)");
                }
                return new PathAttribute.Origin(v);
            }
            case PathAttribute.AS_PATH -> {
                return new PathAttribute.AsPath(decodeSegments(b, p, end, o.fourOctetAs() ? 4 : 2, MALFORMED_AS_PATH));
            }
            case PathAttribute.NEXT_HOP -> {
                int nh = s32(b, p);
                int first = nh >>> 24;
                // RFC 4271 §6.3 / RFC 7606 §7.3: a semantically invalid next hop -> the route is ignored
                if (nh == 0 || first >= 224 || nh == -1) {
                    throw new Malformed(INVALID_NEXT_HOP_ATTRIBUTE, "address " + (first) + "." + ((nh >>> 16) & 0xff) + "." + ((nh >>> 8) & 0xff) + "." + (nh & 0xff) + " is not a unicast host address");
                }
                return new PathAttribute.NextHop(nh);
            }
            case PathAttribute.MULTI_EXIT_DISC -> {
                return new PathAttribute.MultiExitDisc(s32(b, p) & 0xffffffffL);
            }
            case PathAttribute.LOCAL_PREF -> {
                return new PathAttribute.LocalPref(s32(b, p) & 0xffffffffL);
            }
            case PathAttribute.ATOMIC_AGGREGATE -> {
                return new PathAttribute.AtomicAggregate();
            }
            case PathAttribute.AGGREGATOR -> {
                long asn = o.fourOctetAs() ? s32(b, p) & 0xffffffffL : u16(b, p);
                return new PathAttribute.Aggregator(asn, s32(b, p + (o.fourOctetAs() ? 4 : 2)));
            }
            case PathAttribute.COMMUNITIES -> {
                int[] v = new int[(end - p) / 4];
                for (int i = 0; i < v.length; i++) {
                    v[i] = s32(b, p + 4 * i);
                }
                return new PathAttribute.Communities(v);
            }
            case PathAttribute.ORIGINATOR_ID -> {
                return new PathAttribute.OriginatorId(s32(b, p));
            }
            case PathAttribute.CLUSTER_LIST -> {
                int[] v = new int[(end - p) / 4];
                for (int i = 0; i < v.length; i++) {
                    v[i] = s32(b, p + 4 * i);
                }
                return new PathAttribute.ClusterList(v);
            }
            case PathAttribute.MP_REACH_NLRI -> {
                if (end - p < 5) {
                    throw new Malformed(OPTIONAL_ATTRIBUTE_ERROR, "length " + (end - p) + " is too short (minimum 5)");
                }
                int afi = u16(b, p);
                int safi = b[p + 2] & 0xff;
                int nhLen = b[p + 3] & 0xff;
                Family f = Family.of(afi, safi);
                if (f == null) {
                    // RFC 4760 §7: a family that was not negotiated is not ours to interpret
                    return new PathAttribute.Unknown(AttributeTable.flags(type), type, Arrays.copyOfRange(b, p, end));
                }
                if (p + 4 + nhLen + 1 > end) {
                    throw new Malformed(OPTIONAL_ATTRIBUTE_ERROR, "next hop length " + nhLen + " overruns the attribute");
                }
                if (!PathAttribute.MpReach.validNextHopLength(f, nhLen)) {
                    throw new Malformed(OPTIONAL_ATTRIBUTE_ERROR, "next hop length " + nhLen + " is not valid for " + f.label());
                }
                byte[] nh = Arrays.copyOfRange(b, p + 4, p + 4 + nhLen);
                int np = p + 4 + nhLen + 1; // one reserved octet (RFC 4760 §3)
                PrefixList nlri = decodePrefixes(f, b, np, end, "MP_REACH_NLRI", OPTIONAL_ATTRIBUTE_ERROR);
                return new PathAttribute.MpReach(f, nh, nlri);
            }
            case PathAttribute.MP_UNREACH_NLRI -> {
                if (end - p < 3) {
                    throw new Malformed(OPTIONAL_ATTRIBUTE_ERROR, "length " + (end - p) + " is too short (minimum 3)");
                }
                Family f = Family.of(u16(b, p), b[p + 2] & 0xff);
                if (f == null) {
                    return new PathAttribute.Unknown(AttributeTable.flags(type), type, Arrays.copyOfRange(b, p, end));
                }
                return new PathAttribute.MpUnreach(f, decodePrefixes(f, b, p + 3, end, "MP_UNREACH_NLRI", OPTIONAL_ATTRIBUTE_ERROR));
            }
            case PathAttribute.AS4_PATH -> {
                return new PathAttribute.As4Path(decodeSegments(b, p, end, 4, OPTIONAL_ATTRIBUTE_ERROR));
            }
            case PathAttribute.AS4_AGGREGATOR -> {
                return new PathAttribute.As4Aggregator(s32(b, p) & 0xffffffffL, s32(b, p + 4));
            }
            default -> throw new AssertionError("no decoder for known attribute " + type);
        }
    }

    private static List<AsPathSegment> decodeSegments(byte[] b, int p, int end, int width, int subcode) throws Malformed {
        List<AsPathSegment> segs = new ArrayList<>();
        while (p < end) {
            if (end - p < 2) {
                throw new Malformed(subcode, "segment header truncated");
            }
            int type = b[p] & 0xff;
            int n = b[p + 1] & 0xff;
            // RFC 7606 §7.2: unknown segment type, zero-length segment and overrun are all malformed
            if (type < AsPathSegment.AS_SET || type > AsPathSegment.AS_CONFED_SET) {
                throw new Malformed(subcode, "segment type " + type + " is not 1..4");
            }
            if (n == 0) {
                throw new Malformed(subcode, "segment of length 0");
            }
            p += 2;
            if (p + n * width > end) {
                throw new Malformed(subcode, "segment of " + n + " AS numbers overruns the attribute");
            }
            int[] asns = new int[n];
            for (int i = 0; i < n; i++) {
                asns[i] = width == 4 ? s32(b, p) : u16(b, p);
                p += width;
            }
            segs.add(new AsPathSegment(type, asns));
        }
        return segs;
    }

    /**
     * Decodes an NLRI-style prefix field (RFC 4271 §4.3, RFC 4760 §5): length octet, then just enough
     * octets. Trailing bits past the length are ignored (RFC 4271 says they are irrelevant) and cleared so
     * the result is canonical. A length beyond the family's maximum or an overrun is a session reset
     * (RFC 7606 §5.3).
     */
    static PrefixList decodePrefixes(Family f, byte[] b, int p, int end, String field, int subcode) throws BgpDecodeException {
        PrefixList.Builder out = PrefixList.builder(f, Math.max(1, (end - p) / 4));
        int max = f.maxLength();
        while (p < end) {
            int len = b[p] & 0xff;
            if (len > max) {
                throw new BgpDecodeException(UPDATE_MESSAGE, subcode, field + ": prefix length " + len + " exceeds " + max);
            }
            int nb = (len + 7) >>> 3;
            if (p + 1 + nb > end) {
                throw new BgpDecodeException(UPDATE_MESSAGE, subcode, field + ": prefix /" + len + " needs " + nb + " bytes, " + (end - p - 1) + " left");
            }
            p++;
            if (f == Family.IPV4_UNICAST) {
                long a = 0;
                for (int i = 0; i < 4; i++) {
                    a = (a << 8) | (i < nb ? b[p + i] & 0xff : 0);
                }
                if (len < 32) {
                    a &= (0xffffffffL << (32 - len)) & 0xffffffffL;
                }
                out.addV4((a << 8) | len);
            } else {
                long hi = 0;
                long lo = 0;
                for (int i = 0; i < 8; i++) {
                    hi = (hi << 8) | (i < nb ? b[p + i] & 0xff : 0);
                    lo = (lo << 8) | (i + 8 < nb ? b[p + 8 + i] & 0xff : 0);
                }
                if (len <= 64) {
                    lo = 0;
                    hi = len == 0 ? 0 : hi & (-1L << (64 - len));
                } else if (len < 128) {
                    lo &= -1L << (128 - len);
                }
                out.addV6(hi, lo, len);
            }
            p += nb;
        }
        return out.build();
    }

    // ------------------------------------------------------------------ encode

    /**
     * Encodes a message, header included. Throws IllegalArgumentException if it exceeds the session's limit
     * ({@link CodecOptions#maxMessageLength}).
     */
    public static byte[] encode(BgpMessage m, CodecOptions o) {
        Out out = new Out(64);
        out.header();
        switch (m) {
            case Open open -> encodeOpen(open, out);
            case Update u -> encodeUpdateBody(u, o, out);
            case Notification n -> {
                out.u8(n.code());
                out.u8(n.subcode());
                // the data (RFC 4271 §4.5) has no length of its own: cut it to what the message limit leaves, as
                // a 7/1 must echo a whole ROUTE-REFRESH (RFC 7313 §5) that may itself be as long as the limit
                byte[] data = n.data();
                int room = o.maxMessageLength(BgpMessage.TYPE_NOTIFICATION) - MIN_NOTIFICATION;
                out.bytes(data.length <= room ? data : Arrays.copyOf(data, room));
            }
            case Keepalive k -> {
            }
            case RouteRefresh r -> {
                out.u16(r.afi());
                out.u8(r.subtype());
                out.u8(r.safi());
            }
        }
        return out.finish(m.type(), o.maxMessageLength(m.type()));
    }

    /**
     * One Capabilities parameter (RFC 5492 §4) per capability. RFC 9072 §2: the encoding of RFC 4271 while the
     * parameters fit its 1-octet length, the extended one (Non-Ext OP Len and Type 255, 2-octet lengths) when
     * they exceed 255 octets.
     */
    private static void encodeOpen(Open m, Out out) {
        out.u8(m.version());
        out.u16(m.myAs());
        out.u16(m.holdTime());
        out.s32(m.bgpId());
        int lenAt = out.pos;
        out.u8(0);
        int params = 0;
        for (Capability c : m.capabilities()) {
            out.u8(2);
            int plenAt = out.pos;
            out.u8(0);
            encodeCapability(c, out);
            out.buf[plenAt] = (byte) (out.pos - plenAt - 1);
            params++;
        }
        int optLen = out.pos - lenAt - 1;
        if (optLen <= 255) {
            out.buf[lenAt] = (byte) optLen;
            return;
        }
        byte[] plain = Arrays.copyOfRange(out.buf, lenAt + 1, out.pos);
        out.pos = lenAt;
        out.u8(EXTENDED_OPT_PARAMS);
        out.u8(EXTENDED_OPT_PARAMS);
        out.u16(optLen + params); // each parameter's length grows by one octet
        for (int p = 0; p < plain.length; ) {
            int plen = plain[p + 1] & 0xff;
            out.u8(plain[p]);
            out.u16(plen);
            out.bytes(Arrays.copyOfRange(plain, p + 2, p + 2 + plen));
            p += 2 + plen;
        }
    }

    private static void encodeCapability(Capability c, Out out) {
        out.u8(c.code());
        int lenAt = out.pos;
        out.u8(0);
        switch (c) {
            case Capability.Multiprotocol mp -> {
                out.u16(mp.afi());
                out.u8(0);
                out.u8(mp.safi());
            }
            case Capability.RouteRefreshSupport r -> {
            }
            case Capability.ExtendedMessage x -> {
            }
            case Capability.EnhancedRouteRefresh x -> {
            }
            case Capability.FourOctetAs f -> out.s32((int) f.asn());
            case Capability.GracefulRestart g -> {
                out.u16((g.restarting() ? 0x8000 : 0) | (g.notification() ? 0x4000 : 0) | g.restartTime());
                for (Capability.GrFamily f : g.families()) {
                    out.u16(f.afi());
                    out.u8(f.safi());
                    out.u8(f.forwardingPreserved() ? 0x80 : 0);
                }
            }
            case Capability.Unknown u -> out.bytes(u.value());
        }
        out.buf[lenAt] = (byte) (out.pos - lenAt - 1);
    }

    private static void encodeUpdateBody(Update u, CodecOptions o, Out out) {
        int wAt = out.pos;
        out.u16(0);
        writePrefixes(u.withdrawn(), out);
        out.patch16(wAt, out.pos - wAt - 2);
        int aAt = out.pos;
        out.u16(0);
        for (PathAttribute a : u.attributes()) {
            encodeAttribute(a, o, out);
        }
        out.patch16(aAt, out.pos - aAt - 2);
        writePrefixes(u.nlri(), out);
    }

    /** Encodes path attributes only (flags, type, length, value each), e.g. to share them between UPDATEs. */
    public static byte[] encodeAttributes(List<PathAttribute> attrs, CodecOptions o) {
        Out out = new Out(64);
        for (PathAttribute a : attrs) {
            encodeAttribute(a, o, out);
        }
        return Arrays.copyOf(out.buf, out.pos);
    }

    static void encodeAttribute(PathAttribute a, CodecOptions o, Out out) {
        int flags = a instanceof PathAttribute.Unknown u ? u.flags() : AttributeTable.flags(a.typeCode());
        int start = out.pos;
        out.u8(flags);
        out.u8(a.typeCode());
        out.u8(0); // length placeholder, widened below if needed
        int vstart = out.pos;
        switch (a) {
            case PathAttribute.Origin x -> out.u8(x.value());
            case PathAttribute.AsPath x -> writeSegments(x.segments(), o.fourOctetAs() ? 4 : 2, out);
            case PathAttribute.NextHop x -> out.s32(x.address());
            case PathAttribute.MultiExitDisc x -> out.s32((int) x.value());
            case PathAttribute.LocalPref x -> out.s32((int) x.value());
            case PathAttribute.AtomicAggregate x -> {
            }
            case PathAttribute.Aggregator x -> {
                if (o.fourOctetAs()) {
                    out.s32((int) x.asn());
                } else {
                    out.u16(x.asn() > 0xffff ? Open.AS_TRANS : (int) x.asn());
                }
                out.s32(x.address());
            }
            case PathAttribute.Communities x -> {
                for (int v : x.values()) {
                    out.s32(v);
                }
            }
            case PathAttribute.OriginatorId x -> out.s32(x.id());
            case PathAttribute.ClusterList x -> {
                for (int v : x.ids()) {
                    out.s32(v);
                }
            }
            case PathAttribute.MpReach x -> {
                out.u16(x.family().afi());
                out.u8(x.family().safi());
                byte[] nh = x.nextHop();
                out.u8(nh.length);
                out.bytes(nh);
                out.u8(0);
                writePrefixes(x.nlri(), out);
            }
            case PathAttribute.MpUnreach x -> {
                out.u16(x.family().afi());
                out.u8(x.family().safi());
                writePrefixes(x.withdrawn(), out);
            }
            case PathAttribute.As4Path x -> writeSegments(x.segments(), 4, out);
            case PathAttribute.As4Aggregator x -> {
                out.s32((int) x.asn());
                out.s32(x.address());
            }
            case PathAttribute.Unknown x -> out.bytes(x.value());
        }
        int vlen = out.pos - vstart;
        if (vlen > 255) {
            out.insertByte(vstart - 1);
            out.buf[start] = (byte) (flags | PathAttribute.FLAG_EXTENDED_LENGTH);
            out.patch16(vstart - 1, vlen);
        } else {
            out.buf[vstart - 1] = (byte) vlen;
        }
    }

    private static void writeSegments(List<AsPathSegment> segs, int width, Out out) {
        for (AsPathSegment s : segs) {
            out.u8(s.type());
            out.u8(s.size());
            for (int i = 0; i < s.size(); i++) {
                long asn = s.asn(i);
                if (width == 4) {
                    out.s32((int) asn);
                } else {
                    out.u16(asn > 0xffff ? Open.AS_TRANS : (int) asn); // RFC 6793 §4.2.2
                }
            }
        }
    }

    static void writePrefixes(PrefixList l, Out out) {
        boolean v4 = l.family() == Family.IPV4_UNICAST;
        for (int i = 0; i < l.size(); i++) {
            if (v4) {
                writeV4(l.v4Key(i), out);
            } else {
                writeV6(l.v6Hi(i), l.v6Lo(i), l.v6Length(i), out);
            }
        }
    }

    static void writeV4(long key, Out out) {
        int len = (int) (key & 0xff);
        long a = key >>> 8;
        out.u8(len);
        int nb = (len + 7) >>> 3;
        for (int i = 0; i < nb; i++) {
            out.u8((int) (a >>> (24 - 8 * i)));
        }
    }

    static void writeV6(long hi, long lo, int len, Out out) {
        out.u8(len);
        int nb = (len + 7) >>> 3;
        for (int i = 0; i < nb; i++) {
            out.u8((int) (i < 8 ? hi >>> (56 - 8 * i) : lo >>> (56 - 8 * (i - 8))));
        }
    }

    /** Bytes a prefix takes in an NLRI field. */
    public static int prefixBytes(int length) {
        return 1 + ((length + 7) >>> 3);
    }

    // ------------------------------------------------------------------ packing

    /**
     * Packs announcements that share one attribute set into as few UPDATEs as fit in the session's maximum
     * (4,096 bytes, or 65,535 with Extended Messages, RFC 8654) each (RFC 4271 §9.2: a speaker SHOULD pack). {@code attrs} must not contain MP_REACH_NLRI; for families
     * other than IPv4 one is built per message from {@code mpNextHop}. Each message goes to {@code sink}.
     */
    public static void packAnnouncements(Family f, List<PathAttribute> attrs, byte[] mpNextHop, PrefixList prefixes,
            CodecOptions o, java.util.function.Consumer<byte[]> sink) {
        byte[] shared = encodeAttributes(attrs, o);
        int max = o.maxMessageLength(BgpMessage.TYPE_UPDATE);
        int i = 0;
        int n = prefixes.size();
        while (i < n) {
            Out out = new Out(Math.min(max, HEADER_LENGTH + 4 + shared.length + 64 + (f == Family.IPV4_UNICAST ? 5 : 17) * (n - i)));
            out.header();
            out.u16(0); // no withdrawn routes
            int aAt = out.pos;
            out.u16(0);
            out.bytes(shared);
            if (f == Family.IPV4_UNICAST) {
                out.patch16(aAt, shared.length);
                while (i < n) {
                    long k = prefixes.v4Key(i);
                    if (out.pos + prefixBytes((int) (k & 0xff)) > max) {
                        break;
                    }
                    writeV4(k, out);
                    i++;
                }
            } else {
                // MP_REACH_NLRI with extended length (the NLRI may exceed 255 bytes)
                out.u8(PathAttribute.FLAG_OPTIONAL | PathAttribute.FLAG_EXTENDED_LENGTH);
                out.u8(PathAttribute.MP_REACH_NLRI);
                int lenAt = out.pos;
                out.u16(0);
                int vstart = out.pos;
                out.u16(f.afi());
                out.u8(f.safi());
                out.u8(mpNextHop.length);
                out.bytes(mpNextHop);
                out.u8(0);
                int before = i;
                while (i < n) {
                    int len = prefixes.v6Length(i);
                    if (out.pos + prefixBytes(len) > max) {
                        break;
                    }
                    writeV6(prefixes.v6Hi(i), prefixes.v6Lo(i), len, out);
                    i++;
                }
                if (i == before) {
                    throw new IllegalArgumentException("attributes: too large to leave room for a single prefix");
                }
                out.patch16(lenAt, out.pos - vstart);
                out.patch16(aAt, out.pos - aAt - 2);
            }
            sink.accept(out.finish(BgpMessage.TYPE_UPDATE, max));
        }
    }

    /**
     * Packs withdrawals into as few UPDATEs as fit in the session's maximum (classic field for IPv4,
     * MP_UNREACH_NLRI otherwise).
     */
    public static void packWithdrawals(Family f, PrefixList prefixes, CodecOptions o, java.util.function.Consumer<byte[]> sink) {
        int max = o.maxMessageLength(BgpMessage.TYPE_UPDATE);
        int i = 0;
        int n = prefixes.size();
        while (i < n) {
            Out out = new Out(Math.min(max, HEADER_LENGTH + 16 + 17 * (n - i)));
            out.header();
            if (f == Family.IPV4_UNICAST) {
                int wAt = out.pos;
                out.u16(0);
                while (i < n) {
                    long k = prefixes.v4Key(i);
                    if (out.pos + prefixBytes((int) (k & 0xff)) + 2 > max) {
                        break;
                    }
                    writeV4(k, out);
                    i++;
                }
                out.patch16(wAt, out.pos - wAt - 2);
                out.u16(0);
            } else {
                out.u16(0);
                int aAt = out.pos;
                out.u16(0);
                out.u8(PathAttribute.FLAG_OPTIONAL | PathAttribute.FLAG_EXTENDED_LENGTH);
                out.u8(PathAttribute.MP_UNREACH_NLRI);
                int lenAt = out.pos;
                out.u16(0);
                int vstart = out.pos;
                out.u16(f.afi());
                out.u8(f.safi());
                while (i < n) {
                    int len = prefixes.v6Length(i);
                    if (out.pos + prefixBytes(len) > max) {
                        break;
                    }
                    writeV6(prefixes.v6Hi(i), prefixes.v6Lo(i), len, out);
                    i++;
                }
                out.patch16(lenAt, out.pos - vstart);
                out.patch16(aAt, out.pos - aAt - 2);
            }
            sink.accept(out.finish(BgpMessage.TYPE_UPDATE, max));
        }
    }

    // ------------------------------------------------------------------ bytes

    static int u16(byte[] b, int p) {
        return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
    }

    static int s32(byte[] b, int p) {
        return ((b[p] & 0xff) << 24) | ((b[p + 1] & 0xff) << 16) | ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
    }

    /** A growable output buffer. */
    static final class Out {
        byte[] buf;
        int pos;

        Out(int capacity) {
            buf = new byte[capacity];
        }

        void ensure(int n) {
            if (pos + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
            }
        }

        void u8(int v) {
            ensure(1);
            buf[pos++] = (byte) v;
        }

        void u16(int v) {
            ensure(2);
            buf[pos++] = (byte) (v >>> 8);
            buf[pos++] = (byte) v;
        }

        void s32(int v) {
            ensure(4);
            buf[pos++] = (byte) (v >>> 24);
            buf[pos++] = (byte) (v >>> 16);
            buf[pos++] = (byte) (v >>> 8);
            buf[pos++] = (byte) v;
        }

        void bytes(byte[] v) {
            ensure(v.length);
            System.arraycopy(v, 0, buf, pos, v.length);
            pos += v.length;
        }

        void patch16(int at, int v) {
            buf[at] = (byte) (v >>> 8);
            buf[at + 1] = (byte) v;
        }

        void insertByte(int at) {
            ensure(1);
            System.arraycopy(buf, at, buf, at + 1, pos - at);
            pos++;
        }

        void header() {
            ensure(HEADER_LENGTH);
            Arrays.fill(buf, 0, 16, (byte) 0xff);
            pos = HEADER_LENGTH;
        }

        byte[] finish(int type, int max) {
            if (pos > max) {
                throw new IllegalArgumentException("message: " + pos + " bytes exceed the " + max + "-byte maximum (RFC 4271 §4.1, RFC 8654)");
            }
            patch16(16, pos);
            buf[18] = (byte) type;
            return pos == buf.length ? buf : Arrays.copyOf(buf, pos);
        }
    }
}
