package dev.viaduct.cni.spec;

/**
 * The CNI spec's well-known error codes (SPEC.md "Error": 1-99 reserved) plus Viaduct's own (100+).
 */
public enum CniErrorCode {
    INCOMPATIBLE_VERSION(1),
    UNSUPPORTED_FIELD(2),
    CONTAINER_UNKNOWN(3),
    INVALID_ENVIRONMENT(4),
    IO_FAILURE(5),
    DECODE_FAILURE(6),
    INVALID_CONFIG(7),
    TRY_AGAIN_LATER(11),
    /** STATUS: the plugin cannot serve ADD requests. */
    PLUGIN_NOT_AVAILABLE(50),
    /** STATUS: not available, and existing pods may have limited connectivity. */
    PLUGIN_NOT_AVAILABLE_LIMITED_CONNECTIVITY(51),
    /** No address left in any usable pool for this node. */
    ADDRESS_EXHAUSTED(100),
    /** A requested static address is taken, reserved or outside every pool. */
    ADDRESS_UNAVAILABLE(101),
    /** The kernel refused a change (netlink error); the message names the operation. */
    DATAPLANE_FAILURE(102),
    /** CHECK found the pod's networking not as ADD left it. */
    CHECK_FAILED(103);

    private final int code;

    CniErrorCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
