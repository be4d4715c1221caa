package dev.viaduct.bgp.wire;

/**
 * A malformed attribute that RFC 7606 handles without resetting the session: the attribute is discarded
 * (§2 "attribute discard") or the whole UPDATE's NLRI is withdrawn (§2 "treat-as-withdraw"). The
 * code/subcode say what RFC 4271 §6.3 would have sent; nothing is sent.
 */
public record AttributeError(int typeCode, Action action, int subcode, String detail) {
    public enum Action {
        /** The UPDATE's announcements were turned into withdrawals. */
        TREAT_AS_WITHDRAW,
        /** The attribute was dropped and the UPDATE processed without it. */
        ATTRIBUTE_DISCARD
    }

    @Override
    public String toString() {
        return action + " type=" + typeCode + " " + ErrorCodes.describe(ErrorCodes.UPDATE_MESSAGE, subcode) + ": " + detail;
    }
}
