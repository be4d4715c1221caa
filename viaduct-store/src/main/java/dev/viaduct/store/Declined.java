package dev.viaduct.store;

/**
 * "Not certain of this input: let the general path take it." A fast path that reads input only when it is sure
 * of the answer — {@link JsonCodec}'s record binding (else databind decodes and explains), viaduct-cli's {@code ctl}
 * command lines parsed without picocli (else picocli parses them) — throws this to hand the input back, so that
 * every error stays the general path's. Control flow, not an error: one preallocated instance, no stack trace.
 */
public final class Declined extends RuntimeException {
    public static final Declined INSTANCE = new Declined();

    private Declined() {
        super("declined", null, false, false);
    }
}
