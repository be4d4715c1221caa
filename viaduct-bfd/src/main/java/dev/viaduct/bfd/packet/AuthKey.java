package dev.viaduct.bfd.packet;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A configured authentication key (RFC 5880 §6.7): the type, the Key ID sent with it and the shared secret.
 * The secret is 1-16 bytes for the simple password and MD5 (§4.2, §4.3) and 1-20 bytes for SHA1 (§4.4); shorter
 * keys are zero-padded when hashed. {@link #toString()} never shows the secret.
 */
public record AuthKey(AuthType type, int keyId, byte[] secret) {
    public AuthKey {
        if (type == null) {
            throw new IllegalArgumentException("auth type is required");
        }
        if (keyId < 0 || keyId > 255) {
            throw new IllegalArgumentException("auth key id is one byte (0-255), got " + keyId);
        }
        int max = type == AuthType.SIMPLE_PASSWORD ? 16 : type.digestLength();
        if (secret == null || secret.length < 1 || secret.length > max) {
            throw new IllegalArgumentException(type + " secret must be 1-" + max + " bytes (RFC 5880 §4."
                    + (type == AuthType.SIMPLE_PASSWORD ? 2 : type.digestLength() == 16 ? 3 : 4) + "), got "
                    + (secret == null ? "none" : secret.length));
        }
        secret = secret.clone();
    }

    /** A key from an ASCII string, as RFC 5880 §6.7.2-6.7.4 require key management to accept. */
    public static AuthKey of(AuthType type, int keyId, String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            if (ascii.charAt(i) > 0x7e || ascii.charAt(i) < 0x20) {
                throw new IllegalArgumentException("auth secret must be printable ASCII; character " + i + " is not");
            }
        }
        return new AuthKey(type, keyId, ascii.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public byte[] secret() {
        return secret.clone();
    }

    /** The secret zero-padded to the digest length: what goes into the digest field before hashing (§6.7.3). */
    byte[] paddedSecret() {
        return Arrays.copyOf(secret, type.digestLength());
    }

    byte[] rawSecret() {
        return secret;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuthKey k && k.type == type && k.keyId == keyId && Arrays.equals(k.secret, secret);
    }

    @Override
    public int hashCode() {
        return (type.hashCode() * 31 + keyId) * 31 + Arrays.hashCode(secret);
    }

    @Override
    public String toString() {
        return "AuthKey[type=" + type + ", keyId=" + keyId + ", secret=<redacted>]";
    }
}
