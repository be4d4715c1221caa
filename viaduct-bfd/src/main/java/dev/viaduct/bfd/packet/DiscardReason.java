package dev.viaduct.bfd.packet;

/**
 * Why a received control packet was discarded: one value per reception check, named after the RFC rule it
 * enforces. Used by the decoder (packet-only checks), the session (authentication, state) and the transport
 * (GTSM, demultiplexing), so every discard is counted under one name.
 */
public enum DiscardReason {
    /** RFC 5881 §5 (GTSM): single-hop packets must arrive with TTL / Hop Limit 255. */
    TTL_NOT_255("RFC 5881 §5"),
    /** The payload is too short to hold the fields being checked (no Length byte). */
    TRUNCATED("RFC 5880 §6.8.6"),
    /** "If the version number is not correct (1), the packet MUST be discarded." */
    BAD_VERSION("RFC 5880 §6.8.6"),
    /** Length below 24 (A clear) or 26 (A set). */
    LENGTH_BELOW_MINIMUM("RFC 5880 §6.8.6"),
    /** Length greater than the UDP payload. */
    LENGTH_EXCEEDS_PAYLOAD("RFC 5880 §6.8.6"),
    /**
     * Length does not equal 24 plus the Auth Len of the section the A bit announces (stricter than §6.8.6,
     * which only bounds it: no BFD version-1 packet carries bytes beyond its sections).
     */
    LENGTH_MISMATCH("RFC 5880 §4.1"),
    /** "If the Detect Mult field is zero, the packet MUST be discarded." */
    DETECT_MULT_ZERO("RFC 5880 §6.8.6"),
    /** "If the Multipoint (M) bit is nonzero, the packet MUST be discarded." */
    MULTIPOINT_SET("RFC 5880 §6.8.6"),
    /** "A BFD Control packet MUST NOT have both the Poll (P) and Final (F) bits set." */
    POLL_AND_FINAL("RFC 5880 §6.5"),
    /** "If the My Discriminator field is zero, the packet MUST be discarded." */
    MY_DISCRIMINATOR_ZERO("RFC 5880 §6.8.6"),
    /** "If the Your Discriminator field is zero and the State field is not Down or AdminDown, ... discarded." */
    YOUR_DISCRIMINATOR_ZERO_NOT_DOWN("RFC 5880 §6.8.6"),
    /** Auth Type reserved (0, 6-255) or Auth Len wrong for its type. */
    AUTH_SECTION_MALFORMED("RFC 5880 §4.2-4.4"),
    /** Your Discriminator selects no session, or Your Discriminator is zero and no session matches the addresses. */
    NO_SESSION("RFC 5880 §6.8.6"),
    /** "If the A bit is set and no authentication is in use (bfd.AuthType is zero), the packet MUST be discarded." */
    AUTH_UNEXPECTED("RFC 5880 §6.8.6"),
    /** "If the A bit is clear and authentication is in use (bfd.AuthType is nonzero), the packet MUST be discarded." */
    AUTH_MISSING("RFC 5880 §6.8.6"),
    /** "If the Auth Type field does not match the authentication type in use, the packet MUST be discarded." */
    AUTH_TYPE_MISMATCH("RFC 5880 §6.7.2-6.7.4"),
    /** "If the Auth Key ID field does not match the ID of a configured authentication key, ... discarded." */
    AUTH_KEY_ID_MISMATCH("RFC 5880 §6.7.2-6.7.4"),
    /** The password, MD5 digest or SHA1 hash does not match. */
    AUTH_FAILED("RFC 5880 §6.7.2-6.7.4"),
    /** The sequence number lies outside the window bfd.RcvAuthSeq..+3*Detect Mult (+1 for meticulous). */
    AUTH_SEQUENCE_OUT_OF_WINDOW("RFC 5880 §6.7.3-6.7.4"),
    /** "If bfd.SessionState is AdminDown: Discard the packet" (after noting the remote's fields). */
    LOCAL_ADMIN_DOWN("RFC 5880 §6.8.6");

    private final String rule;

    DiscardReason(String rule) {
        this.rule = rule;
    }

    /** The RFC section that mandates the check. */
    public String rule() {
        return rule;
    }
}
