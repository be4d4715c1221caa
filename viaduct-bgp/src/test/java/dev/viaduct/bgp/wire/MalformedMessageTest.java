package dev.viaduct.bgp.wire;

import static dev.viaduct.bgp.wire.ErrorCodes.*;
import static dev.viaduct.bgp.wire.Raw.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.bgp.wire.AttributeError.Action;
import dev.viaduct.sys.net.IpPrefix;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One test per malformed-message case of RFC 4271 §6 and RFC 7606: the NOTIFICATION code/subcode (and data
 * where the RFC prescribes it) for errors that reset the session, and the RFC 7606 reaction (treat-as-withdraw
 * or attribute discard, applied to the decoded UPDATE) for those that do not.
 */
class MalformedMessageTest {
    final List<AttributeError> soft = new ArrayList<>();

    BgpMessage decode(byte[] m) throws BgpDecodeException {
        return BgpCodec.decode(m, 0, m.length, CodecOptions.FOUR_OCTET_AS, soft);
    }

    BgpDecodeException reset(byte[] m, int code, int subcode) {
        return (BgpDecodeException) assertThatThrownBy(() -> decode(m)).isInstanceOf(BgpDecodeException.class)
                .satisfies(e -> {
                    BgpDecodeException d = (BgpDecodeException) e;
                    assertThat(d.code()).as(d.getMessage()).isEqualTo(code);
                    assertThat(d.subcode()).as(d.getMessage()).isEqualTo(subcode);
                }).actual();
    }

    BgpMessage.Update withdrawnUpdate(byte[] m, int type, int subcode) throws BgpDecodeException {
        BgpMessage.Update u = (BgpMessage.Update) decode(m);
        assertThat(soft).anySatisfy(e -> {
            assertThat(e.action()).isEqualTo(Action.TREAT_AS_WITHDRAW);
            assertThat(e.typeCode()).isEqualTo(type);
            assertThat(e.subcode()).isEqualTo(subcode);
        });
        assertThat(u.nlri()).isEmpty();
        assertThat(u.attributes()).noneMatch(a -> a instanceof PathAttribute.Origin || a instanceof PathAttribute.NextHop);
        return u;
    }

    static byte[] valid(byte[]... attrs) {
        return update(concat(ORIGIN_IGP, EMPTY_AS_PATH, NEXT_HOP_10_0_0_1, concat(attrs)), NLRI_10_1_0_0_16);
    }

    // ------------------------------------------------------------------ header (RFC 4271 §6.1)

    @Test
    void badMarkerIsConnectionNotSynchronized() {
        byte[] m = BgpCodec.encode(BgpMessage.Keepalive.INSTANCE, CodecOptions.FOUR_OCTET_AS);
        m[3] = 0;
        reset(m, MESSAGE_HEADER, CONNECTION_NOT_SYNCHRONIZED);
    }

    @Test
    void lengthOutsideRangeIsBadMessageLengthWithTheLengthAsData() {
        byte[] m = BgpCodec.encode(BgpMessage.Keepalive.INSTANCE, CodecOptions.FOUR_OCTET_AS);
        m[16] = 0x10;
        m[17] = 0x01; // 4097
        assertThat(reset(m, MESSAGE_HEADER, BAD_MESSAGE_LENGTH).data()).containsExactly(0x10, 0x01);
        m[16] = 0;
        m[17] = 18;
        assertThat(reset(m, MESSAGE_HEADER, BAD_MESSAGE_LENGTH).data()).containsExactly(0, 18);
    }

    @Test
    void keepaliveWithABodyAndShortOpenAreBadMessageLength() {
        reset(of().u8(0).message(BgpMessage.TYPE_KEEPALIVE), MESSAGE_HEADER, BAD_MESSAGE_LENGTH);
        reset(of().u8(4, 0, 1).message(BgpMessage.TYPE_OPEN), MESSAGE_HEADER, BAD_MESSAGE_LENGTH);
        reset(of().u8(1).message(BgpMessage.TYPE_NOTIFICATION), MESSAGE_HEADER, BAD_MESSAGE_LENGTH);
        reset(of().u8(0, 0).message(BgpMessage.TYPE_UPDATE), MESSAGE_HEADER, BAD_MESSAGE_LENGTH);
    }

