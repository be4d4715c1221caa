package dev.viaduct.bgp.wire;

/**
 * What a session negotiated that changes the encoding: whether both sides announced the 4-octet AS
 * capability (RFC 6793 §4), which decides the width of AS numbers in AS_PATH and AGGREGATOR.
 */
public record CodecOptions(boolean fourOctetAs) {
    public static final CodecOptions FOUR_OCTET_AS = new CodecOptions(true);
    public static final CodecOptions TWO_OCTET_AS = new CodecOptions(false);
}
