package dev.viaduct.agent.overlay;

/**
 * Which of this node's tunnel devices can carry traffic right now. Encapsulating towards a peer needs a
 * working device at both ends: ours (this record) and the peer's (for VXLAN: its VTEP published in its node
 * record, which it does only once its device is up).
 *
 * @param vxlanReady  {@code vxlan.viaduct} is up with its VTEP address, and the VTEP is published
 * @param ipipReady   {@code tunl0} is up
 * @param ipipProblem why IPIP is not ready when it is wanted (e.g. the kernel has no ipip support), or ""
 */
public record LocalTunnels(boolean vxlanReady, boolean ipipReady, String ipipProblem) {
    public static final LocalTunnels NONE = new LocalTunnels(false, false, "");

    public LocalTunnels {
        ipipProblem = ipipProblem == null ? "" : ipipProblem;
    }
}