    @Test
    void unknownTypeIsBadMessageTypeWithTheTypeAsData() {
        assertThat(reset(of().message(7), MESSAGE_HEADER, BAD_MESSAGE_TYPE).data()).containsExactly(7);
    }

    static final CodecOptions ENHANCED_ROUTE_REFRESH = new CodecOptions(true, false, true);

    @Test
    void routeRefreshOfWrongLengthIsRfc7313ErrorWhenNegotiated() {
        // a BoRR (AFI 1, subtype 1, SAFI 1) with one octet too many: 7/1, data = the complete message (RFC 7313 §5)
        byte[] m = HexFormat.of().parseHex("ffffffffffffffffffffffffffffffff" + "0018" + "05" + "0001" + "01" + "01" + "00");
        BgpDecodeException e = (BgpDecodeException) assertThatThrownBy(() -> BgpCodec.decode(m, ENHANCED_ROUTE_REFRESH))
                .isInstanceOf(BgpDecodeException.class).actual();
        assertThat(e.notification()).isEqualTo(new BgpMessage.Notification(ROUTE_REFRESH_MESSAGE, INVALID_MESSAGE_LENGTH, m));
        byte[] shortOne = HexFormat.of().parseHex("ffffffffffffffffffffffffffffffff" + "0016" + "05" + "0001" + "02");
        assertThatThrownBy(() -> BgpCodec.decode(shortOne, ENHANCED_ROUTE_REFRESH)).isInstanceOfSatisfying(BgpDecodeException.class,
                d -> assertThat(d.notification()).isEqualTo(new BgpMessage.Notification(ROUTE_REFRESH_MESSAGE, INVALID_MESSAGE_LENGTH, shortOne)));
    }

    @Test
    void theNotificationForAMaximalMalformedRouteRefreshIsCutToFit() throws BgpDecodeException {
        byte[] m = of().u16(1).u8(1, 1).bytes(new byte[4096 - 23]).message(BgpMessage.TYPE_ROUTE_REFRESH);
        assertThat(m).hasSize(4096);
        BgpDecodeException e = (BgpDecodeException) assertThatThrownBy(() -> BgpCodec.decode(m, ENHANCED_ROUTE_REFRESH))
                .isInstanceOf(BgpDecodeException.class).actual();
        byte[] sent = BgpCodec.encode(e.notification(), ENHANCED_ROUTE_REFRESH);
        assertThat(sent).hasSize(4096);
        BgpMessage.Notification n = (BgpMessage.Notification) BgpCodec.decode(sent, ENHANCED_ROUTE_REFRESH);
        assertThat(n.data()).containsExactly(java.util.Arrays.copyOf(m, 4096 - 21));
    }

    @Test
    void unknownRouteRefreshSubtypeIsIgnoredWhateverItsLength() throws BgpDecodeException {
        // AFI 1, subtype 9, SAFI 1 and a stray octet: RFC 7313 §5 says ignore, not 7/1
        byte[] m = HexFormat.of().parseHex("ffffffffffffffffffffffffffffffff" + "0018" + "05" + "0001" + "09" + "01" + "00");
        BgpMessage.RouteRefresh r = (BgpMessage.RouteRefresh) BgpCodec.decode(m, ENHANCED_ROUTE_REFRESH);
        assertThat(r.kind(true)).isEqualTo(BgpMessage.RouteRefresh.Kind.IGNORED);
    }

    @Test
    void routeRefreshOfWrongLengthIsBadMessageLengthWithoutEnhancedRouteRefresh() {
        byte[] m = of().u16(1).u8(0, 1, 0).message(BgpMessage.TYPE_ROUTE_REFRESH);
        assertThat(reset(m, MESSAGE_HEADER, BAD_MESSAGE_LENGTH).data()).containsExactly(0, 24);
    }

