package dev.viaduct.bgp.wire;

import java.util.HexFormat;

/**
 * A message that cannot be accepted and ends the session ("session reset", RFC 7606 §2): carries the
 * NOTIFICATION to send (RFC 4271 §6) and a precise text naming the field. Errors the RFC 7606 handles
 * without a reset are reported as {@link AttributeError}s instead.
 */
public final class BgpDecodeException extends Exception {
    private final int code;
    private final int subcode;
    private final byte[] data;

    public BgpDecodeException(int code, int subcode, byte[] data, String detail) {
        super(ErrorCodes.describe(code, subcode) + ": " + detail);
        this.code = code;
        this.subcode = subcode;
        this.data = data.clone();
    }

    public BgpDecodeException(int code, int subcode, String detail) {
        this(code, subcode, new byte[0], detail);
    }

    public int code() {
        return code;
    }

    public int subcode() {
        return subcode;
    }

    public byte[] data() {
        return data.clone();
    }

    /** The NOTIFICATION that reports this error to the peer. */
    public BgpMessage.Notification notification() {
        return new BgpMessage.Notification(code, subcode, data);
    }

    @Override
    public String toString() {
        return "BgpDecodeException[" + getMessage() + (data.length == 0 ? "" : " data=" + HexFormat.of().formatHex(data)) + "]";
    }
}
