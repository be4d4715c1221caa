package dev.viaduct.netlink.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Attribute TLVs: what the writer writes the parser reads back, and garbage only ever fails as a decode error. */
class AttributesPropertyTest {
    /** Describes nothing: every attribute passes through as raw bytes. */
    private static final AttributeTable RAW = AttributeTable.builder("raw", 200).build();

    /** One attribute of every kind, to exercise every length rule. */
    private static final AttributeTable TYPED = AttributeTable.builder("typed", 20)
            .add(1, "T_U8", AttributeKind.U8)
            .add(2, "T_U16", AttributeKind.U16)
            .add(3, "T_BE16", AttributeKind.BE16)
            .add(4, "T_U32", AttributeKind.U32)
            .add(5, "T_U64", AttributeKind.U64)
            .add(6, "T_STRING", AttributeKind.STRING)
            .add(7, "T_IP", AttributeKind.IP_ADDRESS)
            .add(8, "T_LL", AttributeKind.LINK_ADDRESS)
            .nested(9, "T_NEST", () -> AttributeTable.builder("inner", 4).add(1, "I_U32", AttributeKind.U32).build())
            .add(10, "T_BYTES", AttributeKind.BYTES)
            .build();

    record Raw(int type, byte[] value) {
    }

    @Provide
    Arbitrary<List<Raw>> rawAttributes() {
        return Combinators.combine(Arbitraries.integers().between(1, 200),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(70)).as(Raw::new).list().ofMaxSize(30);
    }

    @Property
    void rawAttributesRoundTripWithTheLastValueOfEachTypeWinning(@ForAll("rawAttributes") List<Raw> attrs) {
        MessageWriter w = new MessageWriter(8);
        Map<Integer, byte[]> last = new HashMap<>();
        for (Raw r : attrs) {
            w.attrBytes(r.type(), r.value());
            last.put(r.type(), r.value());
        }
        ByteBuffer b = wrap(w.toByteArray());
        Attributes a = Attributes.parse(b, 0, b.limit(), RAW, "test");
        for (int type = 1; type <= 200; type++) {
            if (last.containsKey(type)) {
                assertThat(a.bytes(type)).as("type %d", type).isEqualTo(last.get(type));
            } else {
                assertThat(a.has(type)).as("type %d", type).isFalse();
            }
        }
        assertThat(w.position() % 4).as("every attribute is padded to 4 bytes").isZero();
    }

    @Property
    void typedValuesRoundTrip(@ForAll @IntRange(min = 0, max = 255) int u8, @ForAll @IntRange(min = 0, max = 65535) int u16,
            @ForAll @IntRange(min = 0, max = 65535) int be16, @ForAll int u32, @ForAll long u64,
            @ForAll("strings") String s, @ForAll("addresses") InetAddress ip, @ForAll @Size(max = 32) byte[] ll,
            @ForAll int inner) {
        MessageWriter w = new MessageWriter(8);
        w.attrU8(1, u8).attrU16(2, u16).attrBe16(3, be16).attrU32(4, u32).attrU64(5, u64).attrString(6, s)
                .attrAddress(7, ip).attrBytes(8, ll);
        int nest = w.beginNested(9);
        w.attrU32(1, inner);
        w.endNested(nest);
        ByteBuffer b = wrap(w.toByteArray());
        Attributes a = Attributes.parse(b, 0, b.limit(), TYPED, "test");
        assertThat(a.u8(1)).isEqualTo(u8);
        assertThat(a.u16(2)).isEqualTo(u16);
        assertThat(a.be16(3)).isEqualTo(be16);
        assertThat(b.get(a.offset(3))).as("BE16 is big-endian on the wire").isEqualTo((byte) (be16 >>> 8));
        assertThat(a.u32(4)).isEqualTo(u32);
        assertThat(a.u64(5)).isEqualTo(u64);
        assertThat(a.string(6)).isEqualTo(s);
        assertThat(a.address(7)).isEqualTo(ip);
        assertThat(a.bytes(8)).isEqualTo(ll);
        assertThat(a.nested(9).u32(1)).isEqualTo(inner);
    }

    @Provide
    Arbitrary<String> strings() {
        return Arbitraries.strings().withCharRange('!', '~').ofMaxLength(40);
    }