    @Test
    void routeRefreshSubtypesMeanSomethingOnlyWhenNegotiated() throws BgpDecodeException {
        BgpMessage.RouteRefresh[] byByte = new BgpMessage.RouteRefresh[4];
        int[] subtypes = {0, 1, 2, 3};
        for (int i = 0; i < 4; i++) {
            byte[] m = HexFormat.of().parseHex("ffffffffffffffffffffffffffffffff" + "0017" + "05" + "0001" + "0" + subtypes[i] + "01");
            byByte[i] = (BgpMessage.RouteRefresh) BgpCodec.decode(m, ENHANCED_ROUTE_REFRESH);
        }
        assertThat(byByte[0].kind(true)).isEqualTo(BgpMessage.RouteRefresh.Kind.REQUEST);
        assertThat(byByte[1].kind(true)).isEqualTo(BgpMessage.RouteRefresh.Kind.BEGIN);
        assertThat(byByte[2].kind(true)).isEqualTo(BgpMessage.RouteRefresh.Kind.END);
        assertThat(byByte[3].kind(true)).isEqualTo(BgpMessage.RouteRefresh.Kind.IGNORED); // RFC 7313 §5
        for (BgpMessage.RouteRefresh r : byByte) {
            assertThat(r.kind(false)).isEqualTo(BgpMessage.RouteRefresh.Kind.REQUEST); // RFC 2918: Reserved, ignored
        }
    }

    // ------------------------------------------------------------------ OPEN (RFC 4271 §6.2, RFC 5492)

    static Raw open(int version, int as, int hold, long id) {
        return of().u8(version).u16(as).u16(hold).u32(id);
    }

    @Test
    void unsupportedVersionCarriesOurVersion() {
        assertThat(reset(open(3, 65001, 90, 0x01020304).u8(0).message(1), OPEN_MESSAGE, UNSUPPORTED_VERSION).data()).containsExactly(0, 4);
    }

    @Test
    void holdTimeOfOneOrTwoIsUnacceptable() {
        reset(open(4, 65001, 1, 0x01020304).u8(0).message(1), OPEN_MESSAGE, UNACCEPTABLE_HOLD_TIME);
        reset(open(4, 65001, 2, 0x01020304).u8(0).message(1), OPEN_MESSAGE, UNACCEPTABLE_HOLD_TIME);
    }

    @Test
    void zeroBgpIdentifierIsBad() {
        reset(open(4, 65001, 90, 0).u8(0).message(1), OPEN_MESSAGE, BAD_BGP_IDENTIFIER);
    }

    @Test
    void optionalParameterOtherThanCapabilitiesIsUnsupported() {
        // type 1 (deprecated authentication information)
        assertThat(reset(open(4, 65001, 90, 1).u8(3, 1, 1, 0).message(1), OPEN_MESSAGE, UNSUPPORTED_OPTIONAL_PARAMETER).data()).containsExactly(1);
    }

    @Test
    void optionalParameterOverrunIsAnOpenError() {
        reset(open(4, 65001, 90, 1).u8(4, 2, 9, 1, 0).message(1), OPEN_MESSAGE, 0);
    }

    @Test
    void unknownCapabilitiesAreKeptAndIgnored() throws BgpDecodeException {
        BgpMessage.Open o = (BgpMessage.Open) decode(open(4, 65001, 90, 1).u8(6, 2, 4, 200, 2, 0xab, 0xcd).message(1));
        assertThat(o.capabilities()).containsExactly(new Capability.Unknown(200, new byte[] {(byte) 0xab, (byte) 0xcd}));
    }

    @Test
    void malformedKnownCapabilityIsAnOpenError() {
        // 4-octet AS capability with 2 bytes
        reset(open(4, 65001, 90, 1).u8(6, 2, 4, 65, 2, 0, 1).message(1), OPEN_MESSAGE, 0);
    }

    // ------------------------------------------------------------------ UPDATE lengths (RFC 7606 §4, §5.3)

    @Test
    void withdrawnLengthOverrunIsMalformedAttributeList() {
        reset(of().u16(50).u16(0).message(2), UPDATE_MESSAGE, MALFORMED_ATTRIBUTE_LIST);
    }

    @Test
    void totalAttributeLengthOverrunIsMalformedAttributeList() {
        reset(of().u16(0).u16(40).bytes(ORIGIN_IGP).message(2), UPDATE_MESSAGE, MALFORMED_ATTRIBUTE_LIST);
    }

    @Test
    void prefixLongerThan32IsInvalidNetworkField() {
        reset(update(concat(ORIGIN_IGP, EMPTY_AS_PATH, NEXT_HOP_10_0_0_1), new byte[] {33, 1, 2, 3, 4, 5}), UPDATE_MESSAGE, INVALID_NETWORK_FIELD);
    }

