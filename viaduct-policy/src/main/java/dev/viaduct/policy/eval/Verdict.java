package dev.viaduct.policy.eval;

import java.util.List;

/**
 * Whether a connection is allowed, with each direction's account: the source pod's egress and the
 * destination pod's ingress. Allowed only when both allow.
 */
public record Verdict(boolean allowed, Side egress, Side ingress) {
    /**
     * One direction at one pod.
     *
     * @param pod        {@code namespace/name} of the pod on this side, or null when that side is no pod
     * @param selectedBy policies selecting the pod for this direction ({@code ns/name}, sorted)
     * @param allowedBy  the first rule allowing it ({@code ns/name ingress[0]}), or null
     * @param reason     why, in words
     */
    public record Side(String pod, List<String> selectedBy, boolean allowed, String allowedBy, String reason) {
        public Side {
            selectedBy = List.copyOf(selectedBy);
        }
    }
}
