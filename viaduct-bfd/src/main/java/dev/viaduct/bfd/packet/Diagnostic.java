package dev.viaduct.bfd.packet;

/**
 * The 5-bit Diagnostic (Diag) field of RFC 5880 §4.1: the sender's reason for its last state change. Codes 0-8
 * are defined; 9-31 are reserved (RFC 6428 uses 9) and must survive decoding and re-encoding unchanged, so this
 * is a value wrapping the code rather than an enum.
 */
public record Diagnostic(int code) {
    public static final Diagnostic NONE = new Diagnostic(0);
    public static final Diagnostic CONTROL_DETECTION_TIME_EXPIRED = new Diagnostic(1);
    public static final Diagnostic ECHO_FUNCTION_FAILED = new Diagnostic(2);
    public static final Diagnostic NEIGHBOR_SIGNALED_SESSION_DOWN = new Diagnostic(3);
    public static final Diagnostic FORWARDING_PLANE_RESET = new Diagnostic(4);
    public static final Diagnostic PATH_DOWN = new Diagnostic(5);
    public static final Diagnostic CONCATENATED_PATH_DOWN = new Diagnostic(6);
    public static final Diagnostic ADMINISTRATIVELY_DOWN = new Diagnostic(7);
    public static final Diagnostic REVERSE_CONCATENATED_PATH_DOWN = new Diagnostic(8);

    private static final String[] NAMES = {
        "NO_DIAGNOSTIC", "CONTROL_DETECTION_TIME_EXPIRED", "ECHO_FUNCTION_FAILED", "NEIGHBOR_SIGNALED_SESSION_DOWN",
        "FORWARDING_PLANE_RESET", "PATH_DOWN", "CONCATENATED_PATH_DOWN", "ADMINISTRATIVELY_DOWN",
        "REVERSE_CONCATENATED_PATH_DOWN"
    };

    public Diagnostic {
        if (code < 0 || code > 31) {
            throw new IllegalArgumentException("BFD diagnostic is a 5-bit field (0-31), got " + code);
        }
    }

    /** The RFC 5880 §4.1 name in upper snake case, or {@code RESERVED_<n>} for codes 9-31. */
    public String name() {
        return code < NAMES.length ? NAMES[code] : "RESERVED_" + code;
    }

    @Override
    public String toString() {
        return name();
    }
}