    @Test
    void prefixBytesOverrunIsInvalidNetworkField() {
        reset(update(concat(ORIGIN_IGP, EMPTY_AS_PATH, NEXT_HOP_10_0_0_1), new byte[] {24, 10, 1}), UPDATE_MESSAGE, INVALID_NETWORK_FIELD);
        reset(of().u16(2).u8(32, 10).u16(0).message(2), UPDATE_MESSAGE, INVALID_NETWORK_FIELD);
    }

    @Test
    void badPrefixInsideMpReachResetsTheSession() {
        byte[] mp = of().u16(2).u8(1, 16).bytes(new byte[16]).u8(0).u8(129).bytes(new byte[17]).body();
        reset(valid(of().u8(0x80, 14, mp.length).bytes(mp).body()), UPDATE_MESSAGE, OPTIONAL_ATTRIBUTE_ERROR);
    }

    @Test
    void mpReachNextHopLengthMismatchResetsTheSession() {
        byte[] mp = of().u16(2).u8(1, 4, 10, 0, 0, 1, 0).body();
        reset(valid(of().u8(0x80, 14, mp.length).bytes(mp).body()), UPDATE_MESSAGE, OPTIONAL_ATTRIBUTE_ERROR);
    }

    @Test
    void attributeOverrunningTheAttributeFieldIsTreatAsWithdraw() throws BgpDecodeException {
        byte[] attrs = concat(ORIGIN_IGP, EMPTY_AS_PATH, new byte[] {0x40, 3, 9, 10, 0, 0, 1});
        BgpMessage.Update u = withdrawnUpdate(update(attrs, NLRI_10_1_0_0_16), PathAttribute.NEXT_HOP, ATTRIBUTE_LENGTH_ERROR);
        assertThat(u.withdrawn()).containsExactly(IpPrefix.parse("10.1.0.0/16"));
    }

    @Test
    void truncatedAttributeHeaderIsTreatAsWithdraw() throws BgpDecodeException {
        byte[] attrs = concat(ORIGIN_IGP, EMPTY_AS_PATH, NEXT_HOP_10_0_0_1, new byte[] {(byte) 0xc0, 8});
        withdrawnUpdate(update(attrs, NLRI_10_1_0_0_16), 0, MALFORMED_ATTRIBUTE_LIST);
    }

    // ------------------------------------------------------------------ attribute flags and lengths (RFC 7606 §3, §7)

    @Test
    void wellKnownAttributeFlaggedOptionalIsTreatAsWithdraw() throws BgpDecodeException {
        byte[] m = update(concat(new byte[] {(byte) 0xc0, 1, 1, 0}, EMPTY_AS_PATH, NEXT_HOP_10_0_0_1), NLRI_10_1_0_0_16);
        withdrawnUpdate(m, PathAttribute.ORIGIN, ATTRIBUTE_FLAGS_ERROR);
    }

    @Test
    void partialBitOnWellKnownAttributeIsAFlagsError() throws BgpDecodeException {
        byte[] m = update(concat(ORIGIN_IGP, EMPTY_AS_PATH, new byte[] {0x60, 3, 4, 10, 0, 0, 1}), NLRI_10_1_0_0_16);
        withdrawnUpdate(m, PathAttribute.NEXT_HOP, ATTRIBUTE_FLAGS_ERROR);
    }

    @Test
    void aggregatorWithWrongFlagsIsDiscardedAndTheRouteKept() throws BgpDecodeException {
        byte[] m = valid(of().attr(0x40, 7, new byte[8]).body());
        BgpMessage.Update u = (BgpMessage.Update) decode(m);
        assertThat(u.nlri()).containsExactly(IpPrefix.parse("10.1.0.0/16"));
        assertThat(u.attributes()).noneMatch(a -> a instanceof PathAttribute.Aggregator);
        assertThat(soft).singleElement().satisfies(e -> {
            assertThat(e.action()).isEqualTo(Action.ATTRIBUTE_DISCARD);
            assertThat(e.subcode()).isEqualTo(ATTRIBUTE_FLAGS_ERROR);
        });
    }

