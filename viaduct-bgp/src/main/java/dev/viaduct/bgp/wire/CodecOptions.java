package dev.viaduct.bgp.wire;

/**
 * What a session negotiated that changes the encoding: whether both sides announced the 4-octet AS
 * capability (RFC 6793 §4), which decides the width of AS numbers in AS_PATH and AGGREGATOR; Extended Messages
 * (RFC 8654), which lifts the 4,096-octet limit for every message but OPEN and KEEPALIVE; and Enhanced Route
 * Refresh (RFC 7313), which makes a ROUTE-REFRESH of the wrong length a ROUTE-REFRESH Message Error (§5).
 */
public record CodecOptions(boolean fourOctetAs, boolean extendedMessages, boolean enhancedRouteRefresh) {
    public static final CodecOptions FOUR_OCTET_AS = new CodecOptions(true, false, false);
    public static final CodecOptions TWO_OCTET_AS = new CodecOptions(false, false, false);

    /** The largest message of {@code type} allowed on the session, header included. */
    public int maxMessageLength(int type) {
        // RFC 8654 §3: the capability applies to all messages except OPEN and KEEPALIVE
        boolean extended = extendedMessages && type != BgpMessage.TYPE_OPEN && type != BgpMessage.TYPE_KEEPALIVE;
        return extended ? BgpCodec.MAX_EXTENDED_MESSAGE_LENGTH : BgpCodec.MAX_MESSAGE_LENGTH;
    }
}
