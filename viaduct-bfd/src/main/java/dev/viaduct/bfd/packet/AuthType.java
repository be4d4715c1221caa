package dev.viaduct.bfd.packet;

/** The Auth Type values of RFC 5880 §4.1 that this implementation speaks, with their section layouts. */
public enum AuthType {
    /** §4.2: Key ID + 1-16 byte password, sent in the clear. */
    SIMPLE_PASSWORD(1, 0),
    /** §4.3: Key ID, sequence number (may repeat), 16-byte MD5 digest. */
    KEYED_MD5(2, 16),
    /** §4.3: as {@link #KEYED_MD5}, but the sequence number increases with every packet. */
    METICULOUS_KEYED_MD5(3, 16),
    /** §4.4: Key ID, sequence number (may repeat), 20-byte SHA1 hash. */
    KEYED_SHA1(4, 20),
    /** §4.4: as {@link #KEYED_SHA1}, but the sequence number increases with every packet. */
    METICULOUS_KEYED_SHA1(5, 20);

    private final int code;
    private final int digestLength;

    AuthType(int code, int digestLength) {
        this.code = code;
        this.digestLength = digestLength;
    }

    /** The Auth Type byte. */
    public int code() {
        return code;
    }

    /** Digest/hash length in bytes (16 MD5, 20 SHA1), 0 for the simple password. */
    public int digestLength() {
        return digestLength;
    }

    /** Whether the section carries a sequence number and a digest (§4.3, §4.4). */
    public boolean keyed() {
        return digestLength > 0;
    }

    /** Whether the sequence number must increase with every packet (§6.7.3, §6.7.4). */
    public boolean meticulous() {
        return this == METICULOUS_KEYED_MD5 || this == METICULOUS_KEYED_SHA1;
    }

    /** The JCA algorithm of the digest ("MD5", "SHA-1"); only for keyed types. */
    String algorithm() {
        return switch (this) {
            case KEYED_MD5, METICULOUS_KEYED_MD5 -> "MD5";
            case KEYED_SHA1, METICULOUS_KEYED_SHA1 -> "SHA-1";
            case SIMPLE_PASSWORD -> throw new IllegalStateException("simple password has no digest");
        };
    }

    /** The type for an Auth Type byte, or null for reserved values (0, 6-255). */
    public static AuthType ofCode(int code) {
        for (AuthType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