    @Test
    void wrongFixedLengthsAreTreatAsWithdraw() throws BgpDecodeException {
        withdrawnUpdate(update(concat(new byte[] {0x40, 1, 2, 0, 0}, EMPTY_AS_PATH, NEXT_HOP_10_0_0_1), NLRI_10_1_0_0_16),
                PathAttribute.ORIGIN, ATTRIBUTE_LENGTH_ERROR);
        soft.clear();
        withdrawnUpdate(valid(of().attr(0x80, 4, new byte[3]).body()), PathAttribute.MULTI_EXIT_DISC, ATTRIBUTE_LENGTH_ERROR);
        soft.clear();
        withdrawnUpdate(valid(of().attr(0x40, 5, new byte[5]).body()), PathAttribute.LOCAL_PREF, ATTRIBUTE_LENGTH_ERROR);
        soft.clear();
        withdrawnUpdate(valid(of().attr(0xc0, 8, new byte[6]).body()), PathAttribute.COMMUNITIES, ATTRIBUTE_LENGTH_ERROR);
        soft.clear();
        withdrawnUpdate(valid(of().attr(0x80, 9, new byte[3]).body()), PathAttribute.ORIGINATOR_ID, ATTRIBUTE_LENGTH_ERROR);
        soft.clear();
        withdrawnUpdate(valid(of().attr(0x80, 10, new byte[5]).body()), PathAttribute.CLUSTER_LIST, ATTRIBUTE_LENGTH_ERROR);
    }

    @Test
    void atomicAggregateWithAValueIsDiscarded() throws BgpDecodeException {
        BgpMessage.Update u = (BgpMessage.Update) decode(valid(of().attr(0x40, 6, new byte[1]).body()));
        assertThat(u.nlri()).hasSize(1);
        assertThat(soft).singleElement().extracting(AttributeError::action).isEqualTo(Action.ATTRIBUTE_DISCARD);
    }

    @Test
    void invalidOriginValueIsTreatAsWithdraw() throws BgpDecodeException {
        withdrawnUpdate(update(concat(new byte[] {0x40, 1, 1, 3}, EMPTY_AS_PATH, NEXT_HOP_10_0_0_1), NLRI_10_1_0_0_16),
                PathAttribute.ORIGIN, INVALID_ORIGIN_ATTRIBUTE);
    }

    @Test
    void martianNextHopIsTreatAsWithdraw() throws BgpDecodeException {
        withdrawnUpdate(update(concat(ORIGIN_IGP, EMPTY_AS_PATH, new byte[] {0x40, 3, 4, 0, 0, 0, 0}), NLRI_10_1_0_0_16),
                PathAttribute.NEXT_HOP, INVALID_NEXT_HOP_ATTRIBUTE);
        soft.clear();
        withdrawnUpdate(update(concat(ORIGIN_IGP, EMPTY_AS_PATH, new byte[] {0x40, 3, 4, (byte) 224, 0, 0, 1}), NLRI_10_1_0_0_16),
                PathAttribute.NEXT_HOP, INVALID_NEXT_HOP_ATTRIBUTE);
    }

    @Test
    void unrecognizedWellKnownAttributeResetsWithTheAttributeAsData() {
        byte[] attr = {0x40, 99, 1, 7};
        assertThat(reset(valid(attr), UPDATE_MESSAGE, UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE).data()).containsExactly(attr);
    }

    @Test
    void unknownOptionalTransitiveAttributeIsKept() throws BgpDecodeException {
        BgpMessage.Update u = (BgpMessage.Update) decode(valid(of().attr(0xc0, 99, new byte[] {1, 2}).body()));
        assertThat(u.attributes()).contains(new PathAttribute.Unknown(0xc0, 99, new byte[] {1, 2}));
        assertThat(soft).isEmpty();
    }

    // ------------------------------------------------------------------ duplicates (RFC 7606 §3 g)

    @Test
    void duplicateAttributeKeepsTheFirst() throws BgpDecodeException {
        BgpMessage.Update u = (BgpMessage.Update) decode(valid(new byte[] {0x40, 1, 1, 2}));
        assertThat(u.attributes()).contains(new PathAttribute.Origin(0)).doesNotContain(new PathAttribute.Origin(2));
        assertThat(u.nlri()).hasSize(1);
        assertThat(soft).singleElement().satisfies(e -> {
            assertThat(e.action()).isEqualTo(Action.ATTRIBUTE_DISCARD);
            assertThat(e.typeCode()).isEqualTo(PathAttribute.ORIGIN);
        });
    }