    @Provide
    Arbitrary<InetAddress> addresses() {
        return Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofSize(4),
                Arbitraries.bytes().array(byte[].class).ofSize(16)).map(b -> Attributes.toAddress(b, "gen"));
    }

    @Property(tries = 3000)
    void randomBytesGiveOnlyTheTypedDecodeError(@ForAll @Size(max = 120) byte[] bytes) {
        ByteBuffer b = wrap(bytes);
        try {
            Attributes a = Attributes.parse(b, 0, b.limit(), TYPED, "fuzz");
            readEverything(a);
        } catch (NetlinkDecodeException expected) {
            assertThat(expected.getMessage()).startsWith("fuzz");
        }
    }

    private static void readEverything(Attributes a) {
        // Every accessor a decoder might call, on every type: each returns a value or a decode error.
        for (int t = 1; t <= 10; t++) {
            final int type = t;
            for (Runnable r : List.<Runnable>of(() -> a.u8(type), () -> a.u16(type), () -> a.be16(type),
                    () -> a.u32(type), () -> a.u64(type), () -> a.string(type), () -> a.bytes(type),
                    () -> a.address(type), () -> a.address(type, Uapi.AF_INET))) {
                try {
                    r.run();
                } catch (NetlinkDecodeException expected) {
                    // the only acceptable failure
                }
            }
        }
        if (a.has(9)) {
            try {
                a.nested(9).u32(1);
            } catch (NetlinkDecodeException expected) {
                // fine
            }
        }
    }

    @Property(tries = 3000)
    void randomDatagramsDecodeOnlyIntoMessagesOrTheTypedError(@ForAll @Size(max = 200) byte[] bytes) {
        ByteBuffer b = wrap(bytes);
        try {
            while (b.hasRemaining()) {
                int before = b.position();
                NetlinkMessage m = NetlinkMessage.decode(b);
                assertThat(b.position()).as("decode always advances").isGreaterThan(before);
                assertThat(m.header().length()).isBetween(16, bytes.length);
            }
        } catch (NetlinkDecodeException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @Example
    void aLengthThatContradictsTheKindNamesTheAttribute() {
        MessageWriter w = new MessageWriter();
        w.attrBytes(4, new byte[] {1, 2, 3});
        ByteBuffer b = wrap(w.toByteArray());
        assertThatThrownBy(() -> Attributes.parse(b, 0, b.limit(), TYPED, "RTM_NEWROUTE"))
                .isInstanceOf(NetlinkDecodeException.class)
                .hasMessage("RTM_NEWROUTE: T_U32 has 3 payload bytes, expected 4");
    }

    @Example
    void anAttributeLongerThanItsMessageNamesTheOffset() {
        MessageWriter w = new MessageWriter();
        w.attrU8(1, 7);
        w.u16(40).u16(4).u32(0x01020304);
        ByteBuffer b = wrap(w.toByteArray());
        assertThatThrownBy(() -> Attributes.parse(b, 0, b.limit(), TYPED, "ctx"))
                .isInstanceOf(NetlinkDecodeException.class)
                .hasMessage("ctx: attribute T_U32 at offset 8 has length 40 but 8 bytes remain");
    }

    @Example
    void aMissingAttributeIsADecodeErrorNamingIt() {
        ByteBuffer b = wrap(new byte[0]);
        Attributes a = Attributes.parse(b, 0, 0, TYPED, "ctx");
        assertThatThrownBy(() -> a.u32(4)).isInstanceOf(NetlinkDecodeException.class).hasMessage("ctx: T_U32 missing");
        assertThat(a.u32(4, 7)).isEqualTo(7);
    }

    @Example
    void upToThreeTrailingPaddingBytesAreTolerated() {
        MessageWriter w = new MessageWriter();
        w.attrU32(4, 99);
        byte[] withPad = java.util.Arrays.copyOf(w.toByteArray(), 11);
        ByteBuffer b = wrap(withPad);
        assertThat(Attributes.parse(b, 0, b.limit(), TYPED, "ctx").u32(4)).isEqualTo(99);
    }

    static ByteBuffer wrap(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
    }
}
