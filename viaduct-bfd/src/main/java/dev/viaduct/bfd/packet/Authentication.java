package dev.viaduct.bfd.packet;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * Signs and verifies the authentication section (RFC 5880 §6.7). Pure: the sequence number state
 * ({@code bfd.XmitAuthSeq}, {@code bfd.RcvAuthSeq}) belongs to the session, which passes the number in and
 * checks the received one itself.
 *
 * <p>Keyed MD5 and SHA1 (§6.7.3, §6.7.4): the digest field is filled with the key, zero-padded to the digest
 * length, the hash is computed over the whole packet (Length bytes), and the hash replaces the key. Verification
 * repeats this on the received packet with our key and compares in constant time. Because the codec's decoding
 * is lossless, re-encoding the decoded packet reproduces exactly the bytes the sender hashed.
 */
public final class Authentication {
    private Authentication() {
    }

    /** A failed verification: the reason and a detail for logs. */
    public record Failure(DiscardReason reason, String detail) {
    }

    /**
     * Returns {@code packet} with an authentication section for {@code key}. {@code sequence} is the
     * {@code bfd.XmitAuthSeq} to send (ignored for the simple password).
     */
    public static ControlPacket sign(ControlPacket packet, AuthKey key, long sequence) {
        if (key.type() == AuthType.SIMPLE_PASSWORD) {
            return packet.withAuth(Optional.of(new AuthSection.SimplePassword(key.keyId(), key.rawSecret())));
        }
        AuthSection.KeyedDigest withKey = new AuthSection.KeyedDigest(key.type(), key.keyId(), 0, sequence, key.paddedSecret());
        byte[] hash = hash(key.type(), BfdCodec.encode(packet.withAuth(Optional.of(withKey))));
        return packet.withAuth(Optional.of(withKey.withDigest(hash)));
    }

    /**
     * Checks the authentication section of a received packet against the key in use (§6.8.6 and §6.7.2-6.7.4,
     * except the sequence number window, which needs session state). Empty when it verifies.
     */
    public static Optional<Failure> verify(ControlPacket packet, Optional<AuthKey> inUse) {
        if (packet.auth().isEmpty()) {
            return inUse.isEmpty() ? Optional.empty()
                    : fail(DiscardReason.AUTH_MISSING, "A bit clear but " + inUse.get().type() + " is in use");
        }
        AuthSection section = packet.auth().get();
        if (inUse.isEmpty()) {
            return fail(DiscardReason.AUTH_UNEXPECTED, "A bit set (" + section.type() + ") but no authentication is configured");
        }
        AuthKey key = inUse.get();
        if (section.type() != key.type()) {
            return fail(DiscardReason.AUTH_TYPE_MISMATCH, "Auth Type " + section.type() + " but " + key.type() + " is in use");
        }
        if (section.keyId() != key.keyId()) {
            return fail(DiscardReason.AUTH_KEY_ID_MISMATCH, "Auth Key ID " + section.keyId() + " but key " + key.keyId() + " is configured");
        }
        return switch (section) {
            case AuthSection.SimplePassword s -> s.passwordEquals(key.rawSecret()) ? Optional.empty()
                    : fail(DiscardReason.AUTH_FAILED, "simple password does not match");
            case AuthSection.KeyedDigest k -> {
                byte[] expected = hash(key.type(), BfdCodec.encode(packet.withAuth(Optional.of(k.withDigest(key.paddedSecret())))));
                yield k.digestEquals(expected) ? Optional.empty()
                        : fail(DiscardReason.AUTH_FAILED, key.type() + " digest does not match (sequence " + k.sequence() + ")");
            }
        };
    }

    private static Optional<Failure> fail(DiscardReason reason, String detail) {
        return Optional.of(new Failure(reason, detail));
    }

    private static byte[] hash(AuthType type, byte[] wire) {
        try {
            return MessageDigest.getInstance(type.algorithm()).digest(wire);
        } catch (NoSuchAlgorithmException e) {
            // every Java SE implementation must provide MD5 and SHA-1 (MessageDigest javadoc)
            throw new IllegalStateException(e);
        }
    }
}