    @Test
    void duplicateMpReachResetsTheSession() {
        byte[] mp = of().u16(2).u8(1, 16).bytes(new byte[16]).u8(0).body();
        byte[] attr = of().u8(0x80, 14, mp.length).bytes(mp).body();
        reset(valid(attr, attr), UPDATE_MESSAGE, MALFORMED_ATTRIBUTE_LIST);
    }

    // ------------------------------------------------------------------ AS_PATH (RFC 7606 §7.2, RFC 6793 §6)

    @Test
    void asPathErrorsAreTreatAsWithdraw() throws BgpDecodeException {
        byte[][] bad = {
            {0x40, 2, 6, 5, 1, 0, 0, (byte) 0xfd, (byte) 0xe9}, // segment type 5
            {0x40, 2, 2, 2, 0}, // zero-length segment
            {0x40, 2, 6, 2, 2, 0, 0, (byte) 0xfd, (byte) 0xe9}, // 2 ASes announced, 1 present
            {0x40, 2, 1, 2}, // truncated segment header
        };
        for (byte[] asPath : bad) {
            soft.clear();
            withdrawnUpdate(update(concat(ORIGIN_IGP, asPath, NEXT_HOP_10_0_0_1), NLRI_10_1_0_0_16), PathAttribute.AS_PATH, MALFORMED_AS_PATH);
        }
    }

    @Test
    void malformedAs4PathIsDiscarded() throws BgpDecodeException {
        BgpMessage.Update u = (BgpMessage.Update) decode(valid(of().attr(0xc0, 17, new byte[] {2, 0}).body()));
        assertThat(u.nlri()).hasSize(1);
        assertThat(soft).singleElement().satisfies(e -> {
            assertThat(e.action()).isEqualTo(Action.ATTRIBUTE_DISCARD);
            assertThat(e.typeCode()).isEqualTo(PathAttribute.AS4_PATH);
        });
    }

    // ------------------------------------------------------------------ missing well-known (RFC 7606 §3 d)

    @Test
    void missingWellKnownAttributesAreTreatAsWithdraw() throws BgpDecodeException {
        withdrawnUpdate(update(concat(EMPTY_AS_PATH, NEXT_HOP_10_0_0_1), NLRI_10_1_0_0_16), PathAttribute.ORIGIN, MISSING_WELL_KNOWN_ATTRIBUTE);
        soft.clear();
        withdrawnUpdate(update(concat(ORIGIN_IGP, NEXT_HOP_10_0_0_1), NLRI_10_1_0_0_16), PathAttribute.AS_PATH, MISSING_WELL_KNOWN_ATTRIBUTE);
        soft.clear();
        withdrawnUpdate(update(concat(ORIGIN_IGP, EMPTY_AS_PATH), NLRI_10_1_0_0_16), PathAttribute.NEXT_HOP, MISSING_WELL_KNOWN_ATTRIBUTE);
    }

    @Test
    void mpReachNeedsNoNextHopAttribute() throws BgpDecodeException {
        byte[] mp = of().u16(2).u8(1, 16).bytes(new byte[16]).u8(0).u8(64).hex("fd00000000000001").body();
        BgpMessage.Update u = (BgpMessage.Update) decode(update(concat(ORIGIN_IGP, EMPTY_AS_PATH, of().u8(0x80, 14, mp.length).bytes(mp).body()), new byte[0]));
        assertThat(soft).isEmpty();
        assertThat(u.attribute(PathAttribute.MpReach.class).orElseThrow().nlri()).containsExactly(IpPrefix.parse("fd00:0:0:1::/64"));
    }

    // ------------------------------------------------------------------ no NLRI at all (RFC 7606 §5.2)

    @Test
    void malformedAttributesWithNoNlriAtAllResetTheSession() {
        // ORIGIN 3 (invalid), empty AS_PATH, NEXT_HOP 10.0.0.1; no withdrawn routes, no NLRI, no MP_(UN)REACH_NLRI
        byte[] m = HexFormat.of().parseHex("ffffffffffffffffffffffffffffffff" + "0025" + "02" + "0000" + "000e"
                + "40010103" + "400200" + "4003040a000001");
        BgpDecodeException e = reset(m, UPDATE_MESSAGE, INVALID_ORIGIN_ATTRIBUTE);
        assertThat(e.data()).containsExactly(0x40, 1, 1, 3); // RFC 4271 §6.3: the erroneous attribute
        assertThat(e.getMessage()).contains("RFC 7606 §5.2");
    }

