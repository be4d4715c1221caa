package dev.viaduct.bgp.wire;

/** NOTIFICATION error codes and subcodes (RFC 4271 §4.5, §6; RFC 4486; RFC 5492; RFC 6608; RFC 7313). */
public final class ErrorCodes {
    private ErrorCodes() {
    }

    public static final int MESSAGE_HEADER = 1;
    public static final int OPEN_MESSAGE = 2;
    public static final int UPDATE_MESSAGE = 3;
    public static final int HOLD_TIMER_EXPIRED = 4;
    public static final int FSM = 5;
    public static final int CEASE = 6;
    public static final int ROUTE_REFRESH_MESSAGE = 7;

    // Message Header Error subcodes (RFC 4271 §6.1)
    public static final int CONNECTION_NOT_SYNCHRONIZED = 1;
    public static final int BAD_MESSAGE_LENGTH = 2;
    public static final int BAD_MESSAGE_TYPE = 3;

    // OPEN Message Error subcodes (RFC 4271 §6.2, RFC 5492 §5)
    public static final int UNSUPPORTED_VERSION = 1;
    public static final int BAD_PEER_AS = 2;
    public static final int BAD_BGP_IDENTIFIER = 3;
    public static final int UNSUPPORTED_OPTIONAL_PARAMETER = 4;
    public static final int UNACCEPTABLE_HOLD_TIME = 6;
    public static final int UNSUPPORTED_CAPABILITY = 7;

    // UPDATE Message Error subcodes (RFC 4271 §6.3)
    public static final int MALFORMED_ATTRIBUTE_LIST = 1;
    public static final int UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE = 2;
    public static final int MISSING_WELL_KNOWN_ATTRIBUTE = 3;
    public static final int ATTRIBUTE_FLAGS_ERROR = 4;
    public static final int ATTRIBUTE_LENGTH_ERROR = 5;
    public static final int INVALID_ORIGIN_ATTRIBUTE = 6;
    public static final int INVALID_NEXT_HOP_ATTRIBUTE = 8;
    public static final int OPTIONAL_ATTRIBUTE_ERROR = 9;
    public static final int INVALID_NETWORK_FIELD = 10;
    public static final int MALFORMED_AS_PATH = 11;

    // FSM Error subcodes (RFC 6608)
    public static final int FSM_UNEXPECTED_IN_OPENSENT = 1;
    public static final int FSM_UNEXPECTED_IN_OPENCONFIRM = 2;
    public static final int FSM_UNEXPECTED_IN_ESTABLISHED = 3;

    // Cease subcodes (RFC 4486)
    public static final int CEASE_MAX_PREFIXES = 1;
    public static final int CEASE_ADMIN_SHUTDOWN = 2;
    public static final int CEASE_PEER_DECONFIGURED = 3;
    public static final int CEASE_ADMIN_RESET = 4;
    public static final int CEASE_CONNECTION_REJECTED = 5;
    public static final int CEASE_OTHER_CONFIG_CHANGE = 6;
    public static final int CEASE_CONNECTION_COLLISION = 7;
    public static final int CEASE_OUT_OF_RESOURCES = 8;

    // ROUTE-REFRESH Message Error subcodes (RFC 7313 §5)
    public static final int INVALID_MESSAGE_LENGTH = 1;

    /** "OPEN Message Error / Bad Peer AS (2/2)" style text for logs and status. */
    public static String describe(int code, int subcode) {
        String c = switch (code) {
            case MESSAGE_HEADER -> "Message Header Error";
            case OPEN_MESSAGE -> "OPEN Message Error";
            case UPDATE_MESSAGE -> "UPDATE Message Error";
            case HOLD_TIMER_EXPIRED -> "Hold Timer Expired";
            case FSM -> "Finite State Machine Error";
            case CEASE -> "Cease";
            case ROUTE_REFRESH_MESSAGE -> "ROUTE-REFRESH Message Error";
            default -> "error code " + code;
        };
        String s = switch (code) {
            case MESSAGE_HEADER -> switch (subcode) {
                case CONNECTION_NOT_SYNCHRONIZED -> "Connection Not Synchronized";
                case BAD_MESSAGE_LENGTH -> "Bad Message Length";
                case BAD_MESSAGE_TYPE -> "Bad Message Type";
                default -> null;
            };
            case OPEN_MESSAGE -> switch (subcode) {
                case UNSUPPORTED_VERSION -> "Unsupported Version Number";
                case BAD_PEER_AS -> "Bad Peer AS";
                case BAD_BGP_IDENTIFIER -> "Bad BGP Identifier";
                case UNSUPPORTED_OPTIONAL_PARAMETER -> "Unsupported Optional Parameter";
                case UNACCEPTABLE_HOLD_TIME -> "Unacceptable Hold Time";
                case UNSUPPORTED_CAPABILITY -> "Unsupported Capability";
                default -> null;
            };
            case UPDATE_MESSAGE -> switch (subcode) {
                case MALFORMED_ATTRIBUTE_LIST -> "Malformed Attribute List";
                case UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE -> "Unrecognized Well-known Attribute";
                case MISSING_WELL_KNOWN_ATTRIBUTE -> "Missing Well-known Attribute";
                case ATTRIBUTE_FLAGS_ERROR -> "Attribute Flags Error";
                case ATTRIBUTE_LENGTH_ERROR -> "Attribute Length Error";
                case INVALID_ORIGIN_ATTRIBUTE -> "Invalid ORIGIN Attribute";
                case INVALID_NEXT_HOP_ATTRIBUTE -> "Invalid NEXT_HOP Attribute";
                case OPTIONAL_ATTRIBUTE_ERROR -> "Optional Attribute Error";
                case INVALID_NETWORK_FIELD -> "Invalid Network Field";
                case MALFORMED_AS_PATH -> "Malformed AS_PATH";
                default -> null;
            };
            case CEASE -> switch (subcode) {
                case CEASE_MAX_PREFIXES -> "Maximum Number of Prefixes Reached";
                case CEASE_ADMIN_SHUTDOWN -> "Administrative Shutdown";
                case CEASE_PEER_DECONFIGURED -> "Peer De-configured";
                case CEASE_ADMIN_RESET -> "Administrative Reset";
                case CEASE_CONNECTION_REJECTED -> "Connection Rejected";
                case CEASE_OTHER_CONFIG_CHANGE -> "Other Configuration Change";
                case CEASE_CONNECTION_COLLISION -> "Connection Collision Resolution";
                case CEASE_OUT_OF_RESOURCES -> "Out of Resources";
                default -> null;
            };
            default -> null;
        };
        return c + (s == null ? "" : " / " + s) + " (" + code + "/" + subcode + ")";
    }
}
