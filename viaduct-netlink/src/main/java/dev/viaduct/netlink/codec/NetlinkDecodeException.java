package dev.viaduct.netlink.codec;

/**
 * Bytes that are not a well-formed netlink message: a length that overruns its buffer, an attribute whose
 * size contradicts its type, a field out of range. It is the only exception the decoders throw for bad
 * input — never {@code IndexOutOfBoundsException} or {@code BufferUnderflowException} — and its message
 * names what was being decoded and which field was wrong.
 */
public final class NetlinkDecodeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NetlinkDecodeException(String message) {
        super(message);
    }
}