    @Test
    void malformedAttributesWithOnlyWithdrawnRoutesResetTheSessionToo() {
        byte[] m = of().u16(3).u8(16, 10, 1).u16(7).bytes(new byte[] {0x40, 1, 1, 3}).bytes(EMPTY_AS_PATH).message(2);
        reset(m, UPDATE_MESSAGE, INVALID_ORIGIN_ATTRIBUTE);
    }

    @Test
    void malformedAttributesNextToMpUnreachStayTreatAsWithdraw() throws BgpDecodeException {
        byte[] unreach = of().u16(2).u8(1).u8(64).hex("fd00000000000001").body();
        BgpMessage.Update u = (BgpMessage.Update) decode(update(concat(new byte[] {0x40, 1, 1, 3}, of().u8(0x80, 15, unreach.length).bytes(unreach).body()),
                new byte[0]));
        assertThat(soft).singleElement().extracting(AttributeError::action).isEqualTo(Action.TREAT_AS_WITHDRAW);
        assertThat(u.attribute(PathAttribute.MpUnreach.class).orElseThrow().withdrawn()).containsExactly(IpPrefix.parse("fd00:0:0:1::/64"));
    }

    @Test
    void discardableErrorWithNoNlriIsNoReset() throws BgpDecodeException {
        // ATOMIC_AGGREGATE with a value is attribute-discard (RFC 7606 §7.6): §5.2 does not apply
        byte[] m = update(concat(ORIGIN_IGP, EMPTY_AS_PATH, of().attr(0x40, 6, new byte[1]).body()), new byte[0]);
        assertThat(decode(m)).isInstanceOf(BgpMessage.Update.class);
        assertThat(soft).singleElement().extracting(AttributeError::action).isEqualTo(Action.ATTRIBUTE_DISCARD);
    }

    @Test
    void treatAsWithdrawTurnsMpReachIntoMpUnreach() throws BgpDecodeException {
        byte[] mp = of().u16(2).u8(1, 16).bytes(new byte[16]).u8(0).u8(64).hex("fd00000000000001").body();
        BgpMessage.Update u = withdrawnUpdate(update(concat(new byte[] {0x40, 1, 1, 7}, EMPTY_AS_PATH, of().u8(0x80, 14, mp.length).bytes(mp).body()), new byte[0]),
                PathAttribute.ORIGIN, INVALID_ORIGIN_ATTRIBUTE);
        assertThat(u.attribute(PathAttribute.MpUnreach.class).orElseThrow().withdrawn()).containsExactly(IpPrefix.parse("fd00:0:0:1::/64"));
        assertThat(u.attribute(PathAttribute.MpReach.class)).isEmpty();
    }

    @Test
    void treatAsWithdrawOfTwoFamiliesKeepsOneMpUnreach() throws BgpDecodeException {
        // MP_UNREACH for IPv6 ::/0, MP_REACH for IPv4 10.9.0.0/16, and an ORIGIN of value 7 (treat-as-withdraw)
        byte[] unreach = of().u16(2).u8(1, 0).body();
        byte[] reach = of().u16(1).u8(1, 4, 10, 0, 0, 1, 0, 16, 10, 9).body();
        byte[] m = update(concat(of().u8(0x80, 15, unreach.length).bytes(unreach).body(), of().u8(0x80, 14, reach.length).bytes(reach).body(),
                new byte[] {0x40, 1, 1, 7}, EMPTY_AS_PATH), new byte[0]);
        BgpMessage.Update u = withdrawnUpdate(m, PathAttribute.ORIGIN, INVALID_ORIGIN_ATTRIBUTE);
        // RFC 7606 §3 g: one MP_UNREACH_NLRI per UPDATE, so the IPv4 withdrawals move to the Withdrawn Routes field
        assertThat(u.attributes()).containsExactly(new PathAttribute.MpUnreach(Family.IPV6_UNICAST, PrefixList.of(IpPrefix.parse("::/0"))));
        assertThat(u.withdrawn()).containsExactly(IpPrefix.parse("10.9.0.0/16"));
        assertThat(BgpCodec.decode(BgpCodec.encode(u, CodecOptions.FOUR_OCTET_AS), CodecOptions.FOUR_OCTET_AS)).isEqualTo(u);
    }
}
