package dev.viaduct.bgp.wire;

import java.io.ByteArrayOutputStream;
import java.util.HexFormat;

/** Hand-built wire bytes for malformed-message tests (the codec would never produce them). */
public final class Raw {
    private final ByteArrayOutputStream b = new ByteArrayOutputStream();

    public static Raw of() {
        return new Raw();
    }

    public Raw u8(int... v) {
        for (int x : v) {
            b.write(x);
        }
        return this;
    }

    public Raw u16(int v) {
        b.write(v >> 8);
        b.write(v);
        return this;
    }

    public Raw u32(long v) {
        return u16((int) (v >>> 16)).u16((int) v);
    }

    public Raw hex(String h) {
        b.writeBytes(HexFormat.of().parseHex(h.replace(" ", "")));
        return this;
    }

    public Raw bytes(byte[] v) {
        b.writeBytes(v);
        return this;
    }

    /** Attribute with explicit flags, type and value bytes (length derived, 1 byte). */
    public Raw attr(int flags, int type, byte[] value) {
        return u8(flags, type, value.length).bytes(value);
    }

    public byte[] body() {
        return b.toByteArray();
    }

    public int size() {
        return b.size();
    }

    /** The body wrapped in a correct header of {@code type}. */
    public byte[] message(int type) {
        byte[] body = body();
        Raw m = new Raw();
        for (int i = 0; i < 16; i++) {
            m.u8(0xff);
        }
        m.u16(19 + body.length).u8(type).bytes(body);
        return m.body();
    }

    /** An UPDATE body: no withdrawn routes, these attribute bytes, this NLRI. */
    public static byte[] update(byte[] attrs, byte[] nlri) {
        return of().u16(0).u16(attrs.length).bytes(attrs).bytes(nlri).message(2);
    }

    public static final byte[] ORIGIN_IGP = {0x40, 1, 1, 0};
    public static final byte[] EMPTY_AS_PATH = {0x40, 2, 0};
    public static final byte[] NEXT_HOP_10_0_0_1 = {0x40, 3, 4, 10, 0, 0, 1};
    public static final byte[] NLRI_10_1_0_0_16 = {16, 10, 1};

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }
}
