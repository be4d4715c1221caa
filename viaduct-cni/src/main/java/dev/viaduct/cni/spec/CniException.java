package dev.viaduct.cni.spec;

/**
 * A failure reported to the runtime as the CNI error object: {@code msg} is a short statement a person can
 * act on, {@code details} the underlying cause.
 */
public final class CniException extends Exception {
    private final CniErrorCode code;
    private final String details;

    public CniException(CniErrorCode code, String msg, String details) {
        super(msg);
        this.code = code;
        this.details = details == null ? "" : details;
    }

    public CniException(CniErrorCode code, String msg) {
        this(code, msg, "");
    }

    public CniErrorCode code() {
        return code;
    }

    public String details() {
        return details;
    }
}
