package dev.viaduct.bgp.fsm;

import dev.viaduct.bgp.wire.BgpMessage.Notification;

/**
 * Why a session (or session attempt) ended. {@code notification} is the one sent or received, if any;
 * RFC 4724 §4.2 keeps a graceful-restart peer's routes only when the session ended without one.
 */
public record DownReason(Kind kind, String text, Notification notification) {
    public enum Kind {
        /** We sent a NOTIFICATION (error detected here, or hold timer expired). */
        NOTIFICATION_SENT,
        /** The peer sent a NOTIFICATION. */
        NOTIFICATION_RECEIVED,
        /** The TCP connection closed or failed without a NOTIFICATION. */
        CONNECTION_LOST,
        /** Stopped here (peer removed, speaker stopped, administrative down). */
        ADMIN_DOWN,
        /** Taken down at once by the embedding application, e.g. BFD said the path is gone (RFC 5882). */
        HARD_DOWN
    }

    /** Whether a graceful-restart receiving speaker keeps the peer's routes (RFC 4724 §4.2). */
    public boolean retainsRoutes() {
        return kind == Kind.CONNECTION_LOST;
    }

    @Override
    public String toString() {
        return kind + ": " + text;
    }
}
