package dev.viaduct.agent.pod;

/** The kernel refused part of a pod's wiring; the message names the operation and the kernel's reason. */
public final class DataplaneException extends Exception {
    private final boolean namespaceMissing;

    public DataplaneException(String message, Throwable cause, boolean namespaceMissing) {
        super(message, cause);
        this.namespaceMissing = namespaceMissing;
    }

    public DataplaneException(String message) {
        this(message, null, false);
    }

    /** The pod's network namespace does not exist (any more). */
    public boolean namespaceMissing() {
        return namespaceMissing;
    }
}
