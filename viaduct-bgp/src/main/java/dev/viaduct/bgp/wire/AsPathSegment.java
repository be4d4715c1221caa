package dev.viaduct.bgp.wire;

import java.util.Arrays;

/**
 * One AS_PATH segment (RFC 4271 §4.3 b): AS_SET (1) or AS_SEQUENCE (2); confederation segments (RFC 5065:
 * 3 AS_CONFED_SEQUENCE, 4 AS_CONFED_SET) are carried but not counted in the path length. AS numbers are
 * unsigned 32-bit values held in ints.
 */
public record AsPathSegment(int type, int[] asns) {
    public static final int AS_SET = 1;
    public static final int AS_SEQUENCE = 2;
    public static final int AS_CONFED_SEQUENCE = 3;
    public static final int AS_CONFED_SET = 4;

    public AsPathSegment {
        if (type < AS_SET || type > AS_CONFED_SET) {
            throw new IllegalArgumentException("type: " + type + " is not a segment type (1..4)");
        }
        if (asns.length == 0 || asns.length > 255) {
            throw new IllegalArgumentException("asns: a segment holds 1..255 AS numbers, not " + asns.length);
        }
        asns = asns.clone();
    }

    public static AsPathSegment sequence(long... asns) {
        return new AsPathSegment(AS_SEQUENCE, toInts(asns));
    }

    public static AsPathSegment set(long... asns) {
        return new AsPathSegment(AS_SET, toInts(asns));
    }

    private static int[] toInts(long[] asns) {
        int[] r = new int[asns.length];
        for (int i = 0; i < asns.length; i++) {
            r[i] = (int) asns[i];
        }
        return r;
    }

    @Override
    public int[] asns() {
        return asns.clone();
    }

    public int size() {
        return asns.length;
    }

    public long asn(int i) {
        return asns[i] & 0xffffffffL;
    }

    /** Path-length contribution (RFC 4271 §9.1.2.2 a): a set counts 1, confederation segments 0. */
    public int pathLength() {
        return switch (type) {
            case AS_SEQUENCE -> asns.length;
            case AS_SET -> 1;
            default -> 0;
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AsPathSegment s && s.type == type && Arrays.equals(s.asns, asns);
    }

    @Override
    public int hashCode() {
        return type * 31 + Arrays.hashCode(asns);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < asns.length; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(asns[i] & 0xffffffffL);
        }
        return switch (type) {
            case AS_SET -> "{" + sb + "}";
            case AS_CONFED_SEQUENCE -> "(" + sb + ")";
            case AS_CONFED_SET -> "[" + sb + "]";
            default -> sb.toString();
        };
    }
}
