package dev.viaduct.bfd.packet;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The optional authentication section of a control packet (RFC 5880 §4.1-4.4), present exactly when the A bit
 * is set. Values are immutable: byte arrays are copied in and out.
 */
public sealed interface AuthSection {
    AuthType type();

    /** The Auth Key ID: which of the configured keys was used. */
    int keyId();

    /** The Auth Len byte: the section's length including the type and length bytes. */
    int length();

    /**
     * §4.2 Simple Password: {@code | type=1 | len | key id | password (1-16 bytes) |}, Auth Len = 3 + password
     * length.
     */
    record SimplePassword(int keyId, byte[] password) implements AuthSection {
        public SimplePassword {
            checkKeyId(keyId);
            if (password.length < 1 || password.length > 16) {
                throw new IllegalArgumentException("simple password must be 1-16 bytes (RFC 5880 §4.2), got " + password.length);
            }
            password = password.clone();
        }

        @Override
        public byte[] password() {
            return password.clone();
        }

        @Override
        public AuthType type() {
            return AuthType.SIMPLE_PASSWORD;
        }

        @Override
        public int length() {
            return 3 + password.length;
        }

        boolean passwordEquals(byte[] other) {
            return java.security.MessageDigest.isEqual(password, other);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SimplePassword p && p.keyId == keyId && Arrays.equals(p.password, password);
        }

        @Override
        public int hashCode() {
            return 31 * keyId + Arrays.hashCode(password);
        }

        @Override
        public String toString() {
            return "SimplePassword[keyId=" + keyId + ", password=<" + password.length + " bytes>]";
        }
    }

    /**
     * §4.3 Keyed MD5 / Meticulous Keyed MD5 and §4.4 Keyed SHA1 / Meticulous Keyed SHA1:
     * {@code | type | len | key id | reserved | sequence number (4) | digest (16 or 20) |}, Auth Len 24 or 28.
     * The Reserved byte is kept as received (it must be ignored, §4.3) because the digest covers it.
     */
    record KeyedDigest(AuthType type, int keyId, int reserved, long sequence, byte[] digest) implements AuthSection {
        public KeyedDigest {
            if (!type.keyed()) {
                throw new IllegalArgumentException(type + " is not a keyed digest type");
            }
            checkKeyId(keyId);
            if (reserved < 0 || reserved > 255) {
                throw new IllegalArgumentException("reserved is one byte, got " + reserved);
            }
            if (sequence < 0 || sequence > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("sequence number is 32 bits unsigned, got " + sequence);
            }
            if (digest.length != type.digestLength()) {
                throw new IllegalArgumentException(type + " digest must be " + type.digestLength() + " bytes, got " + digest.length);
            }
            digest = digest.clone();
        }

        @Override
        public byte[] digest() {
            return digest.clone();
        }

        @Override
        public int length() {
            return 8 + digest.length;
        }

        /** The same section with another digest (used to put the key in for hashing, §6.7.3). */
        KeyedDigest withDigest(byte[] other) {
            return new KeyedDigest(type, keyId, reserved, sequence, other);
        }

        boolean digestEquals(byte[] other) {
            return java.security.MessageDigest.isEqual(digest, other);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof KeyedDigest k && k.type == type && k.keyId == keyId && k.reserved == reserved
                    && k.sequence == sequence && Arrays.equals(k.digest, digest);
        }

        @Override
        public int hashCode() {
            return ((type.hashCode() * 31 + keyId) * 31 + Long.hashCode(sequence)) * 31 + Arrays.hashCode(digest);
        }

        @Override
        public String toString() {
            return "KeyedDigest[type=" + type + ", keyId=" + keyId + ", reserved=" + reserved + ", sequence=" + sequence
                    + ", digest=" + HexFormat.of().formatHex(digest) + "]";
        }
    }

    private static void checkKeyId(int keyId) {
        if (keyId < 0 || keyId > 255) {
            throw new IllegalArgumentException("Auth Key ID is one byte (0-255), got " + keyId);
        }
    }
}
